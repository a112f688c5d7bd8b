"""Free-text scrubbing shared by HL7v2 and FHIR.

Two sources of knowledge, applied in one pass over the text:

1. **Message context.** Every PHI value the format adapter found in the
   message's structured fields (names, identifiers, phones, addresses,
   dates of birth) is searched for in the text and replaced with the same
   replacement the structured field got, so a note says ``[NAME]`` or
   ``MRN-3F2A...`` exactly where the header does. Names are searched in the
   spellings notes use: any case, "Given Family", "Family, Given", initials
   with the surname, possessives; phones in their common formats.
2. **Pattern detectors** (:mod:`scrubbers.detectors`): SSNs, phones and
   faxes, emails, URLs, IP addresses, record and account numbers next to
   their context words, written dates (shifted or generalized like
   structured dates, and written back in their own format), ages over 89.

Matches are collected from both, overlaps resolved (earliest, then longest
wins), and the text rebuilt once, so a replacement is never scanned again.
A value the policy removes becomes a typed placeholder such as ``[PHONE]``:
silently deleting words from a sentence would change its meaning.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Final

from scrubbers.common_words import COMMON_WORDS
from scrubbers.detectors import (
    AGE_PATTERNS,
    AGE_WORD_PATTERNS,
    BEFORE_WINDOW,
    BIRTH_CONTEXT,
    BIRTH_YEAR,
    BIRTH_YEAR_WORDS,
    DATE_PATTERNS,
    DETECTORS,
    IDENTIFIER_DETECTORS,
    MONTHS,
    NUMERIC_DAY_WORD_YEAR_PATTERNS,
    SHAPE_DETECTORS,
    SHORT_TEXT,
    WORD_DATE_PATTERNS,
    age_in_words,
    contact_phone_after,
    day_as_words,
    day_in_words,
    foreign_month_number,
    labelled_person_names,
    listed_phones_after,
    maiden_names,
    month_number,
    parenthesized_relative_names,
    plain_ascii,
    relative_names,
    text_features,
    town_postcode_after,
    year_in_words,
)
from scrubbers.kinds import LABELS, Kind
from scrubbers.methods import SAFE_HARBOR_MAX_AGE, Outcome
from scrubbers.target import Target

if TYPE_CHECKING:
    from scrubbers.engine import MessageContext

MIN_TERM_LENGTH: Final = 2
MIN_NUMERIC_TERM: Final = 5
MIN_PHONE_DIGITS: Final = 7
MIN_SWEEP_LENGTH: Final = 4
_UNCASED_NAME_MAX: Final = 20
_ZIP_PLUS_4: Final = re.compile(r"\d{5}[- ]?\d{4}")
_NOT_CONTEXT: Final = frozenset(
    {Kind.STATE, Kind.COUNTRY, Kind.BIRTH_DATE, Kind.DEATH_DATE, Kind.DATE}
)
STRUCTURAL_KINDS: Final = frozenset(
    {
        Kind.NAME,
        Kind.STREET_ADDRESS,
        Kind.CITY,
        Kind.COUNTY,  # a FIPS county code repeated as a coded answer (LOINC 87721-7)
        # A facility's ZIP shifted into a code component equals the patient's often
        # enough: the verifier finds it as a word, so it is swept, never kept.
        Kind.ZIP,
        Kind.EMAIL,
        Kind.SSN,
        Kind.MRN,
        Kind.ACCOUNT_NUMBER,
        Kind.HEALTH_PLAN_ID,
        Kind.LICENSE_NUMBER,
    }
)
_TEXT_TARGETS: Final = {kind: Target(kind, format="text", path="text") for kind in Kind}
_WORD: Final = re.compile(r"\w")
_ALL_DETECTORS: Final = (*DETECTORS, *IDENTIFIER_DETECTORS, *SHAPE_DETECTORS)
# A phone or fax number may start a list of numbers (see listed_phones_after).
_LISTED_KINDS: Final = frozenset({Kind.PHONE, Kind.FAX})

Span = tuple[int, int, "str | Callable[[], str]"]
"""(start, end, replacement): detector replacements are computed only for spans kept,
so overlapping detections are not counted in the report."""


def placeholder(kind: Kind) -> str:
    return f"[{LABELS[kind]}]"


def as_text(outcome: Outcome, kind: Kind) -> str:
    """A replacement for running text: removals become a typed placeholder."""
    return outcome if isinstance(outcome, str) and outcome else placeholder(kind)


_PHONE_SEPARATORS: Final = ("", " ", "-", ".")


def phone_spellings(value: str) -> list[str]:
    """Common ways one phone number is written (10-digit NANP, 7-digit local)."""
    digits = "".join(c for c in value if c.isdigit())
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    spellings = [value.strip()]
    if len(digits) == 10:
        a, b, c = digits[:3], digits[3:6], digits[6:]
        # The area code bare or in parentheses, then any of "", " ", "-", "." between
        # the groups ("617 5550142", "(617)-555-0142", "617.555 0142"), and the
        # local number alone with or without its dash.
        spellings += [
            f"{area}{first}{b}{second}{c}"
            for area in (a, f"({a})")
            for first in _PHONE_SEPARATORS
            for second in _PHONE_SEPARATORS
        ]
        spellings += [f"{b}-{c}", f"{b}{c}", f"{b} {c}", f"{b}.{c}"]
        # Digit by digit, as read aloud or typed to defeat matching ("6 1 7 5 5 5 ...").
        spellings += [" ".join(digits), "-".join(digits)]
    elif len(digits) == 7:
        spellings += [digits, f"{digits[:3]}-{digits[3:]}"]
    elif len(digits) >= 4:
        spellings.append(digits)
        if value.lstrip().startswith("+") and len(digits) >= 10:
            # The national forms of an international number: its country code (one
            # to three digits) for the trunk 0 ("+31612345600", "0612345600").
            spellings += [f"0{digits[cut:]}" for cut in (1, 2, 3)]
    return spellings


def phone_digit_forms(value: str) -> tuple[str, ...]:
    """A phone's digits as notes group them any way (TextScrubber._separated_ids):
    its national significant number (without a trunk 0, "1728611693" of "0172 8611693"),
    and for an international number each number after a country code of one to three
    digits ("612345600" of "+31612345600"). Numbers of fewer than eight digits are none."""
    if not _PHONE_TEXT.fullmatch(value.strip()):
        return ()
    digits = _NOT_DIGIT.sub("", value)
    if value.lstrip().startswith("00"):
        digits, international = digits[2:], True
    else:
        international = value.lstrip().startswith("+")
    forms = {digits.lstrip("0")}
    if international:
        forms.update(digits[cut:].lstrip("0") for cut in (1, 2, 3))
    return tuple(form for form in forms if len(form) >= MIN_SEPARATED_ID_DIGITS)


# Parts of compound names too common as words to search for on their own:
# particles, generational suffixes, titles and degrees, and the placeholder
# words name fields carry ("Baby Girl", "Unknown Male", "Test Patient").
# The whole name is still searched.
NAME_PARTICLES: Final = frozenset(
    {
        "al", "bin", "bint", "da", "das", "de", "degli", "dei", "del", "della", "den", "der",
        "di", "do", "dos", "du", "el", "ibn", "la", "las", "le", "les", "lo", "los", "st",
        "ste", "te", "ten", "ter", "van", "vande", "vander", "von", "vom", "zu", "zum",
        "jr", "sr", "ii", "iii", "iv", "mr", "mrs", "ms", "dr", "md", "phd", "rn", "np",
        "baby", "boy", "girl", "male", "female", "infant", "newborn", "twin", "unknown",
        "unk", "test", "patient", "family", "name",
        # A newborn named after the mother ("Baby of <Given> <Family>", Australia's
        # child health IG): "of" was swept from every text of the document ("Name
        # [NAME] vaccine series", hold-out round 20).
        "of",
    }
)  # fmt: skip
# Dashes that read as a hyphen between digit groups (hyphen, no-break hyphen, figure
# dash, en and em dashes, horizontal bar, minus sign, small and full-width hyphen-minus).
_DASH_TABLE: Final = str.maketrans(
    dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-")
)
_NAME_SPLIT: Final = re.compile(r"[\s\-\u2010\u2011\u2013/,;^*&#+_|~\\]+")
# Around a part: punctuation, and the quotes and brackets registration systems put
# around the name a person goes by ('ROBERT "BOB"', 'ROBERT (BOB)').
_PART_EDGES: Final = ".,;:\"'()[]{}<>\u201c\u201d\u2018\u2019\u00ab\u00bb"


def name_parts(value: str) -> list[str]:
    """The searchable parts of a compound name ('Quillfeather-Smythe', 'Zebulon Ambrose',
    'Zephyrina "Zeph"', 'Zephyrina/Zeph').

    Empty for a one-word name or a value with digits; parts shorter than two
    letters and particles such as 'de' or 'van' are left out.
    """
    pieces = _NAME_SPLIT.split(value)
    if len(pieces) < 2 or any(c.isdigit() for c in value):
        return []  # one word, or a code in a name field ("OBX-SAC-10.1"), not a person's name
    return [
        piece
        for piece in (p.strip(_PART_EDGES) for p in pieces)
        if len(piece) >= MIN_TERM_LENGTH and piece.casefold() not in NAME_PARTICLES
    ]


# Apostrophes notes type instead of "'" (curly, backtick, acute accent).
_APOSTROPHES: Final = str.maketrans(dict.fromkeys("\u2019\u2018`\u00b4\u02bc", "'"))
_GERMAN: Final = str.maketrans(
    {"\u00e4": "ae", "\u00f6": "oe", "\u00fc": "ue", "\u00df": "ss"}
    | {"\u00c4": "Ae", "\u00d6": "Oe", "\u00dc": "Ue", "\u1e9e": "SS"}
)
# Letters that no accent folding turns into ASCII, as an ASCII keyboard types them:
# Icelandic, Nordic, Polish, Vietnamese and Croatian names ("Þorláksdóttir" typed
# "Thorlaksdottir", "Søndergaard" typed "Sondergaard" or "Soendergaard").
_NO_DECOMPOSITION: Final = str.maketrans(
    {"\u00fe": "th", "\u00de": "Th", "\u00f0": "d", "\u00d0": "D", "\u00e6": "ae"}
    | {"\u00c6": "Ae", "\u00f8": "o", "\u00d8": "O", "\u0153": "oe", "\u0152": "Oe"}
    | {"\u0142": "l", "\u0141": "L", "\u0111": "d", "\u0110": "D", "\u0131": "i"}
)
_SLASHED_O: Final = str.maketrans({"\u00f8": "oe", "\u00d8": "Oe"})
_JOINERS: Final = re.compile(r"[\s\-\u2010\u2011\u2013'.]+")
# Prefixes written apart or together: McDonald / Mc Donald, MacLeod / Mac Leod, O'Brien / O Brien.
_NAME_PREFIX: Final = re.compile(r"\b(Mc|Mac(?=[A-Z])|O')([A-Za-z]{3,})\b")


def name_variants(name: str) -> list[str]:
    """Other spellings of one name: joined ('Quillfeather-Smythe' -> 'QuillfeatherSmythe',
    'de la Cruz' -> 'delaCruz', "O'Brien" -> 'OBrien'), without dots ('St. John' ->
    'St John'), and prefixes apart ('McDonald' -> 'Mc Donald', "O'Brien" -> 'O Brien')."""
    name = name.strip().translate(_APOSTROPHES)
    out: list[str] = []
    joined = _JOINERS.sub("", name)
    if joined != name and len(joined) >= MIN_SWEEP_LENGTH:
        out.append(joined)
    if "." in name:
        out.append(" ".join(name.replace(".", " ").split()))
    spaced = _NAME_PREFIX.sub(lambda m: f"{m.group(1).rstrip(chr(39))} {m.group(2)}", name)
    if spaced != name:
        out.append(spaced)
    return out


def _plurals(family: str) -> list[str]:
    """'the Quillfeathers', 'the Joneses'."""
    if len(family) < MIN_SWEEP_LENGTH:
        return []
    if family.casefold().endswith(("s", "x", "z", "ch", "sh")):
        return [f"{family}es"]
    return [f"{family}s"]


def _genitives(name: str) -> list[str]:
    """'Zephyrinas' (Zephyrina's): Swedish, Danish, Norwegian, German and Dutch write a
    given name's genitive without an apostrophe (a family name's is its plural, above);
    a name ending in s, x or z takes none."""
    if len(name) < 3 or not name.isalpha() or name[-1] in "sxzßSXZ":
        return []
    return [f"{name}s"]


def name_spellings(family: str, given: str, middle: str = "") -> list[str]:
    """How notes write a person's name: parts, both orders, initials, with middle names.

    Compound names are also searched part by part, and family names in the
    plural.
    """
    family, given, middle = family.strip(), given.strip(), middle.strip()
    out = [part for part in (family, given, middle) if len(part) >= MIN_TERM_LENGTH]
    family_parts = name_parts(family)
    other_parts = name_parts(given) + name_parts(middle)
    out += family_parts + other_parts
    for surname in [family, *family_parts] if family else family_parts:
        out += _plurals(surname)
    for part in (given, middle, *other_parts):
        out += _genitives(part)
    if family and given:
        initial = given[0]
        out += [
            f"{given} {family}",
            f"{family}, {given}",
            f"{family} {given}",
            f"{family},{given}",
            f"{initial}. {family}",
            f"{initial} {family}",
            f"{family}, {initial}.",
            f"{family}, {initial}",
        ]
        if middle:
            out += [
                f"{given} {middle} {family}",
                f"{given} {middle[0]}. {family}",
                f"{family}, {given} {middle}",
                f"{family}, {given} {middle[0]}.",
            ]
    for part in (family, given, middle):
        out += name_variants(part)
    if family and _CJK.match(family[-1]):
        # Chinese, Japanese and Korean write the whole name without a space, and a
        # one-character surname with an honorific ("陳小姐", "홍씨"), too short alone.
        if given:
            out.append(f"{family}{given}")
        if len(family) == 1:
            out += [f"{family}{title}" for title in _CJK_HONORIFICS]
            out += [f"{family} {title}" for title in _CJK_HONORIFICS]
    german = tuple(part.translate(_GERMAN) for part in (family, given, middle))
    if german != (family, given, middle):
        out += name_spellings(*german)  # Müller, Jürgen -> Mueller, Juergen
    for table in (_NO_DECOMPOSITION, _SLASHED_O):
        typed = tuple(part.translate(table) for part in (family, given, middle))
        if typed != (family, given, middle):
            out += name_spellings(*typed)  # Þorláksdóttir -> Thorlaksdottir
    return out


# Invisible characters that split a word without showing: soft hyphen, zero-width
# space/non-joiner/joiner, word joiner, BOM. Ignored when matching known PHI.
_INVISIBLE: Final = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")
# Letters Python's case-insensitive matching equates with "i" but casefold() does not;
# apostrophes typed otherwise.
_FOLD_SPECIAL: Final = {"\u0130": "i", "\u0131": "i"} | dict.fromkeys(
    "\u2019\u2018`\u00b4\u02bc", "'"
)
# Markers that split a word without being read: private-use characters (formatting
# escapes such as HL7 \\H\\ or \\.br\\ the adapter passes as U+E000...) and C0 controls
# other than whitespace. Matched as invisible, and also as a word break.
_MARKER: Final = re.compile(r"[\x00-\x08\x0e-\x1f\ue000-\uf8ff]")
# The private-use markers alone (formatting escapes, see _MARKER), BMP and plane 15.
_FORMATTING_MARKER: Final = re.compile("[\ue000-\uf8ff\U000f0000-\U000ffffd]")
# ASCII text folds by lower-casing unless it holds one of these.
_ASCII_SPECIAL: Final = re.compile(r"[\x00-\x08\x0e-\x1f`]")
# Words as the verifier reads them: "_" breaks words (markdown "_Quillfeather_",
# snake_case "Zephyrina_Quillfeather.pdf").
_TOKEN: Final = re.compile(r"[^\W_]+")
_LETTER_RUN: Final = re.compile(r"[^\W\d_]+")


def _word_starts(folded: str, start: int) -> bool:
    """A term starts a word here: nothing alphanumeric before it, or digits before a
    letter (a letter-digit change is a word break for names glued to numbers), or a
    CJK character on either side (those scripts write no spaces between words)."""
    if start == 0:
        return True
    before = folded[start - 1]
    return (
        not before.isalnum()
        or (before.isdigit() and folded[start].isalpha())
        or (before >= _CJK_FIRST and (_is_cjk(before) or _is_cjk(folded[start])))
        or (folded[start] >= _CJK_FIRST and _is_cjk(folded[start]))
    )


def _in_dotted_number(term: str, folded: str, start: int, end: int) -> bool:
    """A dotted number (``term``, digits first and last) at ``start:end`` continues a
    longer one: a dot and a digit before or after it. A known "2.1" (an HL7 message
    profile) inside an OID (1.2.250.1.71.4.2.1) is part of that OID, not the known
    number. Undotted numbers (record numbers) are found inside OIDs as before."""
    return (
        term[0].isdigit()
        and term[-1].isdigit()
        and (
            (start >= 2 and folded[start - 1] == "." and folded[start - 2].isdigit())
            or (end + 1 < len(folded) and folded[end] == "." and folded[end + 1].isdigit())
        )
    )


def _word_ends(folded: str, end: int, length: int) -> bool:
    """A term ends a word here (see :func:`_word_starts`)."""
    if end == length:
        return True
    after = folded[end]
    return (
        not after.isalnum()
        or (after.isdigit() and folded[end - 1].isalpha())
        or (after >= _CJK_FIRST and _is_cjk(after))
        or (folded[end - 1] >= _CJK_FIRST and _is_cjk(folded[end - 1]))
    )


# Scripts written without spaces between words: Thai, Lao, Myanmar, Khmer, Hangul
# (its syllables and the jamo fold decomposes them into), kana, CJK ideographs,
# half-width katakana. A name in them runs into the text around it.
_CJK: Final = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1100-\u11ff\u1780-\u17ff\u3040-\u30ff\u3130-\u318f"
    "\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\uff66-\uff9f]"
)
_CJK_FIRST: Final = "\u0e00"  # no character before it is one


# Honorifics after a surname: Chinese (Mr, Miss, Ms, Mrs, Madam), Japanese (san,
# sama, shi, kun, dono, sensei), Korean (ssi, nim, seonsaengnim, yeosa).
_CJK_HONORIFICS: Final = (
    "\u5148\u751f", "\u5c0f\u59d0", "\u5973\u58eb", "\u592a\u592a", "\u592b\u4eba",
    "\u3055\u3093", "\u69d8", "\u6c0f", "\u541b", "\u6bbf",
    "\uc528", "\ub2d8", "\uc120\uc0dd\ub2d8", "\uc5ec\uc0ac",
)  # fmt: skip


def _is_cjk(char: str) -> bool:
    return _CJK.match(char) is not None


@functools.lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """One character folded for matching ('' if invisible).

    Casefolded, compatibility-decomposed and without combining marks: capital
    dotted and small dotless I (U+0130, U+0131) and accented i become 'i',
    sharp s becomes 'ss'.
    """
    if char in _INVISIBLE or "\ue000" <= char <= "\uf8ff" or (char < " " and not char.isspace()):
        return ""
    special = _FOLD_SPECIAL.get(char)
    if special is not None:
        return special
    decomposed = unicodedata.normalize("NFKD", char.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """``text`` folded for matching known PHI (case, accents, invisible characters)."""
    if text.isascii() and _ASCII_SPECIAL.search(text) is None:
        return text.casefold()
    return "".join(map(_fold_char, text))


def fold_with_offsets(text: str) -> tuple[str, list[int] | None]:
    """:func:`fold` plus, when folding changed offsets, each folded index's original index.

    The list has one extra entry (the original length), so a match ending at
    the end of the folded text maps to the end of the original.
    """
    if text.isascii() and _ASCII_SPECIAL.search(text) is None:
        return text.lower(), None
    parts = list(map(_fold_char, text))
    folded = "".join(parts)
    if len(folded) == len(text) and all(len(p) == 1 for p in parts):
        return folded, None
    offsets = [i for i, part in enumerate(parts) for _ in part]
    offsets.append(len(text))
    return folded, offsets


# A capitalized word right before a known surname is taken for a first name ("Oswin
# Quillfeather", a relative the message names only by surname), unless it is one of
# these: titles, relations, roles and words that start sentences in notes.
_FIRST_NAME_BEFORE: Final = re.compile(r"\b([A-Z][a-z]{1,20})\s+$")
_NOT_FIRST_NAMES: Final = frozenset(
    {
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
        "a",
        "an",
        "patient",
        "pt",
        "family",
        "baby",
        "nurse",
        "doctor",
        "attending",
        "resident",
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
        "and",
        "or",
        "with",
        "by",
        "for",
        "from",
        "to",
        "of",
        "per",
        "re",
        "cc",
        "dear",
        "hi",
        "hello",
        "called",
        "saw",
        "seen",
        "see",
        "told",
        "asked",
        "met",
        "visited",
        "contact",
        "contacted",
        "spoke",
        "discussed",
        "informed",
        "notified",
        "both",
        "all",
        "late",
        "young",
        "old",
        "little",
        "big",
        "st",
        "saint",
        "van",
        "von",
        "de",
        "del",
        "la",
        "le",
        "mac",
        "call",
        "please",
        "ask",
        "tell",
        "notify",
        "page",
        "text",
        "email",
        "phone",
        "thank",
        "thanks",
        "note",
        "emailed",
        "phoned",
        "paged",
        "texted",
        "sent",
        "gave",
        "given",
        "reviewed",
        "examined",
        "patients",
        "client",
        "member",
        "subscriber",
        "insured",
        "guarantor",
        "donor",
        "recipient",
        "child",
        "infant",
    }
)
_LOOKBEHIND: Final = 32
# A name's words found after a relation word or a person label, searched again in
# the same text (TextScrubber._named_again): shorter words are initials and particles.
_LETTER_WORD: Final = re.compile(r"[^\W\d_]+")
# Known values' words TextScrubber.may_contain_known checks as substrings before it
# splits a text into words; with more, it splits every text (the same answer).
_SUBSTRING_CHECKS: Final = 256
_ALNUM: Final = re.compile(r"[^\W_]")  # one character for which str.isalnum holds
# The given name HL7 feeds send for a newborn not yet named ("Baby Girl", "BabyBoy",
# twins' "Baby Girl A", "Baby Boy 2").
_NEWBORN_PLACEHOLDER: Final = re.compile(
    r"baby[ _-]?(?:girl|boy)(?:[ _-]?[a-z0-9])?", re.IGNORECASE
)
_MIN_NAMED_AGAIN: Final = 3


def _first_name_before(text: str, start: int) -> int:
    """Where a span for a surname at ``start`` begins, with a first name before it."""
    window = text[max(0, start - _LOOKBEHIND) : start]
    match = _FIRST_NAME_BEFORE.search(window)
    if match is None or match.group(1).casefold() in _NOT_FIRST_NAMES:
        return start
    return start - len(window) + match.start(1)


# A capitalized word (or one in capitals) after a known surname and a comma is taken
# for a given name in "Family, Given" order ("HAWTHORNE, THADDEUS J", "Hawthorne,
# Percival": a relative or an insured the message names only by the family name;
# hold-out round 18 probe), an initial after it with it; but not a title, a relation,
# a role or a note's abbreviation ("Mrs Hawthorne, Daughter present", "HAWTHORNE, MRN").
_GIVEN_AFTER: Final = re.compile(
    r",[ \t]{1,2}([A-Z][a-z]{2,20}|[A-Z]{3,20})(?![\w'-])(?:[ \t][A-Z]\b)?"
)
_NOT_GIVEN_AFTER: Final = frozenset(
    {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam", "the", "and", "who"}
    | {"mother", "father", "mom", "dad", "son", "daughter", "wife", "husband", "brother"}
    | {"sister", "aunt", "uncle", "grandmother", "grandfather", "grandson", "cousin"}
    | {"granddaughter", "niece", "nephew", "partner", "spouse", "guardian", "friend"}
    | {"neighbor", "neighbour", "caregiver", "carer", "patient", "family", "nurse"}
    | {"doctor", "mrn", "dob", "jr", "sr", "iii", "she", "his", "her", "they", "seen"}
    | {"age", "sex", "male", "female", "phone", "tel", "home", "cell", "work", "see"}
)


# A street's name, not a given name, after the comma ("Dr. Hartmann, Bahnhofstr. 78": a
# practice's address in a gematik audit event's narrative, hold-out round 16).
_STREET_WORD: Final = re.compile(
    r"\w*(?:str|stra\u00dfe|strasse|weg|gasse|allee|platz|laan|straat|gracht|vej|gade"
    r"|gatan|v\u00e4gen|road|street|lane|avenue)",
    re.IGNORECASE,
)


def _given_after(text: str, end: int) -> int:
    """Where a span for a surname ending at ``end`` ends, with a given name after it
    and a comma (see _GIVEN_AFTER)."""
    match = _GIVEN_AFTER.match(text, end)
    if (
        match is None
        or match.group(1).casefold() in _NOT_GIVEN_AFTER
        or _STREET_WORD.fullmatch(match.group(1)) is not None
    ):
        return end
    return match.end()


# A capitalized word and a comma right before a known given name is taken for the
# surname in "Family, Given" order when it is spelled like a known surname ("Chan,
# Chia Lin" where the record says Chen: a romanization or a typo the document does
# not know); any other word ("Syncope, Zephyrina witnessed") is not.
_SURNAME_BEFORE: Final = re.compile(r"\b([A-Z][A-Za-z'\-]{1,30}),\s{0,2}$")
_SURNAME_LIKENESS: Final = 0.7
_MAX_LIKENESS_COMPARISONS: Final = 8192


def _surname_before(text: str, start: int, surnames: set[str], likeness: dict[str, bool]) -> int:
    """Where a span for a given name at ``start`` begins, with a surname spelled like
    one of ``surnames`` (folded) and a comma before it. ``likeness`` remembers the
    answer per word."""
    window = text[max(0, start - _LOOKBEHIND) : start]
    match = _SURNAME_BEFORE.search(window)
    if match is None:
        return start
    word = fold(match.group(1))
    alike = likeness.get(word)
    if alike is None:
        if len(likeness) * len(surnames) >= _MAX_LIKENESS_COMPARISONS:
            # Past this many comparisons in one message (each is pure Python), a
            # word is taken for the surname: replaced rather than risked.
            alike = True
        else:
            alike = any(_spelled_alike(word, surname) for surname in surnames)
        likeness[word] = alike
    if not alike:
        return start
    return start - len(window) + match.start(1)


# A capitalized word right after a known given name is taken for the surname when it
# is spelled like a known surname, a middle name or initial between them ("Peter
# James Charlmers" where the record says Chalmers: the FHIR specification's own
# CareTeam example); an exact surname is a term of its own and is left to it.
_SURNAME_AFTER: Final = (
    re.compile(r"[ \t]{1,2}([A-Z][A-Za-z'\-]{1,30})\b"),
    re.compile(r"[ \t]{1,2}[A-Z][a-z]{0,20}\.?[ \t]{1,2}([A-Z][A-Za-z'\-]{1,30})\b"),
)
# A surname misspelled is still this long: shorter words alike are other words.
_MIN_ALIKE_SURNAME: Final = 5


def _surname_after(text: str, end: int, surnames: set[str], likeness: dict[str, bool]) -> int:
    """Where a span for a given name ending at ``end`` ends, with a surname spelled
    like one of ``surnames`` (folded) after it, right after or past one middle name
    or initial. ``likeness`` remembers the answer per word."""
    for pattern in _SURNAME_AFTER:
        match = pattern.match(text, end)
        if match is None:
            continue
        word = fold(match.group(1))
        if word in surnames or len(word) < _MIN_ALIKE_SURNAME:
            continue  # a known surname is found as itself; a short word is no misspelling
        alike = likeness.get(word)
        if alike is None:
            if len(likeness) * len(surnames) >= _MAX_LIKENESS_COMPARISONS:
                alike = True  # as in _surname_before: replaced rather than risked
            else:
                alike = any(_spelled_alike(word, surname) for surname in surnames)
            likeness[word] = alike
        if alike:
            return match.end(1)
    return end


def _spelled_alike(word: str, surname: str) -> bool:
    """difflib's similarity of at least _SURNAME_LIKENESS, its cheap upper bounds
    first (lengths, then letter counts) before the full comparison."""
    if 2 * min(len(word), len(surname)) < _SURNAME_LIKENESS * (len(word) + len(surname)):
        return False
    matcher = difflib.SequenceMatcher(None, word, surname)
    return (
        matcher.real_quick_ratio() >= _SURNAME_LIKENESS
        and matcher.quick_ratio() >= _SURNAME_LIKENESS
        and matcher.ratio() >= _SURNAME_LIKENESS
    )


# A word's leading zeros and the rest: "000482913" may be the record number 482913.
_ZERO_PADDED: Final = re.compile(r"(?<![^\W_])0+([^\W_]+)")


# A known number of this many digits or more is also found where it starts a longer
# number ("13013650000100": account 1301365, then an order number glued after it).
MIN_PREFIX_ID_DIGITS: Final = 7
_LONG_NUMBER: Final = re.compile(r"(?<![^\W_])0*(\d{8,20})(?![^\W_])")
# Its pre-check: led by a character class, so the engine scans for it fast (the
# lookbehind that leads _LONG_NUMBER is tried at every character).
_EIGHT_DIGITS: Final = re.compile(r"\d{8}")


# Past this many candidate terms, a text's possible term starts are indexed once
# (see _term_starts) instead of searching the whole text for each term.
INDEXED_SEARCH_TERMS: Final = 256
# Where a term found whole can start (a superset of _word_starts, and of a zero a
# number is padded with): not after an ASCII letter, or at a CJK character.
_MAY_START_TERM: Final = re.compile(r"(?<![A-Za-z])|(?=" + _CJK.pattern + ")")


def _term_starts(folded: str, candidates: list[tuple[str, str]]) -> Callable[[str], Iterable[int]]:
    """Where each term occurs in ``folded`` (overlapping occurrences too, in order),
    or at least every occurrence that can start a word: the search loop checks the
    rest. Each term is searched in the whole text, a C-speed ``str.find`` per
    occurrence, until a text meets more than INDEXED_SEARCH_TERMS of them: a message
    naming thousands of people in a long note took a search of the note per name
    (800 KB naming 33,000 people: 24 s). Past that, see _StartIndex."""
    if len(candidates) <= INDEXED_SEARCH_TERMS:
        return functools.partial(_occurrences, folded)
    return _StartIndex(folded)


class _StartIndex:
    """A text's possible term starts (_MAY_START_TERM), indexed by the characters
    they start, so that a term is checked only where the text starts with its first
    characters: the same occurrences as ``str.find``, in time linear in the text
    plus those places. Keyed by a term's first 16, 8, 4, 3 or 2 characters (the most
    it has), one index per key length, built when a term first needs it and sharing
    the list of starts. Long keys matter: a note naming a thousand people holds each
    first name many times, and each pairs with many surnames."""

    __slots__ = ("_by_size", "_folded", "_starts")

    def __init__(self, folded: str) -> None:
        self._folded = folded
        self._starts = [match.start() for match in _MAY_START_TERM.finditer(folded)]
        self._by_size: dict[int, dict[str, list[int]]] = {}

    def __call__(self, term: str) -> list[int]:
        folded = self._folded
        length = len(term)
        size = 16 if length >= 16 else 8 if length >= 8 else min(length, 4)
        index = self._by_size.get(size)
        if index is None:
            index = self._by_size[size] = {}
            for at in self._starts:
                index.setdefault(folded[at : at + size], []).append(at)
        places = index.get(term[:size], ())
        if length == size:
            return list(places)
        return [at for at in places if folded.startswith(term, at)]


def _occurrences(folded: str, term: str) -> Iterator[int]:
    start = folded.find(term)
    while start >= 0:
        yield start
        start = folded.find(term, start + 1)


def _text_tokens(folded: str) -> tuple[str, ...]:
    """The words of a folded text a term may start with, and "" (terms without one);
    a word with leading zeros also without them; a long number's leading digits
    (see :data:`MIN_PREFIX_ID_DIGITS`)."""
    tokens = {*_TOKEN.findall(folded), ""}
    if not folded.isascii() and _CJK.search(folded):
        # Each CJK character: a term in those scripts is found by its first one
        # (see _terms_of); and the words between them.
        tokens.update(_CJK.findall(folded))
        tokens.update(_TOKEN.findall(_CJK.sub(" ", folded)))  # "quillfeather" of "...様"
    if "0" in folded:
        tokens.update(_ZERO_PADDED.findall(folded))
    for number in _LONG_NUMBER.findall(folded) if _EIGHT_DIGITS.search(folded) else ():
        tokens.update(number[:size] for size in range(MIN_PREFIX_ID_DIGITS, len(number)))
    if any(not (token.isalpha() or token.isdigit()) for token in tokens if token):
        # A name glued to digits ("2442Quillfeather", a charset escape's code left
        # before it) is still a word: its letters are a candidate token too.
        tokens.update(_LETTER_RUN.findall(folded))
    return tuple(tokens)


# Short texts recur in every message (code texts, units, places): memoized, bounded.
@functools.lru_cache(maxsize=8192)
def _short_text_tokens(folded: str) -> tuple[str, ...]:
    return _text_tokens(folded)


def _terms_of(spellings: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """(folded term, its first word) for each distinct spelling long enough to search."""
    out: dict[str, str] = {}
    for spelling in spellings:
        term = fold(spelling)
        if len(term) >= MIN_TERM_LENGTH and term not in out:
            first = _TOKEN.search(term)
            word = first.group(0) if first else ""
            # A CJK word runs into the text around it: found by its first character.
            out[term] = word[0] if word and word[0] >= _CJK_FIRST and _is_cjk(word[0]) else word
    return tuple(out.items())


# Memoized across messages: the same attending physician, ward phone or returning
# patient appears in thousands of messages, and their spellings never change.
@functools.lru_cache(maxsize=16_384)
def _name_terms(family: str, given: str, middle: str) -> tuple[tuple[str, str], ...]:
    return _terms_of(name_spellings(family, given, middle))


@functools.lru_cache(maxsize=16_384)
def _value_terms(value: str, kind: Kind) -> tuple[tuple[str, str], ...]:
    if kind is Kind.PHONE or kind is Kind.FAX:
        return _terms_of(phone_spellings(value))
    if kind is Kind.STREET_ADDRESS:
        return _terms_of(street_spellings(value))
    if kind in _IDENTIFIER_KINDS:
        return _terms_of(identifier_spellings(value))
    if kind is Kind.SSN and _DIGITS_AND_SEPARATORS.fullmatch(value):
        # Its digits too (seven or more): a known number is found where it starts a
        # longer one by its terms ("987-65-4329" in "9876543290000100", see
        # MIN_PREFIX_ID_DIGITS).
        digits = _NOT_DIGIT.sub("", value)
        if len(digits.lstrip("0")) >= MIN_PREFIX_ID_DIGITS and digits != value:
            return _terms_of((value, digits))
    return _terms_of((value,))


def _merge_shortest(shortest: dict[str, int], words: Mapping[str, int]) -> None:
    for token, length in words.items():
        if length < shortest.get(token, length + 1):
            shortest[token] = length


def _first_words(terms: tuple[tuple[str, str], ...]) -> Mapping[str, int]:
    """Each first word of ``terms`` -> the length of the shortest term it starts."""
    shortest: dict[str, int] = {}
    for term, token in terms:
        if len(term) < shortest.get(token, len(term) + 1):
            shortest[token] = len(term)
    return shortest


# The first words of a value's or a name's terms (see TextScrubber._may_hold_terms);
# shared, never modified.
@functools.lru_cache(maxsize=16_384)
def _value_first_words(value: str, kind: Kind) -> Mapping[str, int]:
    return _first_words(_value_terms(value, kind))


@functools.lru_cache(maxsize=16_384)
def _name_first_words(family: str, given: str, middle: str) -> Mapping[str, int]:
    return _first_words(_name_terms(family, given, middle))


_IDENTIFIER_KINDS: Final = frozenset(
    {
        Kind.MRN,
        Kind.ACCOUNT_NUMBER,
        Kind.HEALTH_PLAN_ID,
        Kind.LICENSE_NUMBER,
        Kind.OTHER_ID,
    }
)
_ID_SEPARATORS: Final = re.compile(r"[\s./-]+")
# Known identifiers found in notes with separators anywhere (TextScrubber._separated_ids):
# all digits (with separators) and at least this many without leading zeros.
MIN_SEPARATED_ID_DIGITS: Final = 8
MAX_SEPARATED_ID_DIGITS: Final = 20
_DIGIT_ID_KINDS: Final = frozenset({*_IDENTIFIER_KINDS, Kind.SSN})
_DIGITS_AND_SEPARATORS: Final = re.compile(r"\d[\d\s./-]*")
# A phone number as written: digits, separators, a leading "+" and parentheses.
_PHONE_TEXT: Final = re.compile(r"\+?[\d\s./()-]+")
_NOT_DIGIT: Final = re.compile(r"\D")
_DIGITS: Final = re.compile(r"\d+")
# Two or more digit groups joined by single separators, not inside a word or number.
# At least nine characters (eight digits and a separator): shorter runs (doses, blood
# pressures, short dates) are skipped by the pattern itself.
_DIGIT_GROUPS: Final = re.compile(r"\d(?<![\w.,/-]\d)(?=[\d ./-]{8})\d*(?:[ ./-]\d+)+(?!\w)")
# One run of letters then one of digits ("TST0042"): notes also write "TST-0042".
_LETTERS_DIGITS: Final = re.compile(r"([A-Za-z]{1,10})(\d{1,20})")


def identifier_spellings(value: str) -> list[str]:
    """Ways notes write one record, account or plan number: without its leading
    zeros ("482913" for "000482913"), with its separators dropped or as spaces
    ("ABC771234", "ABC 77 1234" for "ABC-77-1234"), a letter prefix set apart
    ("TST-0042" for "TST0042"). A spelling needs five characters and a digit: a
    shorter one would match doses and counts."""
    value = value.strip()
    spellings = [value]
    if _ID_SEPARATORS.search(value):
        spellings += [_ID_SEPARATORS.sub("", value), _ID_SEPARATORS.sub(" ", value)]
    prefixed = _LETTERS_DIGITS.fullmatch(value)
    if prefixed is not None:
        spellings += [f"{prefixed[1]}-{prefixed[2]}", f"{prefixed[1]} {prefixed[2]}"]
    spellings += [s.lstrip("0") for s in spellings if s.startswith("0")]
    return [
        s
        for s in dict.fromkeys(spellings)
        if s == value or (len(s) >= MIN_NUMERIC_TERM and any(c.isdigit() for c in s))
    ]


# Street types as written after the street's name, and the other way to write each.
_STREET_TYPES: Final = {
    "st": "street",
    "street": "st",
    "rd": "road",
    "road": "rd",
    "ave": "avenue",
    "av": "avenue",
    "avenue": "ave",
    "dr": "drive",
    "drive": "dr",
    "ln": "lane",
    "lane": "ln",
    "blvd": "boulevard",
    "boulevard": "blvd",
    "ct": "court",
    "court": "ct",
    "pl": "place",
    "place": "pl",
    "ter": "terrace",
    "terrace": "ter",
    "hwy": "highway",
    "highway": "hwy",
}


# Street types that name a street only with a word before them ("Lantern Row"):
# the street alone, without its house number, is a place too.
_STREET_NAME_TYPES: Final = frozenset(
    {*_STREET_TYPES, "way", "row", "circle", "cir", "parkway", "pkwy", "square", "sq"}
    # British and Irish types (hold-out round 21 probe: "61 Tidewater Close").
    | {"close", "crescent", "gardens", "grove", "mews", "wynd"}
)


# A whole address written into a street line ("9 Ferry Lane, Harrowgate MA 02155",
# "12 Mill St, Port Ellery, FL"): the town after the first comma, before a state code
# (and a ZIP code). The street line is replaced whole, yet notes name the town alone.
_TOWN_IN_STREET: Final = re.compile(
    r",\s*(?P<town>[A-Z][A-Za-z'.\-]+(?:\s[A-Z][A-Za-z'.\-]+){0,2}),?"
    r"\s+[A-Z]{2}\.?(?:\s+\d{5}(?:-\d{4})?)?\s*$"
)


def _town_in_street(value: str) -> str:
    """The town a street line names after its street, before a state ('' if none)."""
    match = _TOWN_IN_STREET.search(value)
    return match.group("town") if match is not None else ""


# Words that start a street line's part naming the flat, not the street ("Flat 2, 17
# Abbey Mews", "17 Abbey Mews, Apt 4C"): such a part alone is no place.
_UNIT_WORDS: Final = frozenset(
    {"flat", "apt", "apartment", "unit", "suite", "ste", "floor", "room", "rm", "piso"}
    | {"puerta", "planta", "app", "appartement", "etage", "wohnung", "whg", "lgh"}
)
# A part of a street line with a house number and a word of a street's name.
_STREET_PART_WORD: Final = re.compile(r"[^\W\d_]{4,}")


def _street_line_parts(value: str) -> list[str]:
    """The parts of a street line holding a unit with the street ("17 Abbey Mews" of
    "17 Abbey Mews, Flat 2", "Calle de Serrano 41" of "Calle de Serrano 41, 3º B"):
    each part between commas with a digit and a word of four letters or more, but
    a part naming the flat ("Flat 2", "Apt 4C")."""
    parts = []
    for piece in value.split(","):
        part = piece.strip()
        words = part.split()
        if (
            len(words) >= 2
            and any(c.isdigit() for c in part)
            and _STREET_PART_WORD.search(part) is not None
            and words[0].casefold().rstrip(".") not in _UNIT_WORDS
        ):
            parts.append(part)
    return parts


def street_spellings(value: str) -> list[str]:
    """A house number and street as notes also write it: without its street type
    ("534 Erewhon" for "534 Erewhon St") or with the type spelled the other way,
    and the street without its house number ("Lantern Row" for "42 Lantern Row",
    "Erewhon Street" for "534 Erewhon St": "lives on Lantern Row"). A line naming a
    flat too gives its street's part alone ("17 Abbey Mews" of "17 Abbey Mews, Flat
    2"; hold-out round 18 probe: a note naming the street alone kept it)."""
    if "," in value:
        out = [value.strip()]
        for part in _street_line_parts(value):
            out += street_spellings(part)
        return list(dict.fromkeys(out))
    words = value.split()
    out = [value.strip()]
    if len(words) >= 3 and words[0][:1].isdigit():
        street_type = words[-1].rstrip(".").casefold()
        other = _STREET_TYPES.get(street_type)
        if other is not None:
            stem = " ".join(words[:-1])
            out += [stem, f"{stem} {other}"]
        if street_type in _STREET_NAME_TYPES and not any(c.isdigit() for c in words[1]):
            name = " ".join(words[1:-1])
            out.append(f"{name} {words[-1]}")
            if other is not None:
                out.append(f"{name} {other}")
    return out


@functools.lru_cache(maxsize=16_384)
def uncased_word(text: str) -> bool:
    """Letters of a script without capitals (Chinese, Korean, Japanese, Arabic...):
    a name part there can be one character (a Chinese or Korean family name), and
    is no initial."""
    return (
        0 < len(text) <= _UNCASED_NAME_MAX
        and text.isalpha()
        and not any(c.isupper() or c.islower() for c in text)
    )


@functools.lru_cache(maxsize=16_384)
def _surname_terms(family: str) -> tuple[str, ...]:
    """A family name's folded parts, those of four characters or more, or in a
    script without case (柯, 하) whatever their length."""
    return tuple(
        fold(part.strip())
        for part in (family, *name_parts(family))
        if len(part.strip()) >= MIN_SWEEP_LENGTH or uncased_word(part.strip())
    )


class TextScrubber:
    """Per-message free-text scrubber; adapters feed it the structured PHI first."""

    __slots__ = (
        "_birth_dates",
        "_by_token",
        "_ctx",
        "_digit_ids",
        "_due",
        "_first_words",
        "_first_words_from",
        "_found_names",
        "_givens",
        "_memo",
        "_names",
        "_pending",
        "_prefix_ids",
        "_raw",
        "_raw_tokens",
        "_shortest",
        "_shortest_from",
        "_surname_likeness",
        "_surnames",
        "_surnames_from",
        "_terms",
        "_terms_from",
        "_word_ids",
        "_word_terms",
    )

    def __init__(self, ctx: MessageContext) -> None:
        self._ctx = ctx
        # Recorded cheaply while structured fields are scrubbed; spellings are only
        # worked out if the message has free text to scrub (most messages do not).
        self._pending: list[tuple[Kind, str, str]] = []
        self._names: list[tuple[str, str, str, str]] = []
        # Names a text gave after a relation word or a person label ("Daughter Morwenna
        # visited"): searched again in the message's later texts (see _named_again).
        self._found_names: list[str] = []
        # Exact values that may also replace *kept* structured values (see known()):
        # names, streets, cities and identifiers; not ZIP codes or codes a policy keeps.
        self._raw: dict[str, str] = {}
        self._raw_tokens: set[str] = set()  # the longest word of each _raw key
        self._terms: dict[str, str] = {}  # folded spelling -> replacement
        # How many pending values and names _terms already holds: it grows as the
        # adapter registers more, instead of being rebuilt for every text.
        self._terms_from = (0, 0)
        self._surnames: set[str] = set()  # folded family names (and their parts)
        self._surnames_from = 0  # how many of _names it holds (see _known_surnames)
        # Whether a word before a given name reads like one of _surnames, by word
        # (a long text repeats its "Family, Given" lines); cleared as _surnames grows.
        self._surname_likeness: dict[str, bool] = {}
        self._givens: set[str] = set()  # folded given names (and their parts)
        # The same terms by their first word: a text is searched only for terms whose
        # first word it contains (a short coded text like "White" checks one word,
        # not every spelling of every name in the message).
        self._by_token: dict[str, list[tuple[str, str]]] = {}
        # The first words of every term registered so far, kept up to date without
        # learning the terms: a text holding none of them (or too short for the terms
        # they start) is answered without a search (most code texts of a message
        # without notes), and the terms may never be learned at all. _due records
        # where such a text would have learned them, so they are learned later in the
        # same steps (which of two equal spellings wins depends on them).
        self._first_words: set[str] = set()
        self._first_words_from = (0, 0)
        self._shortest: dict[str, int] = {}
        self._shortest_from = (0, 0)
        self._due: list[tuple[int, int]] = []
        self._memo: dict[str, str] = {}  # text -> scrubbed, valid while the context is unchanged
        self._birth_dates: set[str] = set()  # YYYY-MM-DD of known birth dates
        # The digits of known identifiers of eight digits or more -> replacement: notes
        # write them with separators where their country puts them ("290485-1778").
        self._digit_ids: dict[str, str] = {}
        # Known identifiers of digits only, seven or more: also found where they
        # start a longer number (see MIN_PREFIX_ID_DIGITS).
        self._prefix_ids: set[str] = set()
        # Known identifiers of letters only, folded -> as sent: found in text and
        # swept only as written (see add).
        self._word_ids: dict[str, set[str]] = {}
        # Folded values of every other kind and name parts: a letters-only identifier
        # that is also a name ("THORNBURY" as an employer's id and a guarantor's
        # employer's family name) is that name in any case.
        self._word_terms: set[str] = set()

    # --- context -------------------------------------------------------------

    def add(self, kind: Kind, value: str, outcome: Outcome) -> None:
        """Record a structured value and what replaced it."""
        value = value.strip()
        if kind is Kind.BIRTH_DATE:
            self._birth_dates.add(_iso_day(value))
        if len(value) < MIN_TERM_LENGTH or kind in _NOT_CONTEXT:
            return  # states and countries are kept; dates are found by the date detectors
        if kind is Kind.PHONE or kind is Kind.FAX:
            if sum(map(str.isdigit, value)) < MIN_PHONE_DIGITS:
                return  # an area code or an extension alone would match doses and counts
        elif value.isdigit() and len(value) < MIN_NUMERIC_TERM:
            return  # a house number or a short code would match doses and counts everywhere
        elif kind is Kind.ZIP and not any(map(str.isdigit, value)):
            # A postal code has digits; letters alone in a ZIP component are something
            # else shifted there ("M4471823^^^NVH^MR" in a birth place read as an
            # address made "MR" a ZIP, and PID-3's identifier type "[ZIP]": hold-out
            # round 19): neither searched in text nor swept.
            return
        if kind is Kind.STREET_ADDRESS and "," in value:
            town = _town_in_street(value)
            if town:
                self.add(Kind.CITY, town, self._ctx.apply(town, _TEXT_TARGETS[Kind.CITY]))
        replacement = as_text(outcome, kind)
        if replacement == value:
            return  # kept: nothing to hide
        if kind not in _DIGIT_ID_KINDS:
            self._word_terms.add(value.casefold())
        elif value.isalpha():
            # An identifier of letters only is a word shifted into an identifier's
            # field more often than an identifier ("BOOKED", SCH-25's status one
            # field off, made "booked" in a note a pseudonym: hold-out round 19
            # probe): it is found only as written, not in another case.
            self._word_ids.setdefault(value.casefold(), set()).add(value)
        self._pending.append((kind, value, replacement))
        self._memo.clear()
        if kind is Kind.PHONE or kind is Kind.FAX:
            # Grouped as the country groups it, with its trunk 0 or country code.
            for digits in phone_digit_forms(value):
                self._digit_ids.setdefault(digits, replacement)
        if kind in _DIGIT_ID_KINDS and _DIGITS_AND_SEPARATORS.fullmatch(value):
            digits = _NOT_DIGIT.sub("", value).lstrip("0")
            if len(digits) >= MIN_SEPARATED_ID_DIGITS:
                self._digit_ids.setdefault(digits, replacement)
            if len(digits) >= MIN_PREFIX_ID_DIGITS:
                # Its digits (and, sent as digits only, the value with its leading
                # zeros), also found where they start a longer number
                # ("130136500000100" for "1301-3650" or "13013650").
                self._prefix_ids.add(digits)
                if value.isdigit():
                    self._prefix_ids.add(value)
        if kind in STRUCTURAL_KINDS and len(value) >= MIN_SWEEP_LENGTH:
            self._remember(value.casefold(), replacement)
            if kind is Kind.ZIP and _ZIP_PLUS_4.fullmatch(value):
                self._remember(value[:5], replacement)  # the five digits alone

    def add_name(self, family: str, given: str, middle: str, replacement: str) -> None:
        # A part without a letter or digit ("-", ".", HL7's null '""') names nobody.
        family, given, middle = (p if _ALNUM.search(p) else "" for p in (family, given, middle))
        if given[:4].casefold() == "baby" and _NEWBORN_PLACEHOLDER.fullmatch(given.strip()):
            # A newborn's placeholder given name names nobody: learned, it made
            # "Healthy baby girl" in a note "Healthy [NAME]". The field keeps its
            # replacement; the family name is still learned.
            given = ""
        self._names.append((family, given, middle, replacement))
        self._memo.clear()
        for raw_part in (family, given, middle):
            part = raw_part.strip()
            self._word_terms.add(part.casefold())
            if len(part) >= MIN_SWEEP_LENGTH:
                self._remember(part.casefold(), replacement)

    def absorb(self, other: TextScrubber) -> None:
        """Learn everything another message's scrubber knows (for batch envelopes)."""
        self._pending.extend(other._pending)
        self._names.extend(other._names)
        self._found_names.extend(n for n in other._found_names if n not in self._found_names)
        for key, value in other._raw.items():
            self._remember(key, value)
        self._birth_dates |= other._birth_dates
        for digits, replacement in other._digit_ids.items():
            self._digit_ids.setdefault(digits, replacement)
        self._prefix_ids |= other._prefix_ids
        for folded, spellings in other._word_ids.items():
            self._word_ids.setdefault(folded, set()).update(spellings)
        self._word_terms |= other._word_terms
        self._memo.clear()

    def forget_results(self) -> None:
        """Drop memoized results (they hold dates shifted for the previous patient)."""
        self._memo.clear()

    def names(self) -> list[tuple[str, str, str, str]]:
        """The names registered so far: (family, given, middle, replacement)."""
        return list(self._names)

    def has_known(self) -> bool:
        return bool(self._raw)

    def is_family_name(self, value: str) -> bool:
        """Whether ``value`` is the family name (or a part of one) of a person
        registered so far, in any case or accents."""
        if not self._names:
            return False
        return fold(value.strip()) in self._known_surnames()

    def _known_surnames(self) -> set[str]:
        """The folded family names (and their parts) of every name registered so far.
        Learned apart from the terms: a code field's test for a known family name
        must not work out every value's spellings (62 us on an ADT with no free
        text, where nothing else needs them)."""
        names = self._names
        if self._surnames_from < len(names):
            for family, _, _, _ in names[self._surnames_from :]:
                self._surnames.update(_surname_terms(family))
            self._surnames_from = len(names)
            self._surname_likeness.clear()
        return self._surnames

    def _remember(self, key: str, replacement: str) -> None:
        if key not in self._raw:
            self._raw[key] = replacement
            # Its longest word: present in any text the key occurs in, and the rarest.
            self._raw_tokens.add(max(_TOKEN.findall(key), key=len, default=key))

    def may_contain_known(self, text: str) -> bool:
        """Cheap pre-check before looking at ``text`` value by value: a value equal to
        a known one has every word of it, the longest included, among the text's."""
        folded = text.casefold()
        # A word of the text is in it as a substring: most texts hold none, and C-speed
        # substring checks answer them without splitting the text into words. Not with
        # thousands of known values (a substring check per value per text: quadratic).
        if len(self._raw_tokens) <= _SUBSTRING_CHECKS and not any(
            token in folded for token in self._raw_tokens
        ):
            return False
        return not self._raw_tokens.isdisjoint(_TOKEN.findall(folded))

    def finds_known(self, text: str) -> bool:
        """Whether ``text`` holds, as a word, PHI this message has named."""
        return bool(text.strip()) and bool(self._context_spans(text))

    def known(self, value: str) -> str | None:
        """The replacement of a PHI value already replaced in this message, if any.

        A value that equals PHI replaced elsewhere in the message (a patient whose
        name is also the sending application's, a city sent in the state
        component) is replaced the same way.
        """
        if not self._raw:
            return None
        key = value.strip()
        if key.islower() and key in COMMON_WORDS:
            return None  # "normal" for a patient of Normal, IL: the word (see COMMON_WORDS)
        folded = key.casefold()
        if self._word_ids and self._as_word(folded, key):
            return None  # a letters-only identifier in another case: a word (see add)
        return self._raw.get(folded)

    def _as_word(self, folded: str, written: str) -> bool:
        """Whether ``written`` is a word rather than the known identifier of letters
        only it spells in another case (see add)."""
        spellings = self._word_ids.get(folded)
        return spellings is not None and written not in spellings and folded not in self._word_terms

    def _materialize(self) -> dict[str, str]:
        """The spellings of every registered value, by folded spelling (first one wins)."""
        for pending_end, names_end in self._due:
            self._learn(pending_end, names_end)
        self._due.clear()
        self._learn(len(self._pending), len(self._names))
        self._known_surnames()
        return self._terms

    def _learn(self, pending_end: int, names_end: int) -> None:
        """Learn the spellings of the values and then the names registered up to these
        counts (the values first, as every search of a text learns them)."""
        done_pending, done_names = self._terms_from
        if done_pending == pending_end and done_names == names_end:
            return
        terms, by_token = self._terms, self._by_token

        def learn(known: tuple[tuple[str, str], ...], replacement: str) -> None:
            for term, token in known:
                if term not in terms:
                    terms[term] = replacement
                    by_token.setdefault(token, []).append((term, replacement))

        for kind, value, replacement in self._pending[done_pending:pending_end]:
            learn(_value_terms(value, kind), replacement)
        for family, given, middle, replacement in self._names[done_names:names_end]:
            learn(_name_terms(family, given, middle), replacement)
            self._givens.update(_surname_terms(given))
        self._terms_from = (pending_end, names_end)

    def _may_hold_terms(self, tokens: tuple[str, ...], length: int) -> bool:
        """Whether a folded text of ``length`` characters with these candidate words
        (see :func:`_text_tokens`) may hold a term registered so far: one of them
        starts a term that is no longer than the text."""
        first_words = self._first_words
        done_pending, done_names = self._first_words_from
        pending, names = self._pending, self._names
        for kind, value, _ in pending[done_pending:]:
            first_words.update(_value_first_words(value, kind))
        for family, given, middle, _ in names[done_names:]:
            first_words.update(_name_first_words(family, given, middle))
        self._first_words_from = (len(pending), len(names))
        shared = first_words.intersection(tokens)
        if not shared:
            return False
        # A word of the text starts a term: the terms' lengths decide.
        shortest = self._shortest_terms()
        return any(shortest[token] <= length for token in shared)

    def _shortest_terms(self) -> dict[str, int]:
        """First word -> the length of the shortest registered term it starts (built
        only once a text shares a word with the terms, then kept up to date)."""
        shortest = self._shortest
        done_pending, done_names = self._shortest_from
        pending, names = self._pending, self._names
        for kind, value, _ in pending[done_pending:]:
            _merge_shortest(shortest, _value_first_words(value, kind))
        for family, given, middle, _ in names[done_names:]:
            _merge_shortest(shortest, _name_first_words(family, given, middle))
        self._shortest_from = (len(pending), len(names))
        return shortest

    def _context_spans(self, text: str) -> list[Span]:
        """Where the message's known PHI occurs in ``text`` as whole words, any case.

        A substring search per spelling (C-speed ``str.find``) instead of one
        alternation regex: the terms differ per message, and compiling a regex
        per message costs more than searching a note for a few dozen strings.
        Text and terms are folded the same way (:func:`fold`); when folding
        changes the text's length, offsets are mapped back to the original.
        """
        folded, offsets = fold_with_offsets(text)
        tokens = _short_text_tokens(folded) if len(folded) <= SHORT_TEXT else _text_tokens(folded)
        marked = _MARKER.search(text) is not None
        if not marked and not self._may_hold_terms(tokens, len(folded)):
            due = (len(self._pending), len(self._names))
            if due != self._terms_from and (not self._due or self._due[-1] != due):
                self._due.append(due)
            return []
        terms = self._materialize()
        if not terms:
            return []
        spans: list[Span] = []
        self._search_terms(folded, offsets, tokens, text, spans)
        if marked:
            # Markers read as invisible ("Quill\ue001feather") and as word breaks
            # ("Seen by\ue000Quillfeather"): the same offsets, searched both ways.
            folded, offsets = fold_with_offsets(_MARKER.sub(" ", text))
            tokens = (
                _short_text_tokens(folded) if len(folded) <= SHORT_TEXT else _text_tokens(folded)
            )
            self._search_terms(folded, offsets, tokens, text, spans)
        return spans

    def _search_terms(
        self,
        folded: str,
        offsets: list[int] | None,
        tokens: tuple[str, ...],
        original: str,
        spans: list[Span],
    ) -> None:
        """Add the spans of the terms found in ``folded`` (``original`` folded, with
        its offsets when folding moved them) to ``spans``."""
        length = len(folded)
        # A whole-word match of a term starts a word of the text equal to the term's
        # first word: only those terms can match (plus any term without a word).
        by_token = self._by_token
        candidates = [pair for token in tokens for pair in by_token.get(token, ())]
        if len(candidates) > 1:
            # ``tokens`` come in set order, which differs between processes. Two terms
            # can give the same span (a known number found whole, and a shorter known
            # number it starts, extended to it): the first one added wins, so the
            # order is fixed here, the longest term (the closest match) first.
            candidates.sort(key=_longest_term_first)
        starts_of = _term_starts(folded, candidates)
        for term, replacement in candidates:
            for start in starts_of(term):
                end = start + len(term)
                found = start
                if term[0].isdigit():
                    # Zeros a note pads a number with ("000482913", "0482913" for the
                    # record number 482913) belong to it.
                    while found > 0 and folded[found - 1] == "0":
                        found -= 1
                if (
                    end < length
                    and folded[end].isdigit()
                    and term in self._prefix_ids
                    and _word_starts(folded, found)
                ):
                    # A known number that starts a longer one: the whole number.
                    while end < length and folded[end].isdigit():
                        end += 1
                if (
                    _word_starts(folded, found)
                    and _word_ends(folded, end, length)
                    and not ("." in term and _in_dotted_number(term, folded, found, end))
                ):
                    begin, finish = (
                        (found, end) if offsets is None else (offsets[found], offsets[end])
                    )
                    # Markers at the span's edges are escapes next to the name
                    # ("\H\Quillfeather\N\"): they stay with the text around it.
                    while finish > begin and _MARKER.match(original, finish - 1):
                        finish -= 1
                    while begin < finish and _MARKER.match(original, begin):
                        begin += 1
                    if term in COMMON_WORDS and original[begin:finish].islower():
                        continue  # "long history", "you may go": the word, not the name
                    if self._word_ids and self._as_word(term, original[begin:finish]):
                        continue  # "booked" for an identifier BOOKED (see add)
                    if term in self._surnames:
                        begin = _first_name_before(original, begin)
                        if finish < len(original) and original[finish] == ",":
                            finish = _given_after(original, finish)
                    elif term in self._givens:
                        begin = _surname_before(
                            original, begin, self._surnames, self._surname_likeness
                        )
                        finish = _surname_after(
                            original, finish, self._surnames, self._surname_likeness
                        )
                    spans.append((begin, finish, replacement))

    def _separated_ids(self, text: str, start: int) -> list[Span]:
        """Known identifiers written with separators anywhere ("290485-1778",
        "756.0444.5556.66" for "7560444555666"): runs of digit groups joined by single
        separators, and within them consecutive groups whose digits (without leading
        zeros) are a known identifier's."""
        known = self._digit_ids
        spans: list[Span] = []
        for run in _DIGIT_GROUPS.finditer(text, start):
            all_digits = _NOT_DIGIT.sub("", run.group())
            if not any(digits in all_digits for digits in known):
                continue  # an OID or a measurement: no known number in it
            groups = [(m.start(), m.end(), m.group()) for m in _DIGITS.finditer(run.group())]
            base = run.start()
            for i in range(len(groups)):
                digits = ""
                for j in range(i, len(groups)):
                    digits += groups[j][2]
                    if j > i and (found := known.get(digits.lstrip("0"))) is not None:
                        spans.append((base + groups[i][0], base + groups[j][1], found))
                        break
                    if len(digits) > MAX_SEPARATED_ID_DIGITS:
                        break
        return spans

    # --- scrubbing -----------------------------------------------------------

    def scrub(self, text: str) -> str:
        """Replace known and detected PHI in ``text``.

        Results are memoized for the rest of the message (a Bundle repeats the
        same display texts hundreds of times); the report then counts each
        distinct text's replacements once.
        """
        if not text or not text.strip():
            return text
        memo = self._memo
        cached = memo.get(text)
        if cached is not None:
            return cached
        # Unicode dashes (a no-break hyphen in "617\u2011555\u20110142", a figure dash,
        # a minus) read as the hyphen they look like: one character for one, so the
        # spans found fit the text as written.
        matchable = text if text.isascii() else text.translate(_DASH_TABLE)
        spans = self._context_spans(matchable)
        if self._digit_ids and len(matchable) > MIN_SEPARATED_ID_DIGITS:
            # Digits glued to CJK text ("電話03-1234-5678") are not inside a word:
            # those characters read as spaces (one for one, offsets kept).
            digit_text = matchable
            if not matchable.isascii() and _CJK.search(matchable):
                digit_text = _CJK.sub(" ", matchable)
            first = _DIGIT_GROUPS.search(digit_text)  # in C: most texts have no such run
            if first is not None:
                spans.extend(self._separated_ids(digit_text, first.start()))
        if self._birth_dates and len(matchable) >= _SHORT_DATE_LENGTH:
            # Before the detectors: a date detector leaves "15.06.61" as it is (a
            # version as often), and of two equal spans the first one wins.
            spans.extend(self._compact_birth_dates(matchable))
        if not matchable.isascii() and _FORMATTING_MARKER.search(matchable) is not None:
            # The relatives' and labelled names are read with a formatting escape (HL7
            # \.br\, \H\, \N\: a marker here) as a line break, one character for
            # one: glued to a word, the marker hid the word from the readers' word
            # lists and name words ("\.br\Rosamund Pellow (daughter)", "\H\wife
            # Ottilie\N\"; hold-out round 20 probe, the names stayed). A name is on
            # one line ("Cardiology\.br\Rosamund Pellow (daughter)"). The pattern
            # detectors read the markers as before (a label's number may follow on
            # the next line: "Tel.:\.br\0711 2468135").
            spans.extend(self._detected(matchable, _FORMATTING_MARKER.sub("\n", matchable)))
        else:
            spans.extend(self._detected(matchable))
        if self._found_names:
            # Hold-out round 16 probe: a relative a note named ("Daughter Morwenna
            # Parrish visited") came out whole in the message's other texts (an OBX
            # visitor's ST value, a CWE's text).
            spans.extend(self._named_again(matchable, self._found_names))
        result = _rebuild(text, spans) if spans else text
        memo[text] = result
        return result

    def _apply(self, kind: Kind, value: str) -> str:
        return as_text(self._ctx.apply(value, _TEXT_TARGETS[kind]), kind)

    def _detected(self, text: str, names_text: str | None = None) -> Iterable[Span]:
        """The detectors' spans in ``text``; the relatives' and labelled names read
        in ``names_text`` (the same text with other breaks, one character for one)."""
        features = text_features(text)
        if not features and names_text is None:
            return
        plain = plain_ascii(text)
        for detector in _ALL_DETECTORS:
            if detector.requires not in features:
                continue
            listed = detector.kind in _LISTED_KINDS
            for start, end in detector.spans(text, plain):
                value = text[start:end]
                yield start, end, functools.partial(self._apply, detector.kind, value)
                if listed:
                    for after, stop in listed_phones_after(text, end):
                        number = text[after:stop]
                        yield after, stop, functools.partial(self._apply, detector.kind, number)
                elif detector.kind is Kind.STREET_ADDRESS:
                    for after, stop, kind in town_postcode_after(text, end):
                        place = text[after:stop]
                        yield after, stop, functools.partial(self._apply, kind, place)
        found_names: list[str] = []
        read = text
        if names_text is not None:
            read, features = names_text, features | text_features(names_text)
        if "relation" in features:
            for start, end in relative_names(read):
                found_names.append(text[start:end])
                yield start, end, functools.partial(self._apply, Kind.NAME, text[start:end])
        if "relation-paren" in features:
            for start, end in parenthesized_relative_names(read):
                found_names.append(text[start:end])
                yield start, end, functools.partial(self._apply, Kind.NAME, text[start:end])
        if "maiden-name" in features:
            for start, end in maiden_names(read):
                found_names.append(text[start:end])
                yield start, end, functools.partial(self._apply, Kind.NAME, text[start:end])
        if "person-label" in features:
            for start, end in labelled_person_names(read):
                found_names.append(text[start:end])
                yield start, end, functools.partial(self._apply, Kind.NAME, text[start:end])
                phone = contact_phone_after(text, end)
                if phone is not None:
                    number = text[phone[0] : phone[1]]
                    yield phone[0], phone[1], functools.partial(self._apply, Kind.PHONE, number)
        if found_names:
            self._note_found(found_names)
            yield from self._named_again(text, found_names)
        if "age-words" in features:
            for pattern in AGE_WORD_PATTERNS:
                for match in pattern.finditer(text):
                    if age_in_words(match.group("age")) > SAFE_HARBOR_MAX_AGE:
                        start, end = match.span("age")
                        yield start, end, functools.partial(self._age_words, match.group("age"))
        if "day-words" in features:
            for word_date in WORD_DATE_PATTERNS:
                for match in word_date.finditer(text):
                    yield match.start(), match.end(), _DateAt(self, word_date, text, match.start())
        if "year-words" in features:
            if "digit" in features:
                for day_date in NUMERIC_DAY_WORD_YEAR_PATTERNS:
                    for match in day_date.finditer(text):
                        yield (
                            match.start(),
                            match.end(),
                            _DateAt(self, day_date, text, match.start()),
                        )
            for match in BIRTH_YEAR_WORDS.finditer(text):
                born = year_in_words(match.group("wyear"))
                if self._ctx.reference_year - born > SAFE_HARBOR_MAX_AGE and _preceded_by(
                    BIRTH_YEAR.before, text, match.start()
                ):
                    render = functools.partial(self._birth_year_words, str(born), match.group())
                    yield match.start(), match.end(), render
        if "digit" not in features:
            return
        for date in DATE_PATTERNS:
            if date.requires not in features:
                continue
            for match in date.finditer(text, plain):
                if date.before is None or _preceded_by(date.before, text, match.start()):
                    pattern = date.ascii_pattern if plain else date.pattern
                    start = match.start()
                    yield start, match.end(), _DateAt(self, pattern, text, start)
        if BIRTH_YEAR.requires in features:
            for match in BIRTH_YEAR.finditer(text, plain):
                year = match.group("year")
                if self._ctx.reference_year - int(year) > SAFE_HARBOR_MAX_AGE and _preceded_by(
                    BIRTH_YEAR.before, text, match.start()
                ):
                    yield match.start(), match.end(), functools.partial(self._birth_year, year)
        for age_pattern in AGE_PATTERNS:
            if age_pattern.requires not in features:
                continue
            for match in age_pattern.finditer(text, plain):
                age = match.group("age")
                if int(age) > SAFE_HARBOR_MAX_AGE:
                    start, end = match.span("age")
                    if "ordinal" in match.re.groupindex:  # "her 97th birthday"
                        end = match.end("ordinal")
                        render = functools.partial(self._ordinal_age, age, text[start:end])
                        yield start, end, render
                    else:
                        yield start, end, functools.partial(self._apply, Kind.AGE, age)

    def _note_found(self, names: list[str]) -> None:
        """Remember names a text gave after a relation word or a person label for the
        message's later texts; a whole name of two words or more is also a value the
        final sweep replaces where a field holds it alone."""
        for name in names:
            if name in self._found_names:
                continue
            self._found_names.append(name)
            self._memo.clear()
            if len(_LETTER_WORD.findall(name)) >= 2 and len(name) >= MIN_SWEEP_LENGTH:
                self._remember(name.casefold(), self._apply(Kind.NAME, name))

    def _named_again(self, text: str, names: list[str]) -> Iterator[Span]:
        """The text's other mentions of a name it gives after a relation word or a
        person label ("Mother Hester Quill. Hester called."): each word of three
        letters or more, capitalized or in capitals, as a whole word anywhere."""
        words = {
            word.casefold()
            for name in names
            for word in _LETTER_WORD.findall(name)
            if len(word) >= _MIN_NAMED_AGAIN and word.casefold() not in _NOT_FIRST_NAMES
        }
        if not words:
            return
        pattern = re.compile(
            r"(?<![^\W_])(?:" + "|".join(map(re.escape, sorted(words))) + r")(?![^\W_])",
            re.IGNORECASE,
        )
        for match in pattern.finditer(text):
            if match.group(0)[:1].isupper():
                yield (
                    match.start(),
                    match.end(),
                    functools.partial(self._apply, Kind.NAME, match.group(0)),
                )

    def _date(self, match: re.Match[str]) -> str:
        parts = match.groupdict()
        written = match.group(0)
        birth = _preceded_by(BIRTH_CONTEXT, match.string, match.start())
        try:
            if parts.get("year"):
                year = int(parts["year"])
                if year < 100:
                    year += 2000 if year <= 40 else 1900
                    if birth and year > self._ctx.reference_year:
                        year -= 100
            elif parts.get("wyear"):
                year = year_in_words(parts["wyear"])
            else:
                year = self._ctx.reference_year  # a day and month: shifted within this year
            if parts.get("month"):
                month = month_number(parts["month"])
            elif parts.get("fmonth"):
                month = foreign_month_number(parts["fmonth"])
            else:
                month = int(parts["mm"])
            if parts.get("dd"):
                day: int | None = int(parts["dd"])
            elif parts.get("wdd"):
                day = day_in_words(parts["wdd"])
            else:
                day = None
        except (TypeError, ValueError, StopIteration, KeyError):
            return written
        # Day first (18.04.2024, 25/12/1961, 15/06/61): the first number cannot be a
        # month. With a two-digit year only after a slash or dash, or a birth word
        # (dotted triplets like 14.2.10 are as often versions); an ambiguous date
        # (03.04.2024) reads month first.
        year_digits = len(parts.get("year") or "")
        day_first = (
            parts.get("mm") is not None
            and day is not None
            and 13 <= month <= 31
            and 1 <= day <= 12
            and (year_digits == 4 or (year_digits == 2 and (parts.get("sep") != "." or birth)))
        )
        if day_first and day is not None:
            month, day = day, month
        if not 1 <= month <= 12 or (day is not None and not 1 <= day <= 31):
            return written  # not a calendar date (a ratio, a version): left alone
        iso = f"{year:04d}-{month:02d}" + (f"-{day:02d}" if day is not None else "")
        # A birth date written in a note gets the birth-date rule (no year over 89).
        kind = Kind.BIRTH_DATE if birth or iso in self._birth_dates else Kind.DATE
        outcome = self._ctx.apply(iso, _TEXT_TARGETS[kind])
        if not isinstance(outcome, str) or not outcome:
            return placeholder(Kind.DATE)
        if outcome == iso:
            return written  # kept
        if not (parts.get("year") or parts.get("wyear")) and not outcome[5:7].isdigit():
            return placeholder(Kind.DATE)  # generalized to a year it never had
        return _render_date(match, outcome, day_first)

    def _compact_birth_dates(self, text: str) -> Iterator[Span]:
        """A known birth date written as digits day or month first, without separators
        in eight or six digits ("04071950", "07041950", "040750") or with a two-digit
        year ("04.07.50", "4/7/50"): a specimen label's or a letter's spelling, which
        the date detectors cannot tell from a number or a version (hold-out round 16
        probe: "DOB: 150661", "Geb.-Dat. 15.06.61")."""
        if _BIRTH_SPELLING.search(text) is None:  # most texts: one C-speed scan
            return
        orders: dict[str, tuple[str, str]] = {}
        for iso in self._birth_dates:
            if len(iso) == 10:
                year, month, day = iso[:4], iso[5:7], iso[8:10]
                for short in ("", "2"):
                    y = year[2:] if short else year
                    orders.setdefault(day + month + y, (iso, "dmy" + short))
                    orders.setdefault(month + day + y, (iso, "mdy" + short))
        for match in _COMPACT_DATE.finditer(text):
            found = orders.get(match.group())
            if found is not None:
                iso, order = found
                render = functools.partial(self._compact_birth_date, match.group(), iso, order)
                yield match.start(), match.end(), render
        if "." not in text and "/" not in text and "-" not in text:
            return
        for match in _SHORT_YEAR_DATE.finditer(text):
            first, second, yy = match["first"], match["second"], match["yy"]
            key = f"{int(first):02d}{int(second):02d}{yy}"
            found = orders.get(key)
            if found is not None and found[1].endswith("2"):
                iso, order = found
                render = functools.partial(
                    self._short_year_birth_date, match.group(), iso, order, match["sep"]
                )
                yield match.start(), match.end(), render

    def _birth_date_outcome(self, iso: str) -> str | None:
        """The policy's birth date for ``iso``: a date, a year, or None when removed."""
        outcome = self._ctx.apply(iso, _TEXT_TARGETS[Kind.BIRTH_DATE])
        return outcome if isinstance(outcome, str) and outcome else None

    def _compact_birth_date(self, written: str, iso: str, order: str) -> str:
        outcome = self._birth_date_outcome(iso)
        if outcome is None:
            return placeholder(Kind.DATE)
        if outcome == iso:
            return written  # kept
        if len(outcome) >= 10 and outcome[4:5] == "-":  # shifted: written the same way
            year, month, day = outcome[:4], outcome[5:7], outcome[8:10]
            year = year[2:] if order.endswith("2") else year
            return day + month + year if order.startswith("dmy") else month + day + year
        return outcome[:4] if outcome[:4].isdigit() else placeholder(Kind.DATE)

    def _short_year_birth_date(self, written: str, iso: str, order: str, sep: str) -> str:
        outcome = self._birth_date_outcome(iso)
        if outcome is None:
            return placeholder(Kind.DATE)
        if outcome == iso:
            return written  # kept
        if len(outcome) >= 10 and outcome[4:5] == "-":
            year, month, day = outcome[2:4], outcome[5:7], outcome[8:10]
            first, second = (day, month) if order.startswith("dmy") else (month, day)
            return sep.join((first, second, year))
        return outcome[:4] if outcome[:4].isdigit() else placeholder(Kind.DATE)

    def _age_words(self, words: str) -> str:
        """An age in words over 89: grouped like a numeric age, or kept as written."""
        number = str(age_in_words(words))
        outcome = self._ctx.apply(number, _TEXT_TARGETS[Kind.AGE])
        return words if outcome == number else as_text(outcome, Kind.AGE)

    def _birth_year_words(self, year: str, written: str) -> str:
        """A birth year in words ("nineteen twenty-nine"): as written where the policy
        keeps it, else its outcome (removed under Safe Harbor)."""
        outcome = self._birth_year(year)
        return written if outcome == year else outcome

    def _ordinal_age(self, age: str, written: str) -> str:
        """A birthday's ordinal over 89 ("97th"): the policy's age ("90+", not "90+th"),
        or the ordinal as written where ages are kept."""
        outcome = self._apply(Kind.AGE, age)
        return written if outcome == age else outcome

    def _birth_year(self, year: str) -> str:
        """A birth year alone ('born 1920'): kept unless the policy removes it."""
        outcome = self._ctx.apply(year, _TEXT_TARGETS[Kind.BIRTH_DATE])
        return outcome[:4] if isinstance(outcome, str) and outcome else placeholder(Kind.DATE)


def _preceded_by(pattern: re.Pattern[str] | None, text: str, start: int) -> bool:
    """Whether ``pattern`` (anchored with ``$``) matches the text just before ``start``."""
    return (
        pattern is not None
        and pattern.search(text, max(0, start - BEFORE_WINDOW), start) is not None
    )


# The shortest spelling of a birth date the text scrubber looks for ("150661").
_SHORT_DATE_LENGTH: Final = 6
_COMPACT_DATE: Final = re.compile(r"(?<!\d)(?:\d{8}|\d{6})(?!\d)")
# What any such spelling holds: six digits in a row, or two digits and a separator.
_BIRTH_SPELLING: Final = re.compile(r"\d{6}|\d[./-]\d{1,2}[./-]\d\d")
# A day, a month and a two-digit year joined by one separator twice ("15.06.61"), not
# inside a longer number or a dotted version.
_SHORT_YEAR_DATE: Final = re.compile(
    r"(?<![\d.])(?P<first>\d{1,2})(?P<sep>[./-])(?P<second>\d{1,2})(?P=sep)(?P<yy>\d{2})(?![\d.]\d|\d)"
)


def _iso_day(value: str) -> str:
    """YYYY-MM-DD of an HL7 or ISO date value ('' when it has no full date)."""
    text = value.strip()
    if len(text) >= 8 and text[:8].isdecimal():
        return f"{text[:4]}-{text[4:6]}-{text[6:8]}"
    return text[:10] if len(text) >= 10 and text[4:5] == "-" else ""


_DATE_PARTS: Final = ("year", "mm", "dd", "wdd", "month")


def _render_date(match: re.Match[str], outcome: str, day_first: bool = False) -> str:
    """Write a transformed ISO date back in the matched text's own format.

    Each part (year, numeric month, day, month name) is replaced where it was
    written, in its width and case; separators and words in between stay. A
    day-first date (``day_first``) has its day where the pattern reads a month.
    """
    groups = match.groupdict()
    if (
        len(outcome) == 4
        or not outcome[:4].isdigit()
        or groups.get("fmonth")
        or groups.get("wyear")
    ):
        # A month name of another language, a year in words: not written back (ISO).
        return outcome
    values = {"year": int(outcome[:4]), "mm": int(outcome[5:7])}
    if match.groupdict().get("month"):
        values["month"] = values["mm"]
    if len(outcome) >= 10:
        values["dd"] = values["wdd"] = int(outcome[8:10])
        if day_first:
            values["mm"], values["dd"] = values["dd"], values["mm"]
    text = match.string
    start, end = match.span()
    present = sorted(
        (match.start(name), name) for name in _DATE_PARTS if match.groupdict().get(name)
    )
    if any(name not in values for _, name in present):
        return outcome  # the outcome is less precise than the written date
    out: list[str] = []
    position = start
    for part_start, name in present:
        original = match.group(name)
        value = values[name]
        if name == "month":
            new = _month_name(original, value)
        elif name == "wdd":
            new = day_as_words(value, original)
        elif name == "year" and len(original) < 4:
            new = f"{value % 100:02d}"
        elif name == "dd" and "month" in values and not original.startswith("0"):
            new = str(value)  # "March 14" -> "November 9", "04-Mar" -> "30-Oct"
            after = part_start + len(original)
            suffix = text[after : after + 2]
            if suffix.lower() in _ORDINAL_SUFFIXES and match.end() >= after + 2:
                # "March 3rd" -> "November 15th", not "15rd"
                new += _ordinal_suffix(value, suffix)
                original += suffix
        else:
            new = f"{value:0{len(original)}d}"
        out.append(text[position:part_start])
        out.append(new)
        position = part_start + len(original)
    out.append(text[position:end])
    return "".join(out)


_ORDINAL_SUFFIXES: Final = frozenset({"st", "nd", "rd", "th"})


def _ordinal_suffix(day: int, written: str) -> str:
    """The English ordinal ending of ``day`` ("st" of 21, "th" of 11), in the case of
    ``written``."""
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return suffix.upper() if written.isupper() else suffix


def _month_name(written: str, month: int) -> str:
    """Month ``month`` written like ``written``: full or abbreviated, in its case."""
    full = MONTHS[month - 1]
    name = full if written.lower() in MONTHS else full[:3]
    if written.isupper() and len(written) > 1:
        return name.upper()
    return name.capitalize() if written[:1].isupper() else name


def _longest_term_first(pair: tuple[str, str]) -> tuple[int, str]:
    return -len(pair[0]), pair[0]


class _DateAt:
    """A written date's replacement, worked out when its span is kept (a span that
    overlaps a kept one is not): the date is matched again where it was found.
    Holding each date's match and a bound partial of it cost about 1 KB per date
    (each is found by two patterns): a 4 MB note of dates peaked at 650 MB."""

    __slots__ = ("_owner", "_pattern", "_start", "_text")

    def __init__(self, owner: TextScrubber, pattern: re.Pattern[str], text: str, start: int):
        self._owner = owner
        self._pattern = pattern
        self._text = text
        self._start = start

    def __call__(self) -> str:
        match = self._pattern.match(self._text, self._start)
        if match is None:  # the same pattern at the same place: it matched there
            raise AssertionError("a date no longer matches where it was found")
        return self._owner._date(match)


def _rebuild(text: str, spans: list[Span]) -> str:
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    out: list[str] = []
    position = 0
    for start, end, replacement in spans:
        if start < position:
            # Overlaps a span already replaced: one replaced region, as far as either
            # reaches ("OBRIEN, Seamus O'Brien": "Family, Given" then "Given Family").
            position = max(position, end)
            continue
        out.append(text[position:start])
        out.append(replacement if isinstance(replacement, str) else replacement())
        position = end
    out.append(text[position:])
    return "".join(out)


ScrubFunction = Callable[[str], str]
