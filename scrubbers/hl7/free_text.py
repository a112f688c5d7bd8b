"""Free text in HL7v2 fields: leaf by leaf, encapsulated payloads, and the final sweep.

The field handlers call these for text fields (NTE-3, OBX-5 TX/FT, Z-segments,
unknown fields), the text components of coded values and OBX-5 ED payloads.
They run after the structured pass, so the message's text scrubber already
knows every name and identifier the structured fields held. The sweep then
replaces whole values still equal to PHI replaced elsewhere in the message.
"""

from __future__ import annotations

import base64
import contextlib
import re
from collections.abc import Callable
from typing import Final

from parsers import rtf
from parsers.hl7v2 import er7
from parsers.hl7v2.er7 import Delimiters, Segment
from scrubbers.hl7 import fields as tables
from scrubbers.hl7.names import add_layout_name, add_relative_layout_name
from scrubbers.hl7.shapes import TIMESTAMP, address_postal_namespace
from scrubbers.hl7.walk import FREE_TEXT_TARGET, HL7ScrubError, Walk, joined_url
from scrubbers.kinds import Kind, Role
from scrubbers.markup import scrub_markup
from scrubbers.methods import Removal
from scrubbers.target import Target
from scrubbers.text import TextScrubber

_MSH_CODES: Final = frozenset({8, 10, 11})  # MSH-9 type, MSH-11 processing id, MSH-12 version
_TEXT_ENCAPSULATED_TYPES: Final = frozenset({"TEXT", "TX", "FT"})
_TEXT_SUBTYPES: Final = frozenset({"PLAIN", "TEXT", "RTF", "HTML", "XML", "X-HL7-CDA-LEVEL-ONE"})
_MARKUP_SUBTYPES: Final = frozenset({"HTML", "XML", "X-HL7-CDA-LEVEL-ONE"})
_BOMS: Final = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def _decoded_text(data: bytes, message_codec: str) -> tuple[str, str]:
    """A text payload and the codec to write it back in: its byte order mark's,
    else UTF-8, else the message's character set (MSH-18, or the one its bytes
    were read in), else Windows-1252. Raises UnicodeDecodeError when none reads it."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data.decode(codec), codec
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        if message_codec not in ("utf-8", "ascii"):
            with contextlib.suppress(UnicodeDecodeError, LookupError):
                return data.decode(message_codec), message_codec
        return data.decode("cp1252"), "cp1252"


def _media_type(data_type: str, subtype: str) -> tuple[str, str]:
    """ED-2 and ED-3 as HL7 tables mean them, also when a sender writes a MIME
    type into either (``text/plain`` in ED-2, ``AP^text/html``): the part before
    the slash is the type of data, the part after it (parameters dropped) the
    subtype. Without it, a typed text payload was dropped as a binary."""
    for written in (subtype, data_type):
        if "/" in written:
            media, _, sub = written.partition("/")
            return media.strip(), sub.partition(";")[0].strip()
    return data_type, subtype


def _scrub_document(text: str, subtype: str, walk: Walk) -> str | Removal:
    """A decoded text payload under the free-text rule: markup's text nodes and
    attribute values with their character references read (``Z&eacute;phyrina``),
    RTF with its character escapes read (``Z\\'e9phyrina``), other text as it is."""
    if subtype not in _MARKUP_SUBTYPES and subtype != "RTF":
        return walk.ctx.apply(text, FREE_TEXT_TARGET)
    if walk.ctx.scrubber.policy.resolve(FREE_TEXT_TARGET).method != "scrub":
        return walk.ctx.apply(text, FREE_TEXT_TARGET)  # kept or removed whole

    def scrub(piece: str) -> str:
        outcome = walk.ctx.apply(piece, FREE_TEXT_TARGET)
        return "" if isinstance(outcome, Removal) else outcome

    if subtype == "RTF":
        read = rtf.read_escapes(text)
        scrubbed = scrub(read)
        return text if scrubbed == read else rtf.write_escapes(scrubbed)
    return scrub_markup(text, scrub)


def sweep(segments: list[Segment], walk: Walk) -> None:
    """Replace whole values still equal to PHI that was replaced elsewhere in the message.

    Catches PHI where no rule looks (a component a datatype rule does not cover,
    a misplaced value, a sending application named like the patient).
    """
    text = walk.ctx.text
    if not text.has_known():
        return
    d = walk.d
    splitter = leaf_splitter(d)
    for number, segment in enumerate(segments):
        if not segment.text or not text.may_contain_known(segment.text):
            continue
        parts = segment.text.split(d.field)
        changed = False
        for index in range(2 if number == 0 else 1, len(parts)):
            raw = parts[index]
            if len(raw) < 4 or (number == 0 and index in _MSH_CODES):
                continue
            leaves = splitter.split(raw)
            for i in range(0, len(leaves), 2):
                leaf = leaves[i]
                if len(leaf) < 4:
                    continue
                if d.escape not in leaf:
                    swept = _sweep_leaf(leaf, walk)
                else:
                    # Text between the escapes no reader decodes, piece by piece: those
                    # escapes stay escapes (their text is escape_payloads' part).
                    pieces = er7.kept_escapes(leaf, d)
                    for p in range(0, len(pieces), 2):
                        if len(pieces[p]) >= 4:
                            pieces[p] = _sweep_leaf(pieces[p], walk)
                    swept = "".join(pieces)
                if swept != leaf:
                    leaves[i] = swept
                    changed = True
            if changed:
                parts[index] = "".join(leaves)
        if changed:
            segment.text = d.field.join(parts)


def _sweep_leaf(raw: str, walk: Walk) -> str:
    """A leaf (or the text between escapes in one) with known PHI replaced."""
    d = walk.d
    text = walk.ctx.text
    value = raw if d.escape not in raw else er7.unescape(raw, d, walk.codec)
    known = text.known(value)
    if known is None:
        if " " in value.strip():
            known = _sweep_words(value, text)
        elif ("_" in value or "-" in value) and _FOUR_LETTERS.search(value) is not None:
            known = _sweep_joined(value, text)
    if known is None or known == value:
        return raw
    walk.ctx.report.record(Kind.NAME, "sweep")
    return er7.escape(known, d)


_WORDS: Final = re.compile(r"(\w+)")
# Known PHI of up to this many words is looked for inside a multi-word value.
_SWEEP_RUN: Final = 4


def _sweep_words(value: str, text: TextScrubber) -> str | None:
    """A multi-word value with words that are known PHI (a surname inside a kept
    organization name, a two-word town in "Bryn Mawr Family Practice"): those
    words replaced, or None when there are none. Runs of up to four words joined
    by whitespace are tried, longest first; one word needs four characters."""
    parts = _WORDS.split(value)
    changed = False
    i = 1
    while i < len(parts):
        end = i
        for run in range(_SWEEP_RUN, 0, -1):
            j = i + 2 * (run - 1)
            if j >= len(parts) or any(not parts[k].isspace() for k in range(i + 1, j, 2)):
                continue
            words = " ".join(parts[i : j + 1 : 2])
            if len(words) < 4:
                continue
            known = text.known(words)
            if known is not None:
                parts[i] = known
                for k in range(i + 1, j + 1):
                    parts[k] = ""
                changed = True
                end = j
                break
        i = end + 2
    return "".join(parts) if changed else None


# The words of a code written without spaces (GEISINGER_DANVILLE, MERCY-SPRINGTOWN),
# and the cheap test before splitting one (a LOINC code 2951-2 has no word to sweep).
_JOINED_WORDS: Final = re.compile(r"([^\W_]+)")
_FOUR_LETTERS: Final = re.compile(r"[^\W\d_]{4}")


def _sweep_joined(value: str, text: TextScrubber) -> str | None:
    """A code with its words joined by underscores or hyphens, with the words that
    are known PHI replaced (the patient's town in a facility code), or None when
    there are none. Only words of letters, four or more: the digits of an OID or a
    date are no place or name."""
    # The common case, no known word: found with C-speed string methods only.
    words = value.replace("_", " ").replace("-", " ").split()
    if not any(len(w) >= 4 and w.isalpha() and text.known(w) is not None for w in words):
        return None
    parts = _JOINED_WORDS.split(value)
    changed = False
    for i in range(1, len(parts), 2):
        word = parts[i]
        if len(word) >= 4 and word.isalpha():
            known = text.known(word)
            if known is not None and known != word:
                parts[i] = known
                changed = True
    return "".join(parts) if changed else None


def escape_payloads(segments: list[Segment], walk: Walk) -> None:
    """Fail closed: the text inside escape sequences no HL7 reader decodes.

    A locally defined escape (``\\ZQuillfeather\\``), a character-set escape, a
    malformed hex escape, one of no known kind and one never closed are kept as
    written by every other pass (:func:`parsers.hl7v2.er7.escape_payload`): the
    text after their code is scrubbed here as free text, in every field of every
    segment, whatever the field's handler kept (a code, a kept place name). Run
    last, when the whole message's PHI is known.
    """
    d = walk.d
    esc = d.escape
    splitter = leaf_splitter(d)
    for segment in segments:
        if not segment.text or esc not in segment.text:
            continue
        parts = segment.text.split(d.field)
        changed = False
        for index in range(2 if segment.name in er7.HEADER_SEGMENTS else 1, len(parts)):
            raw = parts[index]
            if esc not in raw:
                continue
            leaves = splitter.split(raw)
            for i in range(0, len(leaves), 2):
                if esc in leaves[i]:
                    leaves[i] = _scrub_payloads(leaves[i], walk)
            new = "".join(leaves)
            if new != raw:
                parts[index] = new
                changed = True
        if changed:
            segment.text = d.field.join(parts)


def _scrub_payloads(leaf: str, walk: Walk) -> str:
    """One leaf with the text of its undecoded escape sequences scrubbed.

    A payload the text scrubber leaves alone keeps its sequence byte for byte. A
    changed payload is written back inside the same wrapper (escape character,
    the same one-letter code, the scrubbed text, the closing escape character if
    there was one): the message keeps its shape and a reader its cue that local
    text stood there. When the scrubbed text cannot stand inside that wrapper
    (it is empty, holds a delimiter or escape character, or would read as another
    kind of escape) the whole sequence is dropped: an escape cannot escape, and
    writing the text outside the wrapper would change what the sequence means.
    """
    d = walk.d
    esc = d.escape
    pieces = er7.kept_escapes(leaf, d)
    if len(pieces) == 1:
        return leaf
    changed = False
    for i in range(1, len(pieces), 2):
        sequence = pieces[i]
        closed = len(sequence) > 1 and sequence.endswith(esc)
        code = sequence[1:-1] if closed else sequence[1:]
        found = er7.escape_payload(code)
        if found is None or not found[1].strip():
            continue
        prefix, payload = found
        outcome = walk.ctx.apply(payload, FREE_TEXT_TARGET)
        if outcome == payload:
            continue
        changed = True
        pieces[i] = ""
        if (
            isinstance(outcome, str)
            and outcome.strip()
            and _specials_free(outcome, d)
            and er7.escape_payload(prefix + outcome) == (prefix, outcome)
        ):
            pieces[i] = esc + prefix + outcome + (esc if closed else "")
    return "".join(pieces) if changed else leaf


def _specials_free(text: str, d: Delimiters) -> bool:
    """Whether ``text`` holds no delimiter, escape character or segment separator."""
    specials = (d.field, d.component, d.repetition, d.subcomponent, d.escape, "\r", "\n")
    return not any(c in text for c in specials)


def _leaf_splitter_of(d: Delimiters) -> re.Pattern[str]:
    return re.compile(f"([{re.escape(d.repetition + d.component + d.subcomponent)}])")


_LEAF_SPLIT: dict[Delimiters, re.Pattern[str]] = {}
_DEFAULT_LEAF_SPLIT: Final = _leaf_splitter_of(er7.DEFAULT_DELIMITERS)


def leaf_splitter(d: Delimiters) -> re.Pattern[str]:
    """Splits a field into its leaves, keeping the delimiters (at odd indices)."""
    if d is er7.DEFAULT_DELIMITERS:
        return _DEFAULT_LEAF_SPLIT
    pattern = _LEAF_SPLIT.get(d)
    if pattern is None:
        pattern = _LEAF_SPLIT[d] = _leaf_splitter_of(d)
    return pattern


def scrub_words(value: str, walk: Walk, target: Target | None = None) -> str:
    """One leaf of free text. A leaf of words joined by underscores (a file name,
    TXA-16 "Wick_Hester_2024.pdf"; a code built from a city, "CH_SPRINGTOWN") is
    scrubbed as words, the underscores put back: the verifier reads "_" as a break.
    So is a leaf with blanks too (hold-out round 16 probe, a renal system's letter
    file name "1234567_19610615_M_9434765919_GP LETTER_20240305101500.rtf": its
    blank kept the birth date and the letter's time whole): there the underscores
    become a blank no text holds (U+2009), and that blank the underscores again."""
    if "_" in value and "://" not in value:
        if not any(c.isspace() for c in value):
            spaced = value.replace("_", " ")
            scrubbed = walk.scrub_text(spaced, target)
            scrubbed = value if scrubbed == spaced else scrubbed.replace(" ", "_")
            return _file_name_numbers(scrubbed, walk) if _FILE_NAME.search(value) else scrubbed
        if _UNDERSCORE_BLANK not in value:
            spaced = value.replace("_", _UNDERSCORE_BLANK)
            scrubbed = walk.scrub_text(spaced, target)
            scrubbed = value if scrubbed == spaced else scrubbed.replace(_UNDERSCORE_BLANK, "_")
            return _file_name_numbers(scrubbed, walk) if _FILE_NAME.search(value) else scrubbed
    return walk.scrub_text(value, target)


# A file name's extension ending a leaf ("..._20251126103606.PDF", "letter.rtf").
_FILE_NAME: Final = re.compile(r"\.[A-Za-z][A-Za-z0-9]{1,4}\Z")
# A file name's part of six digits or more between underscores: a case, patient or
# order number a document system builds the name from (ORBIS's
# "<number>_<number>_<document>_<time>.PDF"); a timestamp is a date, left to the
# date rules.
_FILE_NAME_NUMBER: Final = re.compile(r"(?<![^_])\d{6,}(?![^_.])")
_MIN_FILE_NAME_NUMBER: Final = 6


def _file_name_numbers(scrubbed: str, walk: Walk) -> str:
    """A file name's parts of six digits or more, joined to the rest by underscores,
    that the text pass left (no known value, no date): identifiers. Hold-out round
    21 (an ORBIS MDM^T01's TXA-16): two numbers of seven digits no other field gave
    stayed, the document number beside them pseudonymized."""
    if sum(c.isdigit() for c in scrubbed) < _MIN_FILE_NAME_NUMBER:
        return scrubbed

    def replace(match: re.Match[str]) -> str:
        number = match.group(0)
        if TIMESTAMP.fullmatch(number) is not None:
            return number
        return walk.write(walk.apply(number, UNKNOWN_ID_TARGET), number)

    return _FILE_NAME_NUMBER.sub(replace, scrubbed)


# The blank that stands for an underscore while a leaf with blanks is scrubbed (a thin
# space: a break for every detector, and no sender's text holds one in such a leaf).
_UNDERSCORE_BLANK: Final = "\u2009"


# A whole leaf shaped like an identifier: at least five digits, in groups joined
# by dashes or spaces, with up to four letters before and after ("X99887766",
# "77-1234567", "AB-12345-C", "4417 1234 5678 9113"); not a sentence.
_ID_TOKEN: Final = re.compile(
    r"(?=(?:[^0-9]*[0-9]){5})[A-Za-z]{0,4}-?[0-9][0-9 -]{3,28}[0-9A-Za-z]{0,4}"
)
UNKNOWN_ID_TARGET: Final = Target(Kind.OTHER_ID, Role.UNKNOWN, "hl7v2", "", "")
# Codes that look like identifiers: LOINC codes ("11506-3") and HL7 table names.
# Coded triples keep their codes only for external coding systems written in
# capitals ("SCT", "LN"): a local system ("L", "99ZZZ") or a name in that place
# ("7654321^Din^Din") leaves an identifier-looking code an identifier.
_CODE_SHAPED: Final = re.compile(r"[0-9]{3,5}-[0-9]|HL7[0-9]{4}")
_HL7_TABLE: Final = re.compile(r"HL7[0-9]{4}")  # HL7 tables (local ones, 99xxx, may be ids)
_CODING_SYSTEMS: Final = frozenset(
    {"SCT", "SNM", "SNOMED", "SNOMEDCT", "LN", "LOINC", "I9", "I9C", "I9CDX", "I10", "I10C"}
    | {"ICD9", "ICD10", "ICD10CM", "ICD10PCS", "CPT", "CPT4", "C4", "HCPCS", "RXNORM", "RXN"}
    | {"NDC", "CVX", "MVX", "UCUM", "NCI", "ATC", "DIN", "UNII", "MEDDRA", "NUCC"}
)


def text_field(raw: str, walk: Walk) -> str:
    """Free text, leaf by leaf: delimiters inside the field keep their structure."""
    return _leaf_by_leaf(raw, walk, scrub_words, False)


def unknown_field(raw: str, walk: Walk) -> str:
    """Unknown content (a Z-segment's field, a field beyond the reference data):
    free text leaf by leaf, except that a leaf shaped like an identifier is one
    (issue 4: the preset "redacts identifier-looking values" there). Not for
    fields whose meaning is known: an OBX-5 number (250000 platelets) is a value.
    A coded value (code^text^system, or the same with ``&``, the system a known
    coding system: "385049006&Capsule&SCT") keeps its codes."""
    return _leaf_by_leaf(raw, walk, _unknown_leaf, True)


def _unknown_leaf(value: str, walk: Walk) -> str:
    scrubbed = scrub_words(value, walk)  # the message's known PHI first ([PHONE], ...)
    if (
        scrubbed != value
        or _ID_TOKEN.fullmatch(value) is None
        or TIMESTAMP.fullmatch(value) is not None
        or _CODE_SHAPED.fullmatch(value) is not None
    ):
        return scrubbed
    return walk.write(walk.apply(value, UNKNOWN_ID_TARGET), value)


def _coded(parts: list[str]) -> bool:
    """``parts`` (components or subcomponents) laid out as code^text^system."""
    return len(parts) >= 3 and (
        parts[2].strip() in _CODING_SYSTEMS or _HL7_TABLE.fullmatch(parts[2]) is not None
    )


# A repetition of free text in an address's layout (XAD: street^other^city^state^postal
# code[^country^type^other^county]), as senders that shift fields write one (IN1-19's
# insured address two fields on, in IN1-21) or as a Z-segment repeats PID-11: a
# street with a letter, a place name for the city, no digits in the state, and a
# postal code (US ZIP or ZIP+4, Canadian, British, Dutch, Polish). A bare four-digit
# (New Zealand, Australia, Denmark) or six-digit (China, India) postal code counts
# only after a street with a house number: alone, such a number is as likely a code.
_POSTAL_CODE: Final = re.compile(
    r"\d{5}(?:-\d{4})?|\d{2}-\d{3}|\d{4} ?[A-Z]{2}|[A-Z]\d[A-Z] ?\d[A-Z]\d"
    r"|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}"
)
_BARE_POSTAL_CODE: Final = re.compile(r"\d{4}|\d{6}")
_PLACE_NAME: Final = re.compile(r"[^\W\d_]+(?:[ .'\-]+[^\W\d_]+)*\.?")
_LETTER: Final = re.compile(r"[^\W\d_]")
_ADDRESS_MIN_SEPARATORS: Final = 4  # street^other^city^state^postal code
_ADDRESS_PARTS: Final = {
    0: Target(Kind.STREET_ADDRESS, Role.UNKNOWN, "hl7v2", "", ""),
    1: Target(Kind.STREET_ADDRESS, Role.UNKNOWN, "hl7v2", "", ""),
    2: Target(Kind.CITY, Role.UNKNOWN, "hl7v2", "", ""),
    4: Target(Kind.ZIP, Role.UNKNOWN, "hl7v2", "", ""),
    8: Target(Kind.COUNTY, Role.UNKNOWN, "hl7v2", "", ""),
}


def is_address_layout(comps: list[str], sub: str) -> bool:
    """Components in an address's layout: street (with a letter), city (a place
    name), a state without digits and a postal code (a bare four- or six-digit one
    only after a street with a number)."""
    if len(comps) < 5:
        return False
    street, city, state, postal = (comps[i].split(sub, 1)[0].strip() for i in (0, 2, 3, 4))
    return (
        (
            _POSTAL_CODE.fullmatch(postal) is not None
            or (
                _BARE_POSTAL_CODE.fullmatch(postal) is not None and any(c.isdigit() for c in street)
            )
        )
        and _PLACE_NAME.fullmatch(city) is not None
        and _LETTER.search(street) is not None
        and not any(c.isdigit() for c in state)
    )


def _scrub_address(comps: list[str], walk: Walk) -> None:
    """The street, city, postal code and county of an address-shaped repetition, as
    in an XAD (removed, or generalized, as the policy says)."""
    sub_sep = walk.d.subcomponent
    postal = address_postal_namespace(comps, sub_sep)  # its country's (a non-US code)
    for index, target in _ADDRESS_PARTS.items():
        if index < len(comps) and comps[index]:
            namespace = postal if target.kind is Kind.ZIP else ""
            comps[index] = sub_sep.join(
                walk.write(walk.apply(sub, target, namespace), sub) if sub else sub
                for sub in comps[index].split(sub_sep)
            )


def scrub_address_layouts(raw: str, walk: Walk) -> str:
    """``raw`` (free text, a code or string field) with the street, city, postal code
    and county of each repetition in an address's layout scrubbed as an XAD's; the
    free-text pass then reads what is left."""
    d = walk.d
    if raw.count(d.component) < _ADDRESS_MIN_SEPARATORS:
        return raw
    reps = raw.split(d.repetition)
    for r, rep in enumerate(reps):
        comps = rep.split(d.component)
        if len(comps) > _ADDRESS_MIN_SEPARATORS and is_address_layout(comps, d.subcomponent):
            _scrub_address(comps, walk)
            reps[r] = d.component.join(comps)
    return d.repetition.join(reps)


def is_telecom_layout(comps: list[str]) -> bool:
    """Components in a telecom's layout (``^PRN^PH^^1^617^5550142``): a use or
    equipment code of its table in XTN.2 or XTN.3 and digits in the number's
    components."""
    if len(comps) < 3:
        return False
    codes = tables.TABLE_CODES[("XTN", 2)]
    if comps[1].strip().casefold() not in codes and comps[2].strip().casefold() not in codes:
        return False
    if len(comps) > 3 and "@" in comps[3]:
        return True  # an email (XTN.4)
    return any(c.isdigit() for comp in comps[4:] for c in comp)


# The parts of a repetition in a telecom's layout (0-based XTN components) that hold
# the number or the address: XTN.1 (formatted), .4 (email), .6 (area code), .7 (local
# number), .8 (extension), .12 (unformatted); the country code (.5) and the codes stay.
_TELECOM_NUMBER_PARTS: Final = (0, 5, 6, 7, 11)
_TELECOM_EMAIL: Final = 3


def scrub_telecom_layouts(raw: str, walk: Walk) -> str:
    """``raw`` (a code, date, identifier or coded field of a person segment) with the
    number and email of each repetition in a telecom's layout removed as an XTN's
    (a fax when the equipment is FX). A sender one field off writes the guarantor's
    or the insured's contact phone in a field of another datatype (hold-out round 19
    probe: GT1-44, CE; IN2-55, DT; IN2-65, CE), where the codes and digits of the
    number stayed whole."""
    d = walk.d
    if d.component not in raw:
        return raw
    reps = raw.split(d.repetition)
    for r, rep in enumerate(reps):
        comps = rep.split(d.component)
        if not is_telecom_layout(comps):
            continue
        kind = Kind.FAX if comps[2].strip().casefold() == "fx" else Kind.PHONE
        for index in (*_TELECOM_NUMBER_PARTS, _TELECOM_EMAIL):
            if index < len(comps) and comps[index]:
                target = Target(
                    Kind.EMAIL if index == _TELECOM_EMAIL else kind, Role.UNKNOWN, "hl7v2", "", ""
                )
                comps[index] = d.subcomponent.join(
                    walk.write(walk.apply(sub, target), sub) if sub else sub
                    for sub in comps[index].split(d.subcomponent)
                )
        reps[r] = d.component.join(comps)
    return d.repetition.join(reps)


def _leaf_by_leaf(raw: str, walk: Walk, leaf: Callable[[str, Walk], str], keep_codes: bool) -> str:
    """``raw`` with each leaf through ``leaf``; with ``keep_codes``, the code leaves
    of a coded value (see :func:`_coded`) are free text instead."""
    d = walk.d
    if d.component not in raw and d.subcomponent not in raw and d.repetition not in raw:
        return leaf(raw, walk)
    reps = raw.split(d.repetition)
    for r, rep in enumerate(reps):
        if d.component in rep and add_layout_name(walk, rep) is None and keep_codes:
            add_relative_layout_name(walk, rep)
        comps = rep.split(d.component)
        if is_address_layout(comps, d.subcomponent):
            _scrub_address(comps, walk)
        coded = keep_codes and _coded(comps)
        for c, comp in enumerate(comps):
            if joined_url(comp, d.subcomponent):
                comps[c] = walk.scrub_text(comp)
                continue
            subs = comp.split(d.subcomponent)
            sub_coded = keep_codes and _coded(subs)
            comps[c] = d.subcomponent.join(
                scrub_words(sub, walk)
                if (coded and c in (0, 3)) or (sub_coded and s in (0, 3))
                else leaf(sub, walk)
                for s, sub in enumerate(subs)
            )
        reps[r] = d.component.join(comps)
    return d.repetition.join(reps)


def leaves_by_component(raw: str, walk: Walk, leaf: Callable[[str, Walk], str]) -> str:
    """Free text leaf by leaf, except that a component holding a URL cut at its
    query's ``&`` is one leaf (see :func:`joined_url`)."""
    d = walk.d
    reps = raw.split(d.repetition)
    for r, rep in enumerate(reps):
        comps = rep.split(d.component)
        for c, comp in enumerate(comps):
            if joined_url(comp, d.subcomponent):
                comps[c] = leaf(comp, walk)
                continue
            subs = comp.split(d.subcomponent)
            comps[c] = d.subcomponent.join(leaf(sub, walk) if sub else sub for sub in subs)
        reps[r] = d.component.join(comps)
    return d.repetition.join(reps)


def coded_text(raw: str, walk: Walk) -> str:
    d = walk.d
    reps = raw.split(d.repetition)
    for r, rep in enumerate(reps):
        comps = rep.split(d.component)
        for number in tables.CODED_TEXT_COMPONENTS:
            if number <= len(comps) and comps[number - 1]:
                comps[number - 1] = walk.scrub_text(comps[number - 1])
        reps[r] = d.component.join(comps)
    return d.repetition.join(reps)


def encapsulated(raw: str, walk: Walk, binary_target: Target) -> str:
    """OBX-5 ED: text payloads are decoded, scrubbed and re-encoded; binaries follow the policy."""
    d = walk.d
    reps = raw.split(d.repetition)
    for r, rep in enumerate(reps):
        comps = rep.split(d.component)
        if len(comps) < 5:
            reps[r] = text_field(rep, walk)
            continue
        data_type, subtype, encoding = (c.strip().upper() for c in comps[1:4])
        data_type, subtype = _media_type(data_type, subtype)
        textual = data_type in _TEXT_ENCAPSULATED_TYPES or subtype in _TEXT_SUBTYPES
        if textual and encoding in ("A", ""):
            comps[4] = walk.scrub_text(comps[4])
        elif textual and encoding == "BASE64":
            payload = "".join(comps[4].split())
            payload += "=" * (-len(payload) % 4)  # senders drop the padding
            try:
                text, codec = _decoded_text(base64.b64decode(payload, validate=True), walk.codec)
            except ValueError:  # bad base64 (non-ASCII too) or bad text: both ValueErrors
                raise HL7ScrubError("OBX-5 ED base64 text payload cannot be decoded") from None
            outcome = _scrub_document(text, subtype, walk)
            if isinstance(outcome, Removal):
                reps[r] = ""
                continue
            if outcome != text:  # unchanged: the payload as sent, line breaks and all
                comps[4] = base64.b64encode(outcome.encode(codec, "replace")).decode("ascii")
        elif textual and encoding == "HEX":
            payload = "".join(comps[4].split())
            try:
                text, codec = _decoded_text(bytes.fromhex(payload), walk.codec)
            except (ValueError, UnicodeDecodeError):
                raise HL7ScrubError("OBX-5 ED hex text payload cannot be decoded") from None
            outcome = _scrub_document(text, subtype, walk)
            if isinstance(outcome, Removal):
                reps[r] = ""
                continue
            if outcome != text:
                comps[4] = outcome.encode(codec, "replace").hex().upper()
        else:
            binary = walk.ctx.apply(comps[4], binary_target)
            if isinstance(binary, Removal):
                reps[r] = ""
                continue
            comps[4] = binary
        reps[r] = d.component.join(comps)
    return d.repetition.join(reps)
