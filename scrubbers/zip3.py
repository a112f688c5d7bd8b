"""ZIP code generalization to the first three digits (Safe Harbor).

Safe Harbor keeps the initial three digits of a ZIP code only when the
geographic unit they form holds more than 20,000 people; the others become
``000``. The shipped list is HHS's, from the 2000 Census; a policy may point
at a newer one.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Final

_US_ZIP: Final = re.compile(r"\s*(\d{3})\d{2}(?:-?\d{4})?\s*")
BUILTIN_LIST: Final = "census-2000"


class ZipFormatError(ValueError):
    """Not a US ZIP code (5 digits, optionally +4). The message never quotes it."""


def parse_zip3_list(text: str, source: str) -> frozenset[str]:
    """Read one three-digit prefix per line; ``#`` starts a comment."""
    prefixes: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if len(line) != 3 or not line.isdigit():
            raise ValueError(f"{source}:{number}: expected a three-digit ZIP prefix")
        prefixes.add(line)
    return frozenset(prefixes)


def load_restricted(source: str = BUILTIN_LIST) -> frozenset[str]:
    """The built-in 2000 Census list, or a file path holding a newer list."""
    if source == BUILTIN_LIST:
        text = (
            resources.files("scrubbers.data")
            .joinpath("zip3_restricted_census2000.txt")
            .read_text(encoding="utf-8")
        )
        return parse_zip3_list(text, "zip3_restricted_census2000.txt")
    path = Path(source)
    return parse_zip3_list(path.read_text(encoding="utf-8"), str(path))


def zip3(value: str, restricted: frozenset[str]) -> str:
    """``02139-4307`` -> ``021``; a restricted area -> ``000``."""
    match = _US_ZIP.fullmatch(value)
    if match is None:
        raise ZipFormatError("not a US ZIP code")
    prefix = match.group(1)
    return "000" if prefix in restricted else prefix
