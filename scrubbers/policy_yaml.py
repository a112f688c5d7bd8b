"""YAML loading that remembers where every key and item came from.

Policy errors must point at the line to fix. PyYAML's composed node tree has
the marks; this module turns it into plain Python data plus a map from each
value's path (``("rules", 3, "method")``) to its line number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

Path = tuple[str | int, ...]


class PolicyError(ValueError):
    """An invalid policy: the message names the source, line and key.

    Policies hold no patient data, yet messages still avoid echoing free-form
    values: they name keys and the allowed choices.
    """

    def __init__(self, source: str, line: int | None, path: Path, message: str) -> None:
        self.source = source
        self.line = line
        self.path = path
        where = f"{source}:{line}" if line else source
        key = format_path(path)
        super().__init__(f"{where}: {key + ': ' if key else ''}{message}")


def format_path(path: Path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


@dataclass(frozen=True, slots=True)
class LocatedDocument:
    """Plain data from a YAML document, with a line number for every path."""

    data: Any
    lines: Mapping[Path, int]
    source: str

    def error(self, path: Path, message: str) -> PolicyError:
        """A :class:`PolicyError` at the nearest known line for ``path``."""
        probe = path
        while probe and probe not in self.lines:
            probe = probe[:-1]
        return PolicyError(self.source, self.lines.get(probe), path, message)


def load_located(text: str, source: str) -> LocatedDocument:
    """Parse one YAML document; raise :class:`PolicyError` on syntax errors."""
    loader = yaml.SafeLoader(text)
    lines: dict[Path, int] = {}
    try:
        root = loader.get_single_node()
        if root is None:
            raise PolicyError(source, None, (), "the policy is empty")

        def convert(node: yaml.Node, path: Path) -> Any:
            lines[path] = node.start_mark.line + 1
            if isinstance(node, yaml.MappingNode):
                result: dict[str, Any] = {}
                for key_node, value_node in node.value:
                    key = loader.construct_object(key_node, deep=True)
                    if not isinstance(key, str):
                        raise PolicyError(
                            source, key_node.start_mark.line + 1, path, "keys must be strings"
                        )
                    if key in result:
                        raise PolicyError(
                            source, key_node.start_mark.line + 1, (*path, key), "duplicate key"
                        )
                    result[key] = convert(value_node, (*path, key))
                    lines[(*path, key)] = key_node.start_mark.line + 1
                return result
            if isinstance(node, yaml.SequenceNode):
                return [convert(item, (*path, index)) for index, item in enumerate(node.value)]
            return loader.construct_object(node, deep=True)

        data = convert(root, ())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise PolicyError(source, line, (), f"invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError:
        raise PolicyError(source, None, (), "invalid YAML") from None
    finally:
        loader.dispose()
    return LocatedDocument(data, lines, source)
