"""What an HL7v2 value looks like: a timestamp, a code, a number.

The field handlers ask these before trusting a field's declared datatype,
because senders put other things in fields: a name in a date field, free text
in a code field, an identifier in a number field.
"""

from __future__ import annotations

import re
from typing import Final

from scrubbers.zip3 import postal_namespace

TIMESTAMP_HINT: Final = re.compile(r"(?:19|20)\d{6}")
TIMESTAMP: Final = re.compile(
    r"(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
    r"(?:\d{2}(?:\d{2}(?:\d{2}(?:\.\d{1,4})?)?)?)?(?:[+-]\d{4})?"
)
# What a date component may hold and keep as it is under a rule that keeps dates:
# an HL7 date/time at any precision (YYYY to YYYYMMDDHHMMSS.SSSS, with a zone).
DATE_LIKE: Final = re.compile(r"\d{4,14}(?:\.\d{1,4})?(?:[+-]\d{4})?")
_MAX_CODE: Final = 20
# Whitespace, a timestamp, or an SSN/phone/email shape: not a code.
_NOT_CODE: Final = re.compile(
    r"\s|(?:19|20)\d{6}|\d{3}[-. ]\d{2}[-. ]\d{4}|\d{3}[-. ]\d{3}[-. ]\d{4}|\d{3}[-.]\d{4}\b|@"
)
NUMBER: Final = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)")
# A run of five digits, or seven digits in groups joined by single separators: the
# cheap test before :func:`looks_like_identifier`.
DIGIT_RUN: Final = re.compile(r"\d{5}|(?:\d[-./_]?){6}\d")
# Groups of letters and digits joined by hyphens, dots, slashes or underscores.
_SEPARATED_GROUPS: Final = re.compile(r"[^\W_]+(?:[-./_][^\W_]+)+")
_LETTER: Final = re.compile(r"[^\W\d_]")
_TABLE_NAME: Final = re.compile(r"HL7\d{4,5}", re.IGNORECASE)
HAS_DIGIT: Final = re.compile(r"\d")
# A unit of measure a sender shifted into a number field (RXO-3 "mg/m2", one field
# off): letters with an exponent digit at most per part, joined by "/", "." or "*"
# ("mg/m2", "mL/min", "kg/m2", "m2"). No identifier is written so: an identifier
# has a run of digits ("V0048213").
UNIT_OF_MEASURE: Final = re.compile(
    r"[A-Za-z\u00b5\u03bc%]{1,6}\d?(?:[/.*][A-Za-z\u00b5\u03bc%]{1,6}\d?){0,3}"
)
# A Medicare Beneficiary Identifier (1EG4-TE5-MK73; no S, L, O, I, B or Z): no
# digit run, yet no table's code.
_MBI_LENGTHS: Final = (11, 13)
_MBI: Final = re.compile(
    r"[1-9][ac-hj-km-np-rt-y][ac-hj-km-np-rt-y\d]\d-?[ac-hj-km-np-rt-y][ac-hj-km-np-rt-y\d]\d-?"
    r"[ac-hj-km-np-rt-y]{2}\d{2}",
    re.IGNORECASE,
)


def is_code(value: str) -> bool:
    """A value that reads as a code (or several): at most 20 characters, no
    whitespace, no timestamp, SSN, phone or email shape in it."""
    return len(value) <= _MAX_CODE and _NOT_CODE.search(value) is None


def identifier_hint(value: str) -> bool:
    """The cheap test before :func:`looks_like_identifier`: a digit run, or an MBI's
    length and shape."""
    return DIGIT_RUN.search(value) is not None or (
        len(value) in _MBI_LENGTHS and _MBI.fullmatch(value) is not None
    )


def looks_like_identifier(value: str) -> bool:
    """A code-shaped value that reads as an identifier rather than a table code:
    nine digits or more (a national id, a phone number), or a run of five digits
    beside letters (a visit number ``V0048213``), also with its groups joined by
    hyphens, dots, slashes or underscores, where seven digits in groups count as
    the run (a Medicare number ``VT-MCR-1234567``, a visit ``VIS-EMG-2026-901``).
    Codes of the small HL7 tables are short; ``01100000`` (eight digits),
    ``2106-3``, ``R50.9`` or ``S62.101A`` do not qualify, nor do an HL7 date/time
    (a date) and an HL7 table name (``HL70007``). A Medicare Beneficiary
    Identifier's shape (``7QX4-FH2-WK38``) is one too."""
    if len(value) in _MBI_LENGTHS and _MBI.fullmatch(value) is not None:
        return True
    if (
        DIGIT_RUN.search(value) is None
        or TIMESTAMP.fullmatch(value)
        or _TABLE_NAME.fullmatch(value)
    ):
        return False
    if value.isdigit():
        return len(value) >= 9
    if _LETTER.search(value) is None:
        return False
    return value.isalnum() or _SEPARATED_GROUPS.fullmatch(value) is not None


_ADDRESS_COUNTRY: Final = 5  # XAD.6 and AD.6, 0-based


def address_postal_namespace(comps: list[str], subcomponent: str) -> str:
    """The namespace of the postal code of an address's components (XAD, AD, or a
    field in their layout): its country's (XAD.6), see :func:`postal_namespace`."""
    if len(comps) <= _ADDRESS_COUNTRY:
        return ""
    return postal_namespace(comps[_ADDRESS_COUNTRY].split(subcomponent, 1)[0])
