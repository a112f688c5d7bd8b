"""People's names in HL7v2 fields, learned for the message's free text.

A name replaced in a structured field (PID-5, NK1-2, a provider's XCN, a
name typed into a string field or a query parameter) is registered with the
message's text scrubber with its replacement, so a note that repeats it, in
any order or case, gets the same replacement.
"""

from __future__ import annotations

import re
from typing import Final

from parsers.hl7v2 import er7
from parsers.hl7v2.er7 import Delimiters
from scrubbers.detectors import RELATION_WORDS
from scrubbers.hl7.fields import is_name_affix
from scrubbers.hl7.shapes import HAS_DIGIT, is_code
from scrubbers.hl7.walk import Walk
from scrubbers.kinds import Kind, Role
from scrubbers.methods import Outcome, Removal
from scrubbers.target import Target
from scrubbers.text import as_text, uncased_word

# Where a person's family, given and middle names sit, per name datatype (0-based components).
NAME_LAYOUT: Final = {
    "XPN": (0, 1, 2),
    "PN": (0, 1, 2),
    "XCN": (1, 2, 3),
    "CN": (1, 2, 3),
    "CNN": (1, 2, 3),
    "PPN": (1, 2, 3),
}


def names_a_person(rep: str, d: Delimiters) -> bool:
    """A date field's repetition that is a person (IN2-45 ``Family^Given^Initial``,
    RXD-19 ``PH300^Family^Given``): a first component that is no date, followed by
    more components, and not a coded value (RXA-16 one field off holding the
    manufacturer ``EW8237^Pfizer^MVX``: a lot number, then a coding system), nor
    a value whose second or third component, a given or middle name, holds a
    digit (OBX-19 two fields off holding a test kit ``Kit Name^Maker^K970361``)."""
    head, sep, rest = rep.partition(d.component)
    return (
        bool(sep)
        and bool(head)
        and not head[0].isdigit()
        and not coded_layout(rep, d)
        and not any(_holds_digits(part) for part in rest.split(d.component, 2)[:2])
    )


# A replacement scrubbing writes ("[NAME]", "NAME-4F65DFE07A55A729EC2B"): layout tests
# decide the same before and after the structured pass, so its digits do not count.
_REPLACEMENT: Final = re.compile(r"\[[A-Z][A-Z_]*\]|[A-Z][A-Z_]*-[0-9A-F]{8,}")


def _holds_digits(part: str) -> bool:
    """A name part with a digit that is no replacement's."""
    return HAS_DIGIT.search(part) is not None and _REPLACEMENT.fullmatch(part) is None


def cn_layout(rep: str, d: Delimiters) -> bool:
    """An NDL repetition in the older CN layout (``id^family^given^...``): its second
    component is a name, not the NDL's start date."""
    comps = rep.split(d.component, 2)
    return len(comps) > 1 and bool(comps[1]) and not comps[1][0].isdigit()


def provider_layout(rep: str, d: Delimiters) -> bool:
    """A repetition of a location, code or string field in an XCN's layout, a provider
    a sender put fields off (PV1-6 ``npi^Family^Given^K^^^MD^^^NPI``, OBR-30
    ``id^FAMILY^GIVEN^P.^^DR.^MD``): a name in XCN.2 (not starting with a digit) and a
    title or degree of two letters or more in XCN.6 or XCN.7, where a location holds
    its location type and building and a coded value its alternate coding system and
    version; and not a coded value. It reads only what scrubbing keeps (the title and
    degree; a name's replacement starts with no digit either)."""
    comps = rep.split(d.component, 7)
    if len(comps) < 6 or not comps[1] or comps[1][0].isdigit():
        return False
    return any(
        len(comp.strip(". ")) > 1 and is_name_affix(comp) for comp in comps[5:7]
    ) and not coded_layout(rep, d)


# Coding-system ids (HL7 table 0396): HL7 tables, local 99xxx systems and the
# standard vocabularies; a person's given name is none of them.
_CODING_SYSTEM: Final = re.compile(
    r"HL7\d{4}|99[A-Z0-9]{1,8}|LN|SCT|SNM3?|I9C?|I10[CP]?|ICD10(?:CM|PCS)?|ICD9(?:CM)?"
    r"|CPT4?|C4|C5|HCPCS|NDC|CVX|MVX|NUCC|UCUM|ISO\+?|RXNORM|NCIT|FDDC"
)


def coded_layout(rep: str, d: Delimiters) -> bool:
    """A name field's repetition that is a coded value (``SUR^Surgery^HL70069``):
    a code, then a third component that is a coding-system id. The structured pass
    leaves such a repetition as it is, and turns a name's third component into a
    replacement, never a coding-system id."""
    comps = rep.split(d.component, 3)
    return (
        len(comps) > 2
        and bool(comps[0])
        and is_code(comps[0])
        and _CODING_SYSTEM.fullmatch(comps[2]) is not None
    )


_NAME_WORD: Final = re.compile(r"[^\W\d_]+(?:['\-][^\W\d_]+)*")
_NAME_END: Final = re.compile(r"[(\[;:/\d]")


def add_free_name(walk: Walk, raw: str, outcome: Outcome) -> None:
    """Register a person's name typed into a string field (ACC-9 "brought in by")
    for the free text: "Given [Middle] Family" or "Family, Given", up to the first
    bracket, digit or other non-name text."""
    value = er7.readable(raw, walk.d, walk.codec)
    head = _NAME_END.split(value, 1)[0]
    family_part, comma, given_part = head.partition(",")
    if comma:
        family_words = _NAME_WORD.findall(family_part)
        given_words = _NAME_WORD.findall(given_part)
        if not family_words:
            return
        family = " ".join(family_words)
        given = given_words[0] if given_words else ""
        middle = given_words[1] if len(given_words) > 1 else ""
    else:
        words = _NAME_WORD.findall(head)
        if not words:
            return
        family = words[-1]
        given = words[0] if len(words) > 1 else ""
        middle = words[1] if len(words) > 2 else ""
    replacement = as_text(outcome, Kind.NAME) if not isinstance(outcome, Removal) else "[NAME]"
    walk.ctx.text.add_name(family, given, middle, replacement)


def add_query_name(walk: Walk, raw: str, part: int, outcome: Outcome) -> None:
    """Register a name part searched for in a query (family, given or middle) for the
    message's free text."""
    parts = ["", "", ""]
    parts[part] = er7.readable(raw, walk.d, walk.codec)
    replacement = as_text(outcome, Kind.NAME) if not isinstance(outcome, Removal) else "[NAME]"
    walk.ctx.text.add_name(parts[0], parts[1], parts[2], replacement)


def add_affix_name(walk: Walk, raw: str, outcome: Outcome) -> None:
    """Register a name written in a suffix or prefix component (XPN.4, XPN.5) for the
    message's free text."""
    replacement = as_text(outcome, Kind.NAME) if not isinstance(outcome, Removal) else "[NAME]"
    walk.ctx.text.add_name("", er7.readable(raw, walk.d, walk.codec), "", replacement)


# Words that fill a provider's name fields when there is no provider: ".SELF^REFERRED",
# ".NO PCP^PHYSICIAN^NO^PRIMARY OR FAMILY", "UNKNOWN^DOCTOR". Folded.
_PLACEHOLDER_WORDS: Final = frozenset(
    {
        "no", "none", "not", "or", "and", "of", "self", "unknown", "unk", "n/a", "na",
        "physician", "doctor", "provider", "referred", "referral", "referring", "primary",
        "family", "care", "pcp", "other", "staff", "attending", "admitting", "resident",
        "on", "call", "walk-in", "walk", "in", "emergency",
    }
)  # fmt: skip


# Words that make a provider field's name a system account, not a person: operator
# fields (EVN-5, ORC-10) name the interface or application that did the work
# ("NHI_SYSTEM^NHI^Registration", "^SISTEMA^EMR", "SYSADMIN^System^Admin"). None of
# such a name's parts is learned: "NHI" is also PID-3's identifier type, "EMR" part
# of MSH-3. Folded.
_SYSTEM_WORDS: Final = frozenset(
    {
        "system", "systems", "sistema", "sistemas", "systeme", "système", "admin",
        "administrator", "administrador", "sysadmin", "interface", "registration",
        "registry", "emr", "ehr", "batch", "automatic",
        "automated", "server", "integration", "engine", "migration",
    }
)  # fmt: skip


# One search per name part instead of folding and splitting it into words: a
# word is what lies between blanks, commas and underscores, its dots at either
# end ignored, compared without case.
_SYSTEM_WORD: Final = re.compile(
    r"(?<![^\s,_])\.*(?:"
    + "|".join(sorted(map(re.escape, _SYSTEM_WORDS), key=len, reverse=True))
    + r")\.*(?![^\s,_])",
    re.IGNORECASE,
)


def _system_account(parts: tuple[str, ...]) -> bool:
    """A provider name one of whose words names a system (``Registration``, ``EMR``)."""
    return any(part and _SYSTEM_WORD.search(part) is not None for part in parts)


# Words that name a name ("Surname at Birth", "Maiden Name", "Previous Surname"):
# a name part of two or more of them is a label a sender put in a name field. Folded.
_NAME_LABEL_WORDS: Final = frozenset(
    {
        "surname", "surnames", "name", "names", "maiden", "birth", "alias", "aliases",
        "at", "of", "family", "given", "first", "last", "middle", "previous", "former",
        "married", "legal", "preferred", "nickname", "known", "as", "aka", "nee", "née",
    }
)  # fmt: skip


def _name_label(part: str) -> bool:
    """A name part of two words or more, every one of which names a name."""
    words = part.casefold().replace(",", " ").split()
    return len(words) > 1 and all(word.strip(".:") in _NAME_LABEL_WORDS for word in words)


def _placeholder(part: str) -> bool:
    """A name part made only of placeholder words (``PRIMARY OR FAMILY``)."""
    folded = part.casefold()
    if " " not in folded and "," not in folded:  # the common case: one word
        return folded.strip(".") in _PLACEHOLDER_WORDS
    words = folded.replace(",", " ").split()
    return bool(words) and all(word.strip(".") in _PLACEHOLDER_WORDS for word in words)


# A name part as synthetic data numbers it: letters (three or more, words joined by
# an apostrophe, hyphen or space) then one to three digits. An HL7 table code
# ("HL70063") has four digits after two letters.
_NUMBERED_NAME: Final = re.compile(r"[^\W\d_]{3,}(?:['\- ][^\W\d_]+)*\d{1,3}")


def add_name_context(
    walk: Walk,
    original_rep: str,
    scrubbed: list[str],
    layout: tuple[int, int, int],
    provider: bool = False,
) -> None:
    """Register a person's name spellings for the free text, with its replacement.

    A provider's name part made only of placeholder words (``SELF``, ``NO``,
    ``PRIMARY OR FAMILY``: no provider was named) is not learned: sweeping it would
    rewrite "No Known Allergies" and "Self pay" in notes. A patient's, relative's
    or insured person's name is learned whatever it holds (fail closed)."""
    d = walk.d
    comps = original_rep.split(d.component)
    first, second, third = layout
    original = (
        _part(comps, first, d, walk.codec),
        _part(comps, second, d, walk.codec),
        _part(comps, third, d, walk.codec),
    )
    replaced = (
        _part(scrubbed, first, d, walk.codec),
        _part(scrubbed, second, d, walk.codec),
        _part(scrubbed, third, d, walk.codec),
    )
    if replaced == original:
        return  # kept by the policy
    # A part with a digit is no spelling of a name (a coding system "HL70063" in a
    # shifted relationship code): sweeping it would rewrite codes elsewhere. A
    # person's name numbered as synthetic data numbers it (Synthea's "KUHN96",
    # "MARROWMEAD7") is one: not learned, its notes kept "Kuhn96's daughter".
    family, given, middle = (
        p if not HAS_DIGIT.search(p) or (not provider and _NUMBERED_NAME.fullmatch(p)) else ""
        for p in original
    )
    if provider:
        if _system_account((family, given, middle)):
            return
        # A facility of the message header in a provider's name (TXA-11 one field
        # off holding a document number DOC60009^CITIZENSMC) names no person; nor
        # does a provider whose id is one (ORC-19 one field off holding the ordering
        # facility LEHIGH_VALLEY^Lehigh Valley Hospital^L): its name is the facility's.
        facilities = walk.facilities
        if first > 0 and _part(comps, 0, d, walk.codec).strip().casefold() in facilities:
            return
        if family and family.strip().casefold() in facilities:
            family = ""
        if given and given.strip().casefold() in facilities:
            given = ""
        if family and _placeholder(family):
            family = ""
        if given and _placeholder(given):
            given = ""
        if middle and _placeholder(middle):
            middle = ""
    else:
        # A label where a name belongs (PID-9 "Surname at Birth"): learned, its words
        # would rewrite "Date of Birth" in notes. The field itself is still replaced.
        family, given, middle = ("" if _name_label(p) else p for p in (family, given, middle))
        persons = walk.persons
        for part in (family, given, middle):
            if part:
                persons.add(part.strip().casefold())
        if family:
            walk.person_keys.add(family.strip().casefold())
    if not (family or given):
        return
    replacement = replaced[0] or replaced[1] or replaced[2] or "[NAME]"
    walk.ctx.text.add_name(family, given, middle, as_text(replacement, Kind.NAME))


def _part(comps: list[str], index: int, d: Delimiters, codec: str) -> str:
    """A name part as a reader sees it: its component's first subcomponent, unescaped.
    HL7's explicit null (``""``) is no part: learned, it would rewrite every null of
    the message's free text as ``[NAME]``."""
    if index >= len(comps):
        return ""
    value = comps[index]
    if d.subcomponent in value:
        value = value.split(d.subcomponent, 1)[0]
    if value == '""':
        return ""
    return er7.readable(value, d, codec)


# A given or middle name in a name layout: a word (or words joined by an apostrophe,
# hyphen or space) of letters that starts with a capital.
_GIVEN_WORD: Final = re.compile(r"[^\W\d_]{2,40}(?:['\- ][^\W\d_]{1,40}){0,3}")


def add_layout_name(walk: Walk, rep: str) -> tuple[str, str, str, str] | None:
    """A repetition of free text in a name's layout (``Family^Given^Middle``, a
    Z-segment that repeats PID-5) whose first component is the family name of a
    person the message names: its given and middle names are that person's
    relatives' or their own, registered for the free text with the family name's
    replacement, so the text pass replaces them (free text alone would keep a
    given name it cannot recognise). Returns what it registered (family, given,
    middle as read, and the replacement), or None."""
    d = walk.d
    comps = rep.split(d.component, 3)
    if len(comps) < 2:
        return None
    text = walk.ctx.text
    family = er7.readable(comps[0].split(d.subcomponent, 1)[0], d, walk.codec).strip()
    if family and not text.is_family_name(family):
        # A label before the family name ("SUBSCRIBER: HAWTHORNE^THADDEUS", "Policy
        # holder HAWTHORNE^PERCIVAL"; hold-out round 18 probe): its last word.
        head, family = family, family.rsplit(None, 1)[-1]
        if family == head or not text.is_family_name(family):
            return None
    if not family:
        return None
    parts = [
        er7.readable(comp.split(d.subcomponent, 1)[0], d, walk.codec).strip() for comp in comps[1:3]
    ]
    given, middle = (
        p if (p[:1].isupper() and _GIVEN_WORD.fullmatch(p)) or uncased_word(p) else ""
        for p in [*parts, ""][:2]
    )
    if not (given or middle):
        return None
    replacement = text.known(family) or "[NAME]"
    text.add_name(family, given, middle, replacement)
    return family, given, middle, replacement


# HL7 table 0063 relationship codes naming a relative or another person close to the
# patient (not SEL, EMR, OWN, UNK, OTH: codes of anything), and the vendors' own
# shorthand for a child.
_RELATIONSHIP_CODES: Final = frozenset(
    {"SPO", "DOM", "CHD", "GCH", "NCH", "SCH", "FCH", "WRD", "PAR", "MTH", "FTH", "CGV"}
    | {"GRD", "GRP", "SIB", "BRO", "SIS", "FND", "EMC", "EXF", "DAU", "SON", "HUS", "WIF"}
)
_RELATIVE_TARGET: Final = Target(Kind.NAME, Role.RELATIVE, "hl7v2", "", "")


def names_a_relation(fields: list[str], d: Delimiters) -> bool:
    """A Z-segment field that is a relationship: an HL7 table 0063 code or a
    relation word, alone or as a coded value's code or text (``GRD``, ``Daughter``,
    ``MTH^Mother^HL70063``)."""
    for field in fields[1:]:
        if not field or len(field) > 40:
            continue
        comps = field.split(d.repetition, 1)[0].split(d.component, 2)
        if comps[0].strip().upper() in _RELATIONSHIP_CODES or any(
            comp.strip().casefold() in RELATION_WORDS for comp in comps[:2]
        ):
            return True
    return False


def add_relative_layout_name(walk: Walk, rep: str) -> bool:
    """A Z-segment's repetition in a name's layout (``Family^Given[^Middle]``, two
    capitalized words) in a segment with a relationship field (``ZGN|1|Family^Given|
    Daughter``, ``ZPD|...|Family^Given|GRD``): a relative's or guardian's name no
    other field gives (hold-out round 21 probe: kept whole, free text not knowing
    it). Registered for the free text, which then replaces it here and in notes.
    Fields holding a relationship are common in vendors' Z-segments; the name's
    layout without one (a facility ``CH^SPRINGTOWN``) is left to free text."""
    d = walk.d
    if not walk.segment_fields or not walk.segment_fields[0].startswith("Z"):
        return False
    comps = rep.split(d.component, 3)
    if len(comps) < 2 or coded_layout(rep, d):
        return False
    family, given = (
        er7.readable(comp.split(d.subcomponent, 1)[0], d, walk.codec).strip() for comp in comps[:2]
    )
    middle = (
        er7.readable(comps[2].split(d.subcomponent, 1)[0], d, walk.codec).strip()
        if len(comps) > 2
        else ""
    )
    if not all(
        part[:1].isupper() and _GIVEN_WORD.fullmatch(part) is not None for part in (family, given)
    ):
        return False
    if {family.casefold(), given.casefold()} & RELATION_WORDS or not names_a_relation(
        walk.segment_fields, d
    ):
        return False
    if not (middle[:1].isupper() and _GIVEN_WORD.fullmatch(middle)):
        middle = ""
    outcome = walk.apply(family, _RELATIVE_TARGET)
    if outcome == family:
        # Kept by the policy: nothing to replace (registered, every part would be
        # written as the family name, and a keep-all policy would change the message).
        return False
    replacement = as_text(outcome, Kind.NAME) if not isinstance(outcome, Removal) else "[NAME]"
    walk.ctx.text.add_name(family, given, middle, replacement)
    return True
