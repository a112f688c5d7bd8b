"""FHIR element-path patterns for policy rules: ``Patient.birthDate``, ``*.telecom``.

A pattern is a dotted element path from a resource type; ``*`` stands for
one path segment (``*.address.postalCode`` is every resource's). A pattern
matches a value's path when it matches the path's leading segments:
``Patient.name`` matches ``Patient.name.family``. Datatypes are selected
with the ``datatype`` selector (``HumanName``, ``Address``, ``date``, ...).
"""

from __future__ import annotations

import re
from typing import Final

_SEGMENT: Final = re.compile(r"[A-Za-z][A-Za-z0-9]*(\[x\])?|\*")


class FHIRPathError(ValueError):
    """A malformed FHIR path pattern."""


def compile_path(pattern: str) -> re.Pattern[str]:
    segments = pattern.strip().split(".")
    if not segments or not all(_SEGMENT.fullmatch(s) for s in segments):
        raise FHIRPathError(
            "FHIR paths look like Patient.birthDate, Coverage.subscriberId, *.telecom"
        )
    parts = []
    for segment in segments:
        if segment == "*":
            parts.append(r"[^.]+")
        elif segment.endswith("[x]"):
            parts.append(re.escape(segment[:-3]) + r"[A-Za-z]*")
        else:
            parts.append(re.escape(segment))
    return re.compile(r"\.".join(parts) + r"(?:$|\.)")
