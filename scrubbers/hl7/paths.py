"""HL7 field-path patterns for policy rules: ``PID-5``, ``PID-11.5``, ``NK1-*``, ``Z*``.

A pattern is ``SEGMENT[-FIELD[.COMPONENT]]`` where ``SEGMENT`` may use ``*``
as a wildcard (``Z*`` is every Z-segment, ``*`` every segment) and ``FIELD``
or ``COMPONENT`` may be ``*``. A pattern matches a value's path when it
matches the path's leading parts: ``PID-11`` matches ``PID-11.5``; ``NK1``
matches every field of NK1 and the segment itself (for ``drop``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

_PATTERN: Final = re.compile(r"([A-Z0-9*]{1,3})(?:-(\d{1,3}|\*)(?:\.(\d{1,3}|\*))?)?")

PathPredicate = Callable[[str], bool]


class HL7PathError(ValueError):
    """A malformed HL7 path pattern."""


def compile_path(pattern: str) -> re.Pattern[str]:
    """A regex matching target paths (``SEG``, ``SEG-F`` or ``SEG-F.C``) under ``pattern``."""
    match = _PATTERN.fullmatch(pattern.strip().upper())
    if match is None:
        raise HL7PathError(
            "HL7 paths look like PID-5, PID-11.5, NK1-*, Z* (segment[-field[.component]])"
        )
    segment, field, component = match.groups()
    if "*" not in segment and len(segment) != 3:
        raise HL7PathError("segment ids have three characters (use * as a wildcard)")
    regex = re.escape(segment).replace(r"\*", "[A-Z0-9]*")
    if field is not None:
        regex += r"-" + (r"\d+" if field == "*" else field)
        if component is not None:
            regex += r"\." + (r"\d+" if component == "*" else component)
    return re.compile(regex + r"(?:$|[-.])")
