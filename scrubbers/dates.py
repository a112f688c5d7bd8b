"""Lexical date handling shared by every format: shift and truncate in place.

Dates arrive as HL7v2 DT/DTM/TS (``YYYY[MM[DD[HHMM[SS[.S...]]]]][+/-ZZZZ]``)
or ISO 8601 / FHIR (``YYYY[-MM[-DD[Thh:mm[:ss[.f...]]][Z|+hh:mm]]]``). Rather
than parse into ``datetime`` and format back (which changes precision,
fractional digits and offsets, as fhir.resources' round-trip does), only the
calendar-date prefix is rewritten; everything after it (time of day,
fractions, timezone) is copied byte for byte. So a shifted value has exactly
the input's precision, form and timezone, and whole-day shifts preserve
every interval between one patient's dates.
"""

from __future__ import annotations

import functools
import re
from datetime import date
from typing import Final, NamedTuple

# The calendar part of each style; the suffix is checked only when present.
_HL7_DATE: Final = re.compile(r"(\d{4})(\d{2})?(\d{2})?")
_ISO_DATE: Final = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_HL7_REST: Final = re.compile(r"(?:\d{2}(?:\d{2}(?:\d{2}(?:\.\d{1,4})?)?)?)?(?:[+-]\d{4})?")
_ISO_REST: Final = re.compile(r"(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:\d{2})?")

_Split = tuple[int, int | None, int | None, bool, str]
# Years a year-and-month HL7 value (YYYYMM) can name; outside them its six digits are
# another layout.
_PLAUSIBLE_YEARS: Final = (1800, 2200)


class DateFormatError(ValueError):
    """The value is not a date in a supported form. The message never quotes it."""


class PartialDate(NamedTuple):
    """A calendar date with the precision it was given in, plus the untouched suffix."""

    year: int
    month: int | None
    day: int | None
    iso: bool  # ISO/FHIR style (dashes) rather than HL7
    rest: str


def _split(value: str) -> _Split:
    """(year, month, day, iso, rest); raises :class:`DateFormatError`.

    Leaner than :func:`parse` (no object, no separate day check): this is the
    per-value hot path. Day validity is checked where a ``date`` is built.
    """
    text = value.strip()
    iso = text[4:5] == "-"
    # Fast paths for full dates (the common case); partial dates take the regex.
    if not iso and len(text) >= 8 and text[:8].isdecimal():
        year, month, day, rest = int(text[:4]), int(text[4:6]), int(text[6:8]), text[8:]
    elif (
        iso
        and len(text) >= 10
        and text[7] == "-"
        and text[:4].isdecimal()
        and text[5:7].isdecimal()
        and text[8:10].isdecimal()
    ):
        year, month, day, rest = int(text[:4]), int(text[5:7]), int(text[8:10]), text[10:]
    else:
        return _split_partial(text, iso)
    if rest and (_ISO_REST if iso else _HL7_REST).fullmatch(rest) is None:
        raise DateFormatError("unrecognised time or timezone after the date")
    if not 1 <= month <= 12:
        raise DateFormatError("date out of range (month)")
    return year, month, day, iso, rest


def _split_partial(text: str, iso: bool) -> _Split:
    match = (_ISO_DATE if iso else _HL7_DATE).match(text)
    if match is None:
        raise DateFormatError("not a date in a supported HL7 or ISO 8601 form")
    year_s, month_s, day_s = match.groups()
    rest = text[match.end() :]
    if rest and (day_s is None or (_ISO_REST if iso else _HL7_REST).fullmatch(rest) is None):
        raise DateFormatError("unrecognised time or timezone after the date")
    month = int(month_s) if month_s else None
    if month is not None and not 1 <= month <= 12:
        raise DateFormatError("date out of range (month)")
    year = int(year_s)
    if (
        not iso
        and day_s is None
        and month_s
        and not _PLAUSIBLE_YEARS[0] <= year <= _PLAUSIBLE_YEARS[1]
    ):
        # Six digits that are no YYYYMM: a legacy YYMMDD ("610303" read as March 6103
        # kept "6103", the birth year and month).
        raise DateFormatError("date out of range (year)")
    return year, month, int(day_s) if day_s else None, iso, rest


def _calendar(year: int, month: int | None, day: int | None) -> date:
    try:
        return date(year, month or 1, day or 1)
    except ValueError:
        raise DateFormatError("date out of range (year or day)") from None


def parse(value: str) -> PartialDate:
    """Split a date/time value into its calendar part and the suffix to keep."""
    year, month, day, iso, rest = _split(value)
    _calendar(year, month, day)
    return PartialDate(year, month, day, iso, rest)


@functools.lru_cache(maxsize=16_384)
def shift(value: str, days: int) -> str:
    """Move a date by whole days, keeping precision, form and timezone.

    Partial dates (year, year-month) shift their first day and are cut back to
    their precision, so a year-only value moves by at most one year.
    """
    year, month, day, iso, rest = _split(value)
    try:
        moved = date.fromordinal(_calendar(year, month, day).toordinal() + days).isoformat()
    except (ValueError, OverflowError):
        raise DateFormatError("shifted date out of range") from None
    moved = moved[: 10 if day is not None else (7 if month is not None else 4)]
    return (moved if iso else moved.replace("-", "")) + rest


def year_of(value: str) -> int:
    """The year of a date, after checking it is one (Safe Harbor keeps years)."""
    year, month, day, _, _ = _split(value)
    _calendar(year, month, day)
    return year
