"""Cheap pre-checks for the shapes of personal numbers in text.

The text scrubber's detectors and the verifier's note readers each have their
own patterns for these numbers (the verifier must not trust the scrubber's
rules); what they share is this gate, which only says whether a text can hold
one. It runs on every note with a digit, so it finds the century sign with
``str.find`` instead of scanning with a regex: ``\\d{6}[-+A]\\d`` cost 20 us on a
700-character note, this about 4 us.
"""

from __future__ import annotations

from typing import Final

# A Nordic number's century signs: "-" and "+" (Denmark, Sweden, Finland before
# 2000) and Finland's "A" (born in the 2000s; the later letters B to F and U to Y,
# in use since 2023, are rare yet and not looked for here).
_SIGNS: Final = ("-", "+", "A")


def personal_number_hint(text: str) -> bool:
    """Whether ``text`` has six or eight digits, a century sign and a digit (a
    Danish, Swedish or Finnish personal number: ``290485-1779``, ``850730+1234``,
    ``19850730-1234``, ``010594A123B``), or a Belgian national number's
    ``YY.MM.DD-N``, the digits not inside a word or another number: the patterns
    behind this gate read them so, and a pseudonym's hex (``ID-…211668A20A…``, in
    every scrubbed output the verifier reads) would pass it otherwise."""
    for sign in _SIGNS:
        at = text.find(sign, 6)
        while at >= 0:
            if text[at + 1 : at + 2].isdigit() and (
                _date_digits_before(text, at) or (sign == "-" and _dotted_date_before(text, at))
            ):
                return True
            at = text.find(sign, at + 1)
    return False


def _date_digits_before(text: str, at: int) -> bool:
    """Six or eight digits right before position ``at``, starting a number."""
    if not text[at - 6 : at].isdigit():
        return False
    if _starts_number(text, at - 6, "_.+-"):
        return True
    return at >= 8 and text[at - 8 : at - 6].isdigit() and _starts_number(text, at - 8, "_.+-")


def _dotted_date_before(text: str, at: int) -> bool:
    """``YY.MM.DD`` right before position ``at``, starting a number."""
    before = text[at - 8 : at]
    return (
        len(before) == 8
        and before[2] == "."
        and before[5] == "."
        and before.replace(".", "").isdigit()
        and _starts_number(text, at - 8, "_.")
    )


def _starts_number(text: str, start: int, joins: str) -> bool:
    """Whether nothing of a word (a letter, a digit, or one of ``joins``) comes
    right before ``start``."""
    if start == 0:
        return True
    before = text[start - 1]
    return not before.isalnum() and before not in joins
