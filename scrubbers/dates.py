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

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Literal

_HL7: Final = re.compile(r"(\d{4})(\d{2})?(\d{2})?")
_ISO: Final = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_HL7_REST: Final = re.compile(r"(\d{2}(\d{2}(\d{2}(\.\d{1,4})?)?)?)?([+-]\d{4})?")
_ISO_REST: Final = re.compile(r"(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:\d{2})?")

Style = Literal["hl7", "iso"]


class DateFormatError(ValueError):
    """The value is not a date in a supported form. The message never quotes it."""


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A calendar date with the precision it was given in, plus untouched suffix."""

    year: int
    month: int | None
    day: int | None
    style: Style
    rest: str

    def anchor(self) -> date:
        """The first day of the period this value denotes."""
        return date(self.year, self.month or 1, self.day or 1)

    def with_date(self, new: date) -> str:
        """Render ``new`` at this value's precision and style, then the suffix."""
        sep = "-" if self.style == "iso" else ""
        text = f"{new.year:04d}"
        if self.month is not None:
            text += f"{sep}{new.month:02d}"
            if self.day is not None:
                text += f"{sep}{new.day:02d}"
        return text + self.rest


def parse(value: str) -> PartialDate:
    """Split a date/time value into its calendar part and the suffix to keep."""
    text = value.strip()
    iso = "-" in text[4:5]
    match = (_ISO if iso else _HL7).match(text)
    if match is None:
        raise DateFormatError("not a date: expected YYYY[MM[DD...]] or YYYY[-MM[-DD...]]")
    year_s, month_s, day_s = match.groups()
    rest = text[match.end() :]
    if rest:
        if day_s is None:
            raise DateFormatError("a time of day needs a full date before it")
        rest_pattern = _ISO_REST if iso else _HL7_REST
        if rest_pattern.fullmatch(rest) is None:
            raise DateFormatError("unrecognised time or timezone after the date")
    year = int(year_s)
    month = int(month_s) if month_s else None
    day = int(day_s) if day_s else None
    try:
        date(year, month or 1, day or 1)
    except ValueError:
        raise DateFormatError("date out of range (month or day)") from None
    if year < 1:
        raise DateFormatError("year out of range")
    return PartialDate(year, month, day, "iso" if iso else "hl7", rest)


def shift(value: str, days: int) -> str:
    """Move a date by whole days, keeping precision, form and timezone.

    Partial dates (year, year-month) shift their first day and are cut back to
    their precision, so a year-only value moves by at most one year.
    """
    parts = parse(value)
    try:
        moved = parts.anchor() + timedelta(days=days)
    except OverflowError:
        raise DateFormatError("shifted date out of range") from None
    return parts.with_date(moved)


def year_of(value: str) -> str:
    """Only the year of a date (Safe Harbor keeps years)."""
    return f"{parse(value).year:04d}"
