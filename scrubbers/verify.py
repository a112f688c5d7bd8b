"""The last line of defence: an independent check that scrubbed output holds no input PHI.

Independent on purpose: it does not use the scrubbers' field tables,
datatype handlers or replacement code. It extracts the obvious PHI of the
input with its own simple rules (the patient's, relatives', guarantors' and
insured persons' names, identifiers, phones, street lines, cities, ZIP codes
and birth dates; names a note or narrative gives after a person label ("Next of
kin: Marta Quill"); long numbers anywhere in a person's resource, whose type
is told by how it starts; health plan and account numbers; questionnaire
answers whose question asks for a name, phone or address; keys and resource
types not shaped like FHIR names),
then searches the whole output, keys included, for them as words, plus SSN and
email patterns. A bug in the scrubber that lets a value through is
caught here; the record then goes to quarantine, never downstream.

Kinds the policy deliberately keeps (a limited data set keeps cities, ZIP
codes and dates) are not searched for. Findings name kinds and counts only.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import decimal
import functools
import html
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import takewhile
from typing import Any, Final

import orjson

from parsers import rtf
from parsers.fhir import json_io
from parsers.fhir.types import is_resource_type
from parsers.hl7v2 import er7
from parsers.hl7v2 import reference as hl7_reference
from scrubbers.common_words import COMMON_WORDS
from scrubbers.kinds import Kind
from scrubbers.number_hints import personal_number_hint
from scrubbers.policy import Policy
from scrubbers.target import Target

MIN_LENGTH: Final = 4
_SSN: Final = re.compile(r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])")
# The SSN pattern's tail, which starts with a literal (a fast scan, not a lookbehind
# tried at every position): most outputs have none, and then no SSN.
_SSN_TAIL: Final = re.compile(r"-\d\d-\d{4}")
# Bounded repeats (RFC 5321 lengths): linear time on adversarial runs like "a.a.a...".
_EMAIL: Final = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}"
    r"\.[A-Za-z]{2,24}\b"
)
# A MAC address: six hex pairs, one separator throughout ("00:1A:2B:3C:4D:5E").
_MAC_ADDRESS: Final = re.compile(
    r"[0-9A-Fa-f](?<![\w:-][0-9A-Fa-f])[0-9A-Fa-f]([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}"
    r"(?![\w:-])"
)
# An age over 89 in words in an age's phrase ("ninety-two years old", "aged ninety-five",
# "turned ninety-one", "her ninety-second birthday", "hundredth birthday"), folded.
# The verifier's own spelling of Safe Harbor's rule, searched in the whole output: no
# age over 89 may be left as words, whoever's it is (2026-12-02 probe: "turned ninety-
# two" stayed and passed). Not a turn of degrees.
_NINETY_WORDS: Final = (
    r"(?:ninety(?:[ \t-]+(?:one|two|three|four|five|six|seven|eight|nine))?"
    r"|(?:(?:one|a)[ \t-]+)?hundred(?:[ \t-]+(?:and[ \t-]+)?[a-z]+(?:[ \t-]+[a-z]+)?)?)"
)
_OLD_AGE_IN_WORDS: Final = re.compile(
    rf"(?<![a-z])(?:{_NINETY_WORDS}[ \t-]+(?:years?|yrs?)[ \t-]*(?:old|of[ \t]+age)"
    rf"|(?:aged?|ages)[ \t]*:?[ \t]*{_NINETY_WORDS}(?![a-z])"
    rf"|turn(?:s|ed|ing)?[ \t]+{_NINETY_WORDS}(?![a-z])(?![ \t-]+(?:degrees?|percent|times)\b)"
    r"|(?:ninety[ \t-]+(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)"
    r"|ninetieth|hundredth|hundred[ \t-]+(?:and[ \t-]+)?[a-z]+(?:st|nd|rd|th))[ \t-]+birthday)"
)
# A month name with its capital: where a day in words may be (see _word_date_left).
# A month name with its capital: where a day in words may be (see _word_date_left).
# Found by its first three letters, then read on from there. A scan of the whole
# output: 0.8 ms on a 57 KB Bundle's (its JSON and decoded notes, 78,000 characters),
# whatever its spelling (a class of capitals with a lookbehind, literals, a substring
# test per name all cost as much or more).
_MONTH_ABBREVIATIONS: Final = (
    *("Jan", "Feb", "Mar", "Apr", "May", "Jun"),
    *("Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
)
_MONTH_START: Final = re.compile(
    "|".join(spelling for name in _MONTH_ABBREVIATIONS for spelling in (name, name.upper()))
)
_MONTH_REST: Final = re.compile(
    r"(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?(?![A-Za-z])"
)
_DAY_IN_WORDS: Final = (
    r"(?:(?:twenty|thirty)[ \t-]+)?(?:first|second|third|fourth|fifth|sixth|seventh|eighth"
    r"|ninth)|tenth|eleventh|twelfth|(?:thir|four|fif|six|seven|eigh|nine)teenth|twentieth"
    r"|thirtieth"
)
# A day in words next to it: "the fifteenth of June", "fifteenth June 1931" before the
# month, "the fifteenth", "fifteenth, 1931" after it.
_DAY_BEFORE_MONTH: Final = re.compile(
    rf"(?<![A-Za-z])(?P<the>(?i:the)[ \t]+)?(?i:{_DAY_IN_WORDS})[ \t]+(?P<of>(?i:of)[ \t]+)?$"
)
_DAY_AFTER_MONTH: Final = re.compile(
    rf"[ \t]+(?P<the>(?i:the)[ \t]+)?(?i:{_DAY_IN_WORDS})(?![A-Za-z])"
)
# What may follow a day and month without "the" or "of" for it to be a date: a year,
# or the phrase's end ("May second dose", a month opening a sentence, is no date).
_DATE_PHRASE_END: Final = re.compile(r",?[ \t]+[0-9]{4}|[ \t]*(?:[.,;:)]|$)")


# The words of a month's name and of a day in words, as the output's words are
# collected (_WORD, casefolded): with those at hand (a long output), the scan of
# _word_date_left runs only where both are (0.8 ms a Bundle, none of Synthea's has a
# month's name).
_MONTH_TOKENS: Final = frozenset(
    {"january", "february", "march", "april", "may", "june", "july", "august", "september"}
    | {"october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug"}
    | {"sep", "sept", "oct", "nov", "dec"}
)
_DAY_TOKENS: Final = frozenset(
    {"first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"}
    | {"tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth"}
    | {"seventeenth", "eighteenth", "nineteenth", "twentieth", "thirtieth"}
)
# What every day in words holds (a substring test each: cheaper on a message than
# the scan, 67 us on the benchmark's ADT).
_DAY_STEMS: Final = (
    *sorted(token for token in _DAY_TOKENS if not token.endswith("teenth")),
    "teenth",
)


def _word_date_left(text: str) -> bool:
    """Whether the output holds a day and month with the day in words (a policy leaving
    dates their year only keeps no day): read around each month name with its capital."""
    for start in _MONTH_START.finditer(text):
        at = start.start()
        month = _MONTH_REST.match(text, at)
        if month is None or (at and text[at - 1].isalpha()):
            continue
        before = _DAY_BEFORE_MONTH.search(text, max(0, at - 40), at)
        if before is not None and (
            before.group("the")
            or before.group("of")
            or _DATE_PHRASE_END.match(text, month.end()) is not None
        ):
            return True
        after = _DAY_AFTER_MONTH.match(text, month.end())
        if after is not None and (
            after.group("the") or _DATE_PHRASE_END.match(text, after.end()) is not None
        ):
            return True
    return False


def _old_ages_in_words(folded: str, ages: bool, birth_years: bool) -> set[Kind]:
    """What the (case-folded) output holds in words of an age over 89: an age in an
    age's phrase (``ages``), a birth year after a birth word ("born in nineteen
    twenty-nine", "born ... eighteen ninety-eight", ``birth_years``). Read around each
    "ninet" and "hundred" ("nineteen" starts with one), and "eighteen" for birth
    years: the phrase's pattern, led by a lookbehind, tried every position of a
    Bundle (3 ms); the substring searches cost 0.13 ms."""
    found: set[Kind] = set()
    for word in ("ninet", "hundred", "eighteen"):
        if word == "eighteen" and not birth_years:
            break
        at = folded.find(word)
        while at >= 0:
            if (
                ages
                and word != "eighteen"
                and _OLD_AGE_IN_WORDS.search(folded, max(0, at - 24), at + 80) is not None
            ):
                found.add(Kind.AGE)
            if birth_years and folded.startswith(("nineteen", "eighteen"), at):
                year = _BIRTH_YEAR_IN_WORDS.match(folded, at)
                if (
                    year is not None
                    and _BIRTH_WORD_BEFORE.search(folded, max(0, at - 48), at) is not None
                    and dt.datetime.now(dt.UTC).year - _year_of_words(year.group()) > _MAX_AGE
                ):
                    found.add(Kind.BIRTH_DATE)
            at = folded.find(word, at + 1)
    return found


# A year of the 1800s or 1900s in words ("nineteen twenty-nine", "nineteen oh five",
# "nineteen hundred and five"), folded; and a birth word earlier in its sentence.
_BIRTH_YEAR_IN_WORDS: Final = re.compile(
    r"(?:eighteen|nineteen)[ \t-]+"
    r"(?:hundred(?:[ \t-]+(?:and[ \t-]+)?[a-z]+(?:[ \t-]+[a-z]+)?)?|oh[ \t-]+[a-z]+"
    r"|[a-z]+(?:[ \t-]+(?:one|two|three|four|five|six|seven|eight|nine)(?![a-z]))?)"
)
_BIRTH_WORD_BEFORE: Final = re.compile(
    r"(?<![a-z])(?:born|dob|d\.o\.b\.?|date of birth|year of birth|birth ?year|yob|birthday)"
    r"[^.;\n]*$"
)
_NUMBER_WORDS: Final = {
    word: value
    for value, word in enumerate(
        (
            *("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
            *("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen"),
            *("eighteen", "nineteen"),
        ),
        start=1,
    )
} | {
    word: 10 * tens
    for tens, word in enumerate(
        ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"), start=2
    )
}


def _year_of_words(words: str) -> int:
    """1900 (1800 after "eighteen") plus what follows ("twenty-nine" 29, "oh five" 5,
    "hundred")."""
    century, *rest = re.split(r"[ \t-]+", words)
    return (1800 if century == "eighteen" else 1900) + sum(
        _NUMBER_WORDS.get(word, 0) for word in rest
    )


# Its inner pairs, each search led by a literal (a fast scan): the full pattern, led
# by a hex digit, tries most positions of a document (17 ms on a 600 KB Bundle).
_MAC_COLONS: Final = re.compile(r":[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}:")
_MAC_DASHES: Final = re.compile(r"-[0-9A-Fa-f]{2}-[0-9A-Fa-f]{2}-[0-9A-Fa-f]{2}-[0-9A-Fa-f]{2}-")

_MIN_BASE64: Final = 12
# Possessive repeats (++, {n,}+) here and below: a backtracking repeat of a group keeps a
# state per turn, 40 to 130 bytes per character of a megabytes-long string (one C call).
_BASE64: Final = re.compile(
    r"(?:[A-Za-z0-9+/]{4}|\r?\n)++(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?"
)
# A JSON string value (not a key: no colon after it) made of base64 characters and
# the \r and \n escapes of line-wrapped (MIME) base64.
_JSON_BASE64_STRING: Final = re.compile(
    r'"((?:[A-Za-z0-9+/=]|\\[rn]){' + str(_MIN_BASE64) + r',}+)"(?!\s*:)'
)
# A reference to a person's resource, conditional ("Patient?identifier=...") too.
_PERSON_REFERENCE: Final = re.compile(r"(?:^|/)(?:Patient|RelatedPerson|Person)[/?]")
_HL7_HEX: Final = re.compile(r"\\X((?:[0-9A-Fa-f]{2})++)\\")
# People's resources, by the start of their type (a type name with anything after it
# is still that person's data).
_PERSON_TYPES: Final = ("Patient", "RelatedPerson", "Person")
# FHIR's names as FHIR spells them (this module's own rules): a key or resourceType
# of another shape is input text in the place of a name, searched for as a value.
_ELEMENT_NAME: Final = re.compile(r"_?[A-Za-z][A-Za-z0-9_]{0,63}")
_RESOURCE_TYPE_NAME: Final = re.compile(r"[A-Z][A-Za-z0-9]{0,63}")
# A number in a person's resource with six digits or more could be a date, phone
# number, SSN or record number; an attachment's byte count is not.
_NUMBER_DIGITS: Final = re.compile(r"\d{6,40}")
_COUNT_KEYS: Final = frozenset({"size"})
# A string that is only a number with phone or identifier punctuation.
_BARE_NUMBER: Final = re.compile(r"\+?\(?\d[\d()./ -]{4,38}\d")
# A FHIR date: a year, month and day with hyphens.
_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


def _hex_decoded(match: re.Match[str]) -> str:
    return bytes.fromhex(match.group(1)).decode("latin-1")


# HL7v2: where people's PHI sits, by segment and field number (independent table).
# Patient (PID), next of kin and contact person (NK1-2/4/5/6, NK1-30/31/32),
# guarantor and spouse (GT1-3/4), insured (IN1), merged identities (MRG).
_HL7_NAMES: Final = {"PID": (5, 6, 9), "NK1": (2, 30), "GT1": (3, 4), "IN1": (16,), "MRG": (7,)}
_HL7_IDS: Final = {
    "PID": (2, 3, 4, 18, 19, 20, 21),
    "NK1": (12, 33, 37),
    "GT1": (2, 12),
    "IN1": (49,),
    "IN2": (2,),
    "MRG": (1, 2, 3, 4),
}
# Visit and account numbers, an insurance policy number: Safe Harbor (J), (I).
_HL7_NUMBERS: Final = {
    "PV1": ((19, Kind.ACCOUNT_NUMBER), (50, Kind.ACCOUNT_NUMBER)),
    "IN1": ((36, Kind.HEALTH_PLAN_ID),),
}
# Identifiers HL7 types as strings (Safe Harbor (R), any other unique number): a
# financial transaction's id and batch id, a prescription number, a claim's document
# control number, and the control id an acknowledgment
# quotes (senders build them from dates: "20260315A00078"; hold-out round 16). Six
# characters or more: a shorter one ("12345") is also part of the codes around it
# ("Item-12345", a product code of the same transaction).
_HL7_STRING_IDS: Final = {
    "FT1": (2, 3),
    "RXE": (15,),
    "RXD": (7,),
    "UB2": (12,),
    "MSA": (2,),
}
_MIN_STRING_ID: Final = 6
_HL7_PHONES: Final = {"PID": (13, 14), "NK1": (5, 6, 31), "GT1": (6, 7)}
_HL7_ADDRESSES: Final = {"PID": (11,), "NK1": (4, 32), "GT1": (5,), "IN1": (19,)}
_HL7_BIRTH: Final = {"PID": (7,), "NK1": (16,), "GT1": (8,), "IN1": (18,)}
_HL7_DEATH: Final = {"PID": (29,)}

# An HL7 escape sequence: the escape character, a code without delimiters, and the
# closing escape character (absent when the sender never closed it). Per delimiter set.
_HL7_ESCAPES: dict[str, re.Pattern[str]] = {}
_DEFAULT_DELIMITERS: Final = "|^~\\&"


def _hl7_escape_pattern(delimiters: str) -> re.Pattern[str]:
    pattern = _HL7_ESCAPES.get(delimiters)
    if pattern is None:
        esc = re.escape(delimiters[3])
        others = re.escape(delimiters)
        code = f"[^{others}\r\n]"
        # group 1: the code; group 3: the code after its first character
        pattern = re.compile(f"{esc}(({code})?({code}*)){esc}?")
        if len(_HL7_ESCAPES) < 64:
            _HL7_ESCAPES[delimiters] = pattern
    return pattern


class UnreadableInputError(ValueError):
    """The input cannot be read, so nothing can be checked: the output is not sent.
    Messages never quote content."""


def _hl7_codec(source: bytes) -> str:
    """The character set an HL7v2 input is read in, as the parser reads it (MSH-18,
    else UTF-8, Windows-1252 or Latin-1) and so the output is written in. Read as
    UTF-8, a Big5 or GB 18030 name was a run of replacement characters and ASCII
    bytes: found where it was written whole, missed inside a note's Chinese text
    ("病人美玲今日出院" kept the given name 美玲 unflagged)."""
    try:
        body = er7.strip_mllp(source)[0]
        codec, declared = er7.charset_of(body)
        return er7.decode(body, codec, declared)[1]
    except (er7.ER7Error, LookupError):
        return "utf-8"  # not readable as declared: the parser refuses it anyway


def _hl7_delimiters(message: str) -> str:
    """MSH-1 and MSH-2 (field separator, component, repetition, escape, subcomponent)."""
    start = message.find("MSH")
    if start < 0 or len(message) < start + 8:
        return _DEFAULT_DELIMITERS
    found = message[start + 3 : start + 8]
    return found if len(set(found)) == 5 else _DEFAULT_DELIMITERS


def _has_escapes(text: str, delimiters: str) -> bool:
    """Whether ``text`` holds escape characters other than those of its headers'
    encoding characters (every MSH-2 has one: most messages have no escape)."""
    return text.count(delimiters[3]) > text.count(delimiters[1:])


def _escapes_as_words(text: str, pattern: re.Pattern[str]) -> str:
    """Every escape sequence replaced by its code and its code's text after the
    first letter, as words (``\\ZQuill\\`` reads " ZQuill Quill "): text inside a
    locally defined or unknown escape is searched as a word too."""
    return pattern.sub(r" \1 \3 ", text)


def _escapes_read(
    values: Iterable[tuple[Kind, str]], pattern: re.Pattern[str], esc: str
) -> Iterator[tuple[Kind, str]]:
    """The input's values, plus those written with escapes as a reader sees them:
    each escape replaced by its code, or by its code after the first letter
    (``\\ZBRASSWICK\\`` is also searched as "BRASSWICK")."""
    for kind, value in values:
        yield kind, value
        if esc in value:
            yield kind, pattern.sub(r"\1", value)
            yield kind, pattern.sub(r"\3", value)


def _hl7_values(
    message: str, shorts: dict[Kind, set[str]] | None = None
) -> Iterator[tuple[Kind, str]]:
    """The PHI values of an HL7v2 input; as they are read, the people fields'
    names and towns too short to search alone go to ``shorts`` (see _SHORT_WORD)."""
    lines = [line for line in re.split(r"\r\n|\r|\n", message) if line]
    msh = next((line for line in lines if line.startswith("MSH")), None)
    if msh is None or len(msh) < 8:
        return
    fs, cs, rs, ss = msh[3], msh[4], msh[5], msh[7]

    def reps(fields: list[str], number: int) -> list[list[str]]:
        if number >= len(fields) or not fields[number]:
            return []
        return [rep.split(cs) for rep in fields[number].split(rs) if rep]

    families: set[str] = set()
    spelled: set[str] = set()  # birth dates whose other spellings were given
    people: list[list[str]] = []  # person segments' fields, for their code fields
    contacts: list[list[str]] = []  # scheduling segments' fields (SCH, ARQ)
    for line in lines:
        fields = line.split(fs)
        name = fields[0]
        if name in _HL7_PERSON_SEGMENTS:
            people.append(fields)
        elif name in _HL7_CONTACT_SEGMENTS:
            contacts.append(fields)
        elif name == "QPD" and len(fields) > 3:
            yield from _query_parameters(fields[3:], families, cs, rs, ss)
        elif name == "OBX" and len(fields) > 5 and fields[5]:
            yield from _labelled_observation(fields, cs, rs, ss)
            yield from _labelled_coded_observation(fields, cs, rs, ss)
            yield from _birth_date_observation(fields, cs, rs)
        for number in _HL7_NAMES.get(name, ()):
            for comps in reps(fields, number):
                yield _date_or(Kind.NAME, comps[0].split(ss)[0])
                yield from _glued_name_words(comps[0])
                families.add(comps[0].split(ss)[0].strip().casefold())
                if len(comps) > 1:
                    yield _date_or(Kind.NAME, comps[1])
                    yield from _glued_name_words(comps[1])
                if shorts is not None:
                    _note_short(shorts, Kind.NAME, comps[0].split(ss)[0], *comps[1:2])
        for number in _HL7_IDS.get(name, ()):
            for comps in reps(fields, number):
                yield Kind.MRN, comps[0]
        for number, kind in _HL7_NUMBERS.get(name, ()):
            for comps in reps(fields, number):
                yield kind, comps[0]
        for number in _HL7_STRING_IDS.get(name, ()):
            for comps in reps(fields, number):
                if len(comps[0].strip()) >= _MIN_STRING_ID:
                    yield Kind.OTHER_ID, comps[0]
        for number in _HL7_PHONES.get(name, ()):
            for comps in reps(fields, number):
                for index in (0, 6, 11):
                    if index < len(comps):
                        yield _date_or(Kind.PHONE, comps[index])
        for number in _HL7_ADDRESSES.get(name, ()):
            for comps in reps(fields, number):
                yield Kind.STREET_ADDRESS, comps[0].replace(ss, " ")
                yield from _street_without_number(comps[0].replace(ss, " "))
                if "," in comps[0]:
                    yield from _street_line_parts(comps[0].replace(ss, " "))
                if ss in comps[0]:
                    yield from _street_parts(comps[0].split(ss))
                yield from _line_town(comps[0])
                if len(comps) > 2:
                    yield Kind.CITY, comps[2]
                    if shorts is not None:
                        _note_short(shorts, Kind.CITY, comps[2])
                if len(comps) > 4:
                    yield Kind.ZIP, comps[4][:5]
        for number in _HL7_BIRTH.get(name, ()):
            for comps in reps(fields, number):
                if len(comps[0]) >= 8:
                    yield Kind.BIRTH_DATE, comps[0][:8]
                    if comps[0][:8] not in spelled:  # a date repeated (PID-7, GT1-8)
                        spelled.add(comps[0][:8])
                        # Only those the input writes can be left (most write none).
                        yield from (
                            (kind, form)
                            for kind, form in _compact_spellings(comps[0][:8])
                            if form in message
                        )
        for number in _HL7_DEATH.get(name, ()):
            for comps in reps(fields, number):
                if len(comps[0]) >= 8:
                    yield Kind.DEATH_DATE, comps[0][:8]
    families.discard("")
    if people:
        version = hl7_reference.resolve_version(_msh_field(msh, fs, 12).split(cs, 1)[0])
        for fields in people:
            yield from _code_field_values(fields, version, families, cs, rs, ss)
            yield from _shifted_person_values(fields, version, families, cs, rs, ss)
            yield from _shifted_person_phones(fields, version, cs, rs)
    if contacts:
        version = hl7_reference.resolve_version(_msh_field(msh, fs, 12).split(cs, 1)[0])
        for fields in contacts:
            yield from _shifted_contacts(fields, version, families, cs, rs, ss)
    if families:
        yield from _z_segment_names(lines, families, fs, cs, rs, ss)
    yield from _z_segment_relative_names(lines, fs, cs, rs, ss)
    yield from _person_labelled_observations(lines, fs, cs, rs, ss)
    yield from _hl7_insured_group_names(lines, fs, cs, rs)
    yield from _hl7_document_file_name_numbers(lines, fs, cs)
    yield from _hl7_order_placer_filler_numbers(lines, fs, cs, rs, ss)
    notes = _hl7_notes(lines, fs)
    if notes:
        yield from _hl7_note_names(notes, cs, rs, msh[6])
        yield from _hl7_note_phones(notes, cs, rs, msh[6])
        yield from _hl7_note_relatives(notes, cs, rs, msh[6])
        yield from _hl7_note_addresses(notes, cs, rs, msh[6])
        # The label readers below gate each note on its words: folded once for all.
        folded = [note.casefold() for note in notes]
        yield from _hl7_note_health_numbers(notes, folded)
        yield from _hl7_note_plates_and_cards(notes, folded)
        yield from _hl7_note_old_ages(notes, folded)
        yield from _hl7_note_labelled_numbers(notes, folded)
        yield from _hl7_note_employers(notes, folded)
        yield from _hl7_note_particle_relatives(notes, folded)
        yield from _hl7_note_tax_codes(notes, folded)
        yield from _hl7_note_social_security_numbers(notes, folded)
        yield from _hl7_note_area_code_phones(notes)
        yield from _hl7_note_patients_relatives(notes, folded)
        yield from _hl7_note_highlighted_names(notes, cs, rs, msh[6])
        yield from _hl7_note_maiden_names(notes, folded)
        yield from _hl7_note_parenthesized_relatives(notes, cs, rs, msh[6])
        yield from _hl7_note_british_streets(notes, folded)
        yield from _hl7_note_colonless_labelled_names(notes, folded)
        if families:
            yield from _hl7_note_given_names(notes, families, cs, rs, ss)


def _compact_spellings(date: str) -> Iterator[tuple[Kind, str]]:
    """A birth date ("19500704") as labels and letters write it, day or month first:
    in eight or six digits ("04071950", "07041950", "040750") or with a two-digit
    year ("04.07.50", "04/07/50", "07/04/50"; hold-out round 16 probe)."""
    if date.isdigit():
        year, month, day = date[:4], date[4:6], date[6:8]
        for first, second in ((day, month), (month, day)):
            yield Kind.BIRTH_DATE, first + second + year
            yield Kind.BIRTH_DATE, first + second + year[2:]
            for sep in "./-":
                yield Kind.BIRTH_DATE, sep.join((first, second, year[2:]))


def _msh_field(msh: str, fs: str, number: int) -> str:
    """MSH-``number`` (MSH-1 is the field separator itself: MSH-12 is the 11th split)."""
    fields = msh.split(fs)
    return fields[number - 1] if number - 1 < len(fields) else ""


# Segments of people (the patient, relatives, guarantors, the insured, a visit):
# their code fields (ID, IS, CE...) may hold a name or an identifier sent where a
# code belongs (IN2-57 "Marek^Roman^T", IN2-4 "VT-MCR-1234567", PV1-18 a visit number).
_HL7_PERSON_SEGMENTS: Final = frozenset(
    {"PID", "PD1", "NK1", "GT1", "IN1", "IN2", "IN3", "PV1", "PV2", "MRG"}
)
# Scheduling segments: a contact person, phone, address and location per party,
# which senders fill one field off (see _shifted_contacts).
_HL7_CONTACT_SEGMENTS: Final = frozenset({"SCH", "ARQ"})
_CODE_TYPES: Final = frozenset({"ID", "IS", "CE", "CWE", "CNE", "CF"})
# Plain codes: a name's layout there is a person's name; in a coded value (CE, CWE...)
# only without a coding system (with one, its second component is the code's text).
_PLAIN_CODE_TYPES: Final = frozenset({"ID", "IS"})
# Code field numbers per (version, segment), from the parser's reference data, each
# with whether the field is a plain code.
_CODE_FIELDS: dict[tuple[str, str], tuple[tuple[int, bool], ...]] = {}
# An identifier written in a code field: letters with five digits in a row, or with
# seven digits in groups joined by "-", ".", "/" or "_" (table codes such as 2106-3,
# R50.9 or S62.101A have fewer); an HL7 table name (HL70007) is none.
_CODE_ID_DIGITS: Final = re.compile(r"\d{5}|(?:\d[-./_]?){6}\d")
_CODE_ID_GROUPS: Final = re.compile(r"[^\W_]+(?:[-./_][^\W_]+)*")
_CODE_ID_LETTER: Final = re.compile(r"[^\W\d_]")
_HL7_TABLE_NAME: Final = re.compile(r"hl7\d{4,5}", re.IGNORECASE)
# A part of a person's name in a name's layout: letters, with spaces, apostrophes or
# hyphens between them.
_NAME_LAYOUT_PART: Final = re.compile(r"[^\W\d_]+(?:[ '\u2019-][^\W\d_]+)*")


def _code_fields(version: str, segment: str) -> tuple[tuple[int, bool], ...]:
    """The numbers of ``segment``'s code fields in ``version``, in order, each with
    whether it is a plain code (ID, IS)."""
    key = (version, segment)
    found = _CODE_FIELDS.get(key)
    if found is None:
        found = tuple(
            sorted(
                (info.number, info.datatype.upper() in _PLAIN_CODE_TYPES)
                for info in hl7_reference.segment_fields(version, segment) or ()
                if info.datatype.upper() in _CODE_TYPES
            )
        )
        _CODE_FIELDS[key] = found
    return found


def _code_identifier(value: str) -> bool:
    """A code-shaped value that reads as an identifier, not a table code."""
    return (
        _CODE_ID_DIGITS.search(value) is not None
        and _CODE_ID_LETTER.search(value) is not None
        and _CODE_ID_GROUPS.fullmatch(value) is not None
        and _HL7_TABLE_NAME.fullmatch(value) is None
    )


def _layout_given_names(comps: list[str], families: set[str], ss: str) -> tuple[str, ...]:
    """The given and middle names of a repetition in a name's layout
    (``Family^Given^Middle``) whose family name the message knows; else none."""
    if len(comps) < 2:
        return ()
    family = comps[0].split(ss)[0].strip()
    if (
        family.casefold() not in families
        or not _NAME_LAYOUT_PART.fullmatch(family)  # not an empty '""' name
        or not _NAME_LAYOUT_PART.fullmatch(comps[1].strip())
    ):
        return ()
    if len(comps) > 2 and _NAME_LAYOUT_PART.fullmatch(comps[2].strip()):
        return (comps[1], comps[2])
    return (comps[1],)


def _code_field_values(
    fields: list[str], version: str, families: set[str], cs: str, rs: str, ss: str
) -> Iterator[tuple[Kind, str]]:
    """A person segment's code fields (ID, IS, CE, CWE...): a repetition in a name's
    layout (of an ID or IS field, or of a coded value without a coding system: the
    insured QUILLFEATHER^OSWIN shifted into IN1-17) whose family name the message
    knows gives its given names; an identifier there (a code, or a coded value's
    identifier without a coding system) is one."""
    count = len(fields)
    for number, plain in _code_fields(version, fields[0]):
        if number >= count:
            break
        value = fields[number]
        if not value:
            continue
        # Most code fields hold neither a name's layout nor five digits (one scan each).
        named = cs in value and bool(families)
        if not named and _CODE_ID_DIGITS.search(value) is None:
            continue
        for rep in value.split(rs):
            comps = rep.split(cs)
            given = (
                _layout_given_names(comps, families, ss)
                if named and (plain or not (len(comps) > 2 and comps[2]))
                else ()
            )
            if given:
                for part in given:
                    yield Kind.NAME, part
                continue
            for index in (0, 3):  # CE.1 and CE.4, without CE.3 or CE.6 (a coding system)
                if index < len(comps) and not (index + 2 < len(comps) and comps[index + 2]):
                    for leaf in comps[index].split(ss):
                        if _code_identifier(leaf.strip()):
                            yield Kind.OTHER_ID, leaf


# Field datatypes of a person segment read by their own rules, or whose layout is a
# provider's or an organization's (an id or a name first, then the person's or none).
_LAYOUT_READ_ELSEWHERE: Final = frozenset(
    {"XCN", "CN", "CNN", "XON", "PPN", "NDL", "TS", "DTM", "DT", "TM", "DR", "DLD"}
)
# A long number (a policy, a card, a national id) anywhere in a person segment; a
# timestamp's digits (8, 12 or 14 starting with a year) are a date, not one.
_LONG_NUMBER: Final = re.compile(r"\d{9,20}")
_SHORTEST_SHIFTED_ID: Final = 9  # nine digits; an MBI is eleven characters
_TIMESTAMP_DIGITS: Final = re.compile(
    r"(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{0,6}"
)
# A Medicare Beneficiary Identifier (CMS): 11 characters, letters without S, L, O, I,
# B and Z, dashes optional after the 4th and 7th.
_MBI: Final = re.compile(
    r"[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d-?[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d-?"
    r"[AC-HJKMNP-RT-Y]{2}\d{2}",
    re.IGNORECASE,
)
# A street sent in an address's state component (XAD.4: '10^^^JALAN SOO BEE',
# '277^^^ORCHARD ROAD'): a word of a street's name, or a house number before a word.
_STATE_AS_STREET: Final = re.compile(
    r"\b(?:road|rd|street|avenue|ave|lane|drive|boulevard|blvd|highway|jalan|jln|lorong|"
    r"rue|strasse|straße|str|calle|avenida|rua|blk|block)\b|^\s*\d+[a-z]?\s+[^\W\d_]",
    re.IGNORECASE,
)
# Datatypes whose values the name-layout rule need not read: names (read as names),
# codes (read by _code_field_values), identifiers, phones and addresses.
_NAME_READ_ELSEWHERE: Final = _LAYOUT_READ_ELSEWHERE | _CODE_TYPES | {"XPN", "PN", "CX", "XTN"}
_ADDRESS_TYPES: Final = frozenset({"XAD", "AD"})
_ShiftPlan = tuple[tuple[int, ...], tuple[int, ...], int, frozenset[int]]
_SHIFT_PLANS: dict[tuple[str, str], _ShiftPlan] = {}


def _shift_plan(version: str, segment: str) -> _ShiftPlan:
    """The fields the name-layout rule reads, the address fields, the number of fields
    the reference knows (any after them is read too), and the fields of providers,
    organizations and dates (no number there is a patient's identifier)."""
    key = (version, segment)
    plan = _SHIFT_PLANS.get(key)
    if plan is None:
        infos = hl7_reference.segment_fields(version, segment) or ()
        plan = (
            tuple(i.number for i in infos if i.datatype.upper() not in _NAME_READ_ELSEWHERE),
            tuple(i.number for i in infos if i.datatype.upper() in _ADDRESS_TYPES),
            max((i.number for i in infos), default=0),
            frozenset(i.number for i in infos if i.datatype.upper() in _LAYOUT_READ_ELSEWHERE),
        )
        _SHIFT_PLANS[key] = plan
    return plan


def _shifted_person_values(
    fields: list[str], version: str, families: set[str], cs: str, rs: str, ss: str
) -> Iterator[tuple[Kind, str]]:
    """What a sender shifts into any field of a person segment (IN1 one or two fields
    off: the insured spouse 'Majewski^Richard^P' in IN1-14, a policy number in IN1-34,
    a Medicare number in IN1-35), read whatever the field's datatype: a name's layout
    whose family name the message knows gives its given and middle names; a value of
    one component holding a number of nine digits or more that is no timestamp, or a
    Medicare Beneficiary Identifier, is an identifier (a composite's numbers are its
    codes, SNOMED's '125097000^Goat^SCT', or a provider's NPI); an address's state
    component holding a street is a street. The scrubber reads these shapes too
    (docs/hl7v2.md, "Codes and numbers"), so a kept one is a leak."""
    named_fields, address_fields, known, providers = _shift_plan(version, fields[0])
    count = len(fields)
    for number in address_fields:
        if number < count and fields[number]:
            for rep in fields[number].split(rs):
                comps = rep.split(cs, 4)
                if len(comps) > 3 and _STATE_AS_STREET.search(comps[3].split(ss)[0]):
                    yield Kind.STREET_ADDRESS, comps[3].split(ss)[0]
    if families:
        for number in (*named_fields, *range(known + 1, count)):
            value = fields[number] if number < count else ""
            if cs not in value:
                continue
            for rep in value.split(rs):
                for part in _layout_given_names(rep.split(cs, 3), families, ss):
                    yield Kind.NAME, part
    for number in range(1, count):
        value = fields[number]
        if len(value) < _SHORTEST_SHIFTED_ID or cs in value or number in providers:
            continue  # a composite's numbers are codes; a provider's id or a date: no id
        for rep in value.split(rs):
            for leaf in rep.split(ss):
                for match in _LONG_NUMBER.finditer(leaf):
                    digits = match.group()
                    if not _TIMESTAMP_DIGITS.fullmatch(digits) and len(set(digits)) > 1:
                        yield Kind.OTHER_ID, digits
                for match in _MBI.finditer(leaf):
                    yield Kind.OTHER_ID, match.group()


_PHONE_DIGITS: Final = 7  # a local number's (XTN.7), the fewest a phone is searched by


@functools.lru_cache(maxsize=256)
def _telecom_fields(version: str, segment: str) -> frozenset[int]:
    """A segment's fields that are telecoms by the reference (XTN) or read as phones
    (_HL7_PHONES)."""
    infos = hl7_reference.segment_fields(version, segment) or ()
    typed = {info.number for info in infos if info.datatype.upper() == "XTN"}
    return frozenset(typed.union(_HL7_PHONES.get(segment, ())))


def _shifted_person_phones(
    fields: list[str], version: str, cs: str, rs: str
) -> Iterator[tuple[Kind, str]]:
    """A phone a sender shifts into any field of a person segment, whatever the
    field's datatype (the guarantor's contact phone one field off in GT1-44, CE; the
    insured's in IN2-55, DT): a repetition in a telecom's layout (a use or equipment
    code in its second or third component, digits after them) gives its number as
    XTN.1, XTN.7 and XTN.12, and area code and local number together. Hold-out round
    19 probe: such numbers stayed whole and passed). The segment's telecom fields are
    skipped (_telecom_fields): a person's are read as XTNs already, and an insurer's
    phone (IN1-7) is no person's; searched here too, this reader cost the benchmark
    ADT's verification about 170 us (of about 1,200)."""
    telecoms = _telecom_fields(version, fields[0])
    for number in range(1, len(fields)):
        value = fields[number]
        if value.count(cs) < 4 or number in telecoms:  # the layout has five components
            continue
        for rep in value.split(rs):
            comps = rep.split(cs)
            if len(comps) < 5 or (
                comps[1].strip().casefold() not in _TELECOM_CODES
                and comps[2].strip().casefold() not in _TELECOM_CODES
            ):
                continue
            for index in (0, 6, 11):
                if index < len(comps) and sum(c.isdigit() for c in comps[index]) >= _PHONE_DIGITS:
                    yield _date_or(Kind.PHONE, comps[index])
            if len(comps) > 6 and comps[6]:
                yield Kind.PHONE, comps[5] + comps[6]


def _shifted_contacts(
    fields: list[str], version: str, families: set[str], cs: str, rs: str, ss: str
) -> Iterator[tuple[Kind, str]]:
    """A scheduling segment's contacts one field off (SCH, ARQ): a phone in a
    telecom's layout in any other field (the contact's phone in the next party's
    name, XCN), and the given names of a name's layout whose family name the
    message knows (the patient's mother as the contact, in a location, PL). Hold-out
    round 19 probe: both stayed and passed. The scrubber reads these shapes too."""
    yield from _shifted_person_phones(fields, version, cs, rs)
    if families:
        for value in fields[1:]:
            if cs in value:
                for rep in value.split(rs):
                    for part in _layout_given_names(rep.split(cs, 3), families, ss):
                        yield Kind.NAME, part


# XTN.2 (telecom use) and XTN.3 (equipment type) codes, HL7 tables 0201 and 0202.
_TELECOM_CODES: Final = frozenset(
    {"prn", "orn", "wpn", "vhn", "asn", "emr", "net", "bpn", "ph", "fx", "md", "cp", "bp",
     "internet", "x.400", "tdd", "tty", "sat"}
)  # fmt: skip
_PLACE_WORDS: Final = re.compile(r"[^\W\d_]+(?:[ .'\u2019-]+[^\W\d_]+)*\.?")
_POSTAL: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9 -]{1,8}[A-Za-z0-9]")
_QUERY_DATE: Final = re.compile(r"(?:19|20)\d{6}(?:\d{2,6}(?:\.\d{1,4})?)?(?:[+-]\d{4})?")


def _date_or(kind: Kind, value: str) -> tuple[Kind, str]:
    """A name or phone field's value, or a date when it is an HL7 timestamp with a
    real month and day: a sender shifting IN1 by one puts the insured's birth date
    in IN1-16 (name) and GT1's in GT1-7 (phone). Searched as a date, a policy that
    keeps dates (the limited data set) keeps it there too instead of quarantining
    the record for the same date kept in PID-7."""
    if _QUERY_DATE.fullmatch(value) and "01" <= value[4:6] <= "12" and "01" <= value[6:8] <= "31":
        return Kind.DATE, value
    return kind, value


def _query_parameters(
    params: list[str], families: set[str], cs: str, rs: str, ss: str
) -> Iterator[tuple[Kind, str]]:
    """QPD-3 and after read by their shape (the CDC immunization query Z34 sends the
    patient's name, mother's maiden name, birth date, address and phone by position):
    a name's layout is a name, an address's an address, a telecom's a phone, an
    identifier with its authority an identifier, an HL7 date a birth date. A QIP pair
    (``@PID.5.1^Family``) is read the same way after its field name."""
    for param in params:
        for written in param.split(rs):
            rep = written.partition(cs)[2] if written.startswith("@") else written
            if not rep:
                continue
            comps = [comp.split(ss, 1)[0].strip() for comp in rep.split(cs)]
            if len(comps) == 1:
                if _QUERY_DATE.fullmatch(comps[0]):
                    yield Kind.BIRTH_DATE, comps[0][:8]
            elif _query_address(comps):
                yield Kind.STREET_ADDRESS, rep.split(cs, 1)[0].replace(ss, " ")
                yield Kind.CITY, comps[2]
                yield Kind.ZIP, comps[4][:5]
            elif len(comps) > 2 and (
                comps[1].casefold() in _TELECOM_CODES or comps[2].casefold() in _TELECOM_CODES
            ):
                for index in (0, 6, 11):
                    if index < len(comps):
                        yield _date_or(Kind.PHONE, comps[index])
                if len(comps) > 6:
                    yield Kind.PHONE, comps[5] + comps[6]
            elif comps[0] and len(comps) > 3 and any(comps[3:5]):
                yield Kind.MRN, comps[0]
            elif _query_name(comps):
                families.add(comps[0].casefold())
                for comp in comps[:3]:
                    yield Kind.NAME, comp


def _query_address(comps: list[str]) -> bool:
    """street^other^city^state^postal code: a street with a letter, a place name, a
    state without digits, a postal code with a digit."""
    return (
        len(comps) > 4
        and _CODE_ID_LETTER.search(comps[0]) is not None
        and _PLACE_WORDS.fullmatch(comps[2]) is not None
        and not any(c.isdigit() for c in comps[3])
        and _POSTAL.fullmatch(comps[4]) is not None
        and any(c.isdigit() for c in comps[4])
    )


def _query_name(comps: list[str]) -> bool:
    """Family^Given[^Middle]: letters only, not a short code in capitals before its
    text (``MTH^Mother``, ``F^Female``)."""
    family, given = comps[0], comps[1]
    return (
        _NAME_LAYOUT_PART.fullmatch(family) is not None
        and _NAME_LAYOUT_PART.fullmatch(given) is not None
        and not any(c.isdigit() for comp in comps for c in comp)
        and not (len(family) <= 3 and family.isupper() and not given.isupper())
    )


# OBX-3 texts read so far and what they ask for: results repeat their test names
# (a message's dozens of OBX, the same LOINC names message after message).
_OBSERVATION_LABELS: dict[str, Kind | None] = {}
_MAX_OBSERVATION_LABELS: Final = 4096


def _observation_label_kind(label: str) -> Kind | None:
    if label in _OBSERVATION_LABELS:
        return _OBSERVATION_LABELS[label]
    kind = _answer_label_kind(label)
    if len(_OBSERVATION_LABELS) >= _MAX_OBSERVATION_LABELS:
        _OBSERVATION_LABELS.clear()
    _OBSERVATION_LABELS[label] = kind
    return kind


# OBX-2 value types whose OBX-5 is written text, as a question's answer.
_TEXT_VALUE_TYPES: Final = frozenset({"", "TX", "FT", "ST", "NM"})


def _text_result(fields: list[str], cs: str) -> bool:
    """Whether an OBX's fields are of a text result (OBX-2 in _TEXT_VALUE_TYPES)."""
    return len(fields) > 2 and fields[2].split(cs, 1)[0].strip().upper() in _TEXT_VALUE_TYPES


def _labelled_observation(
    fields: list[str], cs: str, rs: str, ss: str
) -> Iterator[tuple[Kind, str]]:
    """OBX-5 of an observation whose OBX-3 text asks for a person's name, phone or
    address ("Next of kin name", "Guarantor name", "Home phone"), as a question's
    answer: each component a value of that kind. The scrubber replaces such values
    under every preset (scrubbers/labels.py), so a kept one is a leak."""
    if len(fields) < 4 or not _text_result(fields, cs):
        return
    label = fields[3].split(rs, 1)[0].split(cs)
    kind = None
    for index in (1, 4, 8, 10):
        # A label of one word ("Name", "Mobile", "Cell") names a drug, a test, a
        # mobility or a cell type in a result as often: only longer ones are read.
        if index < len(label) and len(label[index].replace(ss, " ").split()) > 1:
            kind = _observation_label_kind(label[index].replace(ss, " "))
            if kind is not None:
                break
    if kind is None:
        yield from _labelled_identifier(label, fields[5], ss)
        return
    for rep in fields[5].split(rs):
        for comp in rep.split(cs):
            value = comp.replace(ss, " ")
            yield kind, value
            if kind is Kind.NAME:
                yield from _glued_name_words(value)


# An observation naming a birth date, the patient's or a relative's ("Date of birth",
# "Mother's DOB", "Birth date", "Geburtsdatum", "Date de naissance").
_BIRTH_DATE_OBSERVATION: Final = re.compile(
    r"(?<![^\W_])(?:date of birth|birth ?date|d\.?o\.?b|geburtsdatum|date de naissance"
    r"|fecha de nacimiento|data di nascita|data de nascimento|geboortedatum"
    r"|f(?:\u00f8|o)dselsdato|f(?:\u00f6|o)delsedatum)(?![^\W_])",
    re.IGNORECASE,
)
_DATE_RESULT_TYPES: Final = frozenset({"TS", "DT", "DTM"})


def _birth_date_observation(fields: list[str], cs: str, rs: str) -> Iterator[tuple[Kind, str]]:
    """A date result (TS, DT, DTM) of an observation whose OBX-3 text names a birth
    date: a birth date, whose year Safe Harbor removes when it implies an age over 89.
    Hold-out round 19 probe: "Mother's date of birth" 19290412 came out as 1929 and
    passed, read as any date."""
    if len(fields) < 6 or fields[2].split(cs, 1)[0].strip().upper() not in _DATE_RESULT_TYPES:
        return
    label = fields[3].split(rs, 1)[0].split(cs)
    if not any(
        index < len(label) and _BIRTH_DATE_OBSERVATION.search(label[index]) is not None
        for index in (1, 4, 8, 10)
    ):
        return
    for rep in fields[5].split(rs):
        value = rep.split(cs, 1)[0]
        if len(value) >= 8 and value[:8].isdigit():
            yield Kind.BIRTH_DATE, value[:8]


_CODED_RESULT_TYPES: Final = frozenset({"CE", "CWE", "CNE", "CF"})


def _labelled_coded_observation(
    fields: list[str], cs: str, rs: str, ss: str
) -> Iterator[tuple[Kind, str]]:
    """A coded OBX-5 (CE, CWE, CNE, CF) of an observation whose OBX-3 text of two words
    or more names a kind of PHI ("Employer name", "Next of kin name"): its text
    components (.2, .5, .9) are values of that kind. Hold-out round 19 probe: an
    employer's name as CWE text ("^Brackenfield Joinery") came out whole and passed."""
    if len(fields) < 6 or fields[2].split(cs, 1)[0].strip().upper() not in _CODED_RESULT_TYPES:
        return
    label = fields[3].split(rs, 1)[0].split(cs)
    kind = None
    for index in (1, 4, 8):
        if index < len(label) and len(label[index].replace(ss, " ").split()) > 1:
            kind = _observation_label_kind(label[index].replace(ss, " "))
            if kind is not None:
                break
    if kind is None:
        return
    for rep in fields[5].split(rs):
        comps = rep.split(cs)
        for index in (1, 4, 8):
            if index < len(comps) and comps[index].strip():
                yield kind, comps[index].replace(ss, " ")


def _person_labelled_observations(
    lines: list[str], fs: str, cs: str, rs: str, ss: str
) -> Iterator[tuple[Kind, str]]:
    """OBX-5 of a text result whose OBX-3 text is a person alone ("Emergency contact",
    "Next of kin", "Kontaktperson", "Pårørende"), read as the line "label: value" of a
    note (see _HL7_NOTE_PERSON; a name's first two components as "Family, Given").
    Hold-out round 17 probe: such a name came out whole and passed."""
    for line in lines:
        if not line.startswith("OBX"):
            continue
        fields = line.split(fs)
        if len(fields) < 6 or not _text_result(fields, cs):
            continue
        parts = [p.replace(ss, " ").strip() for p in fields[5].split(rs, 1)[0].split(cs)]
        value = ", ".join([p for p in parts if p][:2])
        if not value:
            continue
        label = fields[3].split(rs, 1)[0].split(cs)
        for index in (1, 4, 8, 10):
            if index < len(label) and label[index].strip():
                text = f"{label[index].replace(ss, ' ').strip().rstrip(':')}: {value}"
                yield from _labelled_names(text, _HL7_NOTE_PERSON, _NOT_NAME_WORDS)


# An observation named an identifier or number ("SUBVENTION DOCUMENT ID", "Passport
# No", "Member #"), and an answer shaped like one: letters and digits, three or more
# digits, one token.
_ID_LABEL: Final = re.compile(r"(?:\b|_)(?:id|identifier|number|no|num|nbr|#)\.?\s*$", re.I)
_ID_ANSWER: Final = re.compile(r"(?=(?:[^\d]*\d){3})[A-Za-z0-9][A-Za-z0-9./-]{4,39}")


def _labelled_identifier(label: list[str], answer: str, ss: str) -> Iterator[tuple[Kind, str]]:
    """OBX-5 of an observation whose OBX-3 text names an identifier, when it is one
    identifier-shaped token (a kept one is a leak: the scrubber replaces it)."""
    value = answer.strip()
    if not _ID_ANSWER.fullmatch(value):
        return
    for index in (1, 0, 4):
        if index < len(label) and _ID_LABEL.search(label[index].replace(ss, " ")):
            yield Kind.OTHER_ID, value
            return


# Punctuation no name is spelled with, which senders put between the parts of a
# whole name typed into one component ("QUILLFEATHER,ZEPHYRINA", or
# "QUILLFEATHER^ZEPHYRINA^T" when MSH-2 declares another component separator).
_NAME_GLUE: Final = re.compile(r"[,;^*&#+_|~\\]+")
_GLUED_WORD: Final = re.compile(r"[^\W\d_]{3,}")


def _glued_name_words(value: str) -> Iterator[tuple[Kind, str]]:
    """The words of a name value that glues a whole name together with punctuation,
    each searched alone: a note writes them apart and in any order ("Zephyrina
    Quillfeather"), so the value as one string is never found there."""
    if _NAME_GLUE.search(value):
        for word in _GLUED_WORD.findall(_NAME_GLUE.sub(" ", value)):
            yield Kind.NAME, word


# Fields of HL7v2 free text (a note, an observation's or document's text) where a
# line may name a person after a label ("Next of kin: Marta Quill"); every field of
# a Z-segment is read the same way.
_HL7_NOTE_FIELDS: Final = {"NTE": (3,), "OBX": (5,)}
# Escapes a sender writes for a line break (formatted text's ".br", a CR or LF in hex).
_HL7_LINE_BREAK: Final = re.compile(r"\\(?:\.br|X0D0A|X0D|X0A)\\", re.IGNORECASE)


def _hl7_note_names(notes: list[str], cs: str, rs: str, esc: str) -> Iterator[tuple[Kind, str]]:
    """Names a note gives only after a person label ("Emergency Contact: DOYLE,
    SINEAD"), read by the rule for FHIR text, with fewer labels and without values
    holding a word that is no name (see _HL7_NOTE_PERSON): each repetition, component and
    written line break starts a line, and so does a sentence (see _SENTENCE_BREAK).
    Only notes with a colon are read (most have none)."""
    text = "\n".join(note for note in notes if ":" in note or "\uff1a" in note)
    if not text:
        return
    if esc in text:
        text = _HL7_LINE_BREAK.sub("\n", text.replace(esc, "\\"))
    text = _SENTENCE_BREAK.sub("\\1\n", text.replace(rs, "\n").replace(cs, "\n"))
    yield from _labelled_names(text, _HL7_NOTE_PERSON, _NOT_NAME_WORDS)


# A phone number as a note writes it: digits with "(", ")", ".", "/", "-" between
# them, or a blank before a digit (not " / ": two numbers).
_NOTE_NUMBER: Final = r"\+?\(?\d(?:[\d()./-]|[ \t](?=[\d(]))+\d"
# A list of phone numbers after a phone label, each joined to the one before by a
# comma, semicolon or slash or by "or"/"and" in the labels' languages ("Tel.
# 0711/2468135, 0171 1234567 oder 0170 9876543"; hold-out round 16 probe: only the
# first was scrubbed).
_NOTE_PHONES: Final = re.compile(
    r"(?<![^\W_])(?:tel(?:ephone|efon|efoon)?|t\u00e9l(?:\u00e9phone)?|tel\u00e9fono|telefone"
    r"|phone|mobile?|mobil|handy|natel|tlf|fax|telem(?:\u00f3|o)vel|m(?:\u00f3|o)vil|portable"
    r"|contacto|contato|kontakt)(?![^\W_])\.?[^\d\n+]{0,20}?"
    rf"(?P<list>{_NOTE_NUMBER}(?:[ \t]*(?:[,;/]|[ \t](?:or|oder|ou|o|of|eller|og|und|and"
    rf"|bzw\.?|y|e|et|en|i|lub|tai)(?=[ \t]))[ \t]*{_NOTE_NUMBER})*)",
    re.IGNORECASE,
)
_NOTE_NUMBER_PATTERN: Final = re.compile(_NOTE_NUMBER)
# A date is no phone number ("03/04/2026", "2026-03-04").
_NOTE_DATE: Final = re.compile(r"\d{1,4}([/.-])\d{1,2}\1\d{2,4}")


def _hl7_note_addresses(notes: list[str], cs: str, rs: str, esc: str) -> Iterator[tuple[Kind, str]]:
    """An address a note gives after its label ("Adres: Wilgenhof 221, 1016 DV
    Wolderwijd", "Anschrift: ..."), read as in a FHIR text (see _labelled_addresses):
    each repetition, component and written line break starts a line. Hold-out round
    17 probe: a Dutch referral letter's address passed (HL7 notes were not read so)."""
    text = "\n".join(note for note in notes if ":" in note or "=" in note)
    if not text:
        return
    if esc in text:
        text = _HL7_LINE_BREAK.sub("\n", text.replace(esc, "\\"))
    yield from _labelled_addresses(text.replace(rs, "\n").replace(cs, "\n"))


# The UK's NHS number or Scotland's CHI number after its label in a note ("NHS No.
# 943 476 5919", "CHI: 0101011234"): ten digits, in groups of 3, 3 and 4 or whole.
_NOTE_HEALTH_NUMBER: Final = re.compile(
    r"(?<![^\W_])(?i:nhs|chi)(?:[ \t]*(?i:no\.?|number|nr\.?|#))?[ \t]*[:#]?[ \t]*"
    r"(\d{3}[ -]?\d{3}[ -]?\d{4})(?![\w-])"
)


def _hl7_note_health_numbers(notes: list[str], folded: list[str]) -> Iterator[tuple[Kind, str]]:
    """The NHS or CHI number a note gives after its label (hold-out round 17 probe: a
    letter's "NHS No. 9434765919" stayed and passed): an identifier. ``folded``: the
    notes case-folded, in order."""
    for note, lower in zip(notes, folded, strict=True):
        if "nhs" in lower or "chi" in lower:
            for match in _NOTE_HEALTH_NUMBER.finditer(note):
                yield Kind.OTHER_ID, match.group(1)


# A vehicle's registration after its label in a note (hold-out round 18 probe: "Vehicle
# reg: WR12 KXT", "plate OH HTY-4412", "Kennzeichen: M-AB 1234"): up to three groups
# of capitals and digits after the label (a US state's code before them skipped), with
# a letter and a digit; and a British plate in a note about a vehicle, anywhere.
_NOTE_PLATE: Final = re.compile(
    r"(?i:(?:vehicle|car|van)[ \t]+reg\w*|(?:licen[cs]e[ \t]+|number[ \t]+)?plate|kennzeichen"
    r"|kenteken|immatriculation)(?:[ \t]*(?i:no\.?|number|mark|#))?[ \t]*[:#]?[ \t]*"
    r"(?:[A-Z]{2}[ \t]+(?=[A-Z0-9]{1,4}[ -]?[0-9]))?([A-Z0-9]{1,4}(?:[ -][A-Z0-9]{1,4}){0,2})"
    r"(?![\w-])"
)
_NOTE_UK_PLATE: Final = re.compile(r"(?<![\w-])[A-Z]{2}[0-9]{2} ?[A-Z]{3}(?![\w-])")
_VEHICLE_WORDS: Final = ("plate", "reg", "vehicle", "car ", "van ", "kennzeichen", "kenteken")
# Quebec's health insurance number after its label: four letters, eight digits.
_NOTE_QC_HEALTH_CARD: Final = re.compile(
    r"(?<![^\W\d_])(?i:nam|ramq|carte soleil|assurance maladie|health ?card|hcn)(?![^\W\d_])"
    r"[ \t.]*(?i:no\.?|n°|#)?[ \t]*[:#=]?[ \t]*([A-Za-z]{4}[ -]?[0-9]{4}[ -]?[0-9]{4})(?![\w-])"
)


def _hl7_note_plates_and_cards(notes: list[str], folded: list[str]) -> Iterator[tuple[Kind, str]]:
    """A vehicle's registration and a Quebec health card's number a note gives (hold-out
    round 18 probes: "Vehicle reg: WR12 KXT" and "NAM: LEBG 3222 9912" stayed and
    passed)."""
    for note, lower in zip(notes, folded, strict=True):
        if any(word in lower for word in _VEHICLE_WORDS):
            for match in _NOTE_PLATE.finditer(note):
                value = match.group(1)
                if any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
                    yield Kind.VEHICLE_ID, value
            for match in _NOTE_UK_PLATE.finditer(note):
                yield Kind.VEHICLE_ID, match.group()
        if "nam" in lower or "ramq" in lower or "card" in lower or "hcn" in lower:
            for match in _NOTE_QC_HEALTH_CARD.finditer(note):
                yield Kind.OTHER_ID, match.group(1)


# An age over 89 a note gives as a birthday's ordinal or as the age a person turns
# ("her 97th birthday", "turns 98 in May"), not a turn of degrees or a share.
_NOTE_OLD_AGE: Final = re.compile(
    r"(?<![\w.])(?:9[0-9]|1[0-9][0-9])(?i:st|nd|rd|th)[ \t-]+(?i:birthday)"
    r"|(?<![^\W_])(?i:turn(?:s|ed|ing)?)[ \t]+(?:9[0-9]|1[0-9][0-9])(?![\w.,%\u00b0])"
    r"(?![ \t]*(?i:deg|degrees?|times|x|mg|ml|units?)\b)"
)


_TURN_WORD: Final = re.compile(r"(?<![^\W_])(?i:turn)")


def _hl7_note_old_ages(notes: list[str], folded: list[str]) -> Iterator[tuple[Kind, str]]:
    """An age over 89 in a note's birthday or after "turns" (hold-out round 18 probe:
    "her 97th birthday" stayed and passed, the verifier reading no age in notes)."""
    for note, lower in zip(notes, folded, strict=True):
        # "turn" as a word's start: "return" is in most discharge notes, and the
        # pattern tries its digits at every position of the note.
        if "birthday" in lower or _TURN_WORD.search(note) is not None:
            for match in _NOTE_OLD_AGE.finditer(note):
                yield Kind.AGE, match.group()


# A known family name, a comma and a given name ("HAWTHORNE, THADDEUS J", "Hawthorne,
# Percival."), the name ending the phrase; not a title, relation, role, pronoun or a
# note's abbreviation after the comma ("Mrs Hawthorne, Daughter.").
_NOTE_FAMILY_COMMA_GIVEN: Final = re.compile(
    r"(?<![\w'-])([A-Z][A-Za-z'-]+),[ \t]{1,2}([A-Z][a-z]{2,20}|[A-Z]{3,20})"
    r"(?=(?:[ \t][A-Z]\.?)?[ \t]*(?:[.;:,)\]]|$))"
)
# A street's name after the comma ("Hartmann, Bahnhofstr. 78"), not a given name.
_STREET_NAME_END: Final = re.compile(
    r"(?i:str|stra\u00dfe|strasse|weg|gasse|allee|platz|laan|straat|gracht|vej|gade|gatan"
    r"|v\u00e4gen|road|street|lane|avenue)$"
)
_NOT_GIVEN_WORDS: Final = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "sir",
        "madam",
        "the",
        "and",
        "who",
        "mother",
        "father",
        "mom",
        "dad",
        "son",
        "daughter",
        "wife",
        "husband",
        "brother",
        "sister",
        "aunt",
        "uncle",
        "grandmother",
        "grandfather",
        "grandson",
        "granddaughter",
        "cousin",
        "niece",
        "nephew",
        "partner",
        "spouse",
        "guardian",
        "friend",
        "neighbor",
        "neighbour",
        "caregiver",
        "carer",
        "patient",
        "family",
        "nurse",
        "doctor",
        "mrn",
        "dob",
        "jr",
        "sr",
        "iii",
        "she",
        "his",
        "her",
        "they",
        "seen",
        "age",
        "sex",
        "male",
        "female",
        "phone",
        "tel",
        "home",
        "cell",
        "work",
        "see",
    ]
)


def _hl7_note_given_names(
    notes: list[str], families: set[str], cs: str, rs: str, ss: str
) -> Iterator[tuple[Kind, str]]:
    """A relative's given name a note gives after the known family name (hold-out round
    18 probe: "SUBSCRIBER: HAWTHORNE^THADDEUS" in a Z-segment, "Policy holder
    HAWTHORNE^PERCIVAL" and "Insured Hawthorne, Barnaby." in notes passed): in a
    name's layout whose first component ends with the family name, or after the
    family name and a comma."""
    for note in notes:
        if cs in note:
            for rep in note.split(rs):
                comps = rep.split(cs, 3)
                words = comps[0].split(ss)[0].split()
                if len(comps) > 1 and len(words) > 1:
                    yield from (
                        (Kind.NAME, name)
                        for name in _layout_given_names([words[-1], *comps[1:]], families, ss)
                    )
        if "," in note:
            for match in _NOTE_FAMILY_COMMA_GIVEN.finditer(note):
                given = match.group(2)
                if (
                    match.group(1).casefold() in families
                    and given.casefold() not in _NOT_GIVEN_WORDS
                    and not _STREET_NAME_END.search(given)
                ):
                    yield Kind.NAME, given


# Account, certificate and device numbers after their labels in a note: an IBAN, a
# card's number (16 digits in fours, or 4-6-5), a certificate's (five digits or more,
# after capitals) or an IMEI (a MAC address is flagged wherever it is left).
_NOTE_LABELLED_NUMBERS: Final = (
    (
        Kind.ACCOUNT_NUMBER,
        re.compile(
            r"(?<![^\W_])(?i:iban)[ \t]*[:#]?[ \t]*"
            r"([A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?)(?![\w-])"
        ),
    ),
    (
        Kind.ACCOUNT_NUMBER,
        re.compile(
            r"(?<![^\W_])(?i:card|visa|mastercard|amex)(?:[ \t]*(?i:no\.?|number|#))?"
            r"[ \t]*[:#]?[ \t]*([0-9]{4}(?:[ -]?[0-9]{4}){3}|[0-9]{4}[ -]?[0-9]{6}[ -]?[0-9]{5})"
            r"(?![0-9-])"
        ),
    ),
    (
        Kind.HEALTH_PLAN_ID,
        re.compile(
            r"(?<![^\W_])(?i:aetna|bcbs|blue cross|blue shield|anthem|cigna|humana|uhc"
            r"|united ?healthcare|kaiser|tricare|molina|member)(?![^\W_])"
            r"(?:[ \t]+(?i:member|id|no\.?|number|#))?[ \t]*[:#]?[ \t]*([A-Za-z]{0,4}[0-9]{5,15})"
            r"(?![\w-])"
        ),
    ),
    (
        Kind.LICENSE_NUMBER,
        re.compile(
            r"(?<![^\W_])(?i:cert(?:ificate)?)\.?(?:[ \t]*(?i:no\.?|number|#))?[ \t]*[:#]?[ \t]*"
            r"((?:[A-Z]{1,4}[ /-]?)?[0-9][0-9 /-]{3,20}[0-9])(?![\w/-])"
        ),
    ),
    (
        Kind.DEVICE_ID,
        re.compile(
            # An IMEI (any MAC address left is flagged, label or not: see _MAC_ADDRESS).
            r"(?<![^\W_])(?i:imei|meid)[ \t]*[:#]?[ \t]*([0-9]{15})(?![\w:-])"
        ),
    ),
)
_NUMBER_LABEL_WORDS: Final = (
    *("iban", "card", "visa", "amex", "cert", "imei", "meid", "aetna", "bcbs"),
    *("blue ", "anthem", "cigna", "humana", "uhc", "united", "kaiser", "tricare"),
    *("molina", "member"),
)


def _hl7_note_labelled_numbers(notes: list[str], folded: list[str]) -> Iterator[tuple[Kind, str]]:
    """An IBAN, a card's, a certificate's or a device's number a note gives after its
    label (hold-out round 18 probe: each stayed and passed)."""
    for note, lower in zip(notes, folded, strict=True):
        if not any(word in lower for word in _NUMBER_LABEL_WORDS):
            continue
        for kind, pattern in _NOTE_LABELLED_NUMBERS:
            for match in pattern.finditer(note):
                value = match.group(1)
                if sum(c.isdigit() for c in value) >= 5:
                    yield kind, value


# The patient's employer after its label in a note: the name up to the clause's end
# ("St." goes on), not a word naming none.
_NOTE_EMPLOYER: Final = re.compile(
    r"(?<![^\W_])(?i:employer(?:'s)?(?: name)?|arbeitgeber|employeur|empleador|empregador"
    r"|werkgever|place of work|place of employment)[ \t]*[:=][ \t]*"
    r"(?!(?i:none|n/?a|unknown|self|retired|unemployed|student|disabled|homemaker)\b)"
    r"([A-Z\u00c0-\u00de](?:[^\n.;,()\\]|(?<=\bSt)\.){1,60}?)"
    r"(?=[ \t]*(?:[;,()\n\\]|\.(?<!\bSt\.)|$))"
)


_EMPLOYER_WORDS: Final = ("employ", "emplea", "empreg", "arbeitgeber", "werkgever", "place of")


# A street a note names by a house number, capitalized words and a British or Irish
# type that is also an English word ("14 Harrowby Close", "3 Millfield Crescent",
# "9 ROWAN GARDENS"): the type capitalized or in capitals, as a street's is.
_NOTE_BRITISH_STREET: Final = re.compile(
    r"(?<![\w.,/-])\d{1,5}[A-Za-z]?[ \t]+(?:[A-Z][\w'\u2019-]*[ \t]+){1,3}"
    r"(?:Close|CLOSE|Crescent|CRESCENT|Gardens|GARDENS|Grove|GROVE|Mews|MEWS|Wynd|WYND)\b"
)
_BRITISH_STREET_WORDS: Final = ("close", "crescent", "gardens", "grove", "mews", "wynd")


def _hl7_note_british_streets(notes: list[str], folded: list[str]) -> Iterator[tuple[Kind, str]]:
    """A street a note names with a British or Irish type that is also an English word
    (hold-out round 21 probe: "Lives at 14 Harrowby Close", "9 Rowan Gardens" stayed
    and passed: no reader of a note's unlabelled street knew these types)."""
    for note, lower in zip(notes, folded, strict=True):
        if any(word in lower for word in _BRITISH_STREET_WORDS):
            for match in _NOTE_BRITISH_STREET.finditer(note):
                yield Kind.STREET_ADDRESS, match.group(0)


# A label of several words naming a person, written without its colon, and the two
# to four capitalized words after it ("Next of kin Hester Quillfeather daughter").
_NOTE_COLONLESS_LABELS: Final = (
    "next of kin", "emergency contact", "contact person", "patient name", "patient's name",
    "name of patient", "kontaktperson", "contactpersoon",
)  # fmt: skip
_NOTE_COLONLESS_NAME: Final = re.compile(
    r"(?<![^\W_])(?i:next[ \t]+of[ \t]+kin|emergency[ \t]+contact|contact[ \t]+person"
    r"|patient(?:['\u2019]s)?[ \t]+name|name[ \t]+of[ \t]+patient|kontaktperson|contactpersoon)"
    r"[ \t]+((?:[^\W\d_][\w'\u2019-]*[ \t]+){1,3}[^\W\d_][\w'\u2019-]*)"
)
# Capitalized words after such a label that name nobody ("Emergency contact Not Known",
# "Next of kin Details Updated").
_NOT_COLONLESS_NAMES: Final = frozenset(
    {"not", "none", "unknown", "known", "self", "same", "declined", "refused", "see"}
    | {"details", "detail", "information", "info", "number", "informed", "notified"}
    | {"updated", "reviewed", "verified", "confirmed", "aware", "called", "contacted"}
    | {"and", "or", "the", "of", "is", "was", "mr", "mrs", "ms", "dr", "miss", "na"}
)


def _hl7_note_colonless_labelled_names(
    notes: list[str], folded: list[str]
) -> Iterator[tuple[Kind, str]]:
    """The name a note gives after a person's label written without its colon
    (hold-out round 21 probe: "Next of kin <Given> <Family> daughter", "Contact person
    <Given> <Family> 617 ..." stayed and passed; the label readers need a colon): the
    capitalized words after the label, two to four, up to the first that is not."""
    for note, lower in zip(notes, folded, strict=True):
        if not any(label in lower for label in _NOTE_COLONLESS_LABELS):
            continue
        for match in _NOTE_COLONLESS_NAME.finditer(note):
            words: list[str] = []
            for word in match.group(1).split():
                if not word[:1].isupper() or word.casefold() in _NOT_COLONLESS_NAMES:
                    break
                words.append(word)
            if len(words) >= 2:
                for word in words:
                    yield Kind.NAME, word


def _hl7_note_employers(notes: list[str], folded: list[str]) -> Iterator[tuple[Kind, str]]:
    """The employer a note names after its label (hold-out round 18 probe: "Employer:
    Pendleford Steelworks Ltd." in a social history stayed and passed)."""
    for note, lower in zip(notes, folded, strict=True):
        if (":" in note or "=" in note) and any(word in lower for word in _EMPLOYER_WORDS):
            for match in _NOTE_EMPLOYER.finditer(note):
                yield Kind.ORGANIZATION_NAME, match.group(1).strip()


def _hl7_notes(lines: list[str], fs: str, cs: str | None = None) -> list[str]:
    """The note fields of a message: NTE-3, OBX-5 and every field of a Z-segment.
    With the component separator ``cs``, OBX-5 only of a text value type (OBX-2)."""
    notes: list[str] = []
    for line in lines:
        if not line.startswith(("Z", "NTE", "OBX")):
            continue
        fields = line.split(fs)
        name = fields[0]
        if name.startswith("Z"):
            notes.extend(fields[1:])
        elif name == "OBX" and cs is not None and not _text_result(fields, cs):
            continue
        else:
            notes.extend(fields[n] for n in _HL7_NOTE_FIELDS.get(name, ()) if n < len(fields))
    return notes


def _hl7_note_phones(notes: list[str], cs: str, rs: str, esc: str) -> Iterator[tuple[Kind, str]]:
    """The phone numbers of a note's lists after a phone label (see _NOTE_PHONES):
    seven to fifteen digits each, not a date. Each repetition, component and written
    line break starts a line."""
    text = "\n".join(note for note in notes if any(c.isdigit() for c in note))
    if not text:
        return
    if esc in text:
        text = _HL7_LINE_BREAK.sub("\n", text.replace(esc, "\\"))
    text = text.replace(rs, "\n").replace(cs, "\n")
    for match in _NOTE_PHONES.finditer(text):
        for number in _NOTE_NUMBER_PATTERN.findall(match["list"]):
            digits = sum(c.isdigit() for c in number)
            if 7 <= digits <= 15 and not _NOTE_DATE.fullmatch(number):
                yield Kind.PHONE, number


def _hl7_note_relatives(notes: list[str], cs: str, rs: str, esc: str) -> Iterator[tuple[Kind, str]]:
    """Names a note gives after a relative's label with no colon, when what the
    person did follows ("Daughter Morwenna Parrish visited"; see _relative_names),
    read in NTE-3, OBX-5 and Z-segments: each repetition, component, written line
    break and sentence starts a line (hold-out round 16 probe: the relative's name
    was left in the message's other fields)."""
    text = "\n".join(notes)
    english = _RELATIVE_IN_MARKUP.search(text) is not None
    if not english and not _names_another_language_relative(text):
        return
    if esc in text:
        text = _HL7_LINE_BREAK.sub("\n", text.replace(esc, "\\"))
    text = text.replace(rs, "\n").replace(cs, "\n")
    yield from _other_language_relative_names(text)
    if english:
        yield from _relative_names(_SENTENCE_BREAK.sub("\\1\n", text))


# A relative named in a sentence of another language, by marriage, by a step or by
# blood ("su nuera Begoña Larrañaga,", "son gendre Thibault Marchetti.",
# "Schwiegertochter Annegret Kuhlmann,", "svigerdatteren Ingvild Rustad,",
# "schoondochter Femke Hoogeveen."): the relation word, then two capitalized words
# (or three: two family names) ending the clause (a comma, a period, a bracket, "and"
# in those languages, the line's end). Hold-out round 17 probe: an in-law's name came
# out whole and passed.
_OTHER_LANGUAGE_RELATIVE_WORDS: Final = frozenset(
    {"nuera", "yerno", "suegra", "suegro", "cuñada", "cuñado", "cunada", "cunado", "esposo"}
    | {"esposa", "hija", "hijo", "hermana", "hermano", "nieta", "nieto", "nora", "genro"}
    | {"sogra", "sogro", "cunhada", "cunhado", "marido", "filha", "filho", "neta", "neto"}
    | {"nuora", "suocera", "suocero", "cognata", "cognato", "nipote", "moglie", "marito"}
    | {"figlia", "figlio", "badante", "gendre", "fille", "fils", "épouse", "époux"}
    | {"schwiegertochter", "schwiegersohn", "schwiegermutter", "schwiegervater", "schwager"}
    | {"schwägerin", "schwaegerin", "ehemann", "ehefrau", "tochter", "sohn", "schoonzus"}
    | {"schoondochter", "schoonzoon", "schoonmoeder", "schoonvader", "zwager", "dochter"}
    | {"echtgenoot", "echtgenote", "zoon", "svigerdatter", "svigerdatteren", "svigersøn"}
    | {"svigersønn", "svigersønnen", "svigermor", "svigermoren", "svigerfar", "svigerfaren"}
    | {"ektemann", "ektemannen", "datter", "datteren", "sønn", "sønnen", "svärdotter"}
    | {"svärdottern", "svärson", "svärsonen", "svärmor", "svärfar", "dotter", "dottern"}
    | {"sonen"}
)
_OTHER_LANGUAGE_RELATIVE: Final = re.compile(
    r"(?<![^\W_])(?i:"
    + "|".join(sorted(_OTHER_LANGUAGE_RELATIVE_WORDS, key=len, reverse=True))
    + r")[ \t]+([^\W\d_][\w'\u2019-]*)[ \t]+([^\W\d_][\w'\u2019-]*)"
    r"(?:[ \t]+([^\W\d_][\w'\u2019-]*))?"
    r"(?=[ \t]*(?:[,.;:()]|$)|[ \t]+(?:y|e|et|und|en|og|och|and|i)[ \t])",
    re.MULTILINE,
)
_WORD_PUNCTUATION: Final = str.maketrans(dict.fromkeys("-,.;:()[]'\"/", " "))


def _names_another_language_relative(text: str) -> bool:
    """Whether ``text`` holds one of the relation words of _OTHER_LANGUAGE_RELATIVE (a
    set lookup; the pattern's scan is ten times slower on a long report)."""
    return not _OTHER_LANGUAGE_RELATIVE_WORDS.isdisjoint(
        text.casefold().translate(_WORD_PUNCTUATION).split()
    )


def _other_language_relative_names(text: str) -> Iterator[tuple[Kind, str]]:
    """The two words of a relative's name a sentence of another language gives (see
    _OTHER_LANGUAGE_RELATIVE), when both are capitalized name words."""
    for match in _OTHER_LANGUAGE_RELATIVE.finditer(text):
        # Two words, or three: Spanish and Portuguese names carry two family names.
        words = [word for word in match.groups() if word is not None]
        if all(_capitalized_in_any_script(word) for word in words):
            for word in words:
                yield Kind.NAME, word


# A relative's family name after a particle in lower case ("schoonzoon Pieter de
# Wit", "esposa Maria da Conceicao", "hija Ana de la Fuente", "wife Fatima bint
# Rashid"): the relation word, a capitalized given name, the particle (one or two
# words) and a capitalized family name. Hold-out round 19 probe: the scrubber
# replaced the given name and kept the rest, and no reading of the verifier's
# crossed a particle in lower case.
_PARTICLES: Final = (
    "de", "da", "do", "dos", "das", "di", "del", "della", "van", "von", "der", "den",
    "ter", "ten", "du", "des", "la", "le", "bin", "bint", "ibn", "al", "el",
)  # fmt: skip
_PARTICLE_RELATIVE_WORDS: Final = _OTHER_LANGUAGE_RELATIVE_WORDS | frozenset(
    {"wife", "husband", "spouse", "partner", "son", "daughter", "mother", "father"}
    | {"brother", "sister", "grandson", "granddaughter", "aunt", "uncle", "niece"}
    | {"nephew", "cousin", "mãe", "pai", "irmã", "irmão", "mutter", "vater", "bruder"}
    | {"schwester", "mère", "père", "frère", "sœur", "soeur", "madre", "padre", "moeder"}
    | {"vader", "broer", "zus", "moglie", "figlio", "figlia", "fratello", "sorella"}
)
_PARTICLE_RELATIVE: Final = re.compile(
    r"(?<![^\W_])(?i:"
    + "|".join(sorted(_PARTICLE_RELATIVE_WORDS, key=len, reverse=True))
    + r")[ \t]+[^\W\d_][\w'\u2019-]*[ \t]+((?:"
    + "|".join(_PARTICLES)
    + r")(?:[ \t]+(?:la|las|los|der|den|de))?[ \t]+([^\W\d_][\w'\u2019-]*))"
)


def _hl7_note_particle_relatives(notes: list[str], folded: list[str]) -> Iterator[tuple[Kind, str]]:
    """A relative's family name after a particle in lower case in NTE-3, OBX-5 and
    Z-segments (see _PARTICLE_RELATIVE), searched with its particle ("de Wit"): read
    only in a note with a particle between blanks and a relation word."""
    for note, fold in zip(notes, folded, strict=True):
        if not any(f" {particle} " in fold for particle in _PARTICLES):
            continue
        if _PARTICLE_RELATIVE_WORDS.isdisjoint(fold.translate(_WORD_PUNCTUATION).split()):
            continue
        for match in _PARTICLE_RELATIVE.finditer(note):
            if _capitalized_in_any_script(match[2]):
                yield Kind.NAME, match[1]


# Italy's tax code (codice fiscale) by its shape: six letters, two digits, a month's
# letter, two digits, a letter, three digits, a check letter (a digit may be written
# as a letter L to V). Hold-out round 19 probe: "Codice fiscale RSSMRA50M15L219X" and
# "CF ..." in a referral note came out whole and passed.
_TAX_CODE_IT: Final = re.compile(
    r"(?<![^\W_])[A-Za-z]{6}[\dL-NP-Vl-np-v]{2}[A-EHLMPR-Ta-ehlmpr-t][\dL-NP-Vl-np-v]{2}"
    r"[A-Za-z][\dL-NP-Vl-np-v]{3}[A-Za-z](?![^\W_])"
)
_TAX_CODE_IT_HINTS: Final = ("fisc", "cf", "c.f", "sanitaria")


def _hl7_note_tax_codes(notes: list[str], folded: list[str]) -> Iterator[tuple[Kind, str]]:
    """Italian tax codes in NTE-3, OBX-5 and Z-segments (see _TAX_CODE_IT), read in a
    note that names one ("fisc", "CF", "C.F.", "sanitaria"), labelled there or not."""
    for note, fold in zip(notes, folded, strict=True):
        if any(hint in fold for hint in _TAX_CODE_IT_HINTS) and any(c.isdigit() for c in note):
            for match in _TAX_CODE_IT.finditer(note):
                yield Kind.OTHER_ID, match.group()


# A Swiss social security number by its shape (756.1234.5678.97), and a French or
# Belgian one after its label ("numéro de sécurité sociale 2 52 04 13 055 012 34",
# "n° sécu", "NISS 85.04.12-345.67", "RRN", "rijksregisternummer"): eleven digits or
# more in groups. Hold-out round 19 probe: all stayed and passed.
_AHV_NUMBER: Final = re.compile(r"(?<![\w.])756\.\d{4}\.\d{4}\.\d{2}(?!\w|\.\d)")
_SOCIAL_SECURITY_LABELS: Final = ("curit", "secu", "s\u00e9cu", "niss", "rrn", "registre")
_SOCIAL_SECURITY_NUMBER: Final = re.compile(
    r"(?<![^\W\d_])(?:s(?:\u00e9|e)curit(?:\u00e9|e) sociale|s(?:\u00e9|e)cu|niss|rrn"
    r"|rijksregisternummer|registre national)(?![^\W\d_])[^\d\n]{0,12}?"
    r"(\d(?:[ .-]?\d){10,14})(?!\d)",
    re.IGNORECASE,
)


# A Nordic personal number (DDMMYY-NNNN, YYMMDD-NNNN, YYYYMMDD-NNNN, a Finnish
# century sign "A" and check character) and a Belgian national number (YY.MM.DD-NNN.CC)
# as written, without a label: the middle pair of the date part is a month. Hold-out
# round 20 (lead's probe): a Danish CPR number without "CPR" stayed and passed.
_NORDIC_PERSONAL_NUMBER: Final = re.compile(
    r"\d(?<![\w.+-]\d)\d(?:\d\d)?(?:0[1-9]|1[0-2])\d\d[-+Aa]\d{3}[0-9A-Ya-y](?![\w-])"
)
# Led by a digit (checked behind it): the engine then scans for digits at C speed.
_BELGIAN_NATIONAL_NUMBER: Final = re.compile(
    r"\d(?<![\w.]\d)\d\.(?:0\d|1[0-2])\.\d\d-\d{3}\.\d\d(?!\w|\.\d)"
)


def _personal_number_left(text: str) -> bool:
    """Whether a FHIR output (its strings and decoded attachments) still holds a
    Nordic personal number or a Belgian national number as written, without a label
    (see _NORDIC_PERSONAL_NUMBER): the HL7v2 side reads them in notes; a FHIR note
    (``Observation.valueString``, ``note.text``, a decoded document) is one string
    among the JSON's. A structured identifier of this shape is the input's value
    and searched as such; this reads the ones only a text held."""
    return personal_number_hint(text) and (
        _NORDIC_PERSONAL_NUMBER.search(text) is not None
        or _BELGIAN_NATIONAL_NUMBER.search(text) is not None
    )


def _hl7_note_social_security_numbers(
    notes: list[str], folded: list[str]
) -> Iterator[tuple[Kind, str]]:
    """Swiss, French, Belgian and Nordic personal numbers in NTE-3, OBX-5 and
    Z-segments (see _AHV_NUMBER, _SOCIAL_SECURITY_NUMBER, _NORDIC_PERSONAL_NUMBER):
    read only in a note holding "756.", one of the labels' stems, or a date part's
    digits followed by a sign and a digit."""
    for note, fold in zip(notes, folded, strict=True):
        if "756." in note:
            for match in _AHV_NUMBER.finditer(note):
                yield Kind.OTHER_ID, match.group()
        if personal_number_hint(note):
            for match in _NORDIC_PERSONAL_NUMBER.finditer(note):
                yield Kind.OTHER_ID, match.group()
            for match in _BELGIAN_NATIONAL_NUMBER.finditer(note):
                yield Kind.OTHER_ID, match.group()
        if any(label in fold for label in _SOCIAL_SECURITY_LABELS):
            for match in _SOCIAL_SECURITY_NUMBER.finditer(note):
                yield Kind.OTHER_ID, match[1]


# A North American number a note writes without a label: the area code in
# parentheses, or with its closing one only ("call Dana at 617) 555-0191": an Epic
# NTE, hold-out round 20, whose number passed), or three groups joined by one
# separator ("617-555-0191", "617.555.0191"). Led by its first character's class,
# so the engine scans for "(" and digits at C speed.
_NOTE_AREA_CODE_PHONE: Final = re.compile(
    r"[(\d](?<![\w(+./-][(\d])"
    r"(?:(?<=\()\d{3}\)[ \t]?\d{3}[ \t.-]?\d{4}"
    r"|(?<=\d)\d{2}\)[ \t]?\d{3}[ \t.-]?\d{4}"
    r"|(?<=\d)\d{2}([.-])\d{3}\1\d{4})"
    r"(?![\w/-]|\.\d)"
)


def _hl7_note_area_code_phones(notes: list[str]) -> Iterator[tuple[Kind, str]]:
    """North American phone numbers written without a label in NTE-3, OBX-5 and
    Z-segments (see _NOTE_AREA_CODE_PHONE): one scan of the notes together, the
    pattern led by its first character's class (counting a note's digits first cost
    more than the scan)."""
    for match in _NOTE_AREA_CODE_PHONE.finditer("\n".join(notes)):
        yield Kind.PHONE, match.group()


# The patient's relative named around "pt"/"patient" and the relation, a note's
# shorthand among them ("plz call Keziah pt dtr 1st at ...", "Marla, pt's sister,",
# "pt son Corwin at ..."; hold-out round 20, an Epic NTE whose name passed): led by
# its "p" (a case-sensitive class: the engine scans for it in C).
_PATIENTS_RELATION_WORDS: Final = (
    "granddaughter", "grandmother", "grandfather", "grandson", "daughter", "husband",
    "partner", "brother", "sister", "mother", "father", "spouse", "nephew", "cousin",
    "niece", "uncle", "aunt", "wife", "son", "mom", "dad", "dtr", "dau", "sis", "bro",
)  # fmt: skip
_PATIENTS_RELATIVE: Final = re.compile(
    r"[pP](?<![^\W_][pP])(?i:t|atient)(?:['\u2019]?s)?[ \t]+(?P<relation>(?i:"
    + "|".join(_PATIENTS_RELATION_WORDS)
    + r"))(?![^\W_])"
)
# What such a note writes around the relation that is no name: who or how, the
# words a sentence goes on with, titles and days.
_NOT_PATIENTS_RELATIVE_WORDS: Final = frozenset(
    {"none", "not", "unknown", "known", "self", "same", "see", "above", "below", "listed"}
    | {"deceased", "alive", "living", "yes", "no", "and", "or", "the", "of", "on", "in"}
    | {"at", "to", "with", "for", "is", "was", "as", "per", "patient", "pt", "family"}
    | {"friend", "present", "declined", "refused", "bedside", "home", "available", "but"}
    | {"nor", "this", "that", "a", "an", "from", "by", "who", "whom", "were", "are"}
    | {"has", "had", "have", "also", "reports", "reported", "states", "stated", "says"}
    | {"said", "denies", "notes", "called", "call", "will", "would", "can", "could", "did"}
    | {"does", "here", "there", "today", "yesterday", "tomorrow", "mr", "mrs", "ms", "dr"}
    | {"miss", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
    | {"spoke", "informed", "notified", "phoned", "contacted", "aware", "agrees", "agreed"}
    | {"requests", "requested", "wants", "visited", "discussed", "updated", "asked"}
    | {"calls", "told", "met", "saw", "seen", "via", "please", "pls", "plz", "notify"}
    | {"contact", "reviewed", "explained", "educated", "instructed", "left", "message"}
    | {"msg", "texted", "emailed", "awaiting", "consent", "consented", "signed", "nurse"}
    | {"witnessed", "lives", "care"}
)
# Before a name with no comma after it: a word in lower case, or one of these verbs
# or personal titles ("Called Keziah Amsel pt dtr", "Mrs Amsel pt dtr").
_BEFORE_PATIENTS_RELATIVE: Final = frozenset(
    {"called", "call", "spoke", "phoned", "notified", "informed", "per", "contacted"}
    | {"mr", "mrs", "ms", "miss"}
)
_PATIENTS_RELATIVE_REACH: Final = 80


def _patients_relative_words(note: str) -> Iterator[str]:
    """The name words a note gives around "pt"/"patient" and a relation word (see
    _PATIENTS_RELATIVE): up to three capitalized words before (after a word in lower
    case, a verb or a personal title, or set off by a comma; not after "Dr"), up to
    two after."""
    for match in _PATIENTS_RELATIVE.finditer(note):
        if match["relation"].isupper() and len(match["relation"]) == 3:
            continue  # "PT DTR": a deep tendon reflex, not a daughter
        tokens = note[max(0, match.start() - _PATIENTS_RELATIVE_REACH) : match.start()].split()
        comma = bool(tokens) and tokens[-1].endswith(",")
        if comma:
            tokens[-1] = tokens[-1][:-1]
        run: list[str] = []
        while tokens and len(run) < 3:
            word = tokens[-1]
            if not _capitalized_in_any_script(word) or word.casefold() in (
                _NOT_PATIENTS_RELATIVE_WORDS
            ):
                break
            run.append(tokens.pop())
        previous = tokens[-1].casefold().rstrip(".") if tokens else ""
        if (
            run
            and previous != "dr"
            and (
                comma
                or (tokens and (tokens[-1].islower() or previous in _BEFORE_PATIENTS_RELATIVE))
            )
        ):
            yield from run
        for word in note[match.end() : match.end() + 60].split()[:2]:
            bare = word.rstrip(",.;:")
            if not _capitalized_in_any_script(bare) or bare.casefold() in (
                _NOT_PATIENTS_RELATIVE_WORDS
            ):
                break
            yield bare
            if bare != word:
                break


def _hl7_note_patients_relatives(notes: list[str], folded: list[str]) -> Iterator[tuple[Kind, str]]:
    """Names of the patient's relatives a note gives around "pt"/"patient" and the
    relation (see _patients_relative_words), in NTE-3, OBX-5 and Z-segments; read only
    in a note holding "pt" or "patient"."""
    for note, fold in zip(notes, folded, strict=True):
        if "pt" in fold or "patient" in fold:
            for word in _patients_relative_words(note):
                yield Kind.NAME, word


_MIN_GROUP_NAME: Final = 4
_GROUP_NAME_LETTER: Final = re.compile(r"[^\W\d_]")


def _hl7_insured_group_names(
    lines: list[str], fs: str, cs: str, rs: str
) -> Iterator[tuple[Kind, str]]:
    """The name of the insured's group (IN1-9) and of the group's employer (IN1-11),
    their XON.1, are an employer's name: an employer's group plan is named after it
    (hold-out round 20 probe: the employer came out whole in IN1-9). Not when the
    group is named as the insurance company (IN1-4), which the message keeps."""
    for line in lines:
        if not line.startswith("IN1"):
            continue
        fields = line.split(fs)
        if fields[0] != "IN1":
            continue
        company = fields[4].split(cs, 1)[0].strip().casefold() if len(fields) > 4 else ""
        for number in (9, 11):
            if number >= len(fields):
                break
            for rep in fields[number].split(rs):
                name = rep.split(cs, 1)[0].strip()
                if (
                    len(name) >= _MIN_GROUP_NAME
                    and _GROUP_NAME_LETTER.search(name) is not None
                    and name.casefold() != company
                ):
                    yield Kind.ORGANIZATION_NAME, name


def _hl7_note_parenthesized_relatives(
    notes: list[str], cs: str, rs: str, esc: str
) -> Iterator[tuple[Kind, str]]:
    """Names a note writes right before a relation in parentheses ("Contact list:
    <Given> <Family> (daughter)"), read as in a FHIR text (see
    _parenthesized_relatives): each repetition, component and written line break
    starts a line, highlighting is a blank. Hold-out round 20 probe: only FHIR texts
    were read so, and such a name in NTE-3 passed. Read only in notes with "(" ."""
    text = "\n".join(note for note in notes if "(" in note)
    if not text:
        return
    if esc in text:
        text = _HL7_LINE_BREAK.sub("\n", text.replace(esc, "\\"))
        text = _HL7_HIGHLIGHT.sub(" ", text)
    yield from _parenthesized_relatives(text.replace(rs, "\n").replace(cs, "\n"))


# A maiden or birth name after its label in a note ("Mother's maiden name:
# Brekkestø", "Nom de jeune fille : Kerhervé", "Geburtsname: Brenzinger"; hold-out
# round 20 probe, the name passed): its first word.
_NOTE_MAIDEN_LABELS: Final = (
    "maiden name", "jeune fille", "geburtsname", "mädchenname", "maedchenname",
    "de soltera", "de solteira", "meisjesnaam", "da nubile",
)  # fmt: skip
_NOTE_MAIDEN_NAME: Final = re.compile(
    r"(?i:maiden[ \t]+name|nom[ \t]+de[ \t]+jeune[ \t]+fille|geburtsname|m(?:ä|ae)dchenname"
    r"|apellido[ \t]+de[ \t]+soltera|nome[ \t]+de[ \t]+solteira|meisjesnaam"
    r"|cognome[ \t]+da[ \t]+nubile)[ \t]*[:=][ \t]*([^\W\d_][\w'\u2019-]*)"
)
_NOT_MAIDEN_NAMES: Final = frozenset(
    {"none", "not", "unknown", "same", "self", "see", "n", "na", "nil", "declined", "refused"}
)


def _hl7_note_maiden_names(notes: list[str], folded: list[str]) -> Iterator[tuple[Kind, str]]:
    """A maiden or birth name a note gives after its label (see _NOTE_MAIDEN_NAME), in
    NTE-3, OBX-5 and Z-segments, capitalized or in capitals; read only in a note
    holding one of the labels."""
    joined = "\n".join(folded)
    if not any(label in joined for label in _NOTE_MAIDEN_LABELS):
        return  # one test for the whole message: most name no maiden name
    for note, fold in zip(notes, folded, strict=True):
        if any(label in fold for label in _NOTE_MAIDEN_LABELS):
            for match in _NOTE_MAIDEN_NAME.finditer(note):
                word = match[1]
                if word.casefold() not in _NOT_MAIDEN_NAMES and (
                    _capitalized_in_any_script(word) or (word.isupper() and len(word) > 1)
                ):
                    yield Kind.NAME, word


# Highlighting on and off in formatted text (HL7 \H\ and \N\), as a note writes
# it once its escape character is a backslash.
_HL7_HIGHLIGHT: Final = re.compile(r"\\[HN]\\")


def _hl7_note_highlighted_names(
    notes: list[str], cs: str, rs: str, esc: str
) -> Iterator[tuple[Kind, str]]:
    """Names the note readers find once highlighting is read as a blank: glued to a
    word, "\\H\\" hid it from them ("Daughter \\H\\Rosamund Pellow\\N\\ called",
    "\\H\\Emergency contact: ..."; hold-out round 20 probe, such names passed).
    Read only in notes holding such an escape."""
    on, off = f"{esc}H{esc}", f"{esc}N{esc}"
    marked = [note for note in notes if on in note or off in note]
    if not marked:
        return
    plain = [_HL7_HIGHLIGHT.sub(" ", note.replace(esc, "\\")) for note in marked]
    yield from _hl7_note_names(plain, cs, rs, "\\")
    yield from _hl7_note_relatives(plain, cs, rs, "\\")
    yield from _hl7_note_patients_relatives(plain, [note.casefold() for note in plain])


def _capitalized_in_any_script(word: str) -> bool:
    """A name's word in any alphabet ("Begoña", "Sjöberg"): a capital, then lower case
    letters (not an acronym), and no resource type's name."""
    return (
        word[:1].isupper()
        and _NAME_LAYOUT_PART.fullmatch(word) is not None
        and any(c.islower() for c in word)
        and not is_resource_type(word)
    )


def _z_segment_names(
    lines: list[str], families: set[str], fs: str, cs: str, rs: str, ss: str
) -> Iterator[tuple[Kind, str]]:
    """Z-segments that repeat a name's layout: the component after a person's family
    name (``QUILLFEATHER^OSWIN``) is a given name."""
    for line in lines:
        if not line.startswith("Z") or cs not in line:
            continue
        for field in line.split(fs)[1:]:
            for rep in field.split(rs):
                comps = rep.split(cs, 2)
                if len(comps) > 1 and comps[0].split(ss)[0].strip().casefold() in families:
                    yield Kind.NAME, comps[1].split(ss)[0]


# A document's file name (TXA-16) with an extension, and its parts of six digits or
# more between underscores.
_FILE_NAME_EXTENSION: Final = re.compile(r"\.[A-Za-z][A-Za-z0-9]{1,4}$")
_FILE_NAME_PART_NUMBER: Final = re.compile(r"\d{6,}")


def _hl7_document_file_name_numbers(
    lines: list[str], fs: str, cs: str
) -> Iterator[tuple[Kind, str]]:
    """The numbers a document system builds TXA-16's file name from (hold-out round
    21, an ORBIS MDM^T01: "<number>_<number>_<document>_<time>.PDF" kept two numbers
    of seven digits no other field gave, and passed): each part between underscores of
    six digits or more that is no timestamp, an identifier."""
    for line in lines:
        if not line.startswith("TXA"):
            continue
        fields = line.split(fs)
        if len(fields) <= 16 or "_" not in fields[16]:
            continue
        name = fields[16].split(cs, 1)[0]  # ORBIS: "<file name>^ORBIS"
        if _FILE_NAME_EXTENSION.search(name) is None:
            continue
        stem = name.rsplit(".", 1)[0]
        for part in stem.split("_"):
            if _FILE_NAME_PART_NUMBER.fullmatch(part) and not _TIMESTAMP_DIGITS.fullmatch(part):
                yield Kind.OTHER_ID, part


# A number in an order's placer or filler field: nine digits or more, or six in a
# row beside letters (an accession number "ACC123456"); a timestamp is a date.
_PLACER_FILLER_NUMBER: Final = re.compile(r"\d{9,}|[A-Za-z]{1,4}-?\d{6,}|\d{6,}-?[A-Za-z]{1,4}")


def _hl7_order_placer_filler_numbers(
    lines: list[str], fs: str, cs: str, rs: str, ss: str
) -> Iterator[tuple[Kind, str]]:
    """The numbers of OBR-18 to OBR-21, the placer and filler fields where IHE's
    radiology profiles put the accession number and procedure ids and senders their
    sample numbers (hold-out round 21: a Polish P1 ORM^O01's OBR-18 kept a nine-digit
    number, and passed): a whole leaf of that shape is an identifier."""
    for line in lines:
        if not line.startswith("OBR"):
            continue
        fields = line.split(fs)
        for field in fields[18:22]:
            if not any(c.isdigit() for c in field):
                continue
            for rep in field.split(rs):
                for comp in rep.split(cs):
                    for leaf in comp.split(ss):
                        value = leaf.strip()
                        if _PLACER_FILLER_NUMBER.fullmatch(value) and not (
                            _TIMESTAMP_DIGITS.fullmatch(value)
                        ):
                            yield Kind.OTHER_ID, value


# A Z-segment field naming a relationship: an HL7 table 0063 code of a relative,
# guardian or contact, or a relation word, alone or as a coded value's code or text.
_Z_RELATION_CODES: Final = frozenset(
    {"SPO", "DOM", "CHD", "GCH", "NCH", "SCH", "FCH", "WRD", "PAR", "MTH", "FTH", "CGV"}
    | {"GRD", "GRP", "SIB", "BRO", "SIS", "FND", "EMC", "EXF", "DAU", "SON", "HUS", "WIF"}
)
_Z_RELATION_WORDS: Final = frozenset(
    {"wife", "husband", "spouse", "partner", "mother", "father", "son", "daughter"}
    | {"brother", "sister", "child", "guardian", "caregiver", "carer", "grandmother"}
    | {"grandfather", "grandson", "granddaughter", "aunt", "uncle", "niece", "nephew"}
    | {"cousin", "friend", "neighbor", "neighbour", "parent", "sibling", "stepmother"}
    | {"stepfather", "stepson", "stepdaughter", "fiance", "fiancee"}
)
# A name's part in a Z-segment's name layout: a capitalized word of letters (words
# joined by an apostrophe, hyphen or blank).
_Z_NAME_PART: Final = re.compile(r"[^\W\d_][^\W\d_]+(?:['\u2019 -][^\W\d_]+){0,3}")
# A coded value's third component naming its coding system (``CAT^Catholic^HL70006``,
# ``ENG^English^ISO639``): code^text^system, no name.
_Z_CODING_SYSTEM: Final = re.compile(
    r"HL7\d{4}|99\w{1,8}|LN|SCT|SNM3?|I9C?|I10[CP]?|ICD\d{1,2}\w*|CPT4?|C4|C5|HCPCS|NDC"
    r"|CVX|MVX|NUCC|UCUM|ISO\d*\+?|RXNORM|NCIT|FDDC"
)


def _z_segment_relative_names(
    lines: list[str], fs: str, cs: str, rs: str, ss: str
) -> Iterator[tuple[Kind, str]]:
    """A Z-segment's repetition in a name's layout (``Family^Given``, both capitalized)
    in a segment one of whose fields names a relationship (``ZGN|1|Family^Given|
    Daughter``, ``ZPD|...|Family^Given|GRD``): a relative's or guardian's name
    (hold-out round 21 probe: such names no other field gave stayed and passed, the
    verifier reading a Z-segment's name only after a known family name)."""
    for line in lines:
        if not line.startswith("Z") or cs not in line:
            continue
        fields = line.split(fs)
        related = False
        for field in fields[1:]:
            if field and len(field) <= 40:
                comps = field.split(rs, 1)[0].split(cs, 2)
                if comps[0].strip().upper() in _Z_RELATION_CODES or any(
                    comp.strip().casefold() in _Z_RELATION_WORDS for comp in comps[:2]
                ):
                    related = True
                    break
        if not related:
            continue
        for field in fields[1:]:
            for rep in field.split(rs):
                comps = rep.split(cs)
                if len(comps) < 2 or (
                    len(comps) > 2 and _Z_CODING_SYSTEM.fullmatch(comps[2].strip())
                ):
                    continue
                family, given = (comp.split(ss, 1)[0].strip() for comp in comps[:2])
                if (
                    family[:1].isupper()
                    and given[:1].isupper()
                    and _Z_NAME_PART.fullmatch(family)
                    and _Z_NAME_PART.fullmatch(given)
                    and family.casefold() not in _Z_RELATION_WORDS
                    and given.casefold() not in _Z_RELATION_WORDS
                ):
                    yield Kind.NAME, family
                    yield Kind.NAME, given


# A street line holding the whole address ("9 Ferry Lane, Harrowgate MA 02155"): its
# town is the last comma's part before a two-letter state code and a ZIP code.
_LINE_TOWN: Final = re.compile(
    r",[ \t]*([A-Z][\w'.-]+(?:[ \t][A-Z][\w'.-]+){0,2}),?[ \t]+[A-Z]{2}\.?"
    r"(?:[ \t]+\d{5}(?:-\d{4})?)?[ \t]*$"
)


# A street line's house number, the street's name and a type written after it
# ("42 Lantern Row", "1000 Hospital Lane"): the street alone is a place too.
_NUMBERED_STREET: Final = re.compile(
    r"\d\S*\s+(?P<street>[^\W\d_][^\d\s]*(?:\s+\S+)*?\s+"
    r"(?:street|st|road|rd|avenue|ave|av|drive|dr|lane|ln|boulevard|blvd|court|ct|place|pl|"
    r"terrace|ter|highway|hwy|way|row|circle|cir|parkway|pkwy|square|sq|"
    r"close|crescent|gardens|grove|mews|wynd)\.?)\s*",
    re.IGNORECASE,
)


def _street_parts(parts: list[str]) -> Iterator[tuple[Kind, str]]:
    """A street line's SAD subcomponents read alone: the street address with its
    house number (SAD.1, "Keizersgracht 120" of "Keizersgracht 120&Keizersgracht&120")
    and the street's name (SAD.2, five letters or more: "HOME" of "2222&HOME&STREET"
    is a fragment a code can spell too). Dutch and German senders fill all three;
    read as one line only, a note naming the street passed (hold-out round 17 probe)."""
    line = parts[0].strip()
    if any(c.isdigit() for c in line) and any(c.isalpha() for c in line):
        yield Kind.STREET_ADDRESS, line
        yield from _street_without_number(line)
    if len(parts) > 1 and sum(c.isalpha() for c in parts[1]) >= _MIN_STREET_NAME:
        yield Kind.STREET_ADDRESS, parts[1].strip()


_MIN_STREET_NAME: Final = 5
# A street line's part naming a flat or floor ("Flat 2", "Apt 4C", "3º B").
_FLAT_PART: Final = re.compile(
    r"(?i:flat|apt|apartment|unit|suite|ste|floor|room|rm|piso|puerta|planta|app"
    r"|appartement|etage|wohnung|whg|lgh)\b\.?|\S+$"
)
_STREET_NAME_WORD: Final = re.compile(r"[^\W\d_]{4}")


def _street_line_parts(line: str) -> Iterator[tuple[Kind, str]]:
    """A street line's parts between commas read alone, but a flat's ("17 Abbey Mews"
    of "17 Abbey Mews, Flat 2", "22 Quarry Hill" of "Flat 3, 22 Quarry Hill"; hold-out
    round 18 probe: a note naming the street with its number passed)."""
    for piece in line.split(","):
        part = piece.strip()
        if (
            any(c.isdigit() for c in part)
            and _STREET_NAME_WORD.search(part)
            and not _FLAT_PART.match(part)
        ):
            yield Kind.STREET_ADDRESS, part
            yield from _street_without_number(part)


def _street_without_number(line: str) -> Iterator[tuple[Kind, str]]:
    """The street of a street line without its house number ("Lantern Row" of "42
    Lantern Row": "lives on Lantern Row"; hold-out round 17 probe: the verifier
    searched the line whole only, so a note naming the street passed)."""
    match = _NUMBERED_STREET.fullmatch(line.strip())
    if match is not None:
        yield Kind.STREET_ADDRESS, match.group("street")


def _line_town(line: str) -> Iterator[tuple[Kind, str]]:
    """The town a street line names after its street, if it names one."""
    if "," in line:
        match = _LINE_TOWN.search(line)
        if match is not None:
            yield Kind.CITY, match.group(1)


def _fhir_values(
    document: Any,
    ids: list[str] | None = None,
    postcodes: list[tuple[str, tuple[str, ...]]] | None = None,
    shorts: dict[Kind, set[str]] | None = None,
) -> Iterator[tuple[Kind, str]]:
    """The PHI values of a FHIR input; its resources' ids are added to ``ids``, its
    people's postcodes too short to search alone, with their address's city,
    state and last line, to ``postcodes``, and their names and towns too short to
    search alone to ``shorts`` (see _SHORT_WORD)."""
    stack = [document]
    names: set[str] = set()  # keys already seen shaped like element names
    spelled: list[str] = []  # ids of references to people with words in them
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
            continue
        if not isinstance(item, dict):
            continue
        for key in item:
            if key not in names:
                if _ELEMENT_NAME.fullmatch(key):
                    names.add(key)
                else:
                    yield Kind.FREE_TEXT, key
        resource_type = item.get("resourceType")
        if ids is not None and isinstance(item.get("id"), str) and "resourceType" in item:
            ids.append(item["id"])
        if "resourceType" in item and not (
            isinstance(resource_type, str) and _RESOURCE_TYPE_NAME.fullmatch(resource_type)
        ):
            yield Kind.FREE_TEXT, str(resource_type)
        if isinstance(resource_type, str) and (
            resource_type.startswith(_PERSON_TYPES) or _unknown_resource_type(resource_type)
        ):
            # A resource type no model knows is read as a person's, as the scrubber
            # scrubs its HumanName-, Address-, ContactPoint- and Identifier-shaped parts.
            yield from _person_numbers(item)
            contacts = [c for c in _as_list(item.get("contact")) if isinstance(c, dict)]
            # States kept in the output: a city-state's city (Wien, Berlin) is one.
            states = {
                str(address.get("state", "")).casefold()
                for holder in (item, *contacts)
                for address in _as_list(holder.get("address"))
                if isinstance(address, dict)
            }
            yield from _person_values(item, states, False)
            for extension in _as_list(item.get("extension")):
                if (
                    isinstance(extension, dict)
                    and extension.get("url") == _MOTHERS_MAIDEN_NAME
                    and isinstance(extension.get("valueString"), str)
                ):
                    for word in extension["valueString"].replace(",", " ").split():
                        yield Kind.NAME, word
            if resource_type in _EMPLOYEE_TYPES:
                yield from _employer_names(item, document)
            if postcodes is not None:
                postcodes.extend(_short_postcodes(item, contacts))
            if shorts is not None and resource_type.startswith(_PERSON_TYPES):
                _note_person_shorts(shorts, item, contacts)
            for identifier in item.get("identifier", []) or []:
                if isinstance(identifier, dict):
                    yield Kind.MRN, str(identifier.get("value", ""))
            for contact in contacts:
                # A patient's next of kin and emergency contacts: their names,
                # phones and addresses, as a RelatedPerson's.
                yield from _person_values(contact, states, True)
            if isinstance(item.get("birthDate"), str):
                yield Kind.BIRTH_DATE, item["birthDate"]
            deceased = item.get("deceasedDateTime")
            if isinstance(deceased, str) and len(deceased) >= 10:
                yield Kind.DEATH_DATE, deceased[:10]  # the day, whatever became of its time
            for photo in item.get("photo", []) or []:
                if isinstance(photo, dict) and isinstance(photo.get("data"), str):
                    # Its first bytes, wherever the output carries them (a narrative's
                    # <img src="data:...">): a substring, not a word.
                    head = "".join(photo["data"].split())[:_PHOTO_HEAD]
                    if len(head) == _PHOTO_HEAD:
                        yield Kind.PHOTO, head
        if isinstance(resource_type, str) and resource_type in _RECORD_TYPES:
            # A visit, claim, order, specimen or report number: "any other unique
            # identifying number" of the patient's record (Safe Harbor (R)).
            for identifier in _as_list(item.get("identifier")):
                value = identifier.get("value") if isinstance(identifier, dict) else None
                if isinstance(value, str):
                    yield Kind.OTHER_ID, value
        if resource_type == "FamilyMemberHistory":
            # The relative it is about: a name written as a string, a birth date.
            if isinstance(item.get("name"), str):
                for word in item["name"].replace(",", " ").split():
                    yield Kind.NAME, word
            for key in ("bornDate", "bornString"):
                born = item.get(key)
                if isinstance(born, str) and _BIRTH_DATE_ANSWER.fullmatch(born.strip()):
                    yield Kind.BIRTH_DATE, born.strip()[:10]
        if resource_type == "Device":
            yield from _device_numbers(item)
        elif resource_type == "AuditEvent":
            # An audited entity's name, where the specification puts "synonymous
            # entity identifiers (patient number, medical record number...)": one
            # written as an identifier (a KVNR, an MRN) is the patient's number.
            for entity in _as_list(item.get("entity")):
                name = entity.get("name") if isinstance(entity, dict) else None
                if isinstance(name, str) and _ENTITY_NUMBER.fullmatch(name.strip()):
                    yield Kind.OTHER_ID, name.strip()
            # An agent's IP address: R4's network.address, R5's networkString and
            # networkUri (hold-out round 18 probe: the URI kept it).
            for agent in _as_list(item.get("agent")):
                if not isinstance(agent, dict):
                    continue
                network = agent.get("network")
                for address in (
                    network.get("address") if isinstance(network, dict) else None,
                    agent.get("networkString"),
                    agent.get("networkUri"),
                ):
                    if isinstance(address, str):
                        for ip in _AGENT_IP.finditer(address):
                            if sum(c.isalnum() for c in ip.group()) >= 3:
                                yield Kind.IP_ADDRESS, ip.group()
        if resource_type == "Group" and item.get("type") in ("person", "relatedperson"):
            # A Group of people: its members' displays are their names.
            for member in _as_list(item.get("member")):
                entity = member.get("entity") if isinstance(member, dict) else None
                if isinstance(entity, dict) and isinstance(entity.get("display"), str):
                    for word in entity["display"].replace(",", " ").split():
                        yield Kind.NAME, word
        titled = item.get(_TITLE_KEYS.get(resource_type, "")) if resource_type else None
        if isinstance(titled, str):
            yield from _title_names(titled)
        if resource_type == "QuestionnaireResponse":
            yield from _labelled_answers(item.get("item"))
            yield from _person_question_answers(item.get("item"))
        elif resource_type == "Task":
            yield from _labelled_task_values(item)
        elif resource_type == "Parameters":
            # An operation's birth date parameter ("birthdate", "dob"), at any depth.
            stack = list(_as_list(item.get("parameter")))
            while stack:
                parameter = stack.pop()
                if not isinstance(parameter, dict):
                    continue
                stack.extend(_as_list(parameter.get("part")))
                name = parameter.get("name")
                if isinstance(name, str) and (
                    name.strip().lower() == "birthdate" or _asks_birth_date(_key_label(name))
                ):
                    value = (
                        parameter.get("valueDate")
                        or parameter.get("valueDateTime")
                        or parameter.get("valueString")
                    )
                    if isinstance(value, str) and _BIRTH_DATE_ANSWER.fullmatch(value.strip()):
                        yield Kind.BIRTH_DATE, value.strip()[:10]
            yield from _labelled_parameter_values(item.get("parameter"))
        elif resource_type == "Observation":
            # An observation of a birth date (LOINC 21112-8, "Date of birth").
            for part in [item, *_as_list(item.get("component"))]:
                value = (
                    part.get("valueDateTime") or part.get("valueString")
                    if isinstance(part, dict)
                    else None
                )
                if (
                    isinstance(value, str)
                    and _BIRTH_DATE_ANSWER.fullmatch(value.strip())
                    and _codes_birth_date(part.get("code"))
                ):
                    yield Kind.BIRTH_DATE, value.strip()[:10]
        elif resource_type in _NUMBER_RESOURCES:
            # A health plan's member number, an account number (Safe Harbor (I), (J)).
            kind = _NUMBER_RESOURCES[resource_type]
            for identifier in [*_as_list(item.get("identifier")), item.get("subscriberId")]:
                value = identifier.get("value") if isinstance(identifier, dict) else identifier
                if isinstance(value, str):
                    yield kind, value
            for entry in _as_list(item.get("class")) if resource_type == "Coverage" else ():
                # A group (employer) number, a pharmacy group or member id.
                concept = entry.get("type") if isinstance(entry, dict) else None
                codes = {
                    str(coding.get("code"))
                    for coding in _as_list(
                        concept.get("coding") if isinstance(concept, dict) else None
                    )
                    if isinstance(coding, dict)
                }
                if codes & _MEMBER_CLASSES and isinstance(entry.get("value"), str):
                    yield Kind.HEALTH_PLAN_ID, entry["value"]
        div = item.get("div")
        if isinstance(div, str) and "data:" in div:
            # A narrative printing a photo (<img src="data:image/...">, a CSS
            # background url(data:image/...)): its first bytes, as a person's photo.
            for image in _IMAGE_DATA_URI.finditer(div):
                yield Kind.PHOTO, image.group(1)
        for key in _LABELLED_TEXT_KEYS.intersection(item):
            written = item[key]
            if not isinstance(written, str):
                continue
            if any(c.isdigit() for c in written):
                yield from _foreign_birth_years(written)
                yield from _labelled_national_numbers(written)
                # An address after its label, a town before its state and ZIP code.
                yield from _labelled_addresses(_markup_text(written) if key == "div" else written)
                # A British phone number without a label (hold-out round 17 probe).
                for phone in _BRITISH_PHONE.finditer(written):
                    yield Kind.PHONE, phone.group()
            labelled = ":" in written or "\uff1a" in written
            aged = "s a" in written or "rig" in written
            patient_line = "Patient " in written or "Pt" in written
            relative = (
                _RELATIVE_IN_MARKUP.search(written)
                if key == "div"
                # A one-line text (most are) can only open with the label.
                else (_BARE_RELATIVE.search if "\n" in written else _BARE_RELATIVE.match)(written)
            ) is not None
            summary = "DoB" in written
            if "(" in written:
                yield from _parenthesized_relatives(written, key == "div")
            yield from _plural_relative_names(written)
            if not (labelled or aged or patient_line or relative or summary):
                continue
            read = _markup_text(written) if key == "div" else written  # once per text
            if summary:
                # The IG publisher's summary of a referenced Patient: its name and the
                # identifier it prints (hold-out round 17).
                yield from _summary_values(read)
            if labelled:
                yield from _labelled_names(read)
                yield from _asked_names(read)
            if aged:
                yield from _aged_names(read)
            if patient_line:
                yield from _labelled_names(read, _BARE_PATIENT_LINE, leading_only=True)
            if relative:
                # "Mother Tamsin Greywick called about ...": a relative's name.
                yield from _relative_names(read)
        data = item.get("data")
        content_type = str(item.get("contentType", "")).lower()
        if (
            isinstance(data, str)
            and content_type.startswith(_READ_ATTACHMENT_TYPES)
            and len(data) < _MAX_READ_ATTACHMENT
        ):
            # A text attachment's note ("Tamsin Greywick is a 54-year-old woman"); an
            # HTML or RTF letter's labelled names ("Patient: Ysolde Carrow, born ...",
            # hold-out round 17 probe), read in its text without markup.
            with contextlib.suppress(binascii.Error, ValueError):
                plain = base64.b64decode("".join(data.split())).decode("utf-8", "replace")
                if content_type.startswith("text/plain"):
                    yield from _foreign_birth_years(plain)
                    if "s a" in plain or "rig" in plain:
                        yield from _aged_names(plain)
                    yield from _labelled_addresses(plain)
                else:
                    plain = (
                        _markup_text(plain)
                        if content_type.startswith("text/html")
                        else _RTF_WORD.sub(" ", _RTF_LINE.sub("\n", plain))
                    )
                    if ":" in plain:
                        yield from _labelled_names(plain)
        url = item.get("url")
        if isinstance(url, str):  # an extension (or a resource's canonical url)
            yield from _url_named_values(url, item)
        reference = item.get("reference")
        if isinstance(reference, str) and _PERSON_REFERENCE.search(reference):
            for word in str(item.get("display", "")).replace(",", " ").split():
                yield Kind.NAME, word
            spelled.append(reference)
        elif isinstance(item.get("display"), str) and "(" in item["display"]:
            # A bare display naming a relative: "Loveday Trevithick (daughter)" (hold-out
            # round 17 probe): two to four capitalized words before the relation.
            named = _NAMED_RELATIVE_DISPLAY.fullmatch(item["display"].strip())
            if named is not None and named.group(2).lower() in _DISPLAY_RELATIONS:
                words = named.group(1).replace(",", " ").split()
                if 2 <= len(words) <= 4 and all(map(_capitalized_name_word, words)):
                    for word in words:
                        yield Kind.NAME, word
        for key in ("subject", "patient"):  # a bare display there names the patient
            bare = item.get(key)
            if isinstance(bare, dict) and "reference" not in bare:
                for word in str(bare.get("display", "")).replace(",", " ").split():
                    yield Kind.NAME, word
        for value in item.values():
            if isinstance(value, dict | list):
                stack.append(value)
            elif isinstance(value, str) and len(value) >= _MIN_EMBEDDED:
                if '":' in value and value.lstrip()[:1] in ("{", "["):
                    serialized = _serialized_resource(value)
                    if serialized is not None:
                        stack.append(serialized)  # a resource serialized into a string
                    else:
                        yield from _json_text_values(value)
                    continue
                embedded = _embedded_source(value)
                if isinstance(embedded, dict | list):
                    stack.append(embedded)  # FHIR documents carried as an attachment
                elif isinstance(embedded, str):
                    yield from _v3_values(embedded)
    if spelled:
        yield from _id_spelled_names(spelled, document)


# A birth word of another language and the year of the date after it, within a line.
_FOREIGN_BIRTH: Final = re.compile(
    r"(?i)(?=[gnf])(?<![^\W\d_])(?:geb\.|geboren|n\u00e9e?\s+le|nee?\s+le|nacid[oa]|nat[oa]\s+il|nascid[oa]"
    r"|f\u00f8dt|f\u00f6dd)[^\n\d]{0,30}(?:\d{1,2}[^\n\d]{1,20}){0,2}((?:18|19)\d\d)(?!\d)"
)


def _foreign_birth_years(text: str) -> Iterator[tuple[Kind, str]]:
    """The year of a birth date after another language's birth word ("nacida el 3 de
    marzo de 1931", "geb. 12.05.1930"), when it implies an age over 89 (hold-out round
    18 probe); a recent year is kept by Safe Harbor and not searched."""
    for born in _FOREIGN_BIRTH.finditer(text):
        if _year_over_89(born.group(1)) is not None:
            yield Kind.BIRTH_DATE, born.group(1)


# A national or health identifier after its label in a FHIR text (hold-out round 21
# probe: "Iqama No. ...", "Permanent Resident Card Number: ...", "CNS: ...", "INSZ:
# ...", "Carte Vitale ...", "PHN ...", "BSN ...", "HETU ..." stayed and passed): the
# verifier's own labels, then six digits or more in groups, up to three letters
# before them and a check letter or two after. Read only in a text holding a
# label's stem (_NATIONAL_NUMBER_STEMS).
_NATIONAL_NUMBER_STEMS: Final = (
    *("iqama", "saudi id", "resident card", "cns", "sus", "cpf", "insz", "ssin", "vitale"),
    *("phn", "bsn", "burgerservice", "hetu", "tunnus", "personnumm", "dselsnumm", "cpr"),
    *("kennitala",),
    *("pesel", "dni", "nie", "nif", "ohip", "aadhaar", "nric", "curp", "national id"),
)
_LABELLED_NATIONAL_NUMBER: Final = re.compile(
    r"(?<![^\W\d_])(?:iqama|saudi id|(?:permanent )?resident card"
    r"|cpf|insz|ssin|carte vitale|phn|bsn|burgerservicenummer|hetu|henkil(?:\u00f6|o)tunnus"
    r"|personnummer|f(?:\u00f8|o)dselsnummer|cpr|kennitala|pesel|dni|nie|nif|ohip|aadhaar"
    r"|nric|curp|national id)(?![^\W\d_])\.?"
    r"(?:[ \t]*(?:no\.?|nr\.?|n(?:\u00ba|\u00b0)|number|nummer|n(?:\u00fa|u)mero|#))?"
    r"[ \t]*[:#=]?[ \t]*"
    r"((?:[A-Z]{1,3}[ -]?)?\d(?:[ .-]?\d){5,17}(?:-?[A-Z]{1,2}(?![^\W\d_]))?)(?![\d-]|\.\d)",
    re.IGNORECASE,
)
# Brazil's health card number after "CNS" or "cartão SUS": its own shape only (fifteen
# digits from 1, 2, 7, 8 or 9), as "CNS" also names the central nervous system.
_LABELLED_CNS_NUMBER: Final = re.compile(
    r"(?<![^\W\d_])(?:cns|cart(?:\u00e3|a)o sus)(?![^\W\d_])[^\d\n]{0,12}?"
    r"([12789]\d\d(?:[ .-]?\d{4}){3})(?![\d-]|\.\d)",
    re.IGNORECASE,
)


def _labelled_national_numbers(text: str) -> Iterator[tuple[Kind, str]]:
    """The national or health identifiers a FHIR text gives after their labels (see
    _LABELLED_NATIONAL_NUMBER, _LABELLED_CNS_NUMBER): identifiers."""
    folded = text.casefold()
    if any(stem in folded for stem in _NATIONAL_NUMBER_STEMS):
        for pattern in (_LABELLED_NATIONAL_NUMBER, _LABELLED_CNS_NUMBER):
            for match in pattern.finditer(text):
                yield Kind.OTHER_ID, match.group(1)


# An IPv4 address, or an IPv6 one (hex groups and colons, two colons at least).
_AGENT_IP: Final = re.compile(
    r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])"
    r"|(?<![\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])"
)
# An identifier written as an audited entity's name: one word with three digits or more.
_ENTITY_NUMBER: Final = re.compile(r"(?=(?:[^\d\s]*\d){3})[^\s]{4,64}")
# A device's number as read from its serial or UDI: four digits or more, three of
# them in a row (a serial "1.14.0" that is the software's version is no unit's number).
_DEVICE_NUMBER: Final = re.compile(r"(?=.*\d{3})(?=(?:\D*\d){4}).{4,200}", re.S)


def _device_numbers(device: dict[str, Any]) -> Iterator[tuple[Kind, str]]:
    """A device's serial number and distinct identifier, and each UDI carrier as
    printed (carrierHRF) and as its barcode's data (carrierAIDC, base64 of the same
    characters): the numbers of the patient's unit (Safe Harbor (M), hold-out round 16).
    The UDI's device identifier alone names a model, not a unit, and is not read."""
    values = [device.get("serialNumber"), device.get("distinctIdentifier")]
    for carrier in _as_list(device.get("udiCarrier")):
        if not isinstance(carrier, dict):
            continue
        values.append(carrier.get("carrierHRF"))
        aidc = carrier.get("carrierAIDC")
        if isinstance(aidc, str):
            with contextlib.suppress(binascii.Error, UnicodeDecodeError, ValueError):
                values.append(base64.b64decode("".join(aidc.split()), validate=True).decode())
    for value in values:
        if not isinstance(value, str) or not value.isprintable():
            continue
        if _DEVICE_NUMBER.fullmatch(value.strip()):
            yield Kind.DEVICE_ID, value.strip()


# A person whose employer's name Safe Harbor removes; how an employer is named (an
# extension URL's last part, a contact relationship's display or text).
_EMPLOYEE_TYPES: Final = ("Patient", "RelatedPerson", "Person")
_EMPLOYER: Final = re.compile(
    r"employer|arbeitgeber|employeur|empleador|empregador|werkgever|\u96c7\u4e3b", re.IGNORECASE
)


def _employer_names(person: dict[str, Any], document: Any) -> Iterator[tuple[Kind, str]]:
    """A person's employers' names: an employer extension's string and its
    reference's display, an Employer contact's organization display (v2-0131 ``E``),
    and the name of an Organization of the document either points to."""
    references: list[Any] = []
    for extension in _as_list(person.get("extension")):
        url = extension.get("url") if isinstance(extension, dict) else None
        if isinstance(url, str) and _EMPLOYER.search(url.rstrip("/").rsplit("/", 1)[-1][:80]):
            if isinstance(extension.get("valueString"), str):
                yield Kind.ORGANIZATION_NAME, extension["valueString"].strip()
            references.append(extension.get("valueReference"))
    for contact in _as_list(person.get("contact")):
        if isinstance(contact, dict) and any(
            _names_employer(concept) for concept in _as_list(contact.get("relationship"))
        ):
            references.append(contact.get("organization"))
    targets: set[str] = set()
    for reference in references:
        if not isinstance(reference, dict):
            continue
        if isinstance(reference.get("display"), str):
            yield Kind.ORGANIZATION_NAME, reference["display"].strip()
        target = reference.get("reference")
        if isinstance(target, str) and target.strip():
            tail = target.strip().rstrip("/").rsplit("/", 1)[-1].lstrip("#")
            targets.add(tail.removeprefix("urn:uuid:"))
    if targets:
        for item in _walk_dicts(document):
            id_ = item.get("id")
            if (
                item.get("resourceType") == "Organization"
                and isinstance(id_, str)
                and id_ in targets
            ):
                for name in [item.get("name"), *_as_list(item.get("alias"))]:
                    if isinstance(name, str) and name.strip():
                        yield Kind.ORGANIZATION_NAME, name.strip()


def _names_employer(concept: Any) -> bool:
    """Whether a relationship CodeableConcept says Employer."""
    if not isinstance(concept, dict):
        return False
    if isinstance(concept.get("text"), str) and _EMPLOYER.search(concept["text"]):
        return True
    for coding in _as_list(concept.get("coding")):
        if isinstance(coding, dict) and (
            (coding.get("code") == "E" and str(coding.get("system", "")).endswith("v2-0131"))
            or (isinstance(coding.get("display"), str) and _EMPLOYER.search(coding["display"]))
        ):
            return True
    return False


def _id_extension_values(url: str, value: str) -> Iterator[tuple[Kind, str]]:
    """An extension whose URL's last part names an identifier ("-id",
    "-identifier", "stringIdentifier", "-registration") holds one when its value is
    one word with a digit, not an OID or URL: the value, and its long digit runs
    (a leak can keep them behind a replaced prefix). A URL whose last part is a PHI
    label ("emergency-contact-name", "postalCode") holds that PHI, as a form's
    answer does (a bare "name" names a thing as often)."""
    segment = url.rstrip("/").rsplit("/", 1)[-1]
    if 2 < len(segment) <= 80 and segment[0].isalpha():
        kind = _segment_label_kind(segment)
        if kind is Kind.NAME:
            for word in value.replace(",", " ").split():
                yield kind, word
            return
        if kind is not None:
            yield kind, value[:5] if kind is Kind.ZIP else value
            return
    if not (
        _ID_EXTENSION_URL.search(url)
        and _ID_EXTENSION_VALUE.fullmatch(value)
        and not _SYSTEM_VALUE.match(value)
    ):
        return
    yield Kind.OTHER_ID, value
    for run in _LONG_DIGIT_RUN.findall(value):
        if run != value:
            yield Kind.OTHER_ID, run


@functools.lru_cache(maxsize=4096)
def _segment_label_kind(segment: str) -> Kind | None:
    """The PHI label an extension URL's last part spells, if any; memoized (a feed
    sends the same few extension URLs in every resource)."""
    words = _key_label(segment)
    return None if words.casefold() in ("name", "names") else _answer_label_kind(words)


_ID_EXTENSION_URL: Final = re.compile(
    r"(?:^|[/\-_.:])(?:id|identifier|registration)\d{0,2}/?$"
    # Numbered too (VRDR's AuxiliaryStateIdentifier1 and 2, a death record's state
    # numbers: the second was kept, hold-out round 20).
    r"|(?<=[a-z])(?:Id|ID|Identifier|Registration)\d{0,2}/?$"
    # A code issued to the person (hold-out round 16: gematik's DiGA RedeemCode, the
    # voucher that unlocks the patient's prescribed app).
    r"|(?i:(?:redeem|redemption|access|voucher|activation|unlock)[-_]?code)/?$"
    # A number the payer or the provider gave the patient's request or case (hold-out
    # round 19: Da Vinci PAS's extension-authorizationNumber and
    # -administrationReferenceNumber, a prior authorization's numbers, were kept).
    r"|(?i:(?:authori[sz]ation|reference|tracking|claim|case|referral)[-_]?(?:number|nr|no))/?$"
)
_ID_EXTENSION_VALUE: Final = re.compile(r"(?=\S*\d)\S{3,64}")
_SYSTEM_VALUE: Final = re.compile(
    r"(?:urn:oid:)?\d+(?:\.\d+)+$|urn:|[a-z][a-z0-9+.-]*://", re.IGNORECASE
)
_LONG_DIGIT_RUN: Final = re.compile(r"\d{6,}")


def _title_names(title: str) -> Iterator[tuple[Kind, str]]:
    """The name a document's title ends with after a spaced dash ("Notfallpass -
    Maria Schmidt", "個案總查詢 - 王小明"): two to four capitalized words, particles
    aside, none naming a report or a department; or a CJK name written whole."""
    match = _TITLE_TAIL.search(title)
    if match is None:
        return
    value = match.group(1).strip().rstrip(".,")
    if _all_cjk(value) and 2 <= len(value) <= 8:
        yield Kind.NAME, value
        return
    words = [w for w in value.split() if w not in _NAME_PARTICLE_WORDS]
    if (
        2 <= len(words) <= 4
        and all(map(_capitalized_name_word, words))
        and not any(word.casefold() in _NOT_TITLE_NAME_WORDS for word in words)
    ):
        for word in words:
            yield Kind.NAME, word


# The elements that title a document, by resource type.
_TITLE_KEYS: Final = {"Composition": "title", "CarePlan": "title"}
# A title's last part after a spaced hyphen, en dash or em dash.
_TITLE_TAIL: Final = re.compile(r"\s[-\u2013\u2014]\s+([^-\u2013\u2014]{2,60})$")


def _id_spelled_names(references: list[str], document: Any) -> Iterator[tuple[Kind, str]]:
    """The words of the names the ids of references to people spell (example ids:
    "Patient/jane-doe", "Patient/Fall5-Patient-Monika-Braun") where the input's text
    writes them as two to four capitalized words ("Report for Jane Doe")."""
    runs: set[tuple[str, ...]] = set()
    for reference in references:
        logical = reference.rstrip("/").rsplit("/", 1)[-1]
        run: list[str] = []
        for part in [*_ID_PART.findall(logical), ""]:
            if len(part) >= 2 and part.isalpha():
                run.append(part.casefold())
                continue
            for start in range(len(run) - 1):
                for end in range(start + 2, min(len(run), start + 4) + 1):
                    runs.add(tuple(run[start:end]))
            run = []
    if not runs:
        return
    patterns = [
        re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, words)) + r"(?!\w)", re.IGNORECASE)
        for words in runs
    ]
    for text in _string_values(document):
        for pattern in patterns:
            for hit in pattern.finditer(text):
                words = hit.group(0).split()
                if all(map(_capitalized_name_word, words)):
                    for word in words:
                        yield Kind.NAME, word


@functools.lru_cache(maxsize=1024)
def _unknown_resource_type(name: str) -> bool:
    """A resource type shaped like one that neither FHIR package knows (a vendor's,
    a typo's: ``Citizen``, ``Patinet``)."""
    return _RESOURCE_TYPE_NAME.fullmatch(name) is not None and not is_resource_type(name)


def _person_values(
    holder: dict[str, Any], states: set[str], contact: bool
) -> Iterator[tuple[Kind, str]]:
    """The names, phones and addresses of a person's resource or of a patient's
    contact (one HumanName and Address there, lists in a resource). A city that
    is one of the ``states`` is not one. A contact's address line of one word
    without a digit ("HOME" of "2222", "HOME", "STREET" converted from HL7) is a
    fragment a code can spell too, not searched."""
    for name in _as_list(holder.get("name")):
        if isinstance(name, dict):
            family = name.get("family", "")
            for part in family if isinstance(family, list) else [family]:
                yield Kind.NAME, str(part)
                yield from _glued_name_words(str(part))
                if len(str(part).strip()) == 1 and _CJK.match(str(part).strip()):
                    # A one-character surname is searched with its honorifics ("陳小姐").
                    for title in _CJK_HONORIFICS:
                        yield Kind.NAME, str(part).strip() + title
            for given in _scalars(name.get("given")):
                yield Kind.NAME, str(given)
                yield from _glued_name_words(str(given))
            for word in str(name.get("text", "")).replace(",", " ").split():
                yield Kind.NAME, word
    for telecom in _as_list(holder.get("telecom")):
        if isinstance(telecom, dict):
            yield Kind.PHONE, str(telecom.get("value", ""))
    for address in _as_list(holder.get("address")):
        if isinstance(address, dict):
            for line in _scalars(address.get("line")):
                if not (contact and _FRAGMENT_LINE.fullmatch(str(line))):
                    yield Kind.STREET_ADDRESS, str(line)
                    yield from _street_without_number(str(line))
                    yield from _line_town(str(line))
            city = str(address.get("city", ""))
            if city.casefold() not in states:
                yield Kind.CITY, city
            if "city" not in address:
                yield from _cityless_address(address)
            yield Kind.ZIP, str(address.get("postalCode", ""))[:5]


# Resources whose identifiers are the patient's numbers, by kind.
_NUMBER_RESOURCES: Final = {"Coverage": Kind.HEALTH_PLAN_ID, "Account": Kind.ACCOUNT_NUMBER}
# Coverage.class types whose value numbers a group of members or one member.
_MEMBER_CLASSES: Final = frozenset({"group", "subgroup", "rxgroup", "rxid"})
# Resources of one patient's record whose identifiers number that record's events.
_RECORD_TYPES: Final = frozenset(
    {"Encounter", "EpisodeOfCare", "Claim", "ClaimResponse", "ExplanationOfBenefit"}
    | {"ServiceRequest", "Specimen", "DiagnosticReport", "Observation", "Procedure"}
    | {"MedicationRequest", "MedicationDispense", "MedicationAdministration"}
    | {"MedicationStatement", "Immunization", "DocumentReference", "Composition"}
    | {"ImagingStudy", "Condition", "AllergyIntolerance", "CarePlan", "Appointment"}
    | {"Invoice", "Task", "Consent", "DeviceRequest", "NutritionOrder", "CareTeam"}
)
# One word and no digit: a fragment of an address line.
_FRAGMENT_LINE: Final = re.compile(r"\s*[^\W\d]+\s*")


_MOTHERS_MAIDEN_NAME: Final = "http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName"


def _short_postcodes(
    person: dict[str, Any], contacts: list[dict[str, Any]]
) -> Iterator[tuple[str, tuple[str, ...]]]:
    """A person's (or contact's) postcodes of three or four digits (CH, DK, NO, AU),
    with the city, state and last line of their address."""
    for holder in (person, *contacts):
        for address in _as_list(holder.get("address")):
            if not isinstance(address, dict):
                continue
            code = address.get("postalCode")
            if isinstance(code, str) and code.isdigit() and 3 <= len(code) <= 4:
                lines = address.get("line")
                last = lines[-1] if isinstance(lines, list) and lines else ""
                near = (address.get("city"), address.get("state"), last)
                yield (
                    code,
                    tuple(n.strip().casefold() for n in near if isinstance(n, str) and n.strip()),
                )


# The placeholders a scrubber writes for an address's parts, folded.
_ADDRESS_PLACEHOLDER: Final = r"\[(?:city|address|zip|state|county)\]"


def _postcode_by_address(code: str, near: tuple[str, ...], folded: str) -> bool:
    """Whether a short postcode stands next to its address's city, state or street
    (or their placeholders) in the output: "[city] 8001", "8012 bodø", "vic 3550"."""
    if code not in folded:
        return False
    parts = "|".join([_ADDRESS_PLACEHOLDER, *(re.escape(part) for part in near)])
    pattern = rf"(?:{parts})[ ,(]{{1,3}}{code}(?![\w])|(?<![\w]){code}[ ,]{{1,2}}(?:{parts})"
    return re.search(pattern, folded) is not None


def _scalars(value: Any) -> list[Any]:
    """A list of strings as sent, or one value where a list belongs (a line written
    as a string or a number, read as one line: a fuzzed Location's ``line`` number
    raised here); objects and nothing give none."""
    if isinstance(value, list):
        return value
    return [] if value is None or isinstance(value, dict) else [value]


def _as_list(value: Any) -> list[Any]:
    """An element as a list: a single object (a contact's name) as a list of one."""
    if isinstance(value, list):
        return value
    return [value] if isinstance(value, dict) else []


def _cityless_address(address: dict[str, Any]) -> Iterator[tuple[Kind, str]]:
    """An address without a city: the town after the postal code on a line of its
    own or after a comma ("37910 Marrowvale"), and the street, postal code and town parts
    of its text."""
    lines = address.get("line")
    for index, line in enumerate(lines if isinstance(lines, list) else ()):
        # A line of its own, or after a comma, but not the first line's street.
        for segment in line.split(",")[0 if index else 1 :] if isinstance(line, str) else ():
            yield from _postal_town(segment.strip(" ."))
    text = address.get("text")
    if not isinstance(text, str):
        return
    for part in _TEXT_PART.split(text):
        segment = part.strip(" .")
        if not any(c.isdigit() for c in segment):
            continue
        if _POSTAL_TOWN.fullmatch(segment):
            yield from _postal_town(segment)
        elif any(c.isalpha() for c in segment):
            yield Kind.STREET_ADDRESS, segment


def _postal_town(segment: str) -> Iterator[tuple[Kind, str]]:
    town = _POSTAL_TOWN.fullmatch(segment)
    if town is not None:
        yield Kind.CITY, town.group(2)
        yield Kind.ZIP, town.group(1)[:5]


_TEXT_PART: Final = re.compile(r"[,;\n]")
# A postal code, then a town ("37910 Marrowvale", "1012 AB Amsterdam").
_POSTAL_TOWN: Final = re.compile(
    r"(?:[A-Z]{1,2}-)?(\d{4,6}|\d{3} \d{2}|\d{4} ?[A-Z]{2})"
    r"\s+([^\W\d_]{3,}(?:[ '.-]+[^\W\d_]+){0,3})"
)


# An address a text writes after its label, to the end of its line or sentence
# (the verifier's own reading: "Address: 12 Orchard Lane, Kellerton, IA 50133.",
# "Anschrift: Lindenweg 4, 10115 Musterstadt"), and a town before a state and ZIP
# code ("Port Ellery, FL 33950").
_ADDRESS_LABEL: Final = re.compile(
    r"(?i:(?<![^\W_])(?:address|adresse|adres|anschrift|wohnadresse|wohnort|domicil(?:e|io)"
    r"|direcci\u00f3n|direccion|endere\u00e7o|endereco|indirizzo|woonadres)"
    r"[ \t]*(?:\([^()\n]{0,20}\)[ \t]*)?[:=][ \t]*)([\dA-Z\u00c0-\u00de][^\n;\\]{2,119})"
)
_ADDRESS_END: Final = re.compile(r"\.\s+(?=[A-Z\u00c0-\u00de])|\.\s*$")
_ADDRESS_ABBREVIATION: Final = re.compile(r"(?i:\b(?:st|dr|mt|ft|ave|rd|apt|no))$")
_TOWN_STATE_ZIP: Final = re.compile(
    r"(?<![\w'\u2019.-])([A-Z][a-z][A-Za-z'\u2019-]*(?:[ \t]+[A-Z][a-z][A-Za-z'\u2019-]*){0,2})"
    r",?[ \t]+[A-Z]{2},?[ \t]+\d{5}(?:-\d{4})?\b"
)
_PLACE_WORD: Final = re.compile(r"[^\W\d_a-z][^\W\d_]*(?:['\u2019-][^\W\d_]+)*\.?")
_ADDRESS_PART_WORDS: Final = frozenset(
    {"apt", "unit", "suite", "floor", "stock", "etage", "box", "see", "above", "same"}
)


# What a text must hold for each scan of _labelled_addresses to find anything: a
# label's stem (casefolded) with a colon or "=" soon after it, and a state code
# before a ZIP code. Each scan tries its lookbehind at every position (110 us on the
# benchmark's 700-character note, which says "address" but holds no such label).
_ADDRESS_LABEL_STEMS: Final = (
    "addres",
    "adres",
    "anschrift",
    "wohnort",
    "domicil",
    "direcci",
    "endere",
    "indirizzo",
)
# The rest of a label after its stem, as _ADDRESS_LABEL reads it, up to its colon.
_LABEL_REST: Final = re.compile(r"[^\W\d_]*[ \t]*(?:\([^()\n]{0,20}\)[ \t]*)?[:=]")
_STATE_ZIP: Final = re.compile(r"[A-Z]{2},?[ \t]+\d{5}")


def _address_label_near(text: str) -> bool:
    """Whether a label of _ADDRESS_LABEL may be in ``text``: a stem, the rest of its
    word, blanks, perhaps a bracket, then a colon or "="."""
    folded = text.casefold()
    for stem in _ADDRESS_LABEL_STEMS:
        at = folded.find(stem)
        while at >= 0:
            if _LABEL_REST.match(folded, at + len(stem)) is not None:
                return True
            at = folded.find(stem, at + 1)
    return False


def _labelled_addresses(text: str) -> Iterator[tuple[Kind, str]]:
    """The street and the places of an address after an address label: the first
    comma-separated part (with a digit) as a street, each later part's words as a town
    (a postcode and a two-letter state left out); and a town before a state and ZIP."""
    for match in _ADDRESS_LABEL.finditer(text) if _address_label_near(text) else ():
        value = match.group(1)
        for end in _ADDRESS_END.finditer(value):
            if not _ADDRESS_ABBREVIATION.search(value, 0, end.start()):
                value = value[: end.start()]
                break
        parts = [part.strip() for part in value.split(",")]
        if not parts or not any(c.isdigit() for c in value[:40]):
            continue
        if any(c.isdigit() for c in parts[0]) and any(c.isalpha() for c in parts[0]):
            yield Kind.STREET_ADDRESS, parts[0]
        for part in parts[1:]:
            # The part's capitalized words, a postcode and a state code left out.
            words: list[str] = []
            for word in part.split():
                if any(c.isdigit() for c in word) or (word.isupper() and len(word) <= 3):
                    if words:
                        break
                    continue
                if not _PLACE_WORD.fullmatch(word) or word.casefold() in _ADDRESS_PART_WORDS:
                    break
                words.append(word)
            if len(words) == 1 and len(words[0].rstrip(".")) <= 3:
                continue  # a state ("Vic", "Qld"), which the policy keeps
            if words and len(" ".join(words)) >= 3:
                yield Kind.CITY, " ".join(words)
    yield from _street_town_postcodes(text)
    if _STATE_ZIP.search(text) is None:
        return
    for town in _TOWN_STATE_ZIP.finditer(text):  # anywhere in the text
        yield Kind.CITY, town.group(1)


def _plural_relative_names(text: str) -> Iterator[tuple[Kind, str]]:
    """A name after a plural relation word ("I live with my 5 children, Tamsin, ...",
    "her daughters Ysella and Wenna"): the first capitalized word after it, the word
    in lower case ("Children Hospital" names a place), read only in a text holding
    such a word. Hold-out round 20: a patient story in a New Zealand
    patient summary IG's Communication kept a child's name, and no rule here read it."""
    if not any(word in text for word in _PLURAL_RELATIONS):  # read in lower case only
        return
    for match in _PLURAL_RELATIVE.finditer(text):
        if match[1] not in _PLURAL_NOT_NAMES:
            yield Kind.NAME, match[1]


_PLURAL_RELATIONS: Final = ("children", "kids", "daughters", "grandsons")
_PLURAL_RELATIVE: Final = re.compile(
    r"(?<![^\W_])(?:(?:grand|step)?children|kids|(?:grand)?daughters|grandsons)"
    r"(?:,[ \t]*|[ \t]+)([A-Z][a-z][\w'\u2019-]*)"
)
_PLURAL_NOT_NAMES: Final = frozenset(
    {"And", "Or", "But", "The", "This", "That", "Who", "Are", "Were", "Is", "Was", "Have"}
    | {"Has", "Had", "Present", "Here", "There", "Today", "Also", "Not", "No", "Live"}
    | {"Lives", "Visit", "Visits", "Hospital", "Services", "Service", "Act", "With", "In"}
)


def _street_town_postcodes(text: str) -> Iterator[tuple[Kind, str]]:
    """The town and British postcode that end a street line ("12 Chapel Terrace,
    Penzance TR18 4AB", "..., PL25 5DR"): read only in a text holding a postcode's
    inward code (a digit and two capitals ending a word). Hold-out round 20 probes:
    the street went, the town and postcode stayed and passed."""
    if _INWARD_CODE.search(text) is None:
        return
    for match in _STREET_TOWN_POSTCODE.finditer(text):
        if match["town"] is not None:
            yield Kind.CITY, match["town"]
        yield Kind.ZIP, match["postcode"]


# A British postcode's inward code ending a word: the cheap test before the pattern.
_INWARD_CODE: Final = re.compile(r"[0-9][A-Z]{2}\b")
_STREET_TOWN_POSTCODE: Final = re.compile(
    r"\b\d{1,5}[A-Za-z]?[ \t]+(?:[A-Z][\w'\u2019.-]*[ \t]+){1,4}"
    r"(?i:street|st|road|rd|lane|ln|avenue|ave|drive|dr|way|court|ct|place|pl|terrace"
    r"|row|square|sq|close|crescent|gardens|grove|mews|hill|walk|wynd)\.?"
    r"(?:,[ \t]*|[ \t]+)"
    r"(?:(?P<town>[A-Z][a-z'\u2019-]+(?:[ \t]+[A-Z][a-z'\u2019-]+){0,2}),?[ \t]+)?"
    r"(?P<postcode>[A-Z]{1,2}[0-9][A-Z0-9]?[ \t]?[0-9][A-Z]{2})\b"
)


def _labelled_names(
    text: str,
    labels: re.Pattern[str] | None = None,
    stop: frozenset[str] = frozenset(),
    *,
    leading_only: bool = False,
) -> Iterator[tuple[Kind, str]]:
    """The words of a name a line gives after a label naming a person ("Pt: Ana
    Reyes DOB ...", "Mother: Reyes, Ana"): two to four capitalized words, none of
    them a resource type's name ("Patient: Encounter Summary" is a title), nor a
    word of ``stop``; with ``leading_only``, only the words a lower-case word
    follows (a label without its colon: the whole value may be a heading)."""
    for match in (labels or _LABELLED_PERSON).finditer(text):
        value = _LABEL_VALUE_END.split(match.group(1), 1)[0].strip().rstrip(".,")
        if _all_cjk(value) and len(value) <= 8:  # a CJK name written whole ("鳥羽楓子")
            yield Kind.NAME, value
            continue
        # Lower-case particles inside a name ("Anke de Vries") are not its words.
        value = " ".join(word for word in value.split() if word not in _NAME_PARTICLE_WORDS)
        words = value.replace(",", " ").split() if value.count(",") <= 1 else []
        if words and words[0].rstrip(".").casefold() in _NAME_TITLES:
            words = words[1:]
        if leading_only:
            words = []  # only a name a lower-case word follows
            stop = _NOT_BARE_LABEL_NAMES
        if not 2 <= len(words) <= 4 or not all(map(_capitalized_name_word, words)):
            # A value going on as a sentence ("Osric Brannoch arriving with ..."):
            # its leading capitalized words, when a lower-case word follows them.
            head, comma, rest = value.partition(",")
            clause = head.split()
            if clause and clause[0].rstrip(".").casefold() in _NAME_TITLES:
                clause = clause[1:]
            lead = list(takewhile(lambda word: word[:1].isupper(), clause))
            after = clause[len(lead)] if len(lead) < len(clause) else ""
            if not after and comma:
                # "Ysolde Carrow, born 1938-05-02": the name ends at its comma when a
                # lower-case word follows it (hold-out round 17 probe).
                after = rest.strip()[:1]
            words = lead if after[:1].islower() else []
        if 2 <= len(words) <= 4 and all(map(_capitalized_name_word, words)):
            if stop and any(word.casefold() in stop for word in words):
                continue
            for word in words:
                yield Kind.NAME, word


def _summary_values(text: str) -> Iterator[tuple[Kind, str]]:
    """What the FHIR IG publisher's summary of a Patient names ("Ann Smith-Jones
    (official) Female, DoB: 1950-11-15 ( Medical record number: 4471X (use: usual, ))",
    "陳明慧 Female, DoB: ...", "Smith, Ann Male, DoB Unknown ( urn:oid:...#4471X)"):
    the words before the gender, from the start of the line, a colon or a bracket
    (each with a letter, not a resource type's name nor a word saying nobody), and
    the identifier in the parentheses after the birth date, after its last "#" or
    its type's colon."""
    for match in _SUMMARY_GENDER_DOB.finditer(text):
        head = text[max(0, match.start() - 120) : match.start()]
        cut = max(head.rfind(mark) for mark in "\n:[]|>\uff1a")
        words = [w.strip(",") for w in head[cut + 1 :].split()]
        words = [w for w in words if w and w not in _NAME_PARTICLE_WORDS]
        if 1 <= len(words) <= 6:
            for word in words:
                if (
                    any(c.isalpha() for c in word)
                    and not is_resource_type(word)
                    and word.casefold() not in _NOT_SUMMARY_NAME_WORDS
                    and (len(word) >= 2 if _all_cjk(word) else len(word) >= 3)
                ):
                    yield Kind.NAME, word
        tail = text[match.end() : match.end() + 240]
        opened = _SUMMARY_IDENTIFIERS.match(tail)
        if opened is None:
            continue
        group, depth = opened.group(1), 1
        for at, char in enumerate(group):  # up to the parenthesis that closes it
            depth += {"(": 1, ")": -1}.get(char, 0)
            if not depth:
                group = group[:at]
                break
        group = group.split("(use:", 1)[0].rstrip(" \t\u00a0)")
        value = group.rsplit("#", 1)[1] if "#" in group else group.rpartition(": ")[2]
        value = value.strip(" \t\u00a0")
        if len(value) >= 3 and any(c.isdigit() for c in value) and " " not in value:
            yield Kind.OTHER_ID, value


# The gender and birth-date label of that summary, the name's use before them.
_SUMMARY_GENDER_DOB: Final = re.compile(
    r"(?:[ \t\u00a0]*\((?:official|usual|temp|nickname|anonymous|old|maiden)\))?"
    r"[ \t\u00a0]+(?:Male|Female|Other|Unknown|male|female|other|unknown"
    r"|\(no stated gender\)),[ \t\u00a0]*DoB\b"
)
# After it: the birth date (or "Unknown"), then the identifiers in parentheses, up to
# the line's end (a type's label may hold its own parentheses, "(TWN)", "(CPR)").
_SUMMARY_IDENTIFIERS: Final = re.compile(
    r"(?:[ \t\u00a0]*:[ \t\u00a0]*[^\s()]{1,30}|[ \t\u00a0]+Unknown)[ \t\u00a0]*"
    r"\(([^\n]{1,200})"
)
# Words before the gender that name nobody ("Anonymous Patient Female, DoB: ...").
_NOT_SUMMARY_NAME_WORDS: Final = frozenset(
    {"anonymous", "patient", "unknown", "the", "and", "test", "example", "name"}
)


def _aged_names(text: str) -> Iterator[tuple[Kind, str]]:
    """The words of a name a sentence gives before "is a NN year-old" (a note's
    opening, "Osric Brannoch is a 67 year-old man"): from the sentence's start (a
    line's, or after a colon or a sentence's end), two to four capitalized words
    after a title, particles aside; "The patient is a ..." names nobody."""
    for match in _AGE_PHRASE.finditer(text):
        head = text[max(0, match.start() - 80) : match.start()]
        if head.endswith("\n") and head[:-1].strip(" \t"):
            # The phrase opens its line: the name is the line before it (Synthea's
            # notes: "Corrin41 Sau887\n is a 31 year-old ...", hold-out round 16).
            head = head[:-1]
        cut = max(head.rfind(mark) for mark in "\n.!?:;\uff1a")
        words = [w for w in head[cut + 1 :].split() if w not in _NAME_PARTICLE_WORDS]
        if words and words[0].rstrip(".").casefold() in _NAME_TITLES:
            words = words[1:]
        if 2 <= len(words) <= 4 and (
            all(map(_capitalized_name_word, words))
            or all(_NUMBERED_NAME_WORD.fullmatch(word) for word in words)
        ):
            for word in words:
                yield Kind.NAME, word


# A part of a synthetic name as Synthea numbers them ("Wrenna482").
_NUMBERED_NAME_WORD: Final = re.compile(r"[A-Z][a-z]+(?:['-][A-Z]?[a-z]+)*\d{1,4}")
# A line opening with "Patient" or "Pt" and a capitalized word, no colon between
# ("Patient Osric Brannoch arriving with chest pain"): read for the name its value
# leads with, never the whole value ("Patient Information Leaflet" is a heading).
_BARE_PATIENT_LINE: Final = re.compile(
    r"(?m)^[ \t*\-\u2022]*(?:Patient|Pt\.?)[ \t]+(?=[A-Z])([^\n]{3,120})"
)
# A line opening with a relative's label, no colon, and a capitalized word; and
# what a person (not a condition: "Mother Breast Cancer at age 45") does after it.
_RELATIVE_LABEL: Final = (
    r"(?:Mother|Father|Mom|Mum|Dad|Wife|Husband|Spouse|Partner|Son|Daughter|Sister|Brother"
    r"|Guardian|Caregiver|Carer|Grandmother|Grandfather|Aunt|Uncle|Niece|Nephew)"
)
_BARE_RELATIVE: Final = re.compile(
    r"(?m)^[ \t*\-\u2022]*"
    + _RELATIVE_LABEL
    + r"[ \t]+((?:[A-Z][\w'.-]*[ \t]+){1,5})(called|phoned|rang|telephoned"
    r"|emailed|texted|visited|came|arrived|attended|brought|accompanied|asked|requested"
    r"|reports|reported|states|stated|says|said|spoke|signed|consented|agreed|declined"
    r"|refused|confirmed|wants|wishes|answered)\b"
)
# The same label anywhere in a narrative's markup (its lines are read from the markup).
_RELATIVE_IN_MARKUP: Final = re.compile(_RELATIVE_LABEL + r"[ \t]+[A-Z]")


def _relative_names(text: str) -> Iterator[tuple[Kind, str]]:
    """The words of a name a line gives after a relative's label with no colon, when
    what the person did follows ("Mother Tamsin Greywick called"): two to four
    capitalized words after a title."""
    for match in _BARE_RELATIVE.finditer(text):
        words = match.group(1).split()
        if words and words[0].rstrip(".").casefold() in _NAME_TITLES:
            words = words[1:]
        if 2 <= len(words) <= 4 and all(map(_capitalized_name_word, words)):
            for word in words:
                yield Kind.NAME, word


def _parenthesized_relatives(text: str, markup: bool = False) -> Iterator[tuple[Kind, str]]:
    """The words of a name written right before a relation in parentheses ("Rowena
    Castlebury (daughter)", "<Given> <Family> (abikaasa)"; hold-out round 19): two to
    four capitalized words on the relation's line, none a family history's condition
    ("Heart Disease (father)") or a label's word ("Emergency Contact (spouse)"). A
    narrative is read without its tags ("<td>Rowena Castlebury (daughter)</td>"), once
    it holds such a relation."""
    if markup:
        if not any(
            match.group(2).casefold() in _PAREN_RELATIONS
            for match in _PAREN_RELATIVE.finditer(text)
        ):
            return
        text = _markup_text(text)
    for match in _PAREN_RELATIVE.finditer(text):
        if match.group(2).casefold() not in _PAREN_RELATIONS:
            continue
        line = text[max(0, match.start() - 120) : match.start()].rsplit("\n", 1)[-1]
        words: list[str] = []
        for word in reversed(line.split()):
            if words and word in _PAREN_PARTICLES:
                continue  # "Juan de la Cruz (esposo)": the particles are not searched
            if (
                len(words) == 4
                or not word[:1].isupper()
                or word.isupper()
                or not _PAREN_NAME_WORD.fullmatch(word)
            ):
                break
            words.append(word)
        while words and (
            words[-1].casefold() in _PAREN_NOT_NAMES or words[-1].casefold() in _PAREN_ROLES
        ):
            # "With Rowena Castlebury", "Caregiver Declan Castlebury": the sentence's
            # or a role's words before the name (a role's word is searched as a name
            # nowhere: "FHCP^Family caregiver" in a ROL code was flagged as a name).
            words.pop()
        if not line.rstrip() or not words or line.rstrip().split()[-1] != words[0]:
            continue
        if len(words) >= 2 and not any(w.casefold() in _PAREN_NOT_NAMES for w in words):
            for word in words:
                yield Kind.NAME, word


# Words that follow a line's "Patient" in headings and phrases, not in names
# ("Patient Care Plan reviewed", "Patient Safety Officer notified").
_NOT_BARE_LABEL_NAMES: Final = frozenset(
    {"care", "safety", "education", "information", "portal", "plan", "summary", "history"}
    | {"record", "records", "chart", "list", "status", "transport", "transfer", "id"}
    | {"identification", "instructions", "consent", "notes", "note", "demographics"}
    | {"advocate", "services", "service", "experience", "satisfaction", "registration"}
    | {"access", "relations", "assessment", "data", "name", "account", "details"}
    | {"profile", "medication", "medications", "alert", "alerts", "risk", "monitoring"}
    | {"room", "bed", "unit", "ward", "family", "self", "home", "review", "reported"}
    | {"controlled", "centered", "centred", "outcome", "outcomes", "flow", "label"}
)
# Words a document title's last part has when it names a report, a plan or a
# department rather than the patient ("KindRapport - Child Report").
_NOT_TITLE_NAME_WORDS: Final = _NOT_BARE_LABEL_NAMES | frozenset(
    {"report", "child", "discharge", "letter", "document", "referral", "results", "result"}
    | {"medicine", "surgery", "clinic", "department", "hospital", "center", "centre"}
    | {"emergency", "internal", "general", "pediatrics", "paediatrics", "cardiology"}
    | {"oncology", "radiology", "laboratory", "lab", "pathology", "nursing", "pharmacy"}
    | {"draft", "final", "preliminary", "amended", "update", "version", "copy"}
    | {"with", "without", "contrast", "left", "right", "bilateral", "view", "views"}
    | {"follow", "up", "day", "visit", "consult", "consultation", "progress", "admission"}
)
# "is a 67 year-old", "was a 54-year-old", "is an 81 yo", "is a 40 y/o", "ist eine
# 71-jährige", "is een 58-jarige". From the first blank before the verb only (the
# search is then linear: from each blank of a long run it was quadratic).
_AGE_PHRASE: Final = re.compile(
    r"(?<![ \t])[ \t]+(?:is|was|ist|war)[ \t]+(?:an?|eine?|een)[ \t]+\d{1,3}[ \t-]*"
    r"(?:(?:years?|yrs?)[ \t-]*old|yo|y/o|j(?:ä|ae)hrige[rnms]?|jarige)\b"
)
# A British phone number as UK notes write it without a label: eleven digits from
# the trunk 0, a mobile (07...) or a geographic or London number (01..., 02...),
# its prefix set off by a blank; not part of a longer number or a date.
_BRITISH_PHONE: Final = re.compile(
    r"(?<![\d+/.-])0(?:[17]\d{3} (?: ?\d){6}|1\d1 (?: ?\d){7}|2\d (?: ?\d){8})(?![\d/-]|\.\d)"
)
# A reference's display giving a name and, in parentheses, how the person is related.
_NAMED_RELATIVE_DISPLAY: Final = re.compile(r"([^()]{3,80}?)\s*\(\s*([A-Za-z]+)\s*\)")
_DISPLAY_RELATIONS: Final = frozenset(
    {"wife", "husband", "spouse", "partner", "mother", "father", "mom", "mum", "dad", "son"}
    | {"daughter", "brother", "sister", "child", "grandmother", "grandfather", "grandson"}
    | {"granddaughter", "aunt", "uncle", "niece", "nephew", "cousin", "guardian", "carer"}
    | {"caregiver", "neighbour", "neighbor", "friend", "parent", "sibling", "relative"}
)
_PAREN_RELATIVE: Final = re.compile(
    r"\([ \t]*((?:his|her|their|pt'?s|patient'?s)[ \t]+)?([^\W\d_]+)(?:-in-law)?[ \t]*\)",
    re.IGNORECASE,
)
_PAREN_NAME_WORD: Final = re.compile(r"[^\W\d_][^\W\d_'\u2019-]*(?:['\u2019-][^\W\d_]+)*")
_PAREN_RELATIONS: Final = _DISPLAY_RELATIONS | frozenset(
    {"fiance", "fiancee", "stepson", "stepdaughter", "grandchild", "roommate", "neighbour"}
    | {"esposa", "esposo", "marido", "madre", "padre", "hijo", "hija", "hermano", "hermana"}
    | {"mãe", "pai", "filho", "filha", "moglie", "marito", "figlio", "figlia", "ehefrau"}
    | {"ehemann", "mutter", "vater", "sohn", "tochter", "bruder", "schwester", "épouse"}
    | {"époux", "mari", "mère", "père", "fils", "fille", "frère", "sœur", "echtgenote"}
    | {"echtgenoot", "dochter", "zoon", "moeder", "vader", "hustru", "ektemann", "datter"}
    | {"søn", "sønn", "dotter", "sambo", "samboer", "kone", "mand", "abikaasa", "tütar"}
    | {"poeg", "ema", "isa", "vend", "õde", "vaimo", "aviomies", "puoliso", "äiti", "isä"}
    | {"poika", "tytär", "huoltaja", "żona", "mąż", "córka", "manželka", "manžel", "dcera"}
)
_PAREN_PARTICLES: Final = frozenset(
    {"de", "da", "das", "do", "dos", "di", "del", "della", "van", "von", "der", "den", "la"}
    | {"le", "du", "ter", "ten", "y", "zu", "af", "av", "al", "bin", "binti", "ibn"}
)
# Words before a parenthesized relation that are no name: a sentence's or a label's
# words, and what a family history lists ("Breast Cancer (mother)").
_PAREN_NOT_NAMES: Final = frozenset(
    {"with", "and", "or", "by", "to", "for", "from", "the", "a", "an", "of", "in", "on"}
    | {"spoke", "called", "seen", "given", "contact", "contacts", "emergency", "patient"}
    | {"family", "member", "next", "kin", "reports", "states", "legal", "primary"}
    | {"cancer", "carcinoma", "disease", "diabetes", "mellitus", "hypertension", "failure"}
    | {"attack", "stroke", "syndrome", "disorder", "tumor", "tumour", "infarction", "heart"}
    | {"breast", "colon", "lung", "prostate", "ovarian", "kidney", "renal", "liver", "type"}
    | {"high", "blood", "pressure", "cholesterol", "death", "cardiac", "coronary", "artery"}
    | {"asthma", "dementia", "depression", "obesity", "epilepsy", "migraine", "arthritis"}
)
# A role or relation opening the line before the name ("Caregiver Declan Castlebury
# (son)"): not the name's word, though a relation's word may be a family name ("Minh
# Son (husband)" keeps it, as the name's last word).
_PAREN_ROLES: Final = _DISPLAY_RELATIONS | frozenset(
    {"aide", "companion", "visitor", "interpreter", "nurse", "escort", "proxy", "sitter"}
)
# The attachments read for names: plain text, and HTML and RTF letters.
_READ_ATTACHMENT_TYPES: Final = ("text/plain", "text/html", "text/rtf", "application/rtf")
# RTF's paragraph and line control words, and every other control word or brace.
_RTF_LINE: Final = re.compile(r"\\(?:par|line|row|cell)(?![a-z])-?\d* ?")
_RTF_WORD: Final = re.compile(r"\\[a-z]{1,32}-?\d* ?|\\[^a-z]|[{}]")
# A text attachment larger than this (base64 characters) is not read for names.
_MAX_READ_ATTACHMENT: Final = 1 << 20


def _capitalized_name_word(word: str) -> bool:
    """A name's word as a form writes it, in any alphabet: capitalized ("Jänes",
    "O'Brien", "Smith-Jones") or in capitals ("ÅSTRÖM"), and no resource type."""
    if _LETTERS_WORD.fullmatch(word) is None or is_resource_type(word):
        return False
    if word.isupper():  # capitals: two letters or more, without ' or -
        return len(word) >= 2 and word.isalpha()
    first, *rest = _WORD_JOINS.split(word)
    return (
        first[0].isupper()
        and (first[1:].islower() if len(first) > 1 else bool(rest))  # "O'Brien"
        and all(part[1:].islower() if part[0].isupper() else part.islower() for part in rest)
    )


def _markup_text(markup: str) -> str:
    """A narrative's text as a reader sees it: a line break for each block tag."""
    return html.unescape(_INLINE_TAG.sub("", _BLOCK_TAG.sub("\n", markup)))


# Free-text elements (a narrative's div) whose lines can label a person.
_LABELLED_TEXT_KEYS: Final = frozenset(
    {
        "div",
        "text",
        "valueString",
        "valueMarkdown",
        "contentString",
        "description",
        "comment",
        "conclusion",
        "diagnostics",
    }
)
_PERSON_LABELS: Final = (
    r"(?i:patient|patient name|pt|pt name|name of patient|mother|father"
    r"|guardian|spouse|next of kin|emergency contact|contact person|subscriber|policy ?holder"
    r"|guarantor"
    # the same in German, Dutch, French, Spanish, Portuguese, Italian, Indonesian,
    # Norwegian, Danish, Swedish, Japanese and Chinese
    r"|patientin|patientenname|mutter|vater|ehemann|ehefrau|angehöriger?|vormund"
    r"|patiënt|moeder|vader|patiente|mère|père|paciente|madre|padre|esposo|esposa"
    r"|mãe|mae|pai|nome da mãe|nome da mae|nome do paciente|nombre del paciente|paziente"
    r"|pasien|mere|pere|angehoriger?|parorende"
    r"|nama pasien|nama ibu|pasient|pårørende|患者|患者氏名|患者名|氏名|姓名|病人姓名|母|父)"
)
_PERSON_LABEL_WHOLE: Final = re.compile(_PERSON_LABELS)
_LABELLED_PERSON: Final = re.compile(
    r"(?m)^[ \t*\-\u2022]*"
    + _PERSON_LABELS
    + r"[ \t]*[:\uff1a][ \t]*([^\n(\[;:\uff1a\uff08]{2,100})"
)
# The labels an HL7v2 note names another person after: not "Patient:", "Mother:" or
# "Father:", which notes follow with findings and history ("Patient: Stable
# Overnight", "Father: Living And Well"); the patient's and parents' names are
# structured fields (PID-5, PID-6, NK1).
_HL7_NOTE_PERSON: Final = re.compile(
    r"(?m)^[ \t*\-\u2022]*(?i:next of kin|emergency contact|guardian|spouse|guarantor"
    r"|subscriber|policy ?holder|patient name|pt name|name of patient|angehörige[rn]?"
    r"|angehoerige[rn]?|notfallkontakt|kontaktperson|contact person"
    # Round 17: a caregiver, a Dutch contact person, the Nordic next of kin.
    r"|caregiver|carer|contactpersoon|partner|wife|husband|ehemann|ehefrau|echtgeno(?:ot|te)"
    r"|conjointe?|esposo|esposa|marido|moglie|marito|ektefelle|\u00e6gtef\u00e6lle"
    r"|(?:n(?:\u00e6|ae)rmeste[ \t]+)?p(?:\u00e5|aa|a)r(?:\u00f8|oe|o)rende"
    r"|(?:n(?:\u00e4|a)rmaste[ \t]+)?anh(?:\u00f6|o)rig)"
    # The name may start the next line when nothing follows the colon (round 17).
    r"[ \t]*[:\uff1a][ \t]*(?:\n[ \t]*)?([^\n(\[;:\uff1a\uff08]{2,100})"
)
# Words that say who or how, not a name ("Next of kin: None Listed", "Spouse:
# Present And Supportive", "Guarantor: Self Pay"): a value with one is not read.
_NOT_NAME_WORDS: Final = frozenset(
    {"none", "not", "unknown", "known", "self", "same", "see", "above", "below", "listed"}
    | {"deceased", "alive", "living", "file", "yes", "no", "and", "or", "the", "of", "on"}
    | {"in", "at", "to", "with", "for", "is", "was", "as", "per", "pay", "patient", "pt"}
    | {"chart", "record", "other", "family", "friend", "mother", "father", "wife", "husband"}
    | {"son", "daughter", "spouse", "sister", "brother", "parent", "guardian", "legal"}
    | {"present", "declined", "refused", "given", "bedside", "home", "available"}
)
# A sentence's end inside a line, before a capital or a person label ("Lives alone.
# Next of kin: Marta Quill. Visits daily."): an HL7v2 note is often one line, and a
# name ends its sentence. Not after a title or an initial ("Dr. Quill", "M. Quill").
# Led by the sentence's end (fast to scan for).
_SENTENCE_BREAK: Final = re.compile(
    r"([.!?;])(?<!\bDr\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bMrs\.)(?<!\b[A-Z]\.)[ \t]+"
    r"(?=[A-Z]|" + _PERSON_LABELS + r"[ \t]*[:\uff1a])"
)
_LABEL_VALUE_END: Final = re.compile(
    r"\s+(?:DOB|D\.O\.B\.|DOD|MRN|SSN|ID|Age|Sex|Gender|Born|Tel|Phone)\b|\s+[-\u2013\u2014|/]\s"
)


# A label asking for a person's name anywhere in a FHIR text, after a sentence too
# ("Consented. Father's name: Jarkko", "...; Guarantor name: ..."): the words of the
# name after it, one to three capitalized ones (the label says they are a name).
# Hold-out round 21 probe: kept after a sentence, and passed (the person labels are
# read at a line's start only, and "<relation>'s name" not at all).
_ASKED_NAME: Final = re.compile(
    r"(?<![^\W_])(?i:(?:patient|pt|mother|father|parent|spouse|wife|husband|partner|son"
    r"|daughter|brother|sister|guardian|carer|caregiver|guarantor|subscriber|informant"
    r"|(?:emergency[ \t]+)?contact|next[ \t]+of[ \t]+kin)(?:['\u2019]?s)?[ \t]+name"
    r"|name[ \t]+of[ \t]+(?:the[ \t]+)?(?:patient|mother|father|spouse|guardian"
    r"|next[ \t]+of[ \t]+kin))[ \t]*[:\uff1a][ \t]*"
    r"((?:[A-Z\u00c0-\u00de][\w'\u2019-]*[ \t]*){1,3})"
)
_NOT_ASKED_NAME_WORDS: Final = _NOT_NAME_WORDS | frozenset(
    {"tel", "phone", "mobile", "cell", "dob", "mrn", "relationship", "address", "na", "n/a"}
)


def _asked_names(text: str) -> Iterator[tuple[Kind, str]]:
    """The name a FHIR text gives after a label asking for one (see _ASKED_NAME), and
    after a person label starting a sentence inside a line ("Seen today. Next of kin:
    ..."): its words, up to the first word naming none."""
    if ":" not in text and "\uff1a" not in text:
        return
    if "name" in text.casefold():
        for match in _ASKED_NAME.finditer(text):
            for word in match.group(1).split():
                if word.casefold().rstrip(".,") in _NOT_ASKED_NAME_WORDS:
                    break
                if _capitalized_name_word(word.rstrip(".,")):
                    yield Kind.NAME, word.rstrip(".,")
    split = _SENTENCE_BREAK.sub("\\1\n", text)
    if split != text:
        yield from _labelled_names(split)


_NAME_PARTICLE_WORDS: Final = frozenset(
    {"de", "der", "den", "van", "von", "vom", "zu", "da", "das", "do", "dos", "del", "della"}
    | {"di", "du", "la", "le", "ter", "ten", "te", "bin", "binti", "y", "e", "af", "av"}
)
# Letters (any alphabet) joined by an apostrophe or a hyphen.
_LETTERS_WORD: Final = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")
_WORD_JOINS: Final = re.compile(r"['-]")
_NAME_TITLES: Final = frozenset({"mr", "mrs", "ms", "miss", "dr"})
_BLOCK_TAG: Final = re.compile(
    r"<\s*/?\s*(?:address|article|blockquote|br|caption|dd|div|dl|dt|footer|h[1-6]|header|hr"
    r"|li|ol|p|pre|section|table|tbody|td|tfoot|th|thead|tr|ul|img|col|colgroup)\b[^<>]{0,4000}>",
    re.IGNORECASE,
)
_INLINE_TAG: Final = re.compile(r"<[^<>]{0,4000}>")


def _url_named_values(url: str, item: dict[str, Any]) -> Iterator[tuple[Kind, str]]:
    """The PHI an object with a ``url`` holds by what its URL names: an identifier
    extension's string or uuid, an extension whose URL names a birth date."""
    if isinstance(item.get("valueString"), str):
        yield from _id_extension_values(url, item["valueString"])
    uuid = item.get("valueUuid")
    if isinstance(uuid, str) and _ID_EXTENSION_URL.search(url):
        # An identifier written as a uuid (".../uuidIdentifier").
        uuid = uuid.strip()
        yield Kind.OTHER_ID, uuid[9:] if uuid[:9].lower() == "urn:uuid:" else uuid
    lowered = url.lower()
    if ("place" in lowered or "town" in lowered or "geburt" in lowered or "naiss" in lowered) and (
        _BIRTH_PLACE_URL.search(_key_label(url.rstrip("/").rsplit("/", 1)[-1][:80]).casefold())
    ):
        # A place of birth or origin not written as an Address (".../place-of-origin",
        # ".../nativePlace"): a town, in a string or in a code, its name and its text.
        yield from _birth_place_values(item)
    yield from _residence_town_values(url, lowered, item)
    if "birth" in lowered or "dob" in lowered:
        # An extension whose URL names a birth date (".../date-of-birth").
        segment = url.rstrip("/").rsplit("/", 1)[-1]
        value = item.get("valueDate") or item.get("valueDateTime") or item.get("valueString")
        if (
            isinstance(value, str)
            and _BIRTH_DATE_ANSWER.fullmatch(value.strip())
            and _asks_birth_date(_key_label(segment))
        ):
            yield Kind.BIRTH_DATE, value.strip()[:10]


# A URL's last part naming a place of birth or origin, read as words ("birth place",
# "place of origin", "native place", "hometown", "Geburtsort", "lieu de naissance").
_BIRTH_PLACE_URL: Final = re.compile(
    r"\b(?:birth ?(?:place|town|city)|place +(?:of +)?(?:birth|origin)|(?:origin|native|home)"
    r" ?(?:place|town)|geburtsort|lieu +(?:de +)?naissance)\b"
)


def _residence_town_values(
    url: str, lowered: str, item: dict[str, Any]
) -> Iterator[tuple[Kind, str]]:
    """The town an extension whose URL names the municipality a person lives in holds
    (".../municipality-code", ".../kommunenummer", ".../gemeente"; hold-out round 19:
    a Finnish Patient's municipality code and the town's name passed): its string, or
    its code's text and names, as a birth place's."""
    if not any(hint in lowered for hint in _RESIDENCE_TOWN_HINTS) or "valueAddress" in item:
        return
    if _RESIDENCE_TOWN_URL.search(_key_label(url.rstrip("/").rsplit("/", 1)[-1][:80]).casefold()):
        yield from _birth_place_values(item)


_RESIDENCE_TOWN_HINTS: Final = ("munic", "kommun", "kunta", "gemeente", "gemeinde", "comun")
_RESIDENCE_TOWN_URL: Final = re.compile(
    r"\b(?:municipality|municipio|munic\u00edpio|kommune\w*|kommun|(?:koti)?kunta|gemeente"
    r"|gemeinde|comuna|commune)\b"
)


def _birth_place_values(item: dict[str, Any]) -> Iterator[tuple[Kind, str]]:
    """A birth-place extension's town: its string, or its code's text, names and codes
    (a code of five characters or more: a county's or a commune's, not a short one
    that would match counts). An Address there is searched as every Address is."""
    if isinstance(item.get("valueString"), str):
        yield Kind.CITY, item["valueString"].strip()
    coded = item.get("valueCodeableConcept") or item.get("valueCoding")
    if not isinstance(coded, dict):
        return
    if isinstance(coded.get("text"), str):
        yield Kind.CITY, coded["text"].strip()
    codings = coded.get("coding") if "valueCodeableConcept" in item else [coded]
    for coding in codings if isinstance(codings, list) else ():
        if isinstance(coding, dict):
            if isinstance(coding.get("display"), str):
                yield Kind.CITY, coding["display"].strip()
            code = coding.get("code")
            if isinstance(code, str) and len(code.strip()) >= 5:
                yield Kind.CITY, code.strip()


def _labelled_answers(items: Any) -> Iterator[tuple[Kind, str]]:
    """A questionnaire's string answers whose question (its text, else its linkId)
    asks for a person's name, phone number, street address, city or ZIP code."""
    stack = [items]
    while stack:
        node = stack.pop()
        if not isinstance(node, list):
            continue
        for item in node:
            if not isinstance(item, dict):
                continue
            stack.append(item.get("item"))
            answers = item.get("answer")
            if not isinstance(answers, list):
                continue
            label = item.get("text")
            link_words: str | None = None
            kind_by_text = isinstance(label, str) and bool(label.strip())
            if kind_by_text:
                kind = _answer_label_kind(label)
            else:  # a linkId: camelCase, hyphens and underscores as word breaks
                link_id = item.get("linkId")
                if isinstance(link_id, str):
                    link_words = _key_label(link_id)
                kind = _answer_label_kind(link_words)
            if kind is None:
                kind = _defined_kind(item.get("definition"))
            if kind is None and _asks_birth_date(label if kind_by_text else link_words):
                kind = Kind.BIRTH_DATE
            for answer in answers:
                if not isinstance(answer, dict):
                    continue
                stack.append(answer.get("item"))
                value = answer.get("valueString")
                if kind is Kind.BIRTH_DATE:
                    # A date answering "Date of birth" ("dob"): its day, and its year
                    # when that implies an age over 89; a year answering "Year of
                    # birth"; the year a date written otherwise holds ("23/08/1905").
                    value = answer.get("valueDate") or answer.get("valueDateTime") or value
                    year = answer.get("valueInteger")
                    if isinstance(year, int) and not isinstance(year, bool) and value is None:
                        value = str(year)
                    if isinstance(value, str) and _BIRTH_DATE_ANSWER.fullmatch(value.strip()):
                        yield kind, value.strip()[:10]
                    elif (
                        isinstance(value, str)
                        and len(value) <= 40
                        and any(c.isdigit() for c in value)
                    ):
                        yield kind, value.strip()
                        written = _WRITTEN_YEAR.search(value)
                        if written is not None:
                            yield kind, written.group(0)
                    continue
                if kind is None or not isinstance(value, str):
                    continue
                if kind is Kind.NAME:
                    for word in value.replace(",", " ").split():
                        yield kind, word
                else:
                    yield kind, value[:5] if kind is Kind.ZIP else value


# Questions naming another person alone (no "name" in them), whose answer gives the
# person's name and often a phone ("Emergency contact" -> "<Given> <Family> 070-123
# 45 67"), and a phone number ending such an answer.
_PERSON_QUESTIONS: Final = frozenset(
    {"emergency contact", "next of kin", "nok", "contact person", "contact", "guardian"}
    | {"legal guardian", "parent/guardian", "parent or guardian", "caregiver", "carer"}
    | {"spouse", "partner", "kontaktperson", "notfallkontakt", "angehorige", "parorende"}
    | {"narmeste parorende", "narmaste anhorig", "persona de contacto", "contactpersoon"}
    | {"contacto de emergencia", "contato de emergencia", "personne a prevenir"}
)
_ANSWER_PHONE: Final = re.compile(r"(\+?\(?\d[\d ().-]{5,20}\d)[ \t.]*\Z")


def _person_question_answers(items: Any) -> Iterator[tuple[Kind, str]]:
    """The name an answer to a question naming a person alone opens with (two to four
    capitalized words, particles between), and the phone number ending it (seven to
    fifteen digits). Hold-out round 21 probe: "<Given> <Family> 070-123 45 67"
    answering "Emergency contact" stayed whole and passed."""
    stack = [items]
    while stack:
        node = stack.pop()
        for item in node if isinstance(node, list) else ():
            if not isinstance(item, dict):
                continue
            stack.append(item.get("item"))
            label = item.get("text")
            answers = item.get("answer")
            if not isinstance(label, str) or not isinstance(answers, list) or len(label) > 40:
                continue
            for answer in answers:
                if isinstance(answer, dict):
                    stack.append(answer.get("item"))
            question = " ".join(label.casefold().split()).rstrip("?:*.# ")
            if not question.isascii():
                question = "".join(
                    c
                    for c in unicodedata.normalize("NFKD", question)
                    if not unicodedata.combining(c)
                )
            if question in _PERSON_QUESTIONS:
                yield from _person_answer_values(answers)


def _person_answer_values(answers: list[Any]) -> Iterator[tuple[Kind, str]]:
    """The name opening each string answer and the phone ending it (see
    _person_question_answers)."""
    for answer in answers:
        value = answer.get("valueString") if isinstance(answer, dict) else None
        if not isinstance(value, str):
            continue
        words: list[str] = []
        for word in value.replace(",", " ").split():
            if word in _NAME_PARTICLE_WORDS and words:
                continue
            if word.casefold() in _NOT_ASKED_NAME_WORDS or not _capitalized_name_word(word):
                break
            words.append(word)
        if 2 <= len(words) <= 4:
            for word in words:
                yield Kind.NAME, word
            phone = _ANSWER_PHONE.search(value)
            if phone is not None and 7 <= sum(c.isdigit() for c in phone[1]) <= 15:
                yield Kind.PHONE, phone[1]


def _labelled_parameter_values(parameters: Any) -> Iterator[tuple[Kind, str]]:
    """An operation's or a message's string parameters (at any depth) whose name
    says what they hold (``family``, ``member_id``, a death record's
    ``alias_decedent_last_name`` and ``alias_social_security_number``: all kept
    under every preset until hold-out round 20, and read by no rule here)."""
    stack = list(_as_list(parameters))
    while stack:
        parameter = stack.pop()
        if not isinstance(parameter, dict):
            continue
        stack.extend(_as_list(parameter.get("part")))
        name, value = parameter.get("name"), parameter.get("valueString")
        if not isinstance(name, str) or not isinstance(value, str) or not value.strip():
            continue
        words = _key_label(name).casefold()
        kind = Kind.SSN if _SSN_PARAMETER.search(words) else _answer_label_kind(words)
        if (
            kind is None
            and _ID_EXTENSION_URL.search(name)
            and _ID_EXTENSION_VALUE.fullmatch(value)
            and not _SYSTEM_VALUE.match(value)
        ):
            kind = Kind.OTHER_ID  # named as an identifier ("state_auxiliary_id")
        if kind is Kind.NAME:
            for word in value.replace(",", " ").split():
                yield kind, word
        elif kind is not None and kind is not Kind.BIRTH_DATE:
            yield kind, value[:5] if kind is Kind.ZIP else value


# A parameter's name ending in a social security number's label ("ssn",
# "alias_social_security_number").
_SSN_PARAMETER: Final = re.compile(r"(?:^| )(?:ssn|social security(?: number| no)?)$")


def _labelled_task_values(task: dict[str, Any]) -> Iterator[tuple[Kind, str]]:
    """A Task's inputs and outputs whose ``type`` says what they hold: a birth date
    ("Date of birth"), a name, phone, address... ("Contact name"), or a person
    ("Contact person", "Emergency contact": the words of a two-to-four-word name)."""
    for part in [*_as_list(task.get("input")), *_as_list(task.get("output"))]:
        concept = part.get("type") if isinstance(part, dict) else None
        if not isinstance(concept, dict):
            continue
        labels = [concept.get("text")]
        labels += [c.get("display") for c in _as_list(concept.get("coding")) if isinstance(c, dict)]
        value = part.get("valueString")
        if _codes_birth_date(concept):
            value = part.get("valueDate") or part.get("valueDateTime") or value
            if isinstance(value, str) and _BIRTH_DATE_ANSWER.fullmatch(value.strip()):
                yield Kind.BIRTH_DATE, value.strip()[:10]
            continue
        if not isinstance(value, str):
            continue
        kind = next((k for k in map(_answer_label_kind, labels) if k is not None), None)
        if kind is Kind.NAME or (
            kind is None
            and any(
                isinstance(label, str) and _PERSON_LABEL_WHOLE.fullmatch(label.strip(" :"))
                for label in labels
            )
            and 2 <= len(value.split()) <= 4
            and all(map(_capitalized_name_word, value.replace(",", " ").split()))
        ):
            for word in value.replace(",", " ").split():
                yield Kind.NAME, word
        elif kind is not None:
            yield kind, value[:5] if kind is Kind.ZIP else value


def _defined_kind(definition: Any) -> Kind | None:
    """What the person's element an SDC item's ``definition`` names holds
    ("...#Patient.name.family", "...#RelatedPerson.address.line")."""
    if not isinstance(definition, str) or "#" not in definition or len(definition) > 300:
        return None
    parts = [part.split(":", 1)[0] for part in definition.rsplit("#", 1)[1].split(".")]
    if len(parts) < 2 or parts[0] not in ("Patient", "RelatedPerson", "Person"):
        return None
    rest = parts[2:] if parts[1] == "contact" else parts[1:]
    if not rest:
        return None
    if rest[0] == "address":
        return _DEFINED_ADDRESS_KINDS.get(rest[1] if len(rest) > 1 else "line")
    return _DEFINED_KINDS.get(rest[0])


_DEFINED_KINDS: Final = {
    "name": Kind.NAME,
    "telecom": Kind.PHONE,
    "identifier": Kind.MRN,
    "birthDate": Kind.BIRTH_DATE,
}
# A birth date as an answer writes it: a FHIR date or dateTime.
_BIRTH_DATE_ANSWER: Final = re.compile(
    r"\d{4}(?:-\d{2}(?:-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:\d{2})?)?)?)?"
)
# Questions asking for a date or year of birth ("DOB", "Date of birth", "Birthdate",
# "Year of birth", "Geburtsdatum", "Fecha de nacimiento"...), folded and unaccented.
_BIRTH_DATE_QUESTION: Final = re.compile(
    r"(?:(?:your|the patient'?s|patient'?s?|child'?s|mother'?s|father'?s) )?"
    r"(?:(?:date|day|year) of birth|birth ?(?:date|day|year)|[dy] ?o ?b|born(?: on)?)"
    r"|geburts(?:datum|jahr)|geboorte(?:datum|jaar)|(?:date|annee) de naissance"
    r"|(?:fecha|ano) de nacimiento|data (?:de|di) nasc(?:imento|ita)|ano de nascimento"
    r"|tanggal lahir|tahun lahir|fodselsdato|fødselsdato|fodelsedatum|fodselsar|fødselsår"
)
# A year written in a birth date of another form ("23/08/1905", "August 23, 1905").
_WRITTEN_YEAR: Final = re.compile(r"(?<!\d)(?:1[89]|20)\d\d(?!\d)")


def _codes_birth_date(concept: Any) -> bool:
    """Whether an observation's code is a birth date's: LOINC 21112-8, or a text or
    display asking for one."""
    if not isinstance(concept, dict):
        return False
    codings = [c for c in _as_list(concept.get("coding")) if isinstance(c, dict)]
    if any(c.get("code") == "21112-8" for c in codings):
        return True
    return any(
        _asks_birth_date(x) for x in [concept.get("text"), *(c.get("display") for c in codings)]
    )


def _asks_birth_date(label: Any) -> bool:
    """Whether a question's text (or linkId words) asks for a date of birth."""
    if not isinstance(label, str) or len(label) > 80:
        return False
    text = " ".join(label.casefold().replace(".", " ").split()).rstrip("?:*# ")
    if not text.isascii():
        text = "".join(
            c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
        )
    return _BIRTH_DATE_QUESTION.fullmatch(text.replace("\u2019", "'")) is not None


_DEFINED_ADDRESS_KINDS: Final = {
    "line": Kind.STREET_ADDRESS,
    "text": Kind.STREET_ADDRESS,
    "city": Kind.CITY,
    "postalCode": Kind.ZIP,
}


def _serialized_resource(text: str) -> dict[str, Any] | None:
    """A FHIR resource serialized into a string (parsed), else None."""
    if '"resourceType"' not in text:
        return None
    try:
        parsed = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, dict) and "resourceType" in parsed else None


def _json_text_values(text: str) -> Iterator[tuple[Kind, str]]:
    """A JSON object written as text (an e-prescription message's payload): the
    string values (or lists of them) of its keys naming a person's name, phone,
    street address, city or ZIP code, as a form's labelled answers. A name is
    searched when it reads as one: two to four capitalized words after a title,
    particles aside ("Dr. Anke de Vries"), not a medicine's or a product's."""
    try:
        parsed = orjson.loads(text)
    except orjson.JSONDecodeError:
        return
    stack: list[Any] = [parsed]
    seen = 0
    while stack and seen < _JSON_TEXT_NODES:
        node = stack.pop()
        seen += 1
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        for key, value in node.items():
            strings = [value] if isinstance(value, str) else value
            if not isinstance(strings, list) or not all(isinstance(v, str) for v in strings):
                if isinstance(value, dict | list):
                    stack.append(value)
                continue
            words_of_key = _key_label(key)
            kind = _answer_label_kind(words_of_key)
            if kind is None:
                continue
            for written in strings:
                if kind is not Kind.NAME:
                    yield kind, written[:5] if kind is Kind.ZIP else written
                    continue
                if key.casefold() != "name" and _capitalized_name_word(written):
                    yield Kind.NAME, written  # a part of a name ("lastName": "Greywick")
                    continue
                words = [w for w in written.split() if w not in _NAME_PARTICLE_WORDS]
                if words and words[0].rstrip(".").casefold() in _NAME_TITLES:
                    words = words[1:]
                if 2 <= len(words) <= 4 and all(map(_capitalized_name_word, words)):
                    for word in words:
                        yield Kind.NAME, word


# How many JSON values of a JSON object written as text are read for labelled PHI.
_JSON_TEXT_NODES: Final = 2000


def _answer_label_kind(label: Any) -> Kind | None:
    """What a question's text or linkId words ("Patient name", "last name", "mobile")
    ask for."""
    if not isinstance(label, str) or len(label) > 80:
        return None
    text = " ".join(label.casefold().replace("(s)", "s").split()).rstrip("?:*.# ")
    text = text.replace("\u2019", "'")
    if not text.isascii():  # "endereço" and "endereco", "Mãe" and "Mae" alike
        text = "".join(
            c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
        )
    kind = next((kind for pattern, kind in _ANSWER_LABELS if pattern.fullmatch(text)), None)
    if kind is None and "/" in text:
        # "Family/Surname", "First/Given name": one label spelled two ways.
        for spelled in (" ".join(text.replace("/", " ").split()), *text.split("/")):
            alternative = spelled.strip()
            if alternative in ("name", "names"):
                continue  # a bare "Name" alternative ("Name/Strength" of a drug)
            kind = next(
                (kind for pattern, kind in _ANSWER_LABELS if pattern.fullmatch(alternative)),
                None,
            )
            if kind is not None:
                break
    if kind is None and text.endswith(")"):
        # A hint in parentheses after the label ("Vehicle registration (parking permit)").
        bare = _LABEL_HINT.sub("", text)
        if bare != text:
            kind = next((kind for pattern, kind in _ANSWER_LABELS if pattern.fullmatch(bare)), None)
    if kind is None and " " in text:
        kind = _qualified_label_kind(text)
    return kind


def _qualified_label_kind(text: str) -> Kind | None:
    """What a label qualified around its words asks for (hold-out round 20): an
    earlier or other value's word before it ("alias", "previous", "former": "Previous
    surname", VRDR's "alias decedent first name", "alias social security number"), a
    decedent's, a clause after it ("Last name if different", "Surname at birth",
    "Last Name but Different This Time"), or a name's initials ("Middle initial",
    "Patient initials"). ``text`` is folded as ``_answer_label_kind`` folds it."""
    words = text.split()
    if words[0] in _LABEL_QUALIFIERS:
        words = words[1:]
    if words and words[0].rstrip("'s") in ("decedent", "deceased"):
        words = words[1:]
    for at, word in enumerate(words):
        if at and word in _LABEL_CLAUSE_WORDS:
            words = words[:at]
            break
    if not words:
        return None
    if words[-1] in ("initial", "initials") and (words[-1] == "initials" or len(words) > 1):
        words[-1] = "name"
    label = " ".join(words)
    if label in ("name", "names") or label == text:
        return None  # a bare "Name" ("Name on label"); or nothing was read otherwise
    return next((kind for pattern, kind in _ANSWER_LABELS if pattern.fullmatch(label)), None)


_LABEL_QUALIFIERS: Final = frozenset(
    {"alias", "aka", "former", "previous", "prior", "other", "birth"}
)
_LABEL_CLAUSE_WORDS: Final = frozenset(
    {"but", "if", "as", "at", "when", "used", "on", "before", "after", "from", "since",
     "currently", "previously"}
)  # fmt: skip


_LABEL_HINT: Final = re.compile(r"\s*\([^()]{1,40}\)$")
_LABEL_CAMEL: Final = re.compile(r"(?<=[a-z])(?=[A-Z])")


def _key_label(key: str) -> str:
    """A key-shaped label (a linkId, a parameter's name, an extension URL's last
    part) as words: camelCase, hyphens and underscores split (``dateOfBirth``,
    ``date-of-birth``, ``member_id``)."""
    return _LABEL_CAMEL.sub(" ", key).replace("-", " ").replace("_", " ")


_LABEL_PERSON: Final = (
    r"(?:(?:what is |enter )?(?:your|the patient'?s|patient'?s?|mother'?s|father'?s|child'?s"
    r"|spouse'?s|partner'?s|guardian'?s|(?:emergency )?contact'?s?"
    r"|(?:next of kin|nok|guarantor|relative|caregiver|carer|sibling|parent|father|mother"
    r"|guardian|partner|child)'?s?) )?"
)
# An employer's name, address and phone by the question's text ("Employer", "Work
# address"): Safe Harbor removes them like the patient's own.
_EMPLOYER_LABEL: Final = (
    r"(?:(?:your |the patient'?s |patient'?s? |current ))?(?:employer'?s?|arbeitgeber"
    r"|employeur|empleador|empregador|werkgever)"
)
_EMPLOYER_ANSWER_LABELS: Final = (
    (
        re.compile(_EMPLOYER_LABEL + r"(?: (?:name|organi[sz]ation|company))?|name of employer"),
        Kind.ORGANIZATION_NAME,
    ),
    (
        re.compile(
            r"(?:" + _EMPLOYER_LABEL + r"|work|business|office|workplace) address(?: line ?\d?)?"
        ),
        Kind.STREET_ADDRESS,
    ),
    (
        re.compile(_EMPLOYER_LABEL + r" (?:phone|telephone|tel)(?: number| no)?"),
        Kind.PHONE,
    ),
)

_ANSWER_LABELS: Final = (
    (
        re.compile(
            _LABEL_PERSON + r"(?:(?:first|last|middle|given|family|full|maiden|legal|preferred) )*"
            r"(?:names?|surnames?|forenames?|christian names?|nick ?names?|alias(?:es)?|known as)"
            r"|(?:full )?names? of (?:the )?(?:patient|client|child|mother|father|parent|guardian"
            r"|spouse|partner|next of kin|nok|contact|caregiver|carer|relative|informant)"
        ),
        Kind.NAME,
    ),
    (
        re.compile(
            _LABEL_PERSON + r"(?:(?:home|work|mobile|cell) )*(?:phone|telephone)(?: number| no)?"
            r"|(?:(?:home|work|mobile|cell) )*tel(?: number| no)?|(?:mobile|cell)(?: number| no)?"
            r"|landline(?: number| no)?|(?:contact|home|work|daytime|evening) (?:number|no)"
        ),
        Kind.PHONE,
    ),
    (
        re.compile(
            _LABEL_PERSON + r"(?:(?:home|street|mailing|postal|current) )*address(?: line ?\d?)?"
            r"|street(?: name| number| and (?:house )?number)?|house (?:number|no|name)"
        ),
        Kind.STREET_ADDRESS,
    ),
    (
        re.compile(
            _LABEL_PERSON + r"(?:city|town|suburb|village|locality"
            r"|(?:place|town|city) of birth|birth ?place|birth (?:city|town))"
        ),
        Kind.CITY,
    ),
    (re.compile(_LABEL_PERSON + r"(?:county|parish)(?: of residence)?"), Kind.COUNTY),
    (re.compile(_LABEL_PERSON + r"(?:zip|zip code|postal code|post ?code)"), Kind.ZIP),
    (
        re.compile(
            _LABEL_PERSON + r"(?:mrn|medical record(?: number| no)?|(?:nhs|chi|hospital|patient"
            r"|case) (?:number|no|id)|patient identifier)"
        ),
        Kind.MRN,
    ),
    (
        re.compile(
            _LABEL_PERSON + r"(?:passport|(?:national|personal) id(?:entity|entifier|entification)?"
            r"|ihi|nhi|nid|(?:id|identity|identification|id card) (?:number|no|#)"
            r"|cpf|curp|rut|dni|nik|nin|cnic|aadhaa?r|pesel|bsn|ahv|burgerservicenummer"
            r"|personnummer|fodselsnummer|f\u00f8dselsnummer|cpr(?: ?-?nummer)?|henkilotunnus"
            r"|isikukood|codice fiscale|sozialversicherungsnummer|cedula(?: de identidad)?"
            r"|documento de identidad|numero de documento|national insurance|nino)"
            r"(?: number| no)?"
        ),
        Kind.OTHER_ID,
    ),
    # A licence, certificate, vehicle or bank account number (hold-out round 18 probe).
    (
        re.compile(
            _LABEL_PERSON + r"(?:(?:driver'?s'?|driving) )?licen[cs]e(?: number| no)?"
            r"|certificate (?:number|no)"
        ),
        Kind.LICENSE_NUMBER,
    ),
    (
        re.compile(
            r"(?:vehicle|car) (?:registration|reg|plate)(?: number| no)?"
            r"|(?:(?:vehicle|car) )?(?:licen[cs]e|number|registration) plate(?: number| no)?"
        ),
        Kind.VEHICLE_ID,
    ),
    (re.compile(_LABEL_PERSON + r"(?:bank )?account (?:number|no|id)"), Kind.ACCOUNT_NUMBER),
    # The same questions in other languages (German, Dutch, French, Spanish,
    # Portuguese, Italian, Indonesian, Nordic).
    (
        re.compile(
            r"(?:vor|nach|familien|geburts|ruf|madchen|patienten|ledig)name|(?:voor|achter|meisjes)naam"
            r"|prenom|nom de famille|nom de naissance|apellidos?|nombre del paciente"
            r"|nome (?:completo|do paciente|(?:da )?mae)|sobrenome|cognome"
            # A guardian's, companion's or representative's name (hold-out round 21).
            r"|nombres? de(?:l| la) (?:tutora?|responsable|acompanante|representante|conyuge)"
            r"|nome d[oa] (?:responsavel|acompanhante|conjuge|tutora?|representante)"
            r"|nom du (?:tuteur|representant(?: legal)?)|name des (?:vormunds|betreuers)"
            r"|nama (?:lengkap|pasien|ibu(?: kandung)?)|fornavn|etternavn|efternavn"
            r"|fornamn|efternamn"
        ),
        Kind.NAME,
    ),
    (
        re.compile(
            r"telefon(?:nummer)?|handy(?:nummer)?|telephone|telefono|celular|telefone"
            r"|telefoon(?:nummer)?|nomor (?:telepon|hp)|telepon|telefono|tlf"
        ),
        Kind.PHONE,
    ),
    (
        re.compile(r"adresse|anschrift|adres|direccion|domicilio|endereco|indirizzo|alamat"),
        Kind.STREET_ADDRESS,
    ),
    (re.compile(r"wohnort|stadt|woonplaats|ville|ciudad|cidade|citta|kota|poststed"), Kind.CITY),
    (re.compile(r"plz|postleitzahl|code postal|codigo postal|cep|kode pos|postnummer"), Kind.ZIP),
    *_EMPLOYER_ANSWER_LABELS,
)


# How much of a person's photo (base64) is searched in the output.
_PHOTO_HEAD: Final = 96
# An image data URI in markup: the first _PHOTO_HEAD characters of its base64.
_IMAGE_DATA_URI: Final = re.compile(
    r"(?i)data:image/[\w.+-]{1,40}(?:;[\w=.+-]{1,40})*,([A-Za-z0-9+/]{" + str(_PHOTO_HEAD) + "})"
)
# Documents carried base64-encoded in the input (attachments, Binary): a FHIR JSON
# resource or an HL7 v3 (CDA) document has PHI of its own, named nowhere else.
_MIN_EMBEDDED: Final = 24
_V3_VALUE: Final = re.compile(
    r"<(?:[\w-]+:)?(given|family|streetAddressLine|city|postalCode)\b[^<>]{0,200}>"
    r"([^<]{2,200})<"
)
# A person's plain <name> (no <given>/<family> parts), first in its element: the
# patient's, a ...Person's (guardianPerson, relatedPerson, assignedPerson...), a
# family history relative's (<relatedSubject><subject>).
_V3_PLAIN_NAME: Final = re.compile(
    r"<(?:[\w-]+:)?(patient|subject|\w{0,40}Person)\b[^<>/]{0,200}>\s*"
    r"<(?:[\w-]+:)?name\b[^<>/]{0,200}>([^<]{2,200})</"
)
_V3_ID_EXTENSION: Final = re.compile(
    r"<(?:[\w-]+:)?id\s[^<>]{0,400}?\bextension\s*=\s*[\"']([^\"'<>]{3,64})[\"']"
)
_V3_BIRTH_TIME: Final = re.compile(
    r"<(?:[\w-]+:)?birthTime\s[^<>]{0,200}?\bvalue\s*=\s*[\"'](\d{8})"
)
_V3_KINDS: Final = {
    "given": Kind.NAME,
    "family": Kind.NAME,
    "streetaddressline": Kind.STREET_ADDRESS,
    "city": Kind.CITY,
    "postalcode": Kind.ZIP,
}


def _embedded_source(value: str) -> Any:
    """A base64 string of the input decoded, when it is a FHIR JSON document (the
    parsed object), an NDJSON export (the list of them) or HL7 v3 markup (its
    text); None for anything else. Its first bytes are looked at before the whole
    is decoded (most are images and PDFs)."""
    head = "".join(value[:400].split())[:256]
    if len(head) < 16 or not _BASE64.fullmatch(head[: len(head) // 4 * 4]):
        return None
    try:
        start = _bom_text(base64.b64decode(head[: len(head) // 4 * 4])).lstrip("\ufeff \t\r\n")
    except (binascii.Error, ValueError):
        return None
    if not start.startswith(("{", "<")):
        return None
    try:
        text = _bom_text(base64.b64decode("".join(value.split())))
    except (binascii.Error, ValueError):
        return None
    text = text.lstrip("\ufeff \t\r\n")
    if text.startswith("{") and '"resourceType"' in text:
        with contextlib.suppress(orjson.JSONDecodeError):
            return orjson.loads(text)
        # A bulk export (NDJSON): its resources, when every line is one.
        with contextlib.suppress(orjson.JSONDecodeError):
            resources = [orjson.loads(line) for line in text.splitlines() if line.strip()]
            if len(resources) > 1 and all(isinstance(r, dict) for r in resources):
                return resources
        return None
    if text.startswith("<") and ("urn:hl7-org:v3" in text or "<ClinicalDocument" in text):
        return text
    return None


def _v3_values(markup: str) -> Iterator[tuple[Kind, str]]:
    for match in _V3_VALUE.finditer(markup):
        value = html.unescape(match.group(2)).strip()
        kind = _V3_KINDS[match.group(1).lower()]
        yield kind, value[:5] if kind is Kind.ZIP else value
    for match in _V3_ID_EXTENSION.finditer(markup):
        yield Kind.MRN, html.unescape(match.group(1))
    if "birthTime" in markup:
        # A person's birth date (the year too, when it implies an age over 89).
        for match in _V3_BIRTH_TIME.finditer(markup):
            yield Kind.BIRTH_DATE, match.group(1)
    if "name" in markup:
        for match in _V3_PLAIN_NAME.finditer(markup):
            if not match.group(1).lower().startswith("assigned"):  # a provider's
                for word in html.unescape(match.group(2)).replace(",", " ").split():
                    yield Kind.NAME, word


def _person_numbers(resource: dict[str, Any]) -> Iterator[tuple[Kind, str]]:
    """The long digit runs of the numbers in a person's resource (not in resources
    nested in it: they are searched as their own)."""
    stack: list[tuple[str, Any]] = [("", resource)]
    while stack:
        key, item = stack.pop()
        if isinstance(item, dict):
            if item is not resource and "resourceType" in item:
                continue
            stack.extend(item.items())
        elif isinstance(item, list):
            stack.extend((key, value) for value in item)
        elif isinstance(item, str) and key[5:6].isupper() and key.startswith("value"):
            if not _BARE_NUMBER.fullmatch(item):
                continue
            # A value[x] string that is a number (an extension's valueString phone):
            # as written and as its digits alone. A date ("valueDate": "2020-04-22")
            # is one as a date: a policy keeping dates keeps it.
            kind = Kind.DATE if _ISO_DATE.fullmatch(item) else Kind.OTHER_ID
            digits = "".join(c for c in item if c.isdigit())
            if len(digits) >= 6:
                yield kind, item
                yield kind, digits
        elif isinstance(item, int | float | decimal.Decimal) and not isinstance(item, bool):
            if isinstance(item, decimal.Decimal) and item.adjusted() > json_io.PLAIN_DIGITS_MAX:
                continue  # no identifier: int() of 1e99999999 would take a gigabyte
            # Whole digits only: a decimal's fraction (0.5327866394) is a measure.
            whole = str(abs(int(item)))
            if key not in _COUNT_KEYS and _NUMBER_DIGITS.fullmatch(whole):
                yield Kind.OTHER_ID, whole


def _fhir_text(output: bytes, inexact: bool = False) -> tuple[str, list[str]]:
    """The output JSON, and apart from it every base64-looking string in it, decoded.

    Whatever the declared content type: a "PDF" can be plain text, and text in
    a binary still shows up in a decoded search. The string values are found
    in the serialized text by one pattern (C speed) rather than by walking the
    parsed document; output with escapes that could spell base64 characters
    (``\\/``, ``\\u``) is walked instead.
    """
    text = output.decode("utf-8", "replace")
    parts: list[str] = []
    if inexact:  # the input wrote a number with an exponent or many digits
        parts.append(_number_digits(text))
    if "\\/" in text or "\\u" in text:
        try:
            strings: Iterable[str] = _string_values(orjson.loads(output))
        except orjson.JSONDecodeError:
            return text, parts
    else:
        strings = (
            m.group(1).replace("\\n", "\n").replace("\\r", "\r")
            for m in _JSON_BASE64_STRING.finditer(text)
        )
    for item in strings:
        # Any base64-looking string (attachment data, Binary, valueBase64Binary,
        # AuditEvent query...), whatever the declared type: decoded and searched.
        if len(item) >= _MIN_BASE64 and _BASE64.fullmatch(item):
            with contextlib.suppress(binascii.Error, ValueError):
                parts.append(_payload_text(base64.b64decode("".join(item.split()))))
    return text, parts


# A JSON number written with an exponent: its digits as written are not the
# digits of its value (196.10615E5 is 19610615).
_EXPONENT_NUMBER: Final = re.compile(r"(?<=[:\[,])[ \t\r\n]*(-?[0-9]+(?:\.[0-9]+)?[eE][+-]?[0-9]+)")


class _ExactNumbers:
    """The standard library's float hook: numbers as :class:`decimal.Decimal`
    (exact, whatever their length), noting whether one has an exponent."""

    def __init__(self) -> None:
        self.exponent = False

    def number(self, text: str) -> decimal.Decimal:
        if "e" in text or "E" in text:
            self.exponent = True
        return decimal.Decimal(text)


def _exact_json(source: bytes) -> tuple[Any, bool]:
    """The source document with exact numbers, and whether one is written with an
    exponent (the output's numbers are then also searched as plain digits)."""
    reader = _ExactNumbers()
    try:
        document = json.loads(source, parse_float=reader.number)
    except (ValueError, RecursionError):
        return orjson.loads(source), False  # orjson's error, or its reading
    return document, reader.exponent


def _number_digits(text: str) -> str:
    """The plain digits of the output's numbers written with an exponent."""
    digits = []
    for match in _EXPONENT_NUMBER.finditer(text):
        # Bounded: the pattern also matches inside strings ("ratio:1e-999999999,").
        plain = json_io.plain_number(match.group(1))
        if plain is not None:
            digits.append(plain)
    return " ".join(digits)


def _bom_text(raw: bytes) -> str:
    """Bytes as text by their byte order mark (UTF-32, UTF-16), else as UTF-8."""
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return raw.decode("utf-32", "replace")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", "replace")
    return raw.decode("utf-8", "replace")


def _payload_text(raw: bytes) -> str:
    """A decoded payload as text: by its byte order mark (UTF-16 and UTF-32 files),
    else as UTF-8, and also as Windows-1252 when it is not UTF-8."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-32" if raw.startswith(b"\xff\xfe\x00\x00") else "utf-16", "replace")
    if raw.startswith(b"\x00\x00\xfe\xff"):
        return raw.decode("utf-32", "replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace") + "\n" + raw.decode("cp1252", "replace")


# A base64 run as an HL7v2 encapsulated payload (OBX-5 ED) carries it: a whole component.
_HL7_BASE64_RUN: Final = re.compile(
    r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{16,}={0,2}(?![A-Za-z0-9+/=])"
)


_HEX_RUN: Final = re.compile(r"[0-9A-F]+")
_MARKUP_TAG: Final = re.compile(r"<[^<>]{0,4000}>")
_RTF_CONTROL: Final = re.compile(r"\\[a-z]{1,32}-?\d{0,10} ?|\\\*|[{}]")


def _hl7_payloads(text: str) -> str:
    """Every base64 (and long hex) payload in HL7v2 output, decoded, also with its
    markup's character references read (``Z&eacute;phyrina``)."""
    parts = [""]
    for match in _HL7_BASE64_RUN.finditer(text):
        run = match.group()
        # Hex digits alone are no base64 (base64 of text has other letters): the
        # scrubber's own pseudonyms ("MRN-5555318FE7F3EE4B39D0"), or, longer than
        # those, a hex-encoded ED payload (encoding "Hex"), read as hex.
        if _HEX_RUN.fullmatch(run):
            if len(run) >= 24 and len(run) % 2 == 0:
                decoded = bytes.fromhex(run).decode("utf-8", "replace")
                parts.append(decoded)
                if "&" in decoded:
                    parts.append(html.unescape(decoded))
            continue
        if len(run) % 4 == 0:
            with contextlib.suppress(binascii.Error, ValueError):
                decoded = base64.b64decode(run).decode("utf-8", "replace")
                parts.append(decoded)
                if "&" in decoded:
                    parts.append(html.unescape(decoded))
    return "\n".join(parts)


def _string_values(document: Any) -> Iterator[str]:
    stack: list[Any] = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, str):
            yield item
        elif isinstance(item, list):
            stack.extend(item)


def _walk_dicts(document: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object of a document, itself included."""
    stack: list[Any] = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _as_strings(value: Any) -> list[str]:
    """A string, or a list's strings (a given name list, a family name sent as one)."""
    if isinstance(value, str):
        return [value]
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _reader_forms(text: str, fmt: str) -> str:
    """``text`` as a reader sees it, where that differs from how it is written:
    ``"\\n"``-joined forms to search besides the text itself ("" when none).

    Each form applies to the text and to the forms before it, so a reference
    inside markup is read and the tags are then dropped too."""
    forms = text
    if fmt != "hl7v2" and "&" in forms and _CHARACTER_REFERENCE.search(forms):
        # A narrative or markup attachment spells characters as references
        # ("617&#8209;555&#8209;0142", "Z&eacute;phyrina"): searched as read too.
        forms += "\n" + html.unescape(forms)
    if not forms.isascii() and _UNICODE_DASH.search(forms):
        # Dashes a reader takes for a hyphen between digits: searched as hyphens too.
        forms += "\n" + _UNICODE_DASH.sub("-", forms)
    if "<" in forms:
        # Markup splits words a reader sees whole ("Quill<b>feather</b>"): the
        # text without its tags is searched too.
        forms += "\n" + _MARKUP_TAG.sub("", forms)
    if "{\\" in forms:
        # RTF splits words with groups and control words, and writes letters
        # outside ASCII as escapes in its declared code page (Z\\'e9phyrina).
        forms += "\n" + _RTF_CONTROL.sub("", rtf.read_escapes(forms))
    return forms[len(text) :]


# What starts text _reader_forms reads otherwise: a character reference or a tag,
# an RTF group with a control word (besides the dashes of _UNICODE_DASH).
_READER_MARKS: Final = ("&", "<", "{\\")


def _reads_otherwise(text: str) -> bool:
    """Whether _reader_forms would read ``text`` otherwise than it is written."""
    return any(mark in text for mark in _READER_MARKS) or (
        not text.isascii() and _UNICODE_DASH.search(text) is not None
    )


def _strings_read_otherwise(text: str) -> list[str]:
    """The string literals of serialized JSON ``text``, as written (escapes kept),
    that hold a reference or markup (``&``, ``<``), RTF (``{\\``) or a dash
    _reader_forms reads otherwise; characters JSON itself never writes outside
    strings, so each is inside one. Found with ``str.find`` (a pattern scan of
    the whole document cost as much as the rest of verifying a Bundle).
    Unbalanced quotes widen a literal to the text's start or end: more text
    searched, never less."""
    spans: set[tuple[int, int]] = set()
    for trigger in _READER_MARKS:
        at = text.find(trigger)
        while at >= 0:
            span = _string_around(text, at)
            spans.add(span)
            at = text.find(trigger, span[1] + 1)
    if not text.isascii():
        dash = _UNICODE_DASH.search(text)
        while dash is not None:
            span = _string_around(text, dash.start())
            spans.add(span)
            dash = _UNICODE_DASH.search(text, span[1] + 1)
    return [text[start:end] for start, end in sorted(spans)]


def _string_around(text: str, at: int) -> tuple[int, int]:
    """Start and end (its closing quote) of the JSON string literal holding ``at``."""
    start = text.rfind('"', 0, at)
    while start > 0 and _escaped(text, start):
        start = text.rfind('"', 0, start)
    end = text.find('"', at)
    while end >= 0 and _escaped(text, end):
        end = text.find('"', end + 1)
    return start + 1, len(text) if end < 0 else end


def _escaped(text: str, quote: int) -> bool:
    """Whether the quote at ``quote`` is escaped: an odd run of backslashes before it."""
    run = quote
    while run > 0 and text[run - 1] == "\\":
        run -= 1
    return (quote - run) % 2 == 1


class Verifier:
    """Checks scrubbed output against the input's PHI, honouring what the policy keeps."""

    def __init__(self, policy: Policy) -> None:
        self._checked = frozenset(
            kind for kind in Kind if policy.resolve(Target(kind)).method != "keep"
        )
        # A policy generalizing birth dates to the year (Safe Harbor) removes the year
        # too when it implies an age over 89: then such a year must not be left.
        self._old_birth_years = policy.resolve(Target(Kind.BIRTH_DATE)).method == "generalize"
        # A policy leaving a date its year only (not shifting it) leaves no day in words.
        self._dates_to_year = policy.resolve(Target(Kind.DATE)).method not in ("keep", "date_shift")

    def findings(self, source: bytes, output: bytes, fmt: str) -> Counter[str]:
        """Kinds (and counts) of input PHI found in the output; empty when clean."""
        found: Counter[str] = Counter()
        # Names and towns too short to search the whole output for, noted as the
        # input's values are read (the loop below reads them all).
        shorts = _no_shorts()
        document: Any = None
        ids: list[str] = []  # the FHIR input's resource ids
        postcodes: list[tuple[str, tuple[str, ...]]] = []  # short ones, with neighbors
        names: set[str] = set()  # the words of the names it holds
        if fmt == "hl7v2":
            codec = _hl7_codec(source)
            text = output.decode(codec, "replace")
            # As the parser reads it: past a BOM, an MLLP start and leading whitespace.
            message = source.decode(codec, "replace").lstrip("\ufeff\x0b \t\r\n")
            values = _hl7_values(message, shorts)
            text += _hl7_payloads(text)
            if "\\X" in text:  # hex escapes spell characters: search the decoded form too
                text += "\n" + _HL7_HEX.sub(_hex_decoded, text)
            delimiters = _hl7_delimiters(text)
            if _has_escapes(text, delimiters):  # the text inside escapes as words
                text += "\n" + _escapes_as_words(text, _hl7_escape_pattern(delimiters))
            source_delimiters = _hl7_delimiters(message)
            if _has_escapes(message, source_delimiters):
                values = _escapes_read(
                    values, _hl7_escape_pattern(source_delimiters), source_delimiters[3]
                )
        else:
            try:
                document, inexact = _exact_json(source)
                values = _fhir_values(document, ids, postcodes, shorts)
            except orjson.JSONDecodeError:
                # Fail closed: with its input unread, the output would be checked
                # against nothing and pass (the scrubber refuses such input first).
                raise UnreadableInputError(
                    "the input could not be read to check the output"
                ) from None
            json_text, decoded = _fhir_text(output, inexact)
            text = "\n".join([json_text, *decoded])
        if fmt == "hl7v2":
            text += _reader_forms(text, fmt)
        else:
            # Only the strings that hold markup, references, dashes or RTF read
            # otherwise: the forms of the whole document would multiply a 2 MB
            # Bundle into tens of megabytes, each searched once per value.
            triggered = _strings_read_otherwise(json_text)
            triggered += (part for part in decoded if _reads_otherwise(part))
            if triggered:
                text += _reader_forms("\n".join(triggered), fmt)
        folded = text.casefold()
        phones: set[str] = set()
        nationals: set[str] = set()  # phones' national significant numbers
        # Each value is one substring search of the whole output: with many values
        # (a searchset of hundreds of patients, a CDA naming thousands), the
        # output's words are collected once and a value whose longest word is not
        # among them is skipped unsearched (as a whole word, each of its words is
        # a word of the output too). So are they once a value is found inside
        # other words over and over ("aaaa" in a run of a million letters).
        words: set[str] | None = None
        searched = 0
        crowded: list[str] = []  # values found inside other words over and over
        numbers: str | None = None  # the output's runs of digits and separators
        prefix_ids: dict[str, Kind] = {}  # all-digit identifiers, without leading zeros
        old_years: list[str] = []  # birth years implying an age over 89 (Safe Harbor)
        singles: list[str] = []  # one-character names (傅, 김): too short to search
        note_years = self._old_birth_years and Kind.BIRTH_DATE in self._checked
        if note_years or Kind.NAME in self._checked:
            values = _noting_short_values(values, old_years if note_years else None, singles)
        for kind, value in _dedupe(values):
            if kind not in self._checked:
                continue
            if kind in _PREFIX_ID_KINDS and value.isascii() and value.isdigit():
                digits = value.lstrip("0")
                if len(digits) >= MIN_PREFIX_ID_DIGITS:
                    prefix_ids.setdefault(digits, kind)
            if kind is Kind.NAME and ids:
                names.add(value.casefold())
            if kind is Kind.PHOTO:
                if value.casefold() in folded:
                    found[kind.value] += 1
                continue
            term = value.casefold()
            searched += 1
            if words is None and (searched > _SEARCHES_BEFORE_WORDS or crowded):
                words = set(_WORD.findall(folded))
            separated = _SEPARATED_NUMBER.fullmatch(term) is not None
            if separated and words is not None:
                # A number written with separators counts anywhere (see _occurs): it
                # is in the output when it is in a run of digits and separators. One
                # pass keeps those runs; each such value is then searched in them,
                # not in the whole output (a Bundle of thousands of phones and dates).
                if numbers is None:
                    numbers = _NOT_NUMBER_TEXT.sub("\n", folded)
                if term in numbers:
                    if document is None or not _only_as_structure(value, text, document):
                        found[kind.value] += 1
                elif kind is Kind.PHONE:
                    phones.update(_phone_digits(value))
                    nationals.update(_phone_national_forms(value))
                continue
            if (
                words is not None
                and not separated
                and (term.isascii() or not _CJK.search(term))  # CJK runs into other words
            ):
                longest = max(_WORD.findall(term), key=len, default="")
                if (
                    longest
                    and longest not in words
                    and not (kind is Kind.NAME and longest + "s" in words)
                ):
                    if kind is Kind.PHONE:
                        phones.update(_phone_digits(value))
                        nationals.update(_phone_national_forms(value))
                    continue
            if kind in _PREFIX_ID_KINDS and value.isalpha():
                # An identifier of letters only counts as written, not in another
                # case: the scrubber keeps "booked" in a note for a status BOOKED
                # shifted into an identifier's field (hold-out round 19 probe).
                if _occurs(value, text) and (
                    document is None or not _only_as_structure(value, text, document)
                ):
                    found[kind.value] += 1
                continue
            if term in COMMON_WORDS and kind in _SHORT_KINDS:
                # A name or town that is also a word ("May", "Long", "Normal"): the
                # scrubber keeps the word in lower case ("you may go").
                if _written_capitalized(term, text, folded) and (
                    document is None or not _only_as_structure(value, text, document)
                ):
                    found[kind.value] += 1
                continue
            # A name word is found in its genitive without an apostrophe too
            # ("Tamsins", Swedish, German, Dutch).
            genitive = kind is Kind.NAME and _GENITIVE_BASE.fullmatch(term) is not None
            if _occurs(term, folded, crowded, genitive):
                if document is None or not _only_as_structure(value, text, document, genitive):
                    found[kind.value] += 1
            elif kind is Kind.PHONE:
                phones.update(_phone_digits(value))
                nationals.update(_phone_national_forms(value))
        if singles and Kind.NAME in self._checked:
            seps = delimiters[:3] + delimiters[4:] if fmt == "hl7v2" else ""
            if any(_whole_value(name, text, seps) for name in dict.fromkeys(singles)):
                found[Kind.NAME.value] += 1
        shorts = {
            kind: words
            for kind, words in shorts.items()
            if words and kind in self._checked and kind.value not in found
        }
        if shorts:
            left = (
                _hl7_short_words_left(shorts, text, delimiters)
                if fmt == "hl7v2"
                else _fhir_short_words_left(shorts, output)
            )
            for kind in left:
                found[kind.value] += 1
        for year in dict.fromkeys(old_years):
            # Even the year goes when it implies an age over 89: searched as a word.
            if _occurs(year, folded, crowded) and (
                document is None or not _only_as_structure(year, text, document)
            ):
                found[Kind.BIRTH_DATE.value] += 1
        if (
            (phones or nationals)
            and Kind.PHONE.value not in found
            and (
                any(digits[-4:] in folded for digits in phones | nationals)  # most have them
                or _SPACED_DIGITS.search(folded) is not None  # "6 1 7 5 5 5 0 1 4 2"
            )
        ):
            # Phones in any spelling ("617 5550142", "(617)-555-0142"): the text with
            # the separators between digit groups removed, searched for the digits;
            # other countries' numbers after their trunk 0 or a country code.
            joined = _DIGIT_GAP.sub("", folded)
            search = _PhoneSearch(joined, len(phones) + len(nationals))
            if any(search.whole(digits) for digits in phones) or any(
                search.national(digits) for digits in nationals
            ):
                found[Kind.PHONE.value] += 1
        if prefix_ids:
            for kind in _prefix_ids_left(prefix_ids, folded):
                if kind.value not in found:
                    found[kind.value] += 1
        if names and Kind.NAME.value not in found and _named_id_left(ids, names, folded):
            found[Kind.NAME.value] += 1
        if (
            postcodes
            and Kind.ZIP in self._checked
            and Kind.ZIP.value not in found
            and any(_postcode_by_address(code, near, folded) for code, near in postcodes)
        ):
            found[Kind.ZIP.value] += 1
        if Kind.SSN in self._checked and _SSN_TAIL.search(text) and _SSN.search(text):
            found[Kind.SSN.value] += 1
        if Kind.EMAIL in self._checked and "@" in text and _EMAIL.search(text):
            found[Kind.EMAIL.value] += 1
        if (
            Kind.DEVICE_ID in self._checked
            and (_MAC_COLONS.search(text) or _MAC_DASHES.search(text))
            and _MAC_ADDRESS.search(text)
        ):
            # A network card's address, whoever's it is (hold-out round 18 probe).
            found[Kind.DEVICE_ID.value] += 1
        if (
            fmt != "hl7v2"
            and Kind.OTHER_ID in self._checked
            and Kind.OTHER_ID.value not in found  # the input's own value, searched above
            and _personal_number_left(text)
        ):
            found[Kind.OTHER_ID.value] += 1
        for kind in _old_ages_in_words(folded, Kind.AGE in self._checked, self._old_birth_years):
            found[kind.value] += 1
        if fmt != "hl7v2" and Kind.AGE in self._checked and _old_age_quantity_left(output):
            found[Kind.AGE.value] += 1
        if (
            self._dates_to_year
            and (
                not (words.isdisjoint(_MONTH_TOKENS) or words.isdisjoint(_DAY_TOKENS))
                if words is not None
                else any(stem in folded for stem in _DAY_STEMS)  # a short output
            )
            and _word_date_left(text)
        ):
            found[Kind.DATE.value] += 1
        return found


def _old_age_quantity_left(output: bytes) -> bool:
    """Whether a FHIR output still holds an age over 89 as a quantity: an Observation
    (or component) coded as an age, by a LOINC age code or a text or display naming
    one ("Age at death"), whose ``valueQuantity`` in years is over 89, other than the
    top-coded ``>= 90`` (hold-out round 20: a death record's "Age at death" of 94 was
    kept and no rule here read a quantity). Parsed only when an age's code or word is
    in the output."""
    if b"valueQuantity" not in output or not (
        any(c in output for c in _AGE_CODES_BYTES)
        or (any(hint in output for hint in _AGE_HINTS) and _AGE_STRING.search(output))
    ):
        return False
    try:
        document = orjson.loads(output)
    except orjson.JSONDecodeError:
        return False
    for node in _walk_dicts(document):
        quantity = node.get("valueQuantity")
        if not isinstance(quantity, dict) or not _codes_an_age(node.get("code")):
            continue
        value, unit = quantity.get("value"), quantity.get("code") or quantity.get("unit")
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 90:
            continue
        if unit is not None and str(unit).casefold() not in _YEAR_UNITS:
            continue
        if not (value == 90 and quantity.get("comparator") == ">="):
            return True
    return False


def _codes_an_age(code: Any) -> bool:
    """Whether an Observation's code is an age's: a LOINC age code, or a text or
    display reading "Age", "Patient age", "Age at <event>"."""
    if not isinstance(code, dict):
        return False
    texts = [code.get("text")]
    for coding in _as_list(code.get("coding")):
        if isinstance(coding, dict):
            if coding.get("code") in _AGE_CODES:
                return True
            texts.append(coding.get("display"))
    return any(isinstance(t, str) and _AGE_TEXT.fullmatch(t.strip().casefold()) for t in texts)


_AGE_CODES: Final = frozenset(
    {"30525-0", "21612-7", "29553-5", "63900-5", "21611-9", "35659-2", "39016-1"}
)
_AGE_CODES_BYTES: Final = tuple(code.encode() for code in _AGE_CODES)
# Substrings an age's label in a JSON string holds ("Age...", "... age"): a
# Bundle's "agent" key is none.
_AGE_HINTS: Final = (b'"Age', b' age"', b' Age"')
# A JSON string reading as an age's label ("Age at death", "Patient age", "Age (years)"):
# the test before parsing the output (a Bundle's "Agent" or "at age 45" is none).
_AGE_STRING: Final = re.compile(
    rb'"(?:[A-Za-z\x27 ]{0,20} )?[Aa]ge(?: (?:at|on|of|when)\b[^"]{0,40})?'
    rb'(?: ?[\[(]?(?:in )?(?:years?|yrs?|y|a)[\])]?)?"'
)
_AGE_TEXT: Final = re.compile(
    r"(?:(?:patient'?s?|current|reported|estimated|stated|decedent'?s?) )?age"
    r"(?: (?:at|on|of|when)(?: [a-z'/-]+){1,4})?(?: ?\[?(?:in )?(?:years?|yrs?|y|a)\]?)?"
)
_YEAR_UNITS: Final = frozenset({"a", "yr", "yrs", "year", "years", "y", "ann", "jahre", "años"})


# A character reference in markup (decimal, hex or named).
_CHARACTER_REFERENCE: Final = re.compile(
    r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
)
# Dashes other than the ASCII hyphen-minus that read as one between digits.
_UNICODE_DASH: Final = re.compile("[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")
# Digits written one by one with separators: a phone number spelled to defeat matching.
_SPACED_DIGITS: Final = re.compile(r"\d[ .\-]\d[ .\-]\d[ .\-]\d[ .\-]\d")
# Separators between the digit groups of a written number.
_DIGIT_GAP: Final = re.compile(
    r"(?<=[0-9])[ .()/\-\u00a0\u2010-\u2015\u2212]{1,3}(?=[0-9(])"
)  # ASCII and Unicode dashes, no-break spaces


# A known all-digit identifier this long (leading zeros aside) is also found where it
# starts a longer number: "130136500000100" is account 13013650 with an order number
# glued after it. Shorter ones would start counts, doses and dates by chance.
MIN_PREFIX_ID_DIGITS: Final = 7
_PREFIX_ID_KINDS: Final = frozenset(
    {Kind.MRN, Kind.ACCOUNT_NUMBER, Kind.HEALTH_PLAN_ID, Kind.OTHER_ID, Kind.SSN}
    | {Kind.LICENSE_NUMBER, Kind.VEHICLE_ID, Kind.DEVICE_ID}
)


def _prefix_ids_left(ids: dict[str, Kind], folded: str) -> Iterator[Kind]:
    """The kinds of known identifiers (keys: digits without leading zeros) that
    start a longer run of digits in ``folded``, a run not glued to a letter or digit
    before it (leading zeros aside: "0013013650999" starts with 13013650).

    One substring search per identifier (a message has a few): reading every run
    of digits instead cost more, HL7v2 writing a timestamp in most segments."""
    for digits, kind in ids.items():
        start = folded.find(digits)
        while start >= 0:
            end = start + len(digits)
            if end < len(folded) and "0" <= folded[end] <= "9":
                head = start
                while head and folded[head - 1] == "0":
                    head -= 1
                if not (head and folded[head - 1].isalnum()):
                    yield kind
                    break
            start = folded.find(digits, start + 1)


# The parts of an id a reader sees as words: capitalized or lower-case runs of
# letters, upper-case runs, digits ("OsricBrannoch", "brannoch-osric-7").
_ID_PART: Final = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")


def _named_id_left(ids: list[str], names: set[str], folded: str) -> bool:
    """Whether a resource id spelling a part of a known name ("OsricBrannoch") is
    left in the output as a word. Ids are pseudonymized everywhere; examples name
    them after their person, and glued into one word the name is not found as one."""
    return any(
        any(part.casefold() in names for part in _ID_PART.findall(logical))
        and _occurs(logical.casefold(), folded)
        for logical in ids
    )


def _only_as_structure(value: str, text: str, source: Any, genitive: bool = False) -> bool:
    """Whether the word ``value`` occurs in the output ``text`` only as JSON keys the
    input has too, spelled otherwise, or in a capitalized replacement token (a given
    name "Name", a surname "Link": the output's "name" and "link" keys, its "[NAME]"
    placeholders and "NAME-5D5EBEAC758E7F9A92AC" pseudonyms, are not the person).
    A key spelled as the value is (a surname made a key) still counts.

    A name spelled as a resource type ("RelatedPerson", a test person named after
    its resource) is not the person where the output writes the type: a
    ``resourceType`` or a reference's ``type``, a reference's ``Type/`` and a URL
    (a profile ``.../my-relatedperson``). Anywhere else (a name element, a note)
    it still counts."""
    if not _ELEMENT_NAME.fullmatch(value):
        return False
    folded = value.casefold()
    keys = {key for key in _keys(source) | _LABEL_KEYS if key.casefold() == folded and key != value}
    parts = [f'"{re.escape(key)}"(?=\\s*:)' for key in sorted(keys)]
    parts.append(r"\[[A-Z][A-Z_]*\]|(?<![\w-])[A-Z][A-Z_]*-[0-9A-F]{8,}(?![\w-])")
    if is_resource_type(value):
        typed = re.escape(value)
        parts.append(f'"(?:resourceType|type)"\\s*:\\s*"{typed}"')
        parts.append(f'(?<=["/]){typed}/')
        parts.append(_URL_STRING.pattern)
    return not _occurs(folded, re.sub("|".join(parts), " ", text).casefold(), None, genitive)


# The keys of the labels the FHIR scrubber adds to every resource's meta (its security
# labels and policy tag): a given name "Meta" of a Patient sent without a meta is
# not the output's "meta" key (hold-out round 19: such a Patient was quarantined).
_LABEL_KEYS: Final = frozenset({"meta", "security", "tag", "system", "code", "display"})
# A JSON string value that is a URL (a profile, a system, an absolute reference).
_URL_STRING: Final = re.compile(r'"(?:https?|urn):[^"\s]*"')


def _keys(document: Any) -> set[str]:
    return {key for item in _walk_dicts(document) for key in item}


_PHONE_TEXT: Final = re.compile(r"\+?[\d\s./()-]+")
# What may stand before a phone's national significant number: its trunk 0, or a
# country code after "+" or "00".
_PHONE_HEAD: Final = re.compile(r"(?:\+\d{1,3}|00\d{1,3}|0)?$")


def _phone_national_forms(value: str) -> set[str]:
    """A phone's national significant number (no trunk 0), and for an international
    one each number after a country code of one to three digits; eight digits or more."""
    text = value.strip()
    if not _PHONE_TEXT.fullmatch(text):
        return set()
    digits = "".join(c for c in text if c.isdigit())
    international = text.startswith(("+", "00"))
    if text.startswith("00"):
        digits = digits[2:]
    forms = {digits.lstrip("0")}
    if international:
        forms.update(digits[cut:].lstrip("0") for cut in (1, 2, 3))
    return {form for form in forms if len(form) >= 8}


class _PhoneSearch:
    """Phones' digits searched in ``joined`` (the output with the separators between
    digits removed), each one search of it, until they are many: a searchset of
    thousands of patients searched the whole output once per phone (17 s for
    0.7 MB). Then the output's words are collected once, and a number is looked up
    among them: a phone's digits as a whole word are one of them (as in _occurs:
    ASCII digits know no CJK neighbour), and a national number, which may follow a
    trunk 0 or a country code in its word, can only be in a word ending with its last
    six digits (or before a CJK letter, which ends no word)."""

    def __init__(self, joined: str, numbers: int) -> None:
        self.joined = joined
        self.words: set[str] | None = None
        self.tails: set[str] | None = None
        if numbers > _SEARCHES_BEFORE_WORDS:
            self.words = set(_WORD.findall(joined))
            ends = self.words
            if not joined.isascii() and _CJK.search(joined) is not None:
                ends = set(_WORD.findall(_CJK.sub(" ", joined)))  # a word ends before one
            self.tails = {word[-6:] for word in ends if len(word) >= 6}

    def whole(self, digits: str) -> bool:
        if self.words is not None and digits.isascii():
            return digits in self.words
        return _occurs(digits, self.joined)

    def national(self, number: str) -> bool:
        if (
            self.tails is not None
            and len(number) >= 6
            and number.isascii()
            and number[-6:] not in self.tails
        ):
            return False
        return _national_phone_in(number, self.joined)


def _national_phone_in(number: str, joined: str) -> bool:
    """Whether ``joined`` (separators between digits removed) holds ``number`` as a
    phone: alone, after a trunk 0 or after a country code, not inside a longer number
    or word (CJK text around it is no word)."""
    start = joined.find(number)
    while start >= 0:
        end = start + len(number)
        after = joined[end] if end < len(joined) else " "
        if not after.isalnum() or _CJK.match(after):
            window = joined[max(0, start - 7) : start]
            head = _PHONE_HEAD.search(window)
            at = start - (len(window) - head.start()) if head else start
            before = joined[at - 1] if at > 0 else " "
            if not before.isalnum() or _CJK.match(before):
                return True
        start = joined.find(number, start + 1)
    return False


def _phone_digits(value: str) -> list[str]:
    """A phone's ten digits (NANP), bare and after the country code 1, if it has them."""
    digits = "".join(c for c in value if c.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return [digits, "1" + digits] if len(digits) == 10 else []


_ID_SEPARATOR: Final = re.compile(r"[\s./-]")


def _id_forms(values: Iterable[tuple[Kind, str]]) -> Iterator[tuple[Kind, str]]:
    """Identifiers also as notes write them: without leading zeros ("482913" for
    "000482913") and without separators ("ABC771234" for "ABC-77-1234")."""
    for kind, value in values:
        yield kind, value
        if kind is Kind.MRN:
            compact = _ID_SEPARATOR.sub("", value.strip())
            for form in {compact, compact.lstrip("0"), value.strip().lstrip("0")}:
                if form != value.strip() and any(c.isdigit() for c in form):
                    yield kind, form


def _dedupe(values: Iterable[tuple[Kind, str]]) -> Iterator[tuple[Kind, str]]:
    seen: set[tuple[Kind, str]] = set()
    for kind, raw in _id_forms(values):
        value = raw.strip()
        if len(value) < MIN_LENGTH and not (len(value) >= 2 and _all_cjk(value)):
            continue  # two kanji or kana are a whole surname or given name
        if value.isdigit() and len(value) < 5:
            continue
        if kind is Kind.NAME and value[:4].casefold() == "baby" and _NEWBORN.fullmatch(value):
            continue  # a newborn's placeholder given name ("Baby Girl") names nobody
        if (kind, value) not in seen:
            seen.add((kind, value))
            yield kind, value


# The given name HL7 feeds send for a newborn not yet named ("Baby Girl", "BabyBoy",
# twins' "Baby Girl A"): no name, like the sex and birth year the output keeps.
_NEWBORN: Final = re.compile(r"baby[ _-]?(?:girl|boy)(?:[ _-]?[a-z0-9])?", re.IGNORECASE)
# Six or more digits in groups joined by "-", "/", ".", " " or parentheses.
_SEPARATED_NUMBER: Final = re.compile(r"(?=(?:\D*\d){6})\(?\d+(?:[-/. )(]+\d+)+")
# What no written number of that shape holds: its text is everything else.
_NOT_NUMBER_TEXT: Final = re.compile(r"[^\d()/. -]+")


# After this many values searched one by one, the output's words are collected.
_SEARCHES_BEFORE_WORDS: Final = 64
# A word as _occurs bounds it: a run of letters and digits (isalnum).
_WORD: Final = re.compile(r"[^\W_]+")


# A name word that writes its genitive with an "s" (three letters or more, not
# ending in s, x or z; folded).
_GENITIVE_BASE: Final = re.compile(r"[^\W\d_]{2,}[^\W\d_sxz]")


def _noting_short_values(
    values: Iterable[tuple[Kind, str]], old_years: list[str] | None, singles: list[str]
) -> Iterator[tuple[Kind, str]]:
    """``values`` as they are, noting what the searches leave out as too short: in
    ``old_years`` each birth date's year that implies an age over 89 (a year alone
    too), in ``singles`` each one-character name of a script without spaces (a
    Chinese or Korean family name, 傅 or 김)."""
    for kind, value in values:
        if kind is Kind.BIRTH_DATE and old_years is not None:
            year = _year_over_89(value)
            if year is not None:
                old_years.append(year)
        elif kind is Kind.NAME and len(value) <= 3:
            single = value.strip()
            if len(single) == 1 and _all_cjk(single):
                singles.append(single)
        yield kind, value


def _whole_value(name: str, text: str, separators: str) -> bool:
    """Whether a one-character name is a whole value of the output: an HL7 component
    (between ``separators`` or line ends: ``傅^[NAME]``), or a JSON string
    (``"family": "傅"``). Inside text it is searched as no word: in a script without
    spaces one character is part of too many words."""
    if not separators:
        return f'"{name}"' in text
    bounds = re.escape(separators + "\r\n")
    pattern = f"(?:^|(?<=[{bounds}])){re.escape(name)}(?=[{bounds}]|$)"
    return re.search(pattern, text, re.MULTILINE) is not None


# A name or town of two or three letters ("Wu", "Lee", "Ng", "Kim"; "Ulm", "Ede"),
# not in a script without spaces (two CJK characters are searched like any name):
# too short to search the whole output for, where codes, units, markup and tables
# spell such words. Searched where people's names and towns and written text are
# (hold-out round 17 probe: a patient "WU^LI" of "Ulm", left in PID-5 or a note,
# passed the verifier, which searched no value under four characters).
_SHORT_WORD: Final = re.compile(r"[^\W\d_]{2,3}")
_SHORT_KINDS: Final = (Kind.NAME, Kind.CITY)


def _note_short(shorts: dict[Kind, set[str]], kind: Kind, *parts: str) -> None:
    """Add each of ``parts`` that is a short name or town (see _SHORT_WORD) to
    ``shorts``, casefolded. Most parts are longer: their length decides first."""
    for part in parts:
        if 2 <= len(part) <= _SHORT_PART:
            word = part.strip()
            if _SHORT_WORD.fullmatch(word) and not _all_cjk(word):
                shorts[kind].add(word.casefold())


_SHORT_PART: Final = 8  # a short word with the blanks a sender leaves around it


def _no_shorts() -> dict[Kind, set[str]]:
    return {kind: set() for kind in _SHORT_KINDS}


def _hl7_short_words(message: str, delimiters: str) -> dict[Kind, set[str]]:
    """The short family and given names of the people fields (_HL7_NAMES) and the
    short towns of their addresses (_HL7_ADDRESSES) of a message, casefolded; what
    _hl7_values notes of an input, read here of an output."""
    fs, cs, rs, ss = delimiters[0], delimiters[1], delimiters[2], delimiters[4]
    found = _no_shorts()
    for line in re.split(r"\r\n|\r|\n", message):
        names, addresses = _HL7_NAMES.get(line[:3], ()), _HL7_ADDRESSES.get(line[:3], ())
        if not (names or addresses):
            continue
        fields = line.split(fs)
        for number in names:
            for rep in fields[number].split(rs) if number < len(fields) else ():
                comps = rep.split(cs, 2)
                _note_short(found, Kind.NAME, comps[0].split(ss)[0], *comps[1:2])
        for number in addresses:
            for rep in fields[number].split(rs) if number < len(fields) else ():
                _note_short(found, Kind.CITY, *rep.split(cs, 3)[2:3])
    return found


def _hl7_short_words_left(
    shorts: dict[Kind, set[str]], output: str, delimiters: str
) -> Iterator[Kind]:
    """The kinds of the short names and towns left in the output where only names,
    addresses or free text are written: a family or given name of a people field,
    a town of their addresses, or a word of a note (NTE-3, OBX-5 of a text type, a
    Z-segment's field; escape sequences read as blanks). Elsewhere a code spells
    such words ("NG" a nasogastric tube, "ED" a value type)."""
    kept = _hl7_short_words(output, delimiters)
    lines = re.split(r"\r\n|\r|\n", output)
    notes = _hl7_escape_pattern(delimiters).sub(
        " ", "\n".join(_hl7_notes(lines, delimiters[0], delimiters[1]))
    )
    yield from _short_words_written(shorts, kept, notes)


def _short_words_written(
    shorts: dict[Kind, set[str]], kept: dict[Kind, set[str]], notes: str
) -> Iterator[Kind]:
    """The kinds of ``shorts`` that the output keeps as a person's name part or town
    (``kept``) or writes in its ``notes``; a word of COMMON_WORDS only with a capital
    there (see _written_capitalized)."""
    folded = notes.casefold()
    for kind, words in shorts.items():
        if words & kept[kind] or any(
            _written_capitalized(word, notes, folded)
            if word in COMMON_WORDS
            else _occurs(word, folded)
            for word in words
        ):
            yield kind


# The FHIR strings that hold written text, where the scrubber replaces names in any
# case (a Narrative's div, CodeableConcept and Annotation text, displays, a string
# value); codes, units' codes, ids and URLs spell short words and are not read.
_FHIR_TEXT_KEYS: Final = frozenset(
    {"div", "text", "display", "valueString", "valueMarkdown", "comment", "description"}
)


def _note_person_shorts(
    shorts: dict[Kind, set[str]], person: dict[str, Any], contacts: list[dict[str, Any]]
) -> None:
    """Note the short family and given names and towns (see _SHORT_WORD) of a FHIR
    person's resource (Patient, RelatedPerson, Person) and its contacts."""
    for holder in (person, *contacts):
        for name in _as_list(holder.get("name")):
            if isinstance(name, dict):
                parts = [*_as_strings(name.get("family")), *_as_strings(name.get("given"))]
                _note_short(shorts, Kind.NAME, *parts)
        for address in _as_list(holder.get("address")):
            if isinstance(address, dict):
                _note_short(shorts, Kind.CITY, *_as_strings(address.get("city")))


def _fhir_short_words(document: Any) -> dict[Kind, set[str]]:
    """The short names and towns of a FHIR document's people, casefolded; what
    _fhir_values notes of an input, read here of an output."""
    found = _no_shorts()
    for item in _walk_dicts(document):
        resource_type = item.get("resourceType")
        if isinstance(resource_type, str) and resource_type.startswith(_PERSON_TYPES):
            contacts = [c for c in _as_list(item.get("contact")) if isinstance(c, dict)]
            _note_person_shorts(found, item, contacts)
    return found


def _fhir_short_words_left(shorts: dict[Kind, set[str]], output: bytes) -> Iterator[Kind]:
    """The kinds of the short names and towns left in the output as a person's name
    part or town, or as a word of its written text (_FHIR_TEXT_KEYS; markup tags
    read as blanks, so a patient "Li" is not found in a narrative's <li>)."""
    try:
        document = orjson.loads(output)
    except orjson.JSONDecodeError:
        yield from shorts  # unreadable output is not sent unread
        return
    kept = _fhir_short_words(document)
    texts = [
        item[key]
        for item in _walk_dicts(document)
        for key in _FHIR_TEXT_KEYS.intersection(item)
        if isinstance(item[key], str)
    ]
    yield from _short_words_written(shorts, kept, _MARKUP_TAG.sub(" ", "\n".join(texts)))


def _year_over_89(birth_date: str) -> str | None:
    """The year of a birth date ("1921-03-04", HL7's "19210304") when it implies an
    age over 89 this year (Safe Harbor removes even the year then), else None."""
    written = birth_date.strip()
    if not _BIRTH_DATE_SHAPE.fullmatch(written):
        return None  # not a date (a field holding something else)
    age = dt.datetime.now(dt.UTC).year - int(written[:4])
    return written[:4] if _MAX_AGE < age <= _OLDEST else None


# Safe Harbor's oldest age written as it is (older ones are "90 or older"), and an
# age beyond any living person's (a year of 1000 is no birth year).
_MAX_AGE: Final = 89
_OLDEST: Final = 130
# A birth date's shapes: FHIR's ("1921", "1921-03", "1921-03-04"), HL7's ("19210304").
_BIRTH_DATE_SHAPE: Final = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?|\d{8}")


def _occurs(
    value: str, text: str, crowded: list[str] | None = None, genitive: bool = False
) -> bool:
    """``value`` in ``text`` as a whole word (both already casefolded); a substring search,
    not a regex per value (compiling one per value cost more than scrubbing).

    A value of six or more digits written with separators (a date "1961-06-15",
    a phone "617-555-0142", an SSN) counts anywhere, glued to other text or not:
    its shape cannot occur by chance, and text joined without spaces ("...06-1542
    Lantern Row", markup flattened carelessly) must not hide it.

    ``genitive``: also followed by an "s" that ends the word (a name's genitive
    without an apostrophe, "Tamsins").

    After :data:`_OCCURRENCES_TRIED` occurrences inside other words, the rest of
    the text is searched by one regex, and ``value`` added to ``crowded``."""
    start = text.find(value)
    if start >= 0 and _SEPARATED_NUMBER.fullmatch(value):
        return True
    tries = 0
    while start >= 0:
        end = start + len(value)
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if not (before.isalnum() or after.isalnum()):
            return True
        if not value.isascii() and _cjk_bounded(value, before, after):
            return True
        if (
            genitive
            and after == "s"
            and not before.isalnum()
            and (end + 1 == len(text) or not text[end + 1].isalnum())
        ):
            return True
        tries += 1
        if tries == _OCCURRENCES_TRIED:  # inside words over and over ("aaaa" in "aaaaaa...")
            if crowded is not None:
                crowded.append(value)
            if genitive and _word_pattern(value + "s").search(text, start + 1) is not None:
                return True
            return _word_pattern(value).search(text, start + 1) is not None
        start = text.find(value, start + 1)
    return False


# Occurrences inside other words _occurs tries one by one before searching the rest of
# the text with a regex (one C-speed scan, instead of a Python step per occurrence:
# a name "Aaaa" in a run of a million letters was a million steps, per name).
_OCCURRENCES_TRIED: Final = 32


def _written_capitalized(word: str, text: str, folded: str) -> bool:
    """Whether ``word`` (casefolded, one of COMMON_WORDS) is in ``text`` (``folded``:
    it casefolded) as a whole word written with a capital or in capitals: the name,
    not the word ("May Long called", not "you may go")."""
    if word not in folded:
        return False
    pattern = re.compile(r"(?<![^\W_])" + re.escape(word) + r"(?![^\W_])", re.IGNORECASE)
    return any(not match.group().islower() for match in pattern.finditer(text))


def _word_pattern(value: str) -> re.Pattern[str]:
    """``value`` as a whole word, bounded as :func:`_occurs` bounds it: no letter or
    digit (``str.isalnum``, which ``[^\\W_]`` is) just before or after it; for a
    non-ASCII value, a CJK character there is no bound either (:func:`_cjk_bounded`)."""
    word = re.escape(value)
    if value.isascii():
        return re.compile(r"(?<![^\W_])" + word + r"(?![^\W_])")
    before = "" if _CJK.match(value[0]) else r"(?:(?<![^\W_])|(?<=" + _CJK_CLASS + "))"
    after = "" if _CJK.match(value[-1]) else r"(?:(?![^\W_])|(?=" + _CJK_CLASS + "))"
    return re.compile(before + word + after)


# Scripts written without spaces between words (Thai, Lao, Myanmar, Khmer, Hangul
# syllables and jamo, kana, CJK ideographs, half-width katakana): a word in them
# runs into the text around it.
_CJK_CLASS: Final = (
    "[\u0e00-\u0eff\u1000-\u109f\u1100-\u11ff\u1780-\u17ff\u3040-\u30ff\u3130-\u318f"
    "\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\uff66-\uff9f]"
)
_CJK: Final = re.compile(_CJK_CLASS)
# Honorifics after a surname (Chinese, Japanese, Korean).
_CJK_HONORIFICS: Final = (
    "\u5148\u751f", "\u5c0f\u59d0", "\u5973\u58eb", "\u592a\u592a", "\u592b\u4eba",
    "\u3055\u3093", "\u69d8", "\u6c0f", "\u541b", "\u6bbf",
    "\uc528", "\ub2d8", "\uc120\uc0dd\ub2d8", "\uc5ec\uc0ac",
)  # fmt: skip
_ALL_CJK: Final = re.compile(_CJK_CLASS + "+")


def _all_cjk(value: str) -> bool:
    return not value.isascii() and _ALL_CJK.fullmatch(value) is not None


def _cjk_bounded(value: str, before: str, after: str) -> bool:
    """Whether ``value`` found between ``before`` and ``after`` is a word of text in
    a script without spaces: a CJK character on each side that is not a break."""
    starts = not before.isalnum() or bool(_CJK.match(before)) or bool(_CJK.match(value[0]))
    ends = not after.isalnum() or bool(_CJK.match(after)) or bool(_CJK.match(value[-1]))
    return starts and ends
