"""FHIR JSON and NDJSON in and out, with orjson.

Documents are parsed into plain dicts and lists (orjson keeps key order) and
written back with orjson: keys, order and values of everything the policy
does not touch come out as they went in. Whitespace is not kept (output is
compact).

Numbers keep their text. FHIR gives a decimal's precision meaning (``0.010``
is not ``0.01``), but orjson reads numbers as floats and writes them
shortest, so ``1.50`` would come back ``1.5``, ``1E5`` as ``100000.0`` and a
20-digit integer rounded. A document with such a number is read a second
time with the standard library, each such number becoming a
:class:`NumberText` (a float that remembers how it was written), and orjson
writes that text back unchanged. Documents without one, the usual case, pay
for one regular-expression scan.

Errors are :class:`FHIRFormatError` naming the position or line, never content.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, Final

import orjson


class FHIRFormatError(ValueError):
    """Input that is not usable FHIR JSON. Messages never quote content."""


def loads(data: bytes) -> dict[str, Any]:
    """One FHIR resource (or Bundle) from JSON bytes."""
    document: dict[str, Any]
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if _bad_utf8(data):
            raise FHIRFormatError("not valid UTF-8 (FHIR JSON must be UTF-8)") from None
        raise FHIRFormatError(f"invalid JSON at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(document, dict):  # orjson.loads is typed Any
        raise FHIRFormatError("a FHIR document is a JSON object")
    if _has_reshaped_number(data):
        document = _exact(data)
    resource_type = document.get("resourceType")
    if not isinstance(resource_type, str) or not resource_type:
        raise FHIRFormatError("the JSON object has no resourceType")
    return document


def _exact(data: bytes) -> dict[str, Any]:
    """The document read again, each number orjson would reshape as a :class:`NumberText`."""
    try:
        exact: dict[str, Any] = json.loads(
            data, parse_float=_float_keeping_text, parse_int=_int_keeping_text
        )
    except RecursionError:
        raise FHIRFormatError("nested too deep to read") from None
    return exact


def dumps(document: dict[str, Any]) -> bytes:
    """The document as JSON; :class:`FHIRFormatError` when orjson cannot write it
    (nested deeper than it allows, an integer beyond 64 bits). Its messages name
    no values, but are replaced by a fixed one all the same."""
    try:
        return orjson.dumps(document, default=_number_text)
    except orjson.JSONEncodeError:
        raise FHIRFormatError(
            "cannot be written as JSON (nested too deep, or a number out of range)"
        ) from None


class NumberText(float):
    """A JSON number whose text orjson would not write back as it was read.

    It is a float everywhere (comparisons, arithmetic, ``isinstance``), so the
    scrubber treats it like any other number; a value the policy replaces
    becomes a plain number and loses the text with it.
    """

    __slots__ = ("text",)

    text: str

    def __new__(cls, value: float, text: str) -> NumberText:
        number = super().__new__(cls, value)
        number.text = text
        return number

    def __reduce__(self) -> tuple[type[NumberText], tuple[float, str]]:
        return NumberText, (float(self), self.text)


# A number token: after ``:``, ``[`` or ``,`` and before ``,``, ``]`` or ``}``
# (whitespace allowed), with a fraction or an exponent, or a long integer, or
# a negative zero. Digits inside strings can match too; that only costs the
# second, exact read.
_CANDIDATE: Final = re.compile(
    rb"[:\[,][ \t\r\n]*"
    rb"(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+(?:[eE][+-]?[0-9]+)?|[eE][+-]?[0-9]+)|-?[0-9]{19,}|-0)"
    rb"(?=[ \t\r\n]*[,}\]])"
)


def _has_reshaped_number(data: bytes) -> bool:
    """True when some number in ``data`` would not be written back as it reads."""
    for match in _CANDIDATE.finditer(data):
        token = match.group(1)
        if orjson.dumps(orjson.loads(token)) != token:
            return True
    return False


def _float_keeping_text(text: str) -> float:
    value = float(text)
    if orjson.dumps(value) == text.encode():
        return value
    return NumberText(value, text)


def _int_keeping_text(text: str) -> int | float:
    value = int(text)
    if -(2**63) <= value < 2**64 and text != "-0":
        return value
    return NumberText(float(text), text)


def _number_text(value: object) -> orjson.Fragment:
    """orjson's hook for types it does not know: a :class:`NumberText` as written."""
    if isinstance(value, NumberText):
        return orjson.Fragment(value.text)
    raise TypeError


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
