"""Per-version HL7v2 reference data: the datatype of every field of every segment.

Loaded from hl7apy's bundled tables once per version, at first use, and
cached (about 20-40 ms per version). hl7apy is used for what it is good at,
its reference data, and never to parse messages on the hot path.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Final

import hl7apy
from hl7apy.exceptions import ChildNotFound, UnsupportedVersion

SUPPORTED: Final = (
    "2.1",
    "2.2",
    "2.3",
    "2.3.1",
    "2.4",
    "2.5",
    "2.5.1",
    "2.6",
    "2.7",
    "2.8",
    "2.8.1",
    "2.8.2",
)
FALLBACK_VERSION: Final = "2.5"


@dataclass(frozen=True, slots=True)
class FieldInfo:
    number: int
    datatype: str  # e.g. "XPN", "CX", "TS", "ST"
    name: str  # e.g. "PATIENT_NAME"


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def resolve_version(declared: str) -> str:
    """The supported version to use for MSH-12: exact, else the nearest older one.

    ``2.7.1`` reads as 2.7; garbage or anything older than 2.1 reads as 2.5.
    """
    text = declared.strip()
    if text in SUPPORTED:
        return text
    try:
        wanted = _version_key(text)
    except ValueError:
        return FALLBACK_VERSION
    older = [v for v in SUPPORTED if _version_key(v) <= wanted]
    return older[-1] if older else FALLBACK_VERSION


@functools.cache
def segment_fields(version: str, segment: str) -> tuple[FieldInfo, ...] | None:
    """Fields of ``segment`` in ``version`` (a supported version), or None if unknown."""
    try:
        library = hl7apy.load_library(version)
    except UnsupportedVersion:
        return None
    if segment not in library.SEGMENTS:
        return None
    try:
        structure = library.get(segment, "Segment")
    except ChildNotFound:
        return None
    if not structure or len(structure) < 2 or not structure[1]:
        return None
    fields = []
    for position, child in enumerate(structure[1], start=1):
        if not isinstance(child, tuple | list) or len(child) < 2:
            return None  # a malformed definition (v2.1 ORO): the segment reads as unknown
        name, definition = child[0], child[1]
        if not definition:  # pseudo-segments such as ANYHL7SEGMENT
            return None
        if not isinstance(definition, tuple | list) or len(definition) < 4:
            return None
        # definition: (kind, children_or_None, datatype, LONG_NAME, table, max_length);
        # children are named SEG_N, positional where the name has no number.
        suffix = name.rsplit("_", 1)[-1]
        number = int(suffix) if suffix.isdigit() else position
        fields.append(FieldInfo(number, str(definition[2]), str(definition[3])))
    return tuple(fields)


WITHDRAWN: Final = "WD"


@functools.cache
def defining_version(version: str, segment: str) -> str | None:
    """The supported version whose tables define ``segment``: ``version`` itself,
    else the nearest newer one, else the nearest older one; None when none does.

    Senders put segments of later versions into messages that declare an older one
    (PRT, 2.7+, in a 2.5.1 message): its fields are where that version says.
    """
    if segment_fields(version, segment) is not None:
        return version
    if version not in SUPPORTED:
        return None
    at = SUPPORTED.index(version)
    for candidate in (*SUPPORTED[at + 1 :], *reversed(SUPPORTED[:at])):
        if segment_fields(candidate, segment) is not None:
            return candidate
    return None


@functools.cache
def defined_datatype(version: str, segment: str, number: int) -> str | None:
    """The datatype of field ``number`` in the nearest version that defines it.

    For a field that ``version`` withdrew (``WD``) or that its tables leave out
    (hl7apy has no PR1-11 in 2.6 and 2.7), the nearest older version that gives
    it a datatype, else the nearest newer one; None when no version does. Field
    positions are stable across versions, so senders still fill such fields.
    """
    if version not in SUPPORTED:
        return None
    at = SUPPORTED.index(version)
    for candidate in (*reversed(SUPPORTED[:at]), *SUPPORTED[at + 1 :]):
        for info in segment_fields(candidate, segment) or ():
            if info.number == number:
                if info.datatype and info.datatype.upper() != WITHDRAWN:
                    return info.datatype
                break
    return None


def preload() -> int:
    """Read every segment of every supported version now (about 0.3 s), so that no
    record pays for it later; returns the number of segment definitions read."""
    count = 0
    for version in SUPPORTED:
        for segment in hl7apy.load_library(version).SEGMENTS:
            segment_fields(version, segment)
            count += 1
    return count
