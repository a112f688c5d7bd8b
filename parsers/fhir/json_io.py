"""FHIR JSON and NDJSON in and out, with orjson.

Documents are parsed into plain dicts and lists (orjson keeps key order) and
written back with orjson: keys, order and values of everything the policy
does not touch come out as they went in. Whitespace is not kept (output is
compact), and a decimal written with trailing zeros (``1.50``) comes back as
the same number written shortest (``1.5``): orjson parses decimals as floats.

Errors are :class:`FHIRFormatError` naming the position or line, never content.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson


class FHIRFormatError(ValueError):
    """Input that is not usable FHIR JSON. Messages never quote content."""


def loads(data: bytes) -> dict[str, Any]:
    """One FHIR resource (or Bundle) from JSON bytes."""
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if _bad_utf8(data):
            raise FHIRFormatError("not valid UTF-8 (FHIR JSON must be UTF-8)") from None
        raise FHIRFormatError(f"invalid JSON at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(document, dict):
        raise FHIRFormatError("a FHIR document is a JSON object")
    resource_type = document.get("resourceType")
    if not isinstance(resource_type, str) or not resource_type:
        raise FHIRFormatError("the JSON object has no resourceType")
    return document


def dumps(document: dict[str, Any]) -> bytes:
    """The document as JSON; :class:`FHIRFormatError` when orjson cannot write it
    (nested deeper than it allows, an integer beyond 64 bits). Its messages name
    no values, but are replaced by a fixed one all the same."""
    try:
        return orjson.dumps(document)
    except orjson.JSONEncodeError:
        raise FHIRFormatError(
            "cannot be written as JSON (nested too deep, or a number out of range)"
        ) from None


def _bad_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def is_ndjson(data: bytes) -> bool:
    """True when the input is JSON objects one per line (a bulk export).

    Judged by shape, not by parsing, so a broken first line still fails alone:
    several lines, the first of them a whole ``{...}`` object.
    """
    body = data.strip()
    newline = body.find(b"\n")
    if newline < 0:
        return False
    first = body[:newline].strip()
    return first.startswith(b"{") and first.endswith(b"}")


def ndjson_lines(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(line number, line) for each non-blank line of an NDJSON input."""
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.strip():
            yield number, line.rstrip(b"\r")
