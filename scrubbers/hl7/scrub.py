"""De-identify HL7v2 messages under a policy.

For each message: resolve the patient's identity from PID-3 (and PID-2), then
walk every segment with a plan compiled once per (HL7 version, segment id)
from hl7apy's reference data and :mod:`scrubbers.hl7.fields`. Structured
fields go first and feed the message's text scrubber with what they found;
free-text fields (NTE-3, OBX-5 text, Z-segments, fields the reference does
not know) go second, so a name or MRN planted in a note is replaced exactly
like the header's.

Only values the policy changes are rewritten; everything else keeps its
original bytes. Unknown segments and fields beyond the reference data are
treated as free text (their identifier-looking values are replaced), or
dropped when a policy rule with an ``hl7`` path says so.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final, NamedTuple

from parsers.hl7v2 import er7
from parsers.hl7v2.er7 import Delimiters, Document, Message, Segment
from parsers.hl7v2.reference import (
    defined_datatype,
    defining_version,
    resolve_version,
    segment_fields,
)
from scrubbers.detectors import labelled_person_names
from scrubbers.engine import MessageContext, Scrubber
from scrubbers.hl7 import fields as tables
from scrubbers.hl7.free_text import (
    coded_text,
    encapsulated,
    escape_payloads,
    is_address_layout,
    is_telecom_layout,
    leaf_splitter,
    leaves_by_component,
    scrub_address_layouts,
    scrub_telecom_layouts,
    scrub_words,
    sweep,
    text_field,
    unknown_field,
)
from scrubbers.hl7.identifiers import authority, patient_identifiers
from scrubbers.hl7.names import (
    NAME_LAYOUT,
    add_affix_name,
    add_free_name,
    add_layout_name,
    add_name_context,
    add_query_name,
    cn_layout,
    coded_layout,
    names_a_person,
    provider_layout,
)
from scrubbers.hl7.shapes import (
    DATE_LIKE,
    HAS_DIGIT,
    NUMBER,
    TIMESTAMP,
    TIMESTAMP_HINT,
    UNIT_OF_MEASURE,
    address_postal_namespace,
    identifier_hint,
    is_code,
    looks_like_identifier,
)
from scrubbers.hl7.walk import (
    FORMAT,
    FREE_TEXT_TARGET,
    FieldHandler,
    HL7ScrubError,
    Walk,
    joined_url,
    unchangeable,
)
from scrubbers.identifier_types import IDENTIFIER_TYPES
from scrubbers.identity import IdentityUnresolvedError
from scrubbers.kinds import DATE_KINDS, Kind, Role
from scrubbers.labels import answer_kind, names_a_birth_date, names_an_age
from scrubbers.methods import Outcome, Removal
from scrubbers.policy import Rule
from scrubbers.report import UNEXPECTED_SHAPE_ERRORS, ScrubReport, internal_error
from scrubbers.target import Target
from scrubbers.text import uncased_word

# Header fields (by number) that are never free text, whatever their datatype:
# separators, encoding characters, message type, processing id, version, charsets.
_HEADER_CODES: Final = frozenset({1, 2, 9, 11, 12, 18, 20})
# MSH-21, the conformance profiles a message follows ("LRI_Common_Component^^
# 2.16.840.1.113883.9.16^ISO", "Z22^CDCPHINVS"): an interface's constant, which public
# health and lab feeds route on. Kept while every component reads as a profile's name
# or an OID/UUID (a letter in a token, or dotted numbers); anything else, a bare number
# included, is read as the EI it is typed.
_PROFILE_FIELD: Final = "MSH-21"
_PROFILE_PART: Final = re.compile(
    r"[0-9]+(?:\.[0-9]+)+|[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}"
    r"|[A-Za-z0-9_.\-]*[A-Za-z][A-Za-z0-9_.\-]*"
)
ENVELOPE_VERSION: Final = "2.5"
_NDL_TYPES: Final = frozenset({"NDL", "CM_NDL"})
_XCN_PREFIX: Final = 5  # component separators before XCN.6 (prefix)
# Composites of at most four components (EI, EIP, DR, RP, DLD, DLN): a sixth is
# shifted data.
_SHORT_COMPOSITES: Final = frozenset({"EI", "EIP", "DR", "RP", "DLD", "DLN"})
# Yes/no flags (table 0136, expanded in 0532): field names, the longest code, and the
# longer words senders write there.
_FLAG_NAMES: Final = ("_INDICATOR", "_FLAG")
_FLAG_CODE: Final = 4  # ASKU, NASK
_FLAG_WORDS: Final = frozenset({"true", "false", "unknown"})
_DATE_TYPES: Final = frozenset({"DT", "DTM", "TS"})


@dataclass(slots=True)
class MessageResult:
    """What happened to one message of an input."""

    index: int | None  # None: the input as a whole (it could not be split into messages)
    report: ScrubReport | None = None
    error: str | None = None


@dataclass(slots=True)
class DocumentResult:
    output: bytes | None
    messages: list[MessageResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.output is not None and all(m.error is None for m in self.messages)


# --- plans ------------------------------------------------------------------------


@dataclass(slots=True)
class SegmentPlan:
    name: str
    drop: bool
    handlers: dict[int, FieldHandler]  # split index -> handler
    known_fields: int  # beyond this, fields are unknown content (free text)
    unknown_segment: bool
    # split index -> free-text pass over the parts of a composite field that its
    # component table does not list, run after the structured pass
    after: dict[int, FieldHandler] = field(default_factory=dict)
    # the handler of fields beyond the reference (or of every field of an unknown
    # segment): free text, or QPD's query parameters
    beyond: FieldHandler | None = None


_CALLED_BY: Final = 14  # XPN.15, 0-based
_AGE_VALUE_TYPES: Final = frozenset({"NM", "SN", "ST", ""})


def _is_age(observation: str, walk: Walk) -> bool:
    """OBX-3 names the patient's age: a LOINC age code, or a text (.2, .5, .9, .11) that
    says so ("Age", "Patient age", "Age at collection" with a local code)."""
    d = walk.d
    concept = observation.split(d.repetition, 1)[0].split(d.component)
    if concept[0].strip() in tables.AGE_OBSERVATION_CODES:
        return True
    return any(
        number <= len(concept)
        and concept[number - 1]
        and names_an_age(er7.readable(concept[number - 1], d, walk.codec))
        for number in tables.CODED_TEXT_COMPONENTS
    )


# A date result (OBX-2 TS, DT, DTM) whose observation names a birth date: the
# patient's or a relative's ("Mother's date of birth"; hold-out round 19 probe: Safe
# Harbor kept the year 1929 as any date's, an age over 89).
_DATE_VALUE_TYPES: Final = frozenset({"TS", "DT", "DTM"})


def _is_birth_date(observation: str, walk: Walk) -> bool:
    """OBX-3's text (.2, .5, .9, .11) asks for a birth date ("Date of birth", "Mother's
    DOB", "Geburtsdatum"; labels.names_a_birth_date)."""
    d = walk.d
    concept = observation.split(d.repetition, 1)[0].split(d.component)
    return any(
        number <= len(concept)
        and concept[number - 1]
        and names_a_birth_date(er7.readable(concept[number - 1], d, walk.codec))
        for number in tables.CODED_TEXT_COMPONENTS
    )


# HL7 NM: an optional sign, digits, an optional decimal point (SI and SNM are narrower).
_NUMERIC_DATATYPES: Final = frozenset({"NM", "SI", "SNM"})
# The code components of CE, CWE, CNE and CF (identifier, alternate identifier),
# 0-based; the coding system is two components on.
_CODE_COMPONENTS: Final = (0, 3)
# Composites without a component table that hold a table code first (FC: financial
# class and its date): an identifier there is shifted data. Locations (PL, HD) hold
# facility and unit ids, which stay free text.
_CODED_COMPOSITES: Final = frozenset({"FC"})
# Identifier kinds a field rule may give the id of a person who is no provider.
_PERSON_ID_KINDS: Final = frozenset(
    {Kind.MRN, Kind.ACCOUNT_NUMBER, Kind.HEALTH_PLAN_ID, Kind.SSN, Kind.OTHER_ID}
)
_PLACE_KINDS: Final = frozenset({Kind.CITY, Kind.COUNTY, Kind.STATE, Kind.COUNTRY})
# A place field holding place words and a postal code ("Fogwick 05401", "05401
# Fogwick", "Upper Fogwick, VT 05401"): the place and a ZIP code, not free text.
_PLACE_WORDS: Final = r"[^\W\d_]+(?:[ '.-]{1,2}[^\W\d_]+){0,4}"
# Four to six digits, not a year ("Born in Fogwick in 1961" stays free text).
_POSTAL: Final = r"(?!(?:1[89]|20)\d\d(?!\d))\d{4,6}(?:-\d{3,4})?"
_PLACE_AND_POSTAL: Final = re.compile(
    rf"(?P<place>{_PLACE_WORDS})(?P<mid>,? ?(?:[A-Z]{{2}},? )?| )(?P<postal>{_POSTAL})"
    rf"|(?P<postal2>{_POSTAL})(?P<mid2> ,? ?|,? )(?P<place2>{_PLACE_WORDS})"
)
_PERSON_NAME_DATATYPES: Final = frozenset({"XPN", "PN"})
# An order's placer and filler fields (OBR-18 to OBR-21, ST): IHE's radiology
# profiles put the accession number, the requested procedure's and the scheduled
# step's ids there, and senders their own sample or order numbers. A leaf that reads
# as an identifier is one, as in a person segment's string fields (hold-out round 21:
# a Polish P1 ORM^O01 kept a nine-digit number in OBR-18); text ("Placer 1") stays.
_ORDER_NUMBER_STRINGS: Final = frozenset({"OBR-18", "OBR-19", "OBR-20", "OBR-21"})
_LAYOUT_NAME_PARTS: Final = 3  # family, given and middle name of a name's layout
_ADDRESS_ZIP: Final = 5  # XAD.5 and AD.5, the postal code (1-based)
_ADDRESS_SEPARATORS: Final = 4  # street^other^city^state^postal code
_ID_TYPES: Final = frozenset({"CX", "CK"})
# Digits of the shortest number a person segment's number field holds as an
# identifier (a policy number one field off); see shapes.looks_like_identifier.
_ID_DIGITS: Final = 9
# Three digits in a row: in a state, a postal code (a province or department number,
# "28" or "75", is a state's code); in a name's code components, shifted data.
_THREE_DIGITS: Final = re.compile(r"\d{3}")
# Letters and digits mixed, five or more of them: a Canadian or British postcode
# (K1A 0B1, SW1A 1AA); a state's code so mixed is short (Corsica's "2A").
_MIXED_POSTCODE: Final = re.compile(
    r"(?=[^\W_]*\d)(?=[^\W_]*[^\W\d_])[^\W_]{2,5}(?: ?[^\W_]{2,4})?"
)
# A street in a state component: a house number before a word, or a street's word
# ("MARROWVALE ROAD", "Jalan Kebun Tiga", "Lorong 5"). No state is so named.
_STREET_IN_STATE: Final = re.compile(
    r"^\s*\d{1,5}[^\W\d_]?\s+[^\W\d_]|\b(?:road|rd|street|avenue|ave|lane|drive|boulevard"
    r"|blvd|highway|hwy|crescent|terrace|way|jalan|jln|lorong|rue|strasse|stra\u00dfe|calle"
    r"|avenida|rua|blk|block)\b",
    re.IGNORECASE,
)

# An observation's name that ends naming an identifier ("SUBVENTION DOCUMENT ID",
# "Referral number", "Case no.", "Ref #"): its value, if it reads as one, is one.
_ID_LABEL: Final = re.compile(
    r"(?:(?:^|[\s_./-])(?:id|identifier|number|no|nr|num)|#)[\s.:?*]*$", re.IGNORECASE
)


def _labels_the_person(concept: list[str], raw: str, d: er7.Delimiters, codec: str) -> bool:
    """Whether OBX-3's text is a person alone ("Emergency contact", "Next of kin",
    "Parent/guardian", "Kontaktperson", "Pårørende") and OBX-5 reads as that person's
    name after it, as after the label in a note ("Emergency contact: Hester Wick",
    ``Wick^Hester`` read as "Wick, Hester"; see detectors.labelled_person_names). Hold-out
    round 17 probe: the name came out whole, where "Emergency contact name" was
    replaced; "Same as patient" and a phone number stay for the free-text pass."""
    first = raw.split(d.repetition, 1)[0]
    value = ", ".join(
        part for comp in first.split(d.component) if (part := er7.readable(comp, d, codec).strip())
    )
    if not value or ":" in value:
        return False
    for number in tables.CODED_TEXT_COMPONENTS:
        if number <= len(concept) and concept[number - 1]:
            label = er7.readable(concept[number - 1], d, codec).strip().rstrip(":").rstrip()
            text = f"{label}: {value}"
            if any(start > len(label) for start, _ in labelled_person_names(text)):
                return True
    return False


# SN.1 comparators and SN.3 separators (HL7 structured numeric).
_SN_SYMBOLS: Final = frozenset({">", "<", ">=", "<=", "=", "<>", "-", "+", "/", ".", ":"})
# OBX-2 value types whose OBX-5 a PHI label in OBX-3 turns into that PHI: text and
# numbers (a phone number sent as NM). Structured types have their own tables.
_LABELLED_VALUE_TYPES: Final = frozenset({*tables.TEXT_VALUE_TYPES, "NM", ""})


class HL7Scrubber:
    """Scrubs HL7v2 inputs with one :class:`~scrubbers.engine.Scrubber` (policy + keys)."""

    def __init__(self, scrubber: Scrubber) -> None:
        self.scrubber = scrubber
        self._plans: dict[tuple[str, str], SegmentPlan] = {}
        self._targets: dict[tuple[str, int, Kind, Role, str], Target] = {}
        self._deferred: set[FieldHandler] = {text_field, unknown_field, coded_text}
        self._unknown_handlers: dict[tuple[str, int], FieldHandler] = {}
        # Handlers of code fields (ID, IS, NM, ...): deferred only when not a code.
        self._simple: set[FieldHandler] = set()
        # Simple handlers of PERSON_SEGMENTS: a code there may be a shifted identifier.
        self._guarded: set[FieldHandler] = set()
        self._numeric: set[FieldHandler] = set()  # the simple handlers of number fields
        self._flags: set[FieldHandler] = set()  # the simple handlers of yes/no flags
        # A composite's structured handler -> its free-text pass over the parts its
        # component table does not list (see _component_text_handler).
        self._companions: dict[FieldHandler, FieldHandler] = {}
        self._text_scrubs = scrubber.policy.resolve(FREE_TEXT_TARGET).method == "scrub"

    # --- public API ---------------------------------------------------------

    def scrub_bytes(self, data: bytes) -> DocumentResult:
        """Scrub every message of an input. Fails closed: any error, no output.

        Size limits are the caller's (the worker's and the CLI's, before reading)."""
        try:
            document = er7.parse(data)
        except er7.ER7Error as exc:
            return DocumentResult(None, [MessageResult(exc.message_index, error=str(exc))])
        return self.scrub_document(document)

    def scrub_document(self, document: Document) -> DocumentResult:
        results = []
        contexts: list[MessageContext] = []
        for message in document.messages:
            try:
                results.append(
                    MessageResult(
                        message.index, self.scrub_message(message, contexts, document.encoding)
                    )
                )
            except (HL7ScrubError, er7.ER7Error, IdentityUnresolvedError) as exc:
                results.append(MessageResult(message.index, error=str(exc)))  # value-free
            except UNEXPECTED_SHAPE_ERRORS as exc:
                # Not ours: its text may quote the data (a KeyError holds the key).
                results.append(MessageResult(message.index, error=internal_error(exc)))
        self._scrub_envelope(document, contexts)
        if any(r.error for r in results):
            return DocumentResult(None, results)
        try:
            return DocumentResult(er7.serialize(document), results)
        except er7.ER7Error as exc:
            return DocumentResult(None, [MessageResult(None, error=str(exc))])

    def scrub_message(
        self,
        message: Message,
        contexts: list[MessageContext] | None = None,
        codec: str = "utf-8",
    ) -> ScrubReport:
        """Scrub one message in place; ``codec`` is its document's character set."""
        version = resolve_version(message.version)
        ctx = self.scrubber.message(
            patient_identifiers(message), content=functools.partial(_input_form, message.segments)
        )
        if contexts is not None:
            contexts.append(ctx)
        walk = Walk(ctx, message.delimiters, codec, self._text_scrubs)
        walk.facilities = _header_namespaces(message)
        walk.facility_words = _facility_words(walk.facilities)
        kept: list[Segment] = []
        for segment in message.segments:
            if not segment.text:
                kept.append(segment)
                continue
            plan = self._plan(version, segment.name)
            if plan.drop:
                ctx.report.record(Kind.FREE_TEXT, "drop")
                continue
            self._scrub_segment(segment, plan, walk)
            kept.append(segment)
        for finish in walk.deferred:
            finish()
        sweep(kept, walk)
        escape_payloads(kept, walk)
        if kept and not kept[-1].terminator and message.segments[-1].terminator:
            kept[-1].terminator = message.segments[-1].terminator
        message.segments[:] = kept
        ctx.report.subject = ctx.patient_pseudonym()
        return ctx.report

    # --- segments -------------------------------------------------------------

    def _scrub_segment(self, segment: Segment, plan: SegmentPlan, walk: Walk) -> None:
        d = walk.d
        parts = segment.text.split(d.field)
        is_msh = plan.name in er7.HEADER_SEGMENTS
        walk.segment_fields = parts
        changed = False
        later: list[tuple[int, FieldHandler]] = []
        for index in range(1, len(parts)):
            raw = parts[index]
            if not raw or (is_msh and index == 1):
                continue
            handler = plan.handlers.get(index)
            if handler is None and (plan.unknown_segment or index > plan.known_fields):
                number = index + 1 if is_msh else index
                handler = plan.beyond or self._unknown_handler(plan.name, number)
            if handler is None:
                if TIMESTAMP_HINT.search(raw):
                    handler = self._stray_dates(plan.name, index)
                else:
                    continue
            if handler in self._deferred:
                if handler in self._simple and (
                    (
                        NUMBER.fullmatch(raw)
                        and not TIMESTAMP_HINT.match(raw)
                        and (len(raw) < _ID_DIGITS or handler not in self._guarded)
                    )
                    if handler in self._numeric
                    else is_code(raw)
                    and d.component not in raw  # components: shifted data (a name)
                    and (handler not in self._guarded or not identifier_hint(raw))
                    and (len(raw) <= _FLAG_CODE or handler not in self._flags)
                ):
                    continue  # the common case: a code, kept without a deferred pass
                later.append((index, handler))
                continue
            new = handler(raw, walk)
            if new != raw:
                parts[index] = new
                changed = True
            companion = plan.after.get(index)
            if companion is not None:
                later.append((index, companion))
        if changed:
            segment.text = d.field.join(parts)
        if later:
            walk.deferred.append(_deferred(segment, list(parts), later, walk, d))

    def _scrub_envelope(self, document: Document, contexts: list[MessageContext]) -> None:
        """FHS/BHS/BTS/FTS batch segments: dates, file names and comments.

        They belong to no one patient, but a file name or comment can carry any
        batch member's PHI: the envelope knows what every message revealed."""
        segments = [i for i in document.items if isinstance(i, Segment) and i.text]
        if not segments:
            return
        envelope_ctx = self.scrubber.message(content=functools.partial(_input_form, segments))
        for ctx in contexts:
            envelope_ctx.text.absorb(ctx.text)
        walk = Walk(envelope_ctx, er7.DEFAULT_DELIMITERS, document.encoding, self._text_scrubs)
        for segment in segments:
            if segment.name in ("FHS", "BHS"):
                walk.d = Delimiters.from_header(segment.text)
            plan = self._plan(ENVELOPE_VERSION, segment.name)
            # File names, batch names and comments are free text here: no field of an
            # envelope is left unexamined.
            envelope = SegmentPlan(plan.name, plan.drop, plan.handlers, 0, True, plan.after)
            self._scrub_segment(segment, envelope, walk)
        for finish in walk.deferred:
            finish()
        escape_payloads(segments, walk)

    def _stray_dates(self, segment: str, index: int) -> FieldHandler:
        """Timestamps in fields no rule classifies (misplaced or site-specific data).

        Safe Harbor covers every date related to the patient, wherever it sits:
        a leaf that is exactly an HL7 date/time is treated as a date.
        """
        target = self._target(f"{segment}-{index}", 0, Kind.DATE, Role.PATIENT, "DTM")

        def handle(raw: str, walk: Walk) -> str:
            d = walk.d
            leaves = re.split(f"([{re.escape(d.repetition + d.component + d.subcomponent)}])", raw)
            for i in range(0, len(leaves), 2):
                if TIMESTAMP.fullmatch(leaves[i]):
                    leaves[i] = walk.write(walk.apply(leaves[i], target), leaves[i])
            return "".join(leaves)

        return handle

    # --- plan compilation ------------------------------------------------------

    def _plan(self, version: str, name: str) -> SegmentPlan:
        key = (version, name)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._compile(version, name)
        return plan

    def _compile(self, version: str, name: str) -> SegmentPlan:
        policy = self.scrubber.policy
        role = tables.SEGMENT_ROLES.get(name, Role.PATIENT)
        segment_rule = policy.resolve(Target(Kind.FREE_TEXT, role, FORMAT, name, "segment"))
        drop = segment_rule.method == "drop" and "hl7" in segment_rule.selectors
        # A segment the declared version does not define (PRT, 2.7+, in a 2.5.1
        # message) reads by the nearest version that does; Z-segments stay unknown.
        version = defining_version(version, name) or version
        infos = segment_fields(version, name)
        handlers: dict[int, FieldHandler] = {}
        after: dict[int, FieldHandler] = {}
        offset = 1 if name in er7.HEADER_SEGMENTS else 0

        # Yes/no flags of a person segment (PID-24 multiple birth indicator, GT1-25
        # guarantor death flag): ID fields of table 0136 in every version.
        flags = (
            frozenset(
                info.number
                for info in infos or ()
                if info.datatype == "ID" and info.name.endswith(_FLAG_NAMES)
            )
            if name in tables.PERSON_SEGMENTS
            else frozenset()
        )

        def install(number: int, datatype: str) -> None:
            """The field's handler, and the companion that runs after it, if any."""
            handler = self._field_handler(name, number, datatype, role, number in flags)
            if handler is not None and name in tables.CONTACT_SEGMENTS:
                handler = self._with_contacts(handler, datatype)
            if handler is not None:
                handlers[number - offset] = handler
                companion = self._companions.get(handler)
                if companion is not None:
                    after[number - offset] = companion

        datatypes = {info.number: info.datatype for info in infos or ()}
        for number in range(1, max(datatypes, default=0) + 1):
            datatype = datatypes.get(number, "")
            if not datatype or datatype.upper() == tables.WITHDRAWN:
                # Withdrawn, or left out of this version's tables (PR1-11 in 2.6):
                # senders still fill it; its datatype where a version defines it,
                # else free text (see _field_handler).
                datatype = defined_datatype(version, name, number) or tables.WITHDRAWN
            install(number, datatype)
        known = (max(datatypes) - offset) if datatypes else 0
        if datatypes:
            # Fields a newer version adds are sent under older MSH-12 values too. One a
            # field rule classifies (PRT-16 and -20, the device's identifier and serial
            # number, in 2.8.2) follows its rule; one whose datatype has components
            # (NK1-30, the contact person's name, XPN from 2.3; EVN-5, XCN from 2.2)
            # is read by them: free text cannot tell a name. Other fields beyond this
            # version's tables stay unknown content.
            number = max(datatypes) + 1
            while (added := defined_datatype(version, name, number)) is not None:
                if f"{name}-{number}" in tables.FIELD_RULES or added in tables.DATATYPE_COMPONENTS:
                    install(number, added)
                number += 1
        beyond = None
        if name == "QPD":
            # QPD-3 on: query parameters, whatever the version says (2.3 has no QPD).
            beyond = self._query_handler(version)
            handlers = {n: h for n, h in handlers.items() if n < 3}
            handlers[3] = beyond
        return SegmentPlan(name, drop, handlers, known, infos is None, after, beyond)

    def _field_handler(
        self,
        segment: str,
        number: int,
        datatype: str,
        role: Role,
        flag: bool = False,
        *,
        profiles: bool = True,
    ) -> FieldHandler | None:
        path = f"{segment}-{number}"
        if profiles and path == _PROFILE_FIELD and not self._path_has_rule(path):
            usual = self._field_handler(segment, number, datatype, role, flag, profiles=False)
            return None if usual is None else self._profiles_kept(usual)
        rule = tables.FIELD_RULES.get(path, tables.FieldRule())
        datatype = rule.datatype or tables.READ_AS.get(datatype, datatype)
        if rule.role is not None:
            role = rule.role
        elif datatype in tables.PROVIDER_DATATYPES:
            role = Role.PROVIDER
        if (rule.text or (datatype == tables.WITHDRAWN and rule.kind is None)) and (
            self._path_has_rule(path)
        ):
            return self._path_rule_handler(path, datatype, role)
        if rule.text:
            return self._text_with_providers(path)
        if datatype == tables.WITHDRAWN:
            # Withdrawn fields still arrive from older senders: a known meaning wins,
            # anything else is treated as free text.
            if rule.kind is None:
                return self._text_with_providers(path)
            return self._kind_handler(path, datatype, role, rule.kind)
        if segment == "OBX" and number == 5:
            labelled = self._obx5_labelled(role)
            self._companions[labelled] = self._obx5_handler(role)
            return labelled
        components = tables.DATATYPE_COMPONENTS.get(datatype)
        if components is not None and datatype in _NDL_TYPES:
            return self._ndl_handler(path, datatype, role, components, rule.kind)
        if components is not None and datatype in _DATE_TYPES:
            return self._with_addresses(
                path, self._date_handler(path, datatype, role, components, rule.kind)
            )
        if components is not None and datatype in NAME_LAYOUT and role is Role.PROVIDER:
            return self._person_handler(path, datatype, role, components, rule.kind)
        if components is not None and datatype in _SHORT_COMPOSITES:
            # At most four components: a repetition in an XCN's layout with a title or
            # degree is a provider sent fields off (the interpreter in OBR-29, EIP).
            as_xcn = self._component_handler(
                path, "XCN", Role.PROVIDER, tables.DATATYPE_COMPONENTS["XCN"], None
            )
            usual = self._component_handler(path, datatype, role, components, rule.kind)
            return self._by_layout(usual, as_xcn, provider_layout, _XCN_PREFIX)
        if components is not None:
            handler = self._component_handler(path, datatype, role, components, rule.kind)
            return self._with_addresses(path, handler) if datatype in _ID_TYPES else handler
        if rule.kind is not None:
            return self._kind_handler(path, datatype, role, rule.kind)
        if self._path_has_rule(path):
            return self._leaf_handler(path, datatype, role, Kind.OTHER_ID)
        # Fail closed: text a sender may type into a field is scrubbed as free text.
        if datatype in tables.CODED_DATATYPES:
            return self._coded_handler(path, datatype, role)
        if segment in er7.HEADER_SEGMENTS and number in _HEADER_CODES:
            return None
        if datatype in tables.STRING_DATATYPES:
            return self._string_handler(path, datatype, role)
        if datatype == "ED":
            target = self._target(path, 0, Kind.ATTACHMENT, role, datatype)

            def ed_field(raw: str, walk: Walk) -> str:
                return encapsulated(raw, walk, target)

            self._deferred.add(ed_field)
            return ed_field
        if datatype not in tables.SIMPLE_DATATYPES:
            # A composite without a component table (PL, HD, CQ, SPS, TQ, CP, an
            # older version's CM_ type): whatever a sender types in it is free text.
            return self._string_handler(path, datatype, role)
        return self._simple_handler(path, datatype, role, flag)

    def _profiles_kept(self, usual: FieldHandler) -> FieldHandler:
        """MSH-21 kept while it names profiles (see _PROFILE_FIELD), else ``usual``.
        The free-text companion, if any, runs as it would after ``usual``."""

        def handle(raw: str, walk: Walk) -> str:
            return raw if _names_profiles(raw, walk.d) else usual(raw, walk)

        companion = self._companions.get(usual)
        if companion is not None:
            self._companions[handle] = companion
        return handle

    def _simple_handler(
        self, path: str, datatype: str, role: Role, flag: bool = False
    ) -> FieldHandler:
        """A code, number or sequence id (ID, IS, NM, SI, ...): kept byte for byte while
        it looks like one. Fail closed: a leaf with whitespace or longer than a code
        (an error text typed into ERR-9, a note in an IS field) is free text, and a
        leaf that is exactly an HL7 timestamp is a date, in a number field too (an
        admit time shifted into PV1-46 reads as a number). A number field holding
        letters and digits that are no number (a member id shifted into IN1-33 by a
        sender's misaligned fields) is an identifier: free text would keep it, and in a
        person segment so is a number of nine digits or more (a policy number in
        IN1-34) or a code that reads as one (see looks_like_identifier). So is a
        word in a yes/no ``flag`` (a birth place one field off, in PID-24): a code
        of its table is Y, N or another of a few letters."""
        text_leaf = self._text_leaf(path, 0, datatype, role)
        numeric = datatype in _NUMERIC_DATATYPES
        id_target = self._target(path, 0, Kind.OTHER_ID, role, datatype)
        date_target = self._target(path, 0, Kind.DATE, role, "DTM")
        # In a person segment, a code or a number that reads as an identifier is one
        # (nine digits or more: no count or amount of a person segment is so long).
        guarded = _segment_of(path) in tables.PERSON_SEGMENTS

        def leaf(value: str, walk: Walk) -> str:
            if numeric and TIMESTAMP.fullmatch(value):
                return walk.write(walk.apply(value, date_target), value)
            if (
                numeric
                and NUMBER.fullmatch(value) is None
                and HAS_DIGIT.search(value)
                and UNIT_OF_MEASURE.fullmatch(value) is None  # "mg/m2" one field off
            ):
                return walk.write(walk.apply(value, id_target), value)
            if guarded and looks_like_identifier(value):
                return walk.write(walk.apply(value, id_target), value)
            if (
                flag
                and len(value) > _FLAG_CODE
                and value.casefold() not in _FLAG_WORDS
                and not TIMESTAMP.fullmatch(value)  # a date: the text leaf's
            ):
                return walk.write(walk.apply(value, id_target), value)
            if is_code(value):
                return value
            return text_leaf(value, walk)

        def handle(raw: str, walk: Walk) -> str:
            d = walk.d
            if d.component not in raw and d.subcomponent not in raw and d.repetition not in raw:
                return leaf(raw, walk)
            if d.component in raw:
                raw = _coded_person_names(raw, walk)
                if guarded:
                    raw = scrub_telecom_layouts(raw, walk)
            return leaves_by_component(scrub_address_layouts(raw, walk), walk, leaf)

        with_providers = self._with_providers(path, handle)
        self._deferred.add(with_providers)
        self._simple.add(with_providers)
        if numeric:
            self._numeric.add(with_providers)
        if guarded:
            self._guarded.add(with_providers)
        if flag:
            self._flags.add(with_providers)
        return with_providers

    def _coded_handler(self, path: str, datatype: str, role: Role) -> FieldHandler:
        """A coded field (CE, CWE, CNE, CF): text components are free text, the codes
        are kept; a code leaf that is exactly an HL7 timestamp (misplaced data) is a
        date."""
        date_target = self._target(path, 0, Kind.DATE, role, datatype)
        text_target = self._target(path, 0, Kind.FREE_TEXT, role, datatype)
        text_numbers = tables.CODED_TEXT_COMPONENTS
        skip_short = self.scrubber.policy.resolve(text_target).method == "scrub"
        # In a person segment, an identifier (CE.1, CE.4) without a coding system
        # that reads as an identifier is one (shifted data), not a table code.
        guarded = _segment_of(path) in tables.PERSON_SEGMENTS
        id_target = self._target(path, 0, Kind.OTHER_ID, role, datatype)

        def text(value: str, walk: Walk) -> str:
            return (
                value if skip_short and unchangeable(value) else walk.scrub_text(value, text_target)
            )

        def handle(raw: str, walk: Walk) -> str:
            d = walk.d
            if guarded:
                # An address shifted here (the insured's, in IN1-17): its city is the
                # coding system's place and its postal code the alternate text. So
                # is a phone (GT1-44): its number is the coding system's version.
                raw = scrub_telecom_layouts(scrub_address_layouts(raw, walk), walk)
            reps = raw.split(d.repetition)
            for r, rep in enumerate(reps):
                comps = rep.split(d.component)
                if guarded and len(comps) > 1 and comps[1] and not (len(comps) > 2 and comps[2]):
                    # No coding system: a person in a name's layout shifted here (the
                    # insured QUILLFEATHER^OSWIN one field off, in IN1-17) is replaced
                    # as in ID and IS fields; a free-text .2 would keep the given name.
                    comps = _coded_person_names(rep, walk).split(d.component)
                for c, comp in enumerate(comps):
                    if not comp:
                        continue
                    if c + 1 in text_numbers:
                        if d.subcomponent in comp and not joined_url(comp, d.subcomponent):
                            comps[c] = d.subcomponent.join(
                                text(sub, walk) for sub in comp.split(d.subcomponent)
                            )
                        else:
                            comps[c] = text(comp, walk)
                    elif (
                        guarded
                        and c in _CODE_COMPONENTS
                        and not (c + 2 < len(comps) and comps[c + 2])
                        and looks_like_identifier(comp)
                    ):
                        comps[c] = walk.write(walk.apply(comp, id_target), comp)
                    elif comp[:1].isdigit() and TIMESTAMP_HINT.match(comp):
                        subs = comp.split(d.subcomponent)
                        for s, sub in enumerate(subs):
                            if TIMESTAMP.fullmatch(sub):
                                subs[s] = walk.write(walk.apply(sub, date_target), sub)
                        comps[c] = d.subcomponent.join(subs)
                    elif not is_code(comp):
                        # Fail closed: text typed where a code belongs (a note, a
                        # phone) is free text, as in ID and IS fields.
                        comps[c] = d.subcomponent.join(
                            text(sub, walk) for sub in comp.split(d.subcomponent)
                        )
                reps[r] = d.component.join(comps)
            return d.repetition.join(reps)

        with_providers = self._with_providers(path, handle)
        self._deferred.add(with_providers)
        return with_providers

    def _string_handler(self, path: str, datatype: str, role: Role) -> FieldHandler:
        """A string field (ST, TX, FT, ...) or a composite without a component table:
        free text leaf by leaf, after the structured pass; a leaf that is exactly an
        HL7 timestamp is a date. In a person segment, a leaf of a string or FC field
        that reads as an identifier (a visit number shifted into PV1-20, FC) is one."""
        text_leaf = self._text_leaf(path, 0, datatype, role)
        leaf = text_leaf
        person = _segment_of(path) in tables.PERSON_SEGMENTS
        if (person or path in _ORDER_NUMBER_STRINGS) and (
            datatype in tables.STRING_DATATYPES or datatype in _CODED_COMPOSITES
        ):
            id_target = self._target(path, 0, Kind.OTHER_ID, role, datatype)

            def leaf(value: str, walk: Walk) -> str:
                if looks_like_identifier(value):
                    return walk.write(walk.apply(value, id_target), value)
                return text_leaf(value, walk)

        def handle(raw: str, walk: Walk) -> str:
            d = walk.d
            if d.component not in raw and d.subcomponent not in raw and d.repetition not in raw:
                return leaf(raw, walk)
            raw = scrub_address_layouts(raw, walk)
            if person:
                raw = scrub_telecom_layouts(raw, walk)  # a phone one field off
            if person and d.component in raw:
                # A relative in a name's layout shifted here (the insured in IN1-14):
                # free text leaf by leaf would keep a given name it cannot read.
                raw = _coded_person_names(raw, walk)
            if d.subcomponent in raw and ("://" in raw or "?" in raw):
                return leaves_by_component(raw, walk, leaf)
            leaves = leaf_splitter(d).split(raw)
            for i in range(0, len(leaves), 2):
                if leaves[i]:
                    leaves[i] = leaf(leaves[i], walk)
            return "".join(leaves)

        with_providers = self._with_providers(path, handle)
        self._deferred.add(with_providers)
        return with_providers

    def _with_providers(self, path: str, handle: FieldHandler) -> FieldHandler:
        """``handle``, the free-text handler of a field that holds no person (a code,
        a location, a string), except for a repetition in an XCN's layout with a title
        or degree (see provider_layout): a provider a sender put fields off (the
        attending doctor in PV1-6 or PV1-16, an interpreter in OBR-30), scrubbed as an
        XCN of role provider and learned for the message's free text. Free text would
        keep a name no structured field carries, a code field the id. The XCN
        handler is built when a provider first shows in the field: built with every
        field's plan, its objects grew the heap the garbage collector scans by a
        sixth and cost the ADT benchmark 6%."""
        built: list[FieldHandler] = []

        def as_provider(rep: str, walk: Walk) -> str:
            if not built:
                built.append(self._provider_repetition(path))
            return built[0](rep, walk)

        def with_providers(raw: str, walk: Walk) -> str:
            d = walk.d
            if raw.count(d.component) < _XCN_PREFIX:  # the common case: no XCN.6
                return handle(raw, walk)
            reps = raw.split(d.repetition)
            if not any(provider_layout(rep, d) for rep in reps):
                return handle(raw, walk)
            for r, rep in enumerate(reps):
                if provider_layout(rep, d):
                    reps[r] = as_provider(rep, walk)
                elif rep:
                    reps[r] = handle(rep, walk)
            return d.repetition.join(reps)

        return with_providers

    def _provider_repetition(self, path: str) -> FieldHandler:
        """A repetition of ``path`` in an XCN's layout, scrubbed as a provider's XCN
        (see _with_providers)."""
        as_xcn = self._component_handler(
            path, "XCN", Role.PROVIDER, tables.DATATYPE_COMPONENTS["XCN"], None
        )
        xcn_rest = self._companions[as_xcn]
        id_target = self._target(path, 0, Kind.PROVIDER_ID, Role.PROVIDER, "XCN")

        def as_provider(rep: str, walk: Walk) -> str:
            # A component the XCN rules keep that reads as an identifier (an NPI in
            # XCN.14) is the provider's: the field's own rule would have replaced it.
            d = walk.d
            comps = xcn_rest(as_xcn(rep, walk), walk).split(d.component)
            for c, (before, after) in enumerate(zip(rep.split(d.component), comps, strict=False)):
                if before == after and looks_like_identifier(after):
                    comps[c] = walk.write(walk.apply(after, id_target), after)
            return d.component.join(comps)

        return as_provider

    def _text_with_providers(self, path: str) -> FieldHandler:
        """A free-text field (OBR-31, a withdrawn field) with its providers (see
        _with_providers): OBR-31 one field off holds the interpreter."""
        handler = self._with_providers(path, text_field)
        self._deferred.add(handler)
        return handler

    def _text_leaf(
        self, path: str, component: int, datatype: str, role: Role
    ) -> Callable[[str, Walk], str]:
        """Scrubs one leaf (a component or subcomponent) as free text; a leaf that is
        exactly an HL7 timestamp is a date."""
        text_target = self._target(path, component, Kind.FREE_TEXT, role, datatype)
        date_target = self._target(path, component, Kind.DATE, role, datatype)
        # Values the text scrubber cannot change are skipped (no policy call, no
        # report count) when the policy scrubs this text: a single character, or a
        # short number (context terms and detectors need 5+ digits or other text).
        skip_short = self.scrubber.policy.resolve(text_target).method == "scrub"

        def leaf(value: str, walk: Walk) -> str:
            if skip_short and unchangeable(value):
                return value
            if value[:1].isdigit() and TIMESTAMP.fullmatch(value):
                return walk.write(walk.apply(value, date_target), value)
            return scrub_words(value, walk, text_target)

        return leaf

    def _path_rule_handler(self, path: str, datatype: str, role: Role) -> FieldHandler:
        """A free-text or unknown field an ``hl7`` path rule names: the rule applies
        to the field's value whole (``{hl7: NTE-3}`` with ``redact`` empties NTE-3,
        with ``keep`` keeps it; the verifier still checks the output)."""
        return self._leaf_handler(path, datatype, role, Kind.FREE_TEXT)

    def _unknown_handler(self, segment: str, number: int) -> FieldHandler:
        """The handler of unknown content at ``segment``-``number`` (a Z-segment's
        field, a field beyond the reference): an ``hl7`` path rule's if one names it,
        else free text with identifier-looking values as identifiers."""
        key = (segment, number)
        handler = self._unknown_handlers.get(key)
        if handler is None:
            path = f"{segment}-{number}"
            role = tables.SEGMENT_ROLES.get(segment, Role.PATIENT)
            handler = (
                self._path_rule_handler(path, "", role)
                if self._path_has_rule(path)
                else unknown_field
            )
            self._unknown_handlers[key] = handler
        return handler

    def _path_has_rule(self, path: str) -> bool:
        probe = Target(Kind.OTHER_ID, Role.UNKNOWN, FORMAT, path, "")
        return "hl7" in self.scrubber.policy.resolve(probe).selectors

    def _target(self, path: str, component: int, kind: Kind, role: Role, datatype: str) -> Target:
        key = (path, component, kind, role, datatype)
        target = self._targets.get(key)
        if target is None:
            full = f"{path}.{component}" if component else path
            target = self._targets[key] = Target(kind, role, FORMAT, full, datatype)
        return target

    def _leaf_handler(self, path: str, datatype: str, role: Role, kind: Kind) -> FieldHandler:
        target = self._target(path, 0, kind, role, datatype)

        is_name = kind is Kind.NAME or kind is Kind.PROVIDER_NAME

        def leaf(raw: str, walk: Walk) -> str:
            reps = raw.split(walk.d.repetition)
            for i, rep in enumerate(reps):
                if rep:
                    outcome = walk.apply(rep, target)
                    reps[i] = walk.write(outcome, rep)
                    if is_name and reps[i] != rep:
                        add_free_name(walk, rep, outcome)
            return walk.d.repetition.join(reps)

        return leaf

    def _kind_handler(self, path: str, datatype: str, role: Role, kind: Kind) -> FieldHandler:
        """A field whose rule names its kind: a place (see _place_handler) or one value."""
        if kind in _PLACE_KINDS:
            return self._place_handler(path, datatype, role, kind)
        return self._leaf_handler(path, datatype, role, kind)

    def _place_handler(self, path: str, datatype: str, role: Role, kind: Kind) -> FieldHandler:
        """A place field a preset may keep (PID-23 birth place, ST). A sender who fills
        it with a whole address (street^^city^state^ZIP, hold-out round 3) or with
        digits wrote more than a place name: a repetition with components is an
        address (XAD, with its free-text companion), one with digits is free text
        after the structured pass (when the whole message's PHI is known), anything
        else is the place."""
        as_place = self._leaf_handler(path, datatype, role, kind)
        as_address = self._component_handler(
            path, "XAD", role, tables.DATATYPE_COMPONENTS["XAD"], None
        )
        address_rest = self._companions[as_address]
        as_text = self._text_leaf(path, 0, datatype, role)
        id_target = self._target(path, 0, Kind.OTHER_ID, role, datatype)
        zip_target = self._target(path, 0, Kind.ZIP, role, datatype)
        # A county code is digits (PID-12 "25017", FIPS; "017"): a policy that removes or
        # changes counties does so whatever the field holds (digits that are no county
        # are PHI typed in the wrong field); free text would keep both. A city with
        # digits ("Born at 42 Lantern Row") stays text, read word by word.
        removed = (
            kind is Kind.COUNTY
            and self.scrubber.policy.resolve(self._target(path, 0, kind, role, datatype)).method
            != "keep"
        )

        def handle(raw: str, walk: Walk) -> str:
            d = walk.d
            reps = raw.split(d.repetition)
            for i, rep in enumerate(reps):
                if d.component in rep:
                    reps[i] = as_address(rep, walk)
                elif removed or not HAS_DIGIT.search(rep):
                    reps[i] = as_place(rep, walk)
                elif kind is Kind.CITY and (found := _PLACE_AND_POSTAL.fullmatch(rep)):
                    reps[i] = place_and_postal(found, walk)
            return d.repetition.join(reps)

        def place_and_postal(found: re.Match[str], walk: Walk) -> str:
            place = found["place"] or found["place2"]
            postal = found["postal"] or found["postal2"]
            postal_out = walk.write(walk.apply(postal, zip_target), postal)
            if found["place"]:
                return as_place(place, walk) + found["mid"] + postal_out
            return postal_out + found["mid2"] + as_place(place, walk)

        def rest(raw: str, walk: Walk) -> str:
            d = walk.d
            reps = raw.split(d.repetition)
            for i, rep in enumerate(reps):
                if d.component in rep:
                    reps[i] = address_rest(rep, walk)
                elif not removed and looks_like_identifier(rep):
                    # No place: a phone or id number typed in the wrong field.
                    reps[i] = walk.write(walk.apply(rep, id_target), rep)
                elif not removed and HAS_DIGIT.search(rep):
                    reps[i] = as_text(rep, walk)
            return d.repetition.join(reps)

        self._companions[handle] = rest
        return handle

    def _component_handler(
        self,
        path: str,
        datatype: str,
        role: Role,
        components: dict[int, tables.ComponentRule],
        field_kind: Kind | None,
    ) -> FieldHandler:
        name_layout = NAME_LAYOUT.get(datatype)
        # XPN.15 "called by" (2.7+): the name notes use ("Zeph"), learned like a given name.
        called_by = _CALLED_BY if datatype == "XPN" and _CALLED_BY + 1 in components else -1
        is_identifier = datatype in ("CX", "CK")
        is_address = datatype in ("XAD", "AD")
        # A state with three digits in a row is a postal code one component early
        # (XAD.4 "11564", the sender's address a component off): handled as the ZIP.
        state_zip = (
            self._target(path, _ADDRESS_ZIP, Kind.ZIP, role, datatype) if is_address else None
        )
        # A state with a street's word or a house number is the street's name one
        # component off (XAD.4 "MARROWVALE ROAD" after a house number in XAD.1).
        state_street = (
            self._target(path, 1, Kind.STREET_ADDRESS, role, datatype) if is_address else None
        )
        is_provider = role is Role.PROVIDER
        # A provider field holding a person of the message who is no provider (the
        # patient in OBR-16): that person's name is a name and their id an id, not
        # provider pseudonyms keyed on them.
        as_person: dict[int, Target] = {}
        person_id = next((n - 1 for n, c in components.items() if c.kind == tables.PERSON_ID), -1)
        family_at, given_at = (name_layout[0], name_layout[1]) if name_layout else (-1, -1)
        if is_provider and name_layout is not None:
            for number, crule in components.items():
                if crule.kind == tables.PERSON_NAME:
                    as_person[number - 1] = self._target(
                        path, number, Kind.NAME, Role.PATIENT, datatype
                    )
                elif crule.kind == tables.PERSON_ID:
                    as_person[number - 1] = self._target(
                        path, number, Kind.OTHER_ID, Role.PATIENT, datatype
                    )
        # The assigning authority: CX.4, or XCN.9 when the person is no provider (a
        # provider's id keeps its namespace-free pseudonym).
        authority_index = 3 if is_identifier else -1
        if datatype == "XCN" and role is not Role.PROVIDER:
            authority_index = 8
        plan: list[_Component] = []
        for number, crule in sorted(components.items()):
            first_only = crule.subcomponents == tables.FIRST_SUBCOMPONENT
            affix = crule.kind == tables.NAME_AFFIX
            codes = None
            if crule.kind == tables.TABLE_CODE:
                codes = tables.TABLE_CODES.get((datatype, number), frozenset())
            if crule.kind in (tables.ID_BY_TYPE, tables.PHONE_OR_FAX):
                plan.append(
                    _Component(number - 1, first_only, None, None, crule.kind, codes, affix, None)
                )
                continue
            kind, crole = self._component_kind(crule.kind, [], role, field_kind)
            target = self._target(path, number, kind, crole, datatype)
            date_text = None
            if kind in DATE_KINDS:
                date_text = self._text_leaf(path, number, datatype, role)
            rule = self.scrubber.policy.resolve(target)
            plan.append(
                _Component(
                    number - 1, first_only, target, rule, crule.kind, codes, affix, date_text
                )
            )

        def handle(raw: str, walk: Walk) -> str:
            d = walk.d
            sub_sep = d.subcomponent
            reps = raw.split(d.repetition)
            for r, rep in enumerate(reps):
                if not rep:
                    continue
                comps = rep.split(d.component)
                count = len(comps)
                namespace = ""
                if 0 <= authority_index < count and comps[authority_index]:
                    namespace = walk.ctx.namespace_of(
                        authority=authority(comps[authority_index], d)
                    )
                # A person who is no provider written as a CX (QRD-8 ``id^^^HOSP^MR``):
                # XCN.4 is the assigning authority and stays; the id gets its namespace.
                cx_authority = (
                    authority_index == 8
                    and not namespace
                    and count > 4
                    and not comps[1]
                    and not comps[2]
                    and bool(comps[3])
                    and comps[4].strip().upper() in IDENTIFIER_TYPES
                )
                if cx_authority:
                    namespace = walk.ctx.namespace_of(authority=authority(comps[3], d))
                # An address's postal code is namespaced by its country (XAD.6): a
                # country other than the US makes it no ZIP code (see postal_namespace).
                postal = address_postal_namespace(comps, sub_sep) if is_address else ""
                dropped = False
                person = bool(as_person and walk.person_keys) and _repeats_a_person(
                    comps, person_id, family_at, given_at, walk
                )
                for index, first_only, fixed, fixed_rule, ckind, codes, affix, date_text in plan:
                    if index >= count:
                        break
                    value = comps[index]
                    if not value or (cx_authority and index in (3, 4)):
                        continue
                    if affix and tables.is_name_affix(value):
                        continue  # a suffix or title ("III", "Dr."): kept
                    if codes is not None and (len(value) == 1 or value.strip().casefold() in codes):
                        continue  # a use, equipment or address type code: kept
                    target, rule = fixed, fixed_rule
                    if (
                        state_zip is not None
                        and state_street is not None
                        and target is not None
                        and target.kind is Kind.STATE
                    ):
                        if _postal_in_state(value):
                            target, rule = state_zip, None
                        elif _STREET_IN_STATE.search(value) is not None:
                            target, rule = state_street, None
                    if target is None:
                        kind, crole = self._component_kind(ckind, comps, role, field_kind)
                        target = self._target(path, index + 1, kind, crole, datatype)
                    scope = postal if postal and target.kind is Kind.ZIP else namespace
                    if first_only or sub_sep not in value:
                        head, sep, tail = value.partition(sub_sep)
                        as_target = as_person.get(index) if person else None
                        if as_target is not None:
                            # The patient's own id keeps the replacement it got there.
                            known = (
                                walk.ctx.text.known(head)
                                if as_target.kind is not Kind.NAME
                                else None
                            )
                            outcome = known if known is not None else walk.apply(head, as_target)
                        else:
                            outcome = walk.apply(head, target, scope, rule)
                        if is_identifier and index == 0 and not is_provider and len(head) > 3:
                            walk.person_keys.add(head.strip().casefold())
                        if outcome is Removal.ELEMENT:
                            dropped = True
                            break
                        comps[index] = _write_component(walk, outcome, head, date_text) + sep + tail
                        if affix and outcome != head:
                            add_affix_name(walk, head, outcome)
                        continue
                    subs = value.split(sub_sep)
                    for s, sub in enumerate(subs):
                        if sub:
                            outcome = walk.apply(sub, target, scope, rule)
                            if outcome is Removal.ELEMENT:
                                dropped = True
                                break
                            subs[s] = _write_component(walk, outcome, sub, date_text)
                    if dropped:
                        break
                    comps[index] = sub_sep.join(subs)
                if dropped:
                    reps[r] = ""
                    continue
                if name_layout is not None:
                    add_name_context(walk, rep, comps, name_layout, is_provider)
                    if 0 <= called_by < count and comps[called_by]:
                        nickname = rep.split(d.component)[called_by].split(sub_sep, 1)[0]
                        if nickname and comps[called_by].split(sub_sep, 1)[0] != nickname:
                            add_affix_name(walk, nickname, comps[called_by].split(sub_sep, 1)[0])
                reps[r] = d.component.join(comps)
            return d.repetition.join(reps)

        self._companions[handle] = self._component_text_handler(path, datatype, role, components)
        return handle

    def _component_text_handler(
        self, path: str, datatype: str, role: Role, components: dict[int, tables.ComponentRule]
    ) -> FieldHandler:
        """Fail closed: the parts of a tabled composite that its table does not list
        (a v2.7+ comment, a location description, anything a sender appends) are free
        text, leaf by leaf, after the structured pass; and so are the subcomponents
        after the first of a component whose value is its first subcomponent (the
        ``&...`` after a timestamp). Leaves that are exactly HL7 timestamps are dates."""
        # Component index (0-based) -> True when only its first subcomponent is listed.
        listed = {
            number - 1: rule.subcomponents == tables.FIRST_SUBCOMPONENT
            for number, rule in components.items()
        }
        leaves: dict[int, Callable[[str, Walk], str]] = {}
        # A name's components after the names are codes and titles (degree, name type,
        # assembly order): three digits in a row there are shifted data (a phone sent
        # one field early: area code in XPN.6, local number in XPN.7), an identifier.
        digits_target = (
            self._target(path, 0, Kind.OTHER_ID, role, datatype)
            if datatype in _PERSON_NAME_DATATYPES
            else None
        )

        def leaf_of(index: int) -> Callable[[str, Walk], str]:
            leaf = leaves.get(index)
            if leaf is None:
                leaf = self._text_leaf(path, index + 1, datatype, role)
                if digits_target is not None:
                    leaf = _digits_as_identifier(leaf, digits_target)
                leaves[index] = leaf
            return leaf

        def handle(raw: str, walk: Walk) -> str:
            d = walk.d
            sub_sep = d.subcomponent
            if d.component not in raw and sub_sep not in raw and 0 in listed:
                return raw  # one listed component, scrubbed by the structured pass
            reps = raw.split(d.repetition)
            for r, rep in enumerate(reps):
                if not rep:
                    continue
                comps = rep.split(d.component)
                for c, comp in enumerate(comps):
                    if not comp:
                        continue
                    first_only = listed.get(c)
                    if first_only is None:
                        if sub_sep not in comp or joined_url(comp, sub_sep):
                            comps[c] = leaf_of(c)(comp, walk)
                            continue
                        start = 0
                    elif first_only and sub_sep in comp:
                        start = 1
                    else:
                        continue
                    leaf = leaf_of(c)
                    subs = comp.split(sub_sep)
                    for s in range(start, len(subs)):
                        if subs[s]:
                            subs[s] = leaf(subs[s], walk)
                    comps[c] = sub_sep.join(subs)
                reps[r] = d.component.join(comps)
            return d.repetition.join(reps)

        self._deferred.add(handle)
        return handle

    def _wrapped(self, handler: FieldHandler, handle: FieldHandler) -> FieldHandler:
        """``handle``, which runs ``handler`` after a pre-pass of its own, taking over
        ``handler``'s companion and deferral, so that wrapping a field's handler
        never changes when it runs or what runs after it."""
        companion = self._companions.get(handler)
        if companion is not None:
            self._companions[handle] = companion
        if handler in self._deferred:
            self._deferred.add(handle)
        return handle

    def _with_contacts(self, handler: FieldHandler, datatype: str) -> FieldHandler:
        """``handler`` of a scheduling segment's field (SCH, ARQ: a contact person,
        phone, address and location per party) that first scrubs a repetition in a
        telecom's layout as an XTN's and one in a name's layout whose family name is
        a known person's as a name. A sender one field off puts the contact's phone
        in the next party's name (XCN) and the contact's name in a location (PL):
        the patient's mother booking the visit (hold-out round 19 probe), where the
        phone's area code and number and the given name stayed. XTN fields are read
        as phones already."""
        if datatype == "XTN":
            return handler

        def handle(raw: str, walk: Walk) -> str:
            if raw.count(walk.d.component) >= 2:
                raw = scrub_telecom_layouts(_coded_person_names(raw, walk), walk)
            return handler(raw, walk)

        return self._wrapped(handler, handle)

    def _with_addresses(self, path: str, handler: FieldHandler) -> FieldHandler:
        """``handler`` of a person segment's date or identifier field (TS, DT, DTM,
        CX, CK) that scrubs a repetition in an address's or a telecom's layout as an
        XAD's or an XTN's first: a sender one field off puts the insured's address in
        IN1-18 (birth date, TS), where the street went as free text but the city and
        the ZIP, components a date has no rule for, stayed (a contact's phone in
        IN2-55, DT, kept its number). Names and organizations keep their layouts (an
        insurer's name and address in IN1-4, XON, one field off, is no person's)."""
        if _segment_of(path) not in tables.PERSON_SEGMENTS:
            return handler

        def handle(raw: str, walk: Walk) -> str:
            if raw.count(walk.d.component) >= _ADDRESS_SEPARATORS:
                raw = scrub_telecom_layouts(scrub_address_layouts(raw, walk), walk)
            return handler(raw, walk)

        return self._wrapped(handler, handle)

    def _date_handler(
        self,
        path: str,
        datatype: str,
        role: Role,
        components: dict[int, tables.ComponentRule],
        field_kind: Kind | None,
    ) -> FieldHandler:
        """A date field (DT, DTM, TS). A sender that shifts fields puts a person in
        one (IN2-45 ``Family^Given^Initial``): a repetition whose first component is
        a word (letters, no digits) followed by more components is scrubbed as a
        name (XPN) of the field's role, fail closed; anything else as a date."""
        as_date = self._component_handler(path, datatype, role, components, field_kind)
        as_name = self._component_handler(
            path, "XPN", role, tables.DATATYPE_COMPONENTS["XPN"], None
        )
        return self._by_layout(as_date, as_name, names_a_person)

    def _person_handler(
        self,
        path: str,
        datatype: str,
        role: Role,
        components: dict[int, tables.ComponentRule],
        field_kind: Kind | None,
    ) -> FieldHandler:
        """A provider (XCN, CN...). Senders that shift fields put a coded value in
        one (the hospital service ``SUR^Surgery^HL70069`` in PV1-9, consulting
        doctor): a repetition whose third component is a coding-system id is
        scrubbed as a CWE (codes kept, text components free text), so its words are
        not learned as names and swept from notes and code texts. The fields of
        patients, relatives and insured persons stay names whatever they hold (fail
        closed, as the verifier reads them)."""
        as_person = self._component_handler(path, datatype, role, components, field_kind)
        as_coded = self._coded_handler(path, "CWE", role)

        def structured(raw: str, walk: Walk) -> str:
            return raw  # a coded value has nothing structured: its text is free text

        self._companions[structured] = as_coded
        return self._by_layout(as_person, structured, coded_layout)

    def _ndl_handler(
        self,
        path: str,
        datatype: str,
        role: Role,
        components: dict[int, tables.ComponentRule],
        field_kind: Kind | None,
    ) -> FieldHandler:
        """NDL (OBR-32..35 interpreters, technicians): many senders still write the
        older CN layout, ``id^family^given^...`` (the HL7 v2.4 example message does);
        such a repetition is scrubbed as an XCN, a real NDL (person in component 1,
        dates in 2 and 3) as an NDL."""
        as_ndl = self._component_handler(path, datatype, role, components, field_kind)
        as_cn = self._component_handler(
            path, "XCN", role, tables.DATATYPE_COMPONENTS["XCN"], field_kind
        )
        return self._by_layout(as_ndl, as_cn, cn_layout)

    def _by_layout(
        self,
        usual: FieldHandler,
        other: FieldHandler,
        is_other: Callable[[str, Delimiters], bool],
        separators: int = 1,
    ) -> FieldHandler:
        """Two component layouts one field meets in real feeds: each repetition goes to
        the structured handler of its layout, and after the structured pass to that
        layout's free-text companion. ``is_other`` must decide the same on a
        repetition before and after the structured pass (see names_a_person), and
        holds only for values with at least ``separators`` component separators."""

        def by_repetition(first: FieldHandler, second: FieldHandler) -> FieldHandler:
            def handle(raw: str, walk: Walk) -> str:
                d = walk.d
                if d.component not in raw or (
                    separators > 1 and raw.count(d.component) < separators
                ):
                    return first(raw, walk)
                reps = raw.split(d.repetition)
                for r, rep in enumerate(reps):
                    reps[r] = (second if is_other(rep, d) else first)(rep, walk)
                return d.repetition.join(reps)

            return handle

        handle = by_repetition(usual, other)
        self._companions[handle] = by_repetition(self._companions[usual], self._companions[other])
        return handle

    @staticmethod
    def _component_kind(
        kind: tables.ComponentKind, comps: list[str], role: Role, field_kind: Kind | None
    ) -> tuple[Kind, Role]:
        if isinstance(kind, Kind):
            if kind is Kind.DATE and field_kind in DATE_KINDS:
                return field_kind, role
            return kind, role
        if kind == tables.ID_BY_TYPE:
            type_code = comps[4].strip().upper() if len(comps) > 4 else ""
            typed = IDENTIFIER_TYPES.get(type_code)
            if typed is Kind.PROVIDER_ID and role is not Role.PROVIDER:
                typed = Kind.OTHER_ID
            return typed or field_kind or Kind.OTHER_ID, role
        if kind == tables.PHONE_OR_FAX:
            equipment = comps[2].strip().upper() if len(comps) > 2 else ""
            return (Kind.FAX if equipment == "FX" else Kind.PHONE), role
        if kind == tables.PERSON_NAME:
            return (Kind.PROVIDER_NAME if role is Role.PROVIDER else Kind.NAME), role
        if kind == tables.PERSON_ID:
            if role is Role.PROVIDER:
                return Kind.PROVIDER_ID, role
            # A person who is no provider (the subject of a query): the field's
            # identifier kind when a rule gives one (QRD-8: the patient's MRN).
            return (field_kind if field_kind in _PERSON_ID_KINDS else Kind.OTHER_ID), role
        if kind == tables.NAME_AFFIX:
            return Kind.NAME, role  # not an affix: a second given name
        if kind == tables.TABLE_CODE:
            return Kind.OTHER_ID, role  # not a code of its table: shifted data
        if kind == tables.ORG_NAME:
            org_role = (
                role
                if role in (Role.EMPLOYER, Role.RELATIVE, Role.GUARANTOR)
                else (Role.ORGANIZATION)
            )
            return Kind.ORGANIZATION_NAME, org_role
        raise HL7ScrubError("internal: unknown component kind")

    # --- QPD query parameters ------------------------------------------------------

    def _query_handler(self, version: str) -> FieldHandler:
        """QPD-3 and after (QBP queries, RSP echoes): the demographics searched for.

        A repetition ``@<SEG>.<field>[.<component>[.<sub>]]^<value>`` (a QIP pair, as
        in IHE PDQ) gets the policy of that field's value: ``@PID.5.1.1^Family`` is a
        name, ``@PID.7^19610303`` a birth date, ``@PID.3.1^<id>`` an identifier. A
        parameter shaped like an identifier (CX: an id with an assigning authority
        or type code, as in IHE PIX) is an identifier. Anything else, and a QIP pair
        naming a field or component the tables do not classify, is free text.
        """
        text = self._string_handler("QPD-3", "varies", Role.PATIENT)
        cx = self._component_handler(
            "QPD-3", "CX", Role.PATIENT, tables.DATATYPE_COMPONENTS["CX"], Kind.MRN
        )
        cx_rest = self._companions[cx]
        # Positional parameters in a person's layout (the CDC immunization query Z34:
        # QPD-4 name, QPD-5 mother's maiden name, QPD-8 address, QPD-9 phone).
        xpn = self._component_handler(
            "QPD-3", "XPN", Role.PATIENT, tables.DATATYPE_COMPONENTS["XPN"], None
        )
        xpn_rest = self._companions[xpn]
        xtn = self._component_handler(
            "QPD-3", "XTN", Role.PATIENT, tables.DATATYPE_COMPONENTS["XTN"], None
        )
        xtn_rest = self._companions[xtn]
        targets: dict[str, tuple[Target, int | None] | None] = {}

        def handle(raw: str, walk: Walk) -> str:
            d = walk.d
            reps = raw.split(d.repetition)
            for r, rep in enumerate(reps):
                if not rep:
                    continue
                name, sep, value = rep.partition(d.component)
                if name[:1] != "@":
                    comps = rep.split(d.component)
                    if is_address_layout(comps, d.subcomponent):
                        reps[r] = text(rep, walk)  # read as an address there
                    elif is_telecom_layout(comps):
                        reps[r] = xtn_rest(xtn(rep, walk), walk)
                    elif comps[0] and len(comps) > 3 and any(comps[3:5]):
                        reps[r] = cx_rest(cx(rep, walk), walk)
                    elif _name_layout(comps):
                        reps[r] = xpn_rest(xpn(rep, walk), walk)
                    else:
                        reps[r] = text(rep, walk)
                    continue
                key = name.strip().upper()
                if key not in targets:
                    targets[key] = self._query_target(version, key)
                found = targets[key]
                if found is None or not value:
                    reps[r] = name + sep + text(value, walk) if value else rep
                    continue
                target, name_part = found
                head, comp_sep, tail = value.partition(d.component)
                subs = head.split(d.subcomponent)
                for s, sub in enumerate(subs):
                    if not sub:
                        continue
                    outcome = walk.apply(sub, target)
                    subs[s] = walk.write(outcome, sub)
                    if name_part is not None and subs[s] != sub:
                        add_query_name(walk, sub, name_part, outcome)
                rest = comp_sep + text(tail, walk) if comp_sep else ""
                reps[r] = name + sep + d.subcomponent.join(subs) + rest
            return d.repetition.join(reps)

        self._deferred.add(handle)
        return handle

    def _query_target(self, version: str, name: str) -> tuple[Target, int | None] | None:
        """The target of a QIP field name (``@PID.5.1``), and for a person's name the
        part it is (0 family, 1 given, 2 middle); None when not classified."""
        match = _QIP_NAME.fullmatch(name)
        if match is None:
            return None
        segment, number = match.group(1), int(match.group(2))
        component = int(match.group(3)) if match.group(3) else None
        infos = segment_fields(version, segment) or segment_fields(ENVELOPE_VERSION, segment)
        info = next((i for i in infos or () if i.number == number), None)
        path = f"{segment}-{number}"
        rule = tables.FIELD_RULES.get(path, tables.FieldRule())
        datatype = rule.datatype or (info.datatype if info is not None else "")
        if rule.text or not datatype:
            return None
        role = rule.role or tables.SEGMENT_ROLES.get(segment, Role.PATIENT)
        if rule.role is None and datatype in tables.PROVIDER_DATATYPES:
            role = Role.PROVIDER
        position = component or 1
        components = tables.DATATYPE_COMPONENTS.get(datatype)
        if components is not None:
            crule = components.get(position)
            if crule is None:
                return None
            kind, crole = self._component_kind(crule.kind, [], role, rule.kind)
        elif rule.kind is not None and position == 1:
            kind, crole = rule.kind, role
        else:
            return None
        name_part = None
        layout = NAME_LAYOUT.get(datatype)
        if kind in (Kind.NAME, Kind.PROVIDER_NAME):
            name_part = layout.index(position - 1) if layout and position - 1 in layout else 0
        return self._target(path, position, kind, crole, datatype), name_part

    # --- OBX-5 ------------------------------------------------------------------

    def _obx5_labelled(self, role: Role) -> FieldHandler:
        """OBX-5 text or a number whose observation (OBX-3's text, alternate text or
        original text) names a kind of PHI ("Emergency contact name", "Home
        address", "Cell phone"): that kind, in the structured pass, so a name so
        labelled is also replaced in the message's notes. The free-text pass
        (:meth:`_obx5_handler`) runs after it either way."""

        def handle(raw: str, walk: Walk) -> str:
            fields = walk.segment_fields
            if len(fields) < 4 or not fields[3]:
                return raw
            d = walk.d
            value_type = fields[2].split(d.component, 1)[0].strip().upper()
            coded = value_type in tables.CODED_VALUE_TYPES
            if value_type not in _LABELLED_VALUE_TYPES and not coded:
                return raw
            concept = fields[3].split(d.repetition, 1)[0].split(d.component)
            kind = next(
                (
                    found
                    for number in tables.CODED_TEXT_COMPONENTS
                    if number <= len(concept)
                    and concept[number - 1]
                    and (
                        found := answer_kind(
                            er7.readable(concept[number - 1], d, walk.codec), bare_names=False
                        )
                    )
                    is not None
                ),
                None,
            )
            if kind is None and _labels_the_person(concept, raw, d, walk.codec):
                kind = Kind.NAME
            if coded:
                # A coded answer (CE, CWE...): its text components are the value
                # (OBX-3 "Employer name", CWE "^Brackenfield Joinery"); the codes stay.
                # Hold-out round 19 probe: the employer's name came out whole.
                if kind is None:
                    return raw
                return self._labelled_coded(raw, walk, kind, role, value_type)
            if kind is None:
                if identifier_hint(raw) and any(
                    number <= len(concept)
                    and _ID_LABEL.search(er7.readable(concept[number - 1], d, walk.codec))
                    for number in tables.CODED_TEXT_COMPONENTS
                ):
                    return self._labelled_identifiers(raw, walk, role, value_type)
                return raw
            target = self._target("OBX-5", 5, kind, role, value_type or "ST")
            reps = raw.split(d.repetition)
            for r, rep in enumerate(reps):
                comps = rep.split(d.component)
                outcome: Outcome = ""
                for c, comp in enumerate(comps):
                    if comp:
                        outcome = walk.apply(comp, target)
                        comps[c] = walk.write(outcome, comp)
                if kind is Kind.NAME and len(comps) > 1:
                    add_name_context(walk, rep, comps, NAME_LAYOUT["XPN"])
                elif kind is Kind.NAME and comps[0]:
                    add_free_name(walk, rep, outcome)
                reps[r] = d.component.join(comps)
            return d.repetition.join(reps)

        return handle

    def _labelled_coded(self, raw: str, walk: Walk, kind: Kind, role: Role, value_type: str) -> str:
        """A coded OBX-5 under an observation naming a kind of PHI: each text
        component (.2, .5, .9) is a value of that kind; the codes stay."""
        target = self._target("OBX-5", 5, kind, role, value_type)
        d = walk.d
        reps = raw.split(d.repetition)
        for r, rep in enumerate(reps):
            comps = rep.split(d.component)
            for number in tables.CODED_TEXT_COMPONENTS:
                c = number - 1
                if c < len(comps) and comps[c]:
                    outcome = walk.apply(comps[c], target)
                    comps[c] = walk.write(outcome, comps[c])
                    if kind is Kind.NAME:
                        add_free_name(walk, comps[c], outcome)
            reps[r] = d.component.join(comps)
        return d.repetition.join(reps)

    def _labelled_identifiers(self, raw: str, walk: Walk, role: Role, value_type: str) -> str:
        """OBX-5 under an observation named an id or number ("SUBVENTION DOCUMENT
        ID", "Referral number"): each leaf that reads as an identifier is one (free
        text keeps a code it cannot place); other leaves are left to the text pass."""
        target = self._target("OBX-5", 5, Kind.OTHER_ID, role, value_type or "ST")
        d = walk.d
        reps = raw.split(d.repetition)
        for r, rep in enumerate(reps):
            comps = rep.split(d.component)
            for c, comp in enumerate(comps):
                if comp and looks_like_identifier(comp):
                    comps[c] = walk.write(walk.apply(comp, target), comp)
            reps[r] = d.component.join(comps)
        return d.repetition.join(reps)

    def _obx5_handler(self, role: Role) -> FieldHandler:
        by_type: dict[str, FieldHandler] = {}

        def handle(raw: str, walk: Walk) -> str:
            fields = walk.segment_fields
            value_type = (
                fields[2].split(walk.d.component, 1)[0].strip().upper() if len(fields) > 2 else ""
            )
            if value_type in _AGE_VALUE_TYPES and len(fields) > 3 and _is_age(fields[3], walk):
                age = self._leaf_handler("OBX-5", value_type, role, Kind.AGE)
                d = walk.d
                if value_type != "SN" or d.component not in raw or d.repetition in raw:
                    return age(raw, walk)
                # SN: comparator^number[^separator^number]: the numbers are ages; a
                # comparator that is not one is free text (fail closed).
                comps = raw.split(d.component)
                for i, comp in enumerate(comps):
                    if not comp:
                        continue
                    if i in (1, 3):
                        comps[i] = age(comp, walk)
                    elif comp not in _SN_SYMBOLS:
                        comps[i] = text_field(comp, walk)
                return d.component.join(comps)
            if (
                value_type in _DATE_VALUE_TYPES
                and len(fields) > 3
                and _is_birth_date(fields[3], walk)
            ):
                return self._leaf_handler("OBX-5", value_type, role, Kind.BIRTH_DATE)(raw, walk)
            if value_type in tables.TEXT_VALUE_TYPES or not value_type:
                return text_field(raw, walk)
            if value_type in tables.CODED_VALUE_TYPES:
                return coded_text(raw, walk)
            if value_type == "ED":
                return encapsulated(
                    raw, walk, self._target("OBX-5", 5, Kind.ATTACHMENT, role, "ED")
                )
            handler = by_type.get(value_type)
            if handler is None:
                components = tables.DATATYPE_COMPONENTS.get(value_type)
                # Fail closed: a value type without a component table (numbers, SN,
                # CP, MO, unknown or misspelt types) is free text, leaf by leaf. The
                # text scrubber leaves plain numbers alone; dates, phones, SSNs and
                # the message's known PHI in them are replaced.
                if components is None:
                    handler = text_field
                else:
                    structured = self._component_handler(
                        "OBX-5", value_type, role, components, None
                    )
                    rest = self._companions[structured]

                    def handler(raw: str, walk: Walk) -> str:
                        return rest(structured(raw, walk), walk)

                by_type[value_type] = handler
            return handler(raw, walk)

        self._deferred.add(handle)
        return handle


# Layout tests for _by_layout. Each sees a repetition as sent and again after the
# structured pass, so it reads only what scrubbing keeps: a date starts with a digit
# before and after (20240305, 2024, or nothing when removed); a name never does
# (Quillfeather, [NAME], NAME-1F...).


class _Component(NamedTuple):
    """One listed component of a composite, as its structured handler scrubs it."""

    position: int  # 0-based
    first_only: bool  # only its first subcomponent is the listed value
    # Resolved once: fixed unless the kind depends on another component of the same
    # value (CX.5 type code, XTN.3 equipment), then None and resolved per value.
    target: Target | None
    rule: Rule | None  # the policy's rule for target
    kind: tables.ComponentKind
    codes: frozenset[str] | None  # TABLE_CODE: the codes its table allows
    affix: bool  # NAME_AFFIX: kept when a suffix or title
    # A date component: a value the date rule keeps as it is but that is not a date
    # (an SSN typed into IN2-45) is this free-text leaf (fail closed).
    date_text: Callable[[str, Walk], str] | None


def _write_component(
    walk: Walk, outcome: Outcome, value: str, date_text: Callable[[str, Walk], str] | None
) -> str:
    written = walk.write(outcome, value)
    if date_text is None or written != value or DATE_LIKE.fullmatch(value):
        return written
    return date_text(value, walk)


def _header_namespaces(message: Message) -> frozenset[str]:
    """MSH-3 to MSH-6's namespace ids (the first component), case-folded."""
    segments = message.segments
    if not segments or segments[0].name != "MSH":
        return frozenset()
    d = message.delimiters
    fields = segments[0].text.split(d.field)[2:6]
    return frozenset(
        name for field in fields if (name := field.split(d.component, 1)[0].strip().casefold())
    )


def _facility_words(facilities: frozenset[str]) -> frozenset[str]:
    """The namespace ids and their words (split at underscores, hyphens and spaces)."""
    if not any(_FACILITY_WORD_BREAK.search(name) for name in facilities):
        return facilities
    return facilities | frozenset(
        word for name in facilities for word in _FACILITY_WORD_BREAK.split(name) if word
    )


_FACILITY_WORD_BREAK: Final = re.compile(r"[_\- ]+")


# A name part of a query parameter: letters, with spaces, apostrophes or hyphens.
_NAME_PART: Final = re.compile(r"[^\W\d_]+(?:[ '\u2019\-][^\W\d_]+)*")


def _name_layout(comps: list[str]) -> bool:
    """Components in a person name's layout (Family^Given[^Middle...]): a family and a
    given name of letters, no digit anywhere. A code with its text (``MTH^Mother``,
    ``F^Female``: a short code in capitals before a word in mixed case) is none."""
    if len(comps) < 2 or not comps[0] or not comps[1]:
        return False
    family, given = comps[0], comps[1]
    if _NAME_PART.fullmatch(family) is None or _NAME_PART.fullmatch(given) is None:
        return False
    if any(c.isdigit() for comp in comps for c in comp):
        return False
    return not (len(family) <= 3 and family.isupper() and not given.isupper())


def _postal_in_state(value: str) -> bool:
    """A state component that holds a postal code (the address a component off):
    three digits in a row (11564, a ZIP+4), or a postcode of letters and digits."""
    if _THREE_DIGITS.search(value) is not None:
        return True
    compact = value.strip()
    return len(compact.replace(" ", "")) >= 5 and _MIXED_POSTCODE.fullmatch(compact) is not None


def _digits_as_identifier(
    text_leaf: Callable[[str, Walk], str], target: Target
) -> Callable[[str, Walk], str]:
    """``text_leaf`` for a leaf without three digits in a row; one with them (and no
    timestamp: a date is the text leaf's) is ``target``, an identifier."""

    def leaf(value: str, walk: Walk) -> str:
        if _THREE_DIGITS.search(value) is not None and TIMESTAMP.fullmatch(value) is None:
            return walk.write(walk.apply(value, target), value)
        return text_leaf(value, walk)

    return leaf


def _coded_person_names(raw: str, walk: Walk) -> str:
    """A code field's value (ID, IS; a CE or CWE without a coding system) with the
    repetitions in a name's layout (Family^Given^Middle, a spouse shifted into IN2-57,
    the insured into IN1-17) whose family name is a known
    person's: the given names are learned (free text elsewhere finds them too), and
    the family and given names replaced here, whatever their length (a code leaf is
    kept, and the final sweep reads leaves of four characters or more only). A
    single letter (a middle initial) stays, unless its script has no case (a
    Chinese or Korean family name of one character)."""
    d = walk.d
    reps = raw.split(d.repetition)
    for r, rep in enumerate(reps):
        if d.component not in rep:
            continue
        learned = add_layout_name(walk, rep)
        if learned is None:
            continue
        replacement = er7.escape(learned[3], d)
        comps = rep.split(d.component)
        for c, name in enumerate(learned[:_LAYOUT_NAME_PARTS]):
            if (
                name
                and (len(name) > 1 or uncased_word(name))
                and comps[c].split(d.subcomponent, 1)[0].strip() == name
            ):
                comps[c] = replacement
        reps[r] = d.component.join(comps)
    return d.repetition.join(reps)


def _deferred(
    segment: Segment,
    snapshot: list[str],
    fields: list[tuple[int, FieldHandler]],
    walk: Walk,
    d: Delimiters,
) -> Callable[[], None]:
    """Run a segment's free-text handlers after the structured pass, then re-join it."""

    def run() -> None:
        current = segment.text.split(d.field)
        walk.segment_fields = snapshot
        changed = False
        for index, handler in fields:
            raw = current[index]
            new = handler(raw, walk)
            if new != raw:
                current[index] = new
                changed = True
        if changed:
            segment.text = d.field.join(current)

    return run


_QIP_NAME: Final = re.compile(r"@([A-Z][A-Z0-9]{2})\.(\d{1,3})(?:\.(\d{1,3}))?(?:\.\d{1,3})?")


def _segment_of(path: str) -> str:
    """The segment id of a field path (``PV1-20``)."""
    return path.partition("-")[0]


def _repeats_a_person(
    comps: list[str], id_at: int, family_at: int, given_at: int, walk: Walk
) -> bool:
    """Whether a provider field's repetition names a person of the message who is no
    provider: its id is one of theirs, or its family name is theirs and every word
    of its given name is one of their name parts (``Zebulon Q`` for Zebulon, middle
    name Q). A provider who only shares a given name or an initial stays a provider."""
    count = len(comps)
    if 0 <= id_at < count and comps[id_at].strip().casefold() in walk.person_keys:
        return True
    family = comps[family_at].split(walk.d.subcomponent, 1)[0] if 0 <= family_at < count else ""
    if not family.strip() or family.strip().casefold() not in walk.person_keys:
        return False
    given = comps[given_at].casefold().split() if 0 <= given_at < count else []
    return all(word in walk.persons for word in given)


def _input_form(segments: list[Segment]) -> bytes:
    """Segments as they arrived (read before scrubbing changes them), whatever
    separated them: what keys a per-message identity, so a message sent again,
    with ``\n`` or ``\r`` alike, scrubs to the same output."""
    return "\r".join(segment.text for segment in segments).encode("utf-8", "surrogatepass")


def _names_profiles(raw: str, d: Delimiters) -> bool:
    """Whether an EI field's every repetition is a profile's name, namespace, OID and
    OID type (see _PROFILE_FIELD): no subcomponent, escape or space, and no bare number."""
    for rep in raw.split(d.repetition):
        parts = rep.split(d.component)
        if len(parts) > 4 or not any(parts):
            return False
        if not all(not part or _PROFILE_PART.fullmatch(part) for part in parts):
            return False
    return True
