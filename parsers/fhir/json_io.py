"""FHIR JSON and NDJSON in and out, with orjson.

Documents are parsed into plain dicts and lists (orjson keeps key order) and
written back with orjson: keys, order and values of everything the policy
does not touch come out as they went in. Whitespace is not kept (output is
compact).

Numbers keep their text. FHIR gives a decimal's precision meaning (``0.010``
is not ``0.01``), but orjson reads numbers as floats and writes them
shortest, so ``1.50`` would come back ``1.5``, ``1E5`` as ``100000.0`` and a
20-digit integer rounded. Documents are therefore read with the standard
library's ``json``, each such number becoming a :class:`NumberText` (a float
that remembers how it was written), which orjson writes back unchanged; the
rest come out as plain floats and integers. Measured on the Synthea sample
documents, that read costs about 3-4 ms per MB against orjson's 2, less than
orjson plus the scan for such numbers it replaced (1-16 ms per MB). orjson
still decides what is valid JSON where the two differ: ``NaN`` and
``Infinity`` are refused, and so is a lone surrogate escape.

Errors are :class:`FHIRFormatError` naming the position or line, never content.
"""

from __future__ import annotations

import decimal
import json
import math
import re
from collections.abc import Iterator
from typing import Any, Final

import orjson

UTF8_BOM: Final = b"\xef\xbb\xbf"


class FHIRFormatError(ValueError):
    """Input that is not usable FHIR JSON. Messages never quote content."""


def loads(data: bytes) -> dict[str, Any]:
    """One FHIR resource (or Bundle) from JSON bytes.

    A UTF-8 byte order mark before the document is read past (RFC 8259 lets a
    reader ignore it; tools on Windows write one) and not written back.
    """
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise FHIRFormatError("not valid UTF-8 (FHIR JSON must be UTF-8)") from None
    if _SURROGATE_ESCAPE.search(data):
        _strict(data)  # orjson refuses a lone surrogate ("\ud800"), which JSON allows
    try:
        document = json.loads(
            text,
            parse_float=_float_keeping_text,
            parse_int=_int_keeping_text,
            parse_constant=_no_constant,
        )
    except json.JSONDecodeError as exc:
        raise FHIRFormatError(f"invalid JSON at line {exc.lineno} column {exc.colno}") from None
    except ValueError:
        # An integer of more digits than int() reads (sys.get_int_max_str_digits(),
        # 4,300), or a number beyond a double (1e99999): no FHIR value, and orjson
        # refuses both too (the verifier's reader: it could not check the output).
        raise FHIRFormatError("a JSON number too large to read") from None
    except RecursionError:
        raise FHIRFormatError("nested too deep to read") from None
    if not isinstance(document, dict):
        raise FHIRFormatError("a FHIR document is a JSON object")
    resource_type = document.get("resourceType")
    if not isinstance(resource_type, str) or not resource_type:
        raise FHIRFormatError("the JSON object has no resourceType")
    return document


# A \uXXXX escape of a surrogate: valid only in a pair, which orjson checks.
_SURROGATE_ESCAPE: Final = re.compile(rb"\\u[dD][89a-fA-F]")


def _strict(data: bytes) -> None:
    try:
        orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise FHIRFormatError(f"invalid JSON at line {exc.lineno} column {exc.colno}") from None


def _no_constant(name: str) -> float:
    raise json.JSONDecodeError(f"{name} is not JSON", name, 0)


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


def _float_keeping_text(text: str) -> float:
    value = float(text)
    if (
        len(text) < 16
        and text[-1] != "0"
        and "e" not in text
        and "E" not in text
        and not text.startswith(("0.0", "-0.0"))
    ):
        return value  # orjson writes these as they are (shortest round trip)
    if value in _INFINITE:
        raise ValueError("beyond a double")  # see loads()
    if orjson.dumps(value) == text.encode():
        return value
    return NumberText(value, text)


_INFINITE: Final = (math.inf, -math.inf)


def _int_keeping_text(text: str) -> int | float:
    value = int(text)
    if -(2**63) <= value < 2**64 and text != "-0":
        return value
    return NumberText(float(text), text)


# How far from the point a number's plain form may reach (see plain_number).
PLAIN_DIGITS_MAX: Final = 64


def plain_number(text: str) -> str | None:
    """A JSON number as written without its exponent (``196.10615E5`` is
    ``19610615``), the digits a reader takes it for; None when its leading
    digit sits more than :data:`PLAIN_DIGITS_MAX` places from the point, or it
    is no number.

    The bound is what keeps a 20-byte record from costing gigabytes:
    ``1e-999999999`` is a valid JSON number (a double reads it as 0.0), and its
    plain form a billion characters. Identifiers and dates written with an
    exponent are far shorter."""
    try:
        number = decimal.Decimal(text)
    except (ArithmeticError, ValueError):
        return None
    if not number.is_finite() or abs(number.adjusted()) > PLAIN_DIGITS_MAX:
        return None
    return format(number, "f")


def _number_text(value: object) -> orjson.Fragment:
    """orjson's hook for types it does not know: a :class:`NumberText` as written."""
    if isinstance(value, NumberText):
        return orjson.Fragment(value.text)
    raise TypeError


def is_ndjson(data: bytes) -> bool:
    """True when the input is JSON objects one per line (a bulk export).

    Judged by shape, not by parsing, so a broken line still fails alone: several
    lines, the first of them a whole ``{...}`` object. A broken first line (cut
    short, an array, junk) does not hide the lines after it: when every later
    line is a whole object and the input as a whole is not JSON, it is NDJSON
    too. A JSON document wrapped over lines is never NDJSON by that rule (it
    parses), and a pretty-printed one fails at its second line (no ``{``).
    """
    body = data.removeprefix(UTF8_BOM).strip()
    newline = body.find(b"\n")
    if newline < 0:
        return False
    first = body[:newline].strip()
    if first.startswith(b"{") and first.endswith(b"}"):
        return True
    start = newline + 1
    while start < len(body):  # line by line, stopping at the first that is no object
        end = body.find(b"\n", start)
        line = body[start : end if end >= 0 else len(body)].strip()
        if line and not (line.startswith(b"{") and line.endswith(b"}")):
            return False
        if end < 0:
            break
        start = end + 1
    try:
        orjson.loads(body)
    except orjson.JSONDecodeError:
        return True
    return False


def ndjson_lines(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(line number, line) for each non-blank line of an NDJSON input."""
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.strip():
            yield number, line.rstrip(b"\r")
