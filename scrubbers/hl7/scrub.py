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

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from parsers.hl7v2 import er7
from parsers.hl7v2.er7 import Delimiters, Document, Message, Segment
from parsers.hl7v2.reference import defined_datatype, resolve_version, segment_fields
from scrubbers.engine import MessageContext, Scrubber
from scrubbers.hl7 import fields as tables
from scrubbers.identifier_types import IDENTIFIER_TYPES
from scrubbers.identity import IdentityUnresolvedError, PatientIdentifier
from scrubbers.kinds import DATE_KINDS, Kind, Role
from scrubbers.methods import Outcome, Removal
from scrubbers.report import ScrubReport, internal_error
from scrubbers.target import Target
from scrubbers.text import TextScrubber, as_text

FORMAT: Final = "hl7v2"
_MSH_CODES: Final = frozenset({8, 10, 11})  # MSH-9 type, MSH-11 processing id, MSH-12 version
# Header fields (by number) that are never free text, whatever their datatype:
# separators, encoding characters, message type, processing id, version, charsets.
_HEADER_CODES: Final = frozenset({1, 2, 9, 11, 12, 18, 20})
_TIMESTAMP_HINT: Final = re.compile(r"(?:19|20)\d{6}")
_TIMESTAMP: Final = re.compile(
    r"(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
    r"(?:\d{2}(?:\d{2}(?:\d{2}(?:\.\d{1,4})?)?)?)?(?:[+-]\d{4})?"
)
# What a date component may hold and keep as it is under a rule that keeps dates:
# an HL7 date/time at any precision (YYYY to YYYYMMDDHHMMSS.SSSS, with a zone).
_DATE_LIKE: Final = re.compile(r"\d{4,14}(?:\.\d{1,4})?(?:[+-]\d{4})?")
ENVELOPE_VERSION: Final = "2.5"
# Where a person's family, given and middle names sit, per name datatype (0-based components).
NAME_LAYOUT: Final = {
    "XPN": (0, 1, 2),
    "PN": (0, 1, 2),
    "XCN": (1, 2, 3),
    "CN": (1, 2, 3),
    "CNN": (1, 2, 3),
    "PPN": (1, 2, 3),
}
_NDL_TYPES: Final = frozenset({"NDL", "CM_NDL"})
_DATE_TYPES: Final = frozenset({"DT", "DTM", "TS"})
_TEXT_ENCAPSULATED_TYPES: Final = frozenset({"TEXT", "TX", "FT"})
_TEXT_SUBTYPES: Final = frozenset({"PLAIN", "TEXT", "RTF", "HTML", "XML", "X-HL7-CDA-LEVEL-ONE"})


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


class HL7ScrubError(ValueError):
    """A message could not be scrubbed. Messages name the place, never the value."""


# --- plans ------------------------------------------------------------------------

FieldHandler = Callable[[str, "_Walk"], str]


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


class _Walk:
    """State while scrubbing one message: context, delimiters, deferred text."""

    __slots__ = ("codec", "ctx", "d", "deferred", "segment_fields", "skip_short")

    def __init__(
        self, ctx: MessageContext, d: Delimiters, codec: str = "latin-1", skip_short: bool = False
    ) -> None:
        self.ctx = ctx
        self.d = d
        self.codec = codec  # the message's character set: what hex escapes encode
        # The policy scrubs free text (rather than removing it): values the text
        # scrubber cannot change need not reach it (see _unchangeable).
        self.skip_short = skip_short
        self.deferred: list[Callable[[], None]] = []
        self.segment_fields: list[str] = []

    def apply(self, raw: str, target: Target, namespace: str = "") -> Outcome:
        """Apply the policy to an escaped HL7 value; feed the text context.

        HL7's explicit null (``""``: "delete this value" in updates) is not a value
        and is kept as it is.
        """
        if raw == '""':
            return raw
        value = raw if self.d.escape not in raw else er7.unescape(raw, self.d, self.codec)
        outcome = self.ctx.apply(value, target, namespace)
        if outcome == value:
            # Kept here, but replaced elsewhere in this message (a city sent in the
            # state component, say): replace it the same way.
            known = self.ctx.text.known(value)
            if known is not None:
                return known
        elif target.kind not in (Kind.NAME, Kind.PROVIDER_NAME):
            self.ctx.text.add(target.kind, value, outcome)
            if self.d.escape in value:  # as a reader sees it (\Z555-0142\ is a phone)
                self.ctx.text.add(target.kind, er7.readable(raw, self.d, self.codec), outcome)
        return outcome

    def write(self, outcome: Outcome, original: str) -> str:
        if isinstance(outcome, Removal):
            return ""
        if self.d.escape not in original:
            if outcome == original:
                return original
        elif outcome == er7.unescape(original, self.d, self.codec):
            return original
        return er7.escape(outcome, self.d)

    def scrub_text(self, raw: str, target: Target | None = None) -> str:
        """Free text: formatting escapes (``\\.br\\``) survive, the rest is scrubbed.

        Delimiter and hex escapes are decoded first, so the text scrubber sees what
        any HL7 reader sees (``\\X51\\uill`` is "Quill"). Text the policy leaves
        alone keeps its exact bytes; changed text is written back escaped, characters
        that came from hex escapes outside printable ASCII as hex escapes again.

        ``raw`` is normally one leaf; a component rejoined across its subcomponent
        separators (a URL whose query has an unescaped ``&``, see
        :func:`_joined_url`) keeps those separators literal, as the sender wrote them.
        """
        if not raw or (self.skip_short and target is None and _unchangeable(raw)):
            return raw
        d = self.d
        if d.escape not in raw:
            outcome = self.ctx.apply(raw, target or _FREE_TEXT_TARGET)
            if outcome == raw:
                return raw
            return "" if isinstance(outcome, Removal) else _escape_text(outcome, d, raw)
        # Marker -> the escape it stands for. A private-use character the sender
        # wrote literally is never used as a marker (and is kept as written).
        keep: dict[str, str] = {}
        taken = set(_PRIVATE_USE.findall(raw)) if _PRIVATE_USE.search(raw) else None
        next_code = _MARKER_BASE

        def protect(value: str) -> str:
            nonlocal next_code
            while True:
                if next_code == _MARKER_END + 1:
                    next_code = _MARKER_BASE_EXTRA
                elif next_code > _MARKER_END_EXTRA:
                    raise HL7ScrubError("too many escape sequences in one value")
                char = chr(next_code)
                next_code += 1
                if taken is None or char not in taken:
                    keep[char] = value
                    return char

        hex_chars: dict[str, str] = {}
        plain = _split_escapes(raw, d, protect, self.codec, hex_chars)
        outcome = self.ctx.apply(plain, target or _FREE_TEXT_TARGET)
        if outcome == plain:
            return raw
        if isinstance(outcome, Removal):
            return ""
        out = _escape_text(outcome, d, raw)
        for char, sequence in hex_chars.items():
            if char in out:
                out = out.replace(char, sequence)
        if keep:
            # A marker inside a replaced span went with it (the escape split a name,
            # "Quill\\H\\feather"); the others are the sender's escapes again.
            out = _PRIVATE_USE.sub(lambda m: keep.get(m.group(), m.group()), out)
        return out


_FREE_TEXT_TARGET: Final = Target(Kind.FREE_TEXT, Role.PATIENT, FORMAT, "text", "TX")


def _escape_text(text: str, d: Delimiters, raw: str) -> str:
    """Scrubbed text escaped for its field; the subcomponent separator stays literal
    when ``raw`` (a rejoined component) had it literal."""
    sub_sep = d.subcomponent
    if sub_sep not in raw or sub_sep not in text:
        return er7.escape(text, d)
    return sub_sep.join(er7.escape(part, d) for part in text.split(sub_sep))


_QUERY_KEY: Final = re.compile(r"[\w.\-\[\]]+=")


def _joined_url(comp: str, sub_sep: str) -> bool:
    """Whether a component's subcomponents are a URL cut at the ``&`` of its query
    (senders rarely escape it): a subcomponent with ``://``, or one with ``?`` and
    ``=`` followed by one that starts ``key=``. Such a component is scrubbed as one
    text, so the query's values keep their URL context."""
    if sub_sep not in comp:
        return False
    if "://" in comp:
        return True
    if "?" not in comp or "=" not in comp:
        return False
    subs = comp.split(sub_sep)
    return any(
        "?" in subs[i] and "=" in subs[i] and _QUERY_KEY.match(subs[i + 1])
        for i in range(len(subs) - 1)
    )


_MAX_CODE: Final = 20
# Whitespace, a timestamp, or an SSN/phone/email shape: not a code.
_NOT_CODE: Final = re.compile(
    r"\s|(?:19|20)\d{6}|\d{3}[-. ]\d{2}[-. ]\d{4}|\d{3}[-. ]\d{3}[-. ]\d{4}|\d{3}[-.]\d{4}\b|@"
)


# HL7 NM: an optional sign, digits, an optional decimal point (SI and SNM are narrower).
_NUMERIC_DATATYPES: Final = frozenset({"NM", "SI", "SNM"})
_PLACE_KINDS: Final = frozenset({Kind.CITY, Kind.COUNTY, Kind.STATE, Kind.COUNTRY})
_NUMBER: Final = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)")
_HAS_DIGIT: Final = re.compile(r"\d")

# SN.1 comparators and SN.3 separators (HL7 structured numeric).
_SN_SYMBOLS: Final = frozenset({">", "<", ">=", "<=", "=", "<>", "-", "+", "/", ".", ":"})


def _is_code(value: str) -> bool:
    """A value that reads as a code (or several): at most 20 characters, no
    whitespace, no timestamp, SSN, phone or email shape in it."""
    return len(value) <= _MAX_CODE and _NOT_CODE.search(value) is None


def _unchangeable(value: str) -> bool:
    """Text the text scrubber leaves as it is: a single character, or a number of
    fewer than five digits (context terms and detectors need more)."""
    return len(value) < 2 or (len(value) < 5 and value.isdigit())


# Private-use characters stand in for formatting escapes while text is scrubbed:
# the BMP's first, then plane 15's (a value with more than 6,400 escapes).
_MARKER_BASE: Final = 0xE000
_MARKER_END: Final = 0xF8FF
_MARKER_BASE_EXTRA: Final = 0xF0000
_MARKER_END_EXTRA: Final = 0xFFFFD
_PRIVATE_USE: Final = re.compile("[\ue000-\uf8ff\U000f0000-\U000ffffd]")


def _split_escapes(
    raw: str,
    d: Delimiters,
    protect: Callable[[str], str],
    codec: str = "latin-1",
    hex_chars: dict[str, str] | None = None,
) -> str:
    """Decode delimiter and hex escapes; replace the other escapes by private-use markers.

    The other escapes (formatting ``\\.br\\``, locally defined ``\\Zxx\\``...) read
    as invisible word breaks here; the text inside those that carry any is
    scrubbed on its own at the end of the message (:func:`_escape_payloads`).

    ``hex_chars`` receives, for each character decoded from a hex escape that must
    not be written literally (outside printable ASCII), the hex escape to write it
    back with.
    """
    esc = d.escape
    if esc not in raw:
        return raw
    out: list[str] = []
    i = 0
    while i < len(raw):
        if raw[i] != esc:
            j = raw.find(esc, i)
            j = len(raw) if j < 0 else j
            out.append(raw[i:j])
            i = j
            continue
        end = raw.find(esc, i + 1)
        if end < 0:
            # An escape never closed: kept as written, like the sequences no reader
            # decodes; the text after its code is scrubbed by _escape_payloads.
            out.append(protect(raw[i:]))
            break
        sequence = raw[i : end + 1]
        if sequence[1:2] == "X":
            decoded = _decode_hex(sequence, esc, codec, hex_chars)
            out.append(protect(sequence) if decoded is None else decoded)
        else:
            decoded = er7.unescape(sequence, d)
            # Delimiter escapes become their character; formatting escapes are kept.
            out.append(protect(sequence) if decoded == sequence else decoded)
        i = end + 1
    return "".join(out)


def _decode_hex(
    sequence: str, esc: str, codec: str, hex_chars: dict[str, str] | None
) -> str | None:
    """The text of one ``\\Xhh..\\`` escape, or None to keep it opaque (not hex,
    or a private-use character that would be taken for a marker)."""
    digits = sequence[2:-1]
    if not digits or len(digits) % 2:
        return None
    try:
        data = bytes.fromhex(digits)
    except ValueError:
        return None
    try:
        text = data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        codec = "latin-1"  # as er7.unescape reads it; written back as the same bytes
        text = data.decode(codec)
    if _PRIVATE_USE.search(text):
        return None
    for char in text:
        if hex_chars is not None and not (" " <= char <= "~") and char not in hex_chars:
            hex_chars[char] = _hex_escape(char, esc, codec)
    return text


def _hex_escape(char: str, esc: str, codec: str) -> str:
    try:
        data = char.encode(codec)
    except (UnicodeEncodeError, LookupError):
        data = char.encode("latin-1", errors="replace")
    return f"{esc}X{data.hex().upper()}{esc}"


class HL7Scrubber:
    """Scrubs HL7v2 inputs with one :class:`~scrubbers.engine.Scrubber` (policy + keys)."""

    def __init__(self, scrubber: Scrubber) -> None:
        self.scrubber = scrubber
        self._plans: dict[tuple[str, str], SegmentPlan] = {}
        self._targets: dict[tuple[str, int, Kind, Role, str], Target] = {}
        self._deferred: set[FieldHandler] = {_text_field, _coded_text}
        # Handlers of code fields (ID, IS, NM, ...): deferred only when not a code.
        self._simple: set[FieldHandler] = set()
        self._numeric: set[FieldHandler] = set()  # the simple handlers of number fields
        # A composite's structured handler -> its free-text pass over the parts its
        # component table does not list (see _component_text_handler).
        self._companions: dict[FieldHandler, FieldHandler] = {}
        self._text_scrubs = scrubber.policy.resolve(_FREE_TEXT_TARGET).method == "scrub"

    # --- public API ---------------------------------------------------------

    def scrub_bytes(self, data: bytes) -> DocumentResult:
        """Scrub every message of an input. Fails closed: any error, no output.

        Size limits are the caller's (the worker's and the CLI's, before reading)."""
        try:
            document = er7.parse(data)
        except er7.ER7Error as exc:
            return DocumentResult(None, [MessageResult(None, error=str(exc))])
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
            except LookupError as exc:
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
        ctx = self.scrubber.message(patient_identifiers(message))
        if contexts is not None:
            contexts.append(ctx)
        walk = _Walk(ctx, message.delimiters, codec, self._text_scrubs)
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
        _sweep(kept, walk)
        _escape_payloads(kept, walk)
        if kept and not kept[-1].terminator and message.segments[-1].terminator:
            kept[-1].terminator = message.segments[-1].terminator
        message.segments[:] = kept
        ctx.report.subject = ctx.patient_pseudonym()
        return ctx.report

    # --- segments -------------------------------------------------------------

    def _scrub_segment(self, segment: Segment, plan: SegmentPlan, walk: _Walk) -> None:
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
                handler = plan.beyond or _text_field
            if handler is None:
                if _TIMESTAMP_HINT.search(raw):
                    handler = self._stray_dates(plan.name, index)
                else:
                    continue
            if handler in self._deferred:
                if handler in self._simple and (
                    _NUMBER.fullmatch(raw) if handler in self._numeric else _is_code(raw)
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
        envelope_ctx = self.scrubber.message()
        for ctx in contexts:
            envelope_ctx.text.absorb(ctx.text)
        walk = _Walk(envelope_ctx, Delimiters(), document.encoding, self._text_scrubs)
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
        _escape_payloads(segments, walk)

    def _stray_dates(self, segment: str, index: int) -> FieldHandler:
        """Timestamps in fields no rule classifies (misplaced or site-specific data).

        Safe Harbor covers every date related to the patient, wherever it sits:
        a leaf that is exactly an HL7 date/time is treated as a date.
        """
        target = self._target(f"{segment}-{index}", 0, Kind.DATE, Role.PATIENT, "DTM")

        def handle(raw: str, walk: _Walk) -> str:
            d = walk.d
            leaves = re.split(f"([{re.escape(d.repetition + d.component + d.subcomponent)}])", raw)
            for i in range(0, len(leaves), 2):
                if _TIMESTAMP.fullmatch(leaves[i]):
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
        infos = segment_fields(version, name)
        handlers: dict[int, FieldHandler] = {}
        after: dict[int, FieldHandler] = {}
        offset = 1 if name in er7.HEADER_SEGMENTS else 0
        datatypes = {info.number: info.datatype for info in infos or ()}
        for number in range(1, max(datatypes, default=0) + 1):
            datatype = datatypes.get(number, "")
            if not datatype or datatype.upper() == tables.WITHDRAWN:
                # Withdrawn, or left out of this version's tables (PR1-11 in 2.6):
                # senders still fill it; its datatype where a version defines it,
                # else free text (see _field_handler).
                datatype = defined_datatype(version, name, number) or tables.WITHDRAWN
            handler = self._field_handler(name, number, datatype, role)
            if handler is not None:
                handlers[number - offset] = handler
                companion = self._companions.get(handler)
                if companion is not None:
                    after[number - offset] = companion
        known = (max(datatypes) - offset) if datatypes else 0
        beyond = None
        if name == "QPD":
            # QPD-3 on: query parameters, whatever the version says (2.3 has no QPD).
            beyond = self._query_handler(version)
            handlers = {n: h for n, h in handlers.items() if n < 3}
            handlers[3] = beyond
        return SegmentPlan(name, drop, handlers, known, infos is None, after, beyond)

    def _field_handler(
        self, segment: str, number: int, datatype: str, role: Role
    ) -> FieldHandler | None:
        path = f"{segment}-{number}"
        rule = tables.FIELD_RULES.get(path, tables.FieldRule())
        datatype = rule.datatype or datatype
        if rule.role is not None:
            role = rule.role
        elif datatype in tables.PROVIDER_DATATYPES:
            role = Role.PROVIDER
        if rule.text:
            return _text_field
        if datatype == tables.WITHDRAWN:
            # Withdrawn fields still arrive from older senders: a known meaning wins,
            # anything else is treated as free text.
            if rule.kind is None:
                return _text_field
            return self._kind_handler(path, datatype, role, rule.kind)
        if segment == "OBX" and number == 5:
            return self._obx5_handler(role)
        components = tables.DATATYPE_COMPONENTS.get(datatype)
        if components is not None and datatype in _NDL_TYPES:
            return self._ndl_handler(path, datatype, role, components, rule.kind)
        if components is not None and datatype in _DATE_TYPES:
            return self._date_handler(path, datatype, role, components, rule.kind)
        if components is not None and datatype in NAME_LAYOUT and role is Role.PROVIDER:
            return self._person_handler(path, datatype, role, components, rule.kind)
        if components is not None:
            return self._component_handler(path, datatype, role, components, rule.kind)
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

            def encapsulated(raw: str, walk: _Walk) -> str:
                return _encapsulated(raw, walk, target)

            self._deferred.add(encapsulated)
            return encapsulated
        if datatype not in tables.SIMPLE_DATATYPES:
            # A composite without a component table (PL, HD, CQ, SPS, TQ, CP, an
            # older version's CM_ type): whatever a sender types in it is free text.
            return self._string_handler(path, datatype, role)
        return self._simple_handler(path, datatype, role)

    def _simple_handler(self, path: str, datatype: str, role: Role) -> FieldHandler:
        """A code, number or sequence id (ID, IS, NM, SI, ...): kept byte for byte while
        it looks like one. Fail closed: a leaf with whitespace or longer than a code
        (an error text typed into ERR-9, a note in an IS field) is free text, and a
        leaf that is exactly an HL7 timestamp is a date. A number field holding
        letters and digits that are no number (a member id shifted into IN1-33 by a
        sender's misaligned fields) is an identifier: free text would keep it."""
        text_leaf = self._text_leaf(path, 0, datatype, role)
        numeric = datatype in _NUMERIC_DATATYPES
        id_target = self._target(path, 0, Kind.OTHER_ID, role, datatype)

        def leaf(value: str, walk: _Walk) -> str:
            if numeric and _NUMBER.fullmatch(value) is None and _HAS_DIGIT.search(value):
                return walk.write(walk.apply(value, id_target), value)
            if _is_code(value):
                return value
            return text_leaf(value, walk)

        def handle(raw: str, walk: _Walk) -> str:
            d = walk.d
            if d.component not in raw and d.subcomponent not in raw and d.repetition not in raw:
                return leaf(raw, walk)
            return _leaves_by_component(raw, walk, leaf)

        self._deferred.add(handle)
        self._simple.add(handle)
        if numeric:
            self._numeric.add(handle)
        return handle

    def _coded_handler(self, path: str, datatype: str, role: Role) -> FieldHandler:
        """A coded field (CE, CWE, CNE, CF): text components are free text, the codes
        are kept; a code leaf that is exactly an HL7 timestamp (misplaced data) is a
        date."""
        date_target = self._target(path, 0, Kind.DATE, role, datatype)
        text_target = self._target(path, 0, Kind.FREE_TEXT, role, datatype)
        text_numbers = tables.CODED_TEXT_COMPONENTS
        skip_short = self.scrubber.policy.resolve(text_target).method == "scrub"

        def text(value: str, walk: _Walk) -> str:
            return (
                value
                if skip_short and _unchangeable(value)
                else walk.scrub_text(value, text_target)
            )

        def handle(raw: str, walk: _Walk) -> str:
            d = walk.d
            reps = raw.split(d.repetition)
            for r, rep in enumerate(reps):
                comps = rep.split(d.component)
                for c, comp in enumerate(comps):
                    if not comp:
                        continue
                    if c + 1 in text_numbers:
                        if d.subcomponent in comp and not _joined_url(comp, d.subcomponent):
                            comps[c] = d.subcomponent.join(
                                text(sub, walk) for sub in comp.split(d.subcomponent)
                            )
                        else:
                            comps[c] = text(comp, walk)
                    elif comp[:1].isdigit() and _TIMESTAMP_HINT.match(comp):
                        subs = comp.split(d.subcomponent)
                        for s, sub in enumerate(subs):
                            if _TIMESTAMP.fullmatch(sub):
                                subs[s] = walk.write(walk.apply(sub, date_target), sub)
                        comps[c] = d.subcomponent.join(subs)
                    elif not _is_code(comp):
                        # Fail closed: text typed where a code belongs (a note, a
                        # phone) is free text, as in ID and IS fields.
                        comps[c] = d.subcomponent.join(
                            text(sub, walk) for sub in comp.split(d.subcomponent)
                        )
                reps[r] = d.component.join(comps)
            return d.repetition.join(reps)

        self._deferred.add(handle)
        return handle

    def _string_handler(self, path: str, datatype: str, role: Role) -> FieldHandler:
        """A string field (ST, TX, FT, ...) or a composite without a component table:
        free text leaf by leaf, after the structured pass; a leaf that is exactly an
        HL7 timestamp is a date."""
        leaf = self._text_leaf(path, 0, datatype, role)

        def handle(raw: str, walk: _Walk) -> str:
            d = walk.d
            if d.component not in raw and d.subcomponent not in raw and d.repetition not in raw:
                return leaf(raw, walk)
            if d.subcomponent in raw and ("://" in raw or "?" in raw):
                return _leaves_by_component(raw, walk, leaf)
            leaves = (_LEAF_SPLIT.get(d) or _leaf_splitter(d)).split(raw)
            for i in range(0, len(leaves), 2):
                if leaves[i]:
                    leaves[i] = leaf(leaves[i], walk)
            return "".join(leaves)

        self._deferred.add(handle)
        return handle

    def _text_leaf(
        self, path: str, component: int, datatype: str, role: Role
    ) -> Callable[[str, _Walk], str]:
        """Scrubs one leaf (a component or subcomponent) as free text; a leaf that is
        exactly an HL7 timestamp is a date."""
        text_target = self._target(path, component, Kind.FREE_TEXT, role, datatype)
        date_target = self._target(path, component, Kind.DATE, role, datatype)
        # Values the text scrubber cannot change are skipped (no policy call, no
        # report count) when the policy scrubs this text: a single character, or a
        # short number (context terms and detectors need 5+ digits or other text).
        skip_short = self.scrubber.policy.resolve(text_target).method == "scrub"

        def leaf(value: str, walk: _Walk) -> str:
            if skip_short and _unchangeable(value):
                return value
            if value[:1].isdigit() and _TIMESTAMP.fullmatch(value):
                return walk.write(walk.apply(value, date_target), value)
            return _scrub_words(value, walk, text_target)

        return leaf

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

        def leaf(raw: str, walk: _Walk) -> str:
            reps = raw.split(walk.d.repetition)
            for i, rep in enumerate(reps):
                if rep:
                    outcome = walk.apply(rep, target)
                    reps[i] = walk.write(outcome, rep)
                    if is_name and reps[i] != rep:
                        _add_free_name(walk, rep, outcome)
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

        def handle(raw: str, walk: _Walk) -> str:
            d = walk.d
            reps = raw.split(d.repetition)
            for i, rep in enumerate(reps):
                if d.component in rep:
                    reps[i] = as_address(rep, walk)
                elif not _HAS_DIGIT.search(rep):
                    reps[i] = as_place(rep, walk)
            return d.repetition.join(reps)

        def rest(raw: str, walk: _Walk) -> str:
            d = walk.d
            reps = raw.split(d.repetition)
            for i, rep in enumerate(reps):
                if d.component in rep:
                    reps[i] = address_rest(rep, walk)
                elif _HAS_DIGIT.search(rep):
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
        is_identifier = datatype in ("CX", "CK")
        # Resolved once here: a component's target is fixed unless its kind depends on
        # another component of the same value (CX.5 type code, XTN.3 equipment).
        plan: list[tuple[int, bool, Target | None, tables.ComponentKind]] = []
        # Component index (0-based) -> the codes its table allows (TABLE_CODE).
        codes: dict[int, frozenset[str]] = {}
        # Date components (0-based index -> free-text leaf): a value the date rule
        # keeps as it is but that is not a date (an SSN typed into IN2-45) is free
        # text (fail closed).
        date_text: dict[int, Callable[[str, _Walk], str]] = {}
        for number, crule in sorted(components.items()):
            first_only = crule.subcomponents == tables.FIRST_SUBCOMPONENT
            if crule.kind in (tables.ID_BY_TYPE, tables.PHONE_OR_FAX):
                plan.append((number - 1, first_only, None, crule.kind))
            else:
                kind, crole = self._component_kind(crule.kind, [], role, field_kind)
                target = self._target(path, number, kind, crole, datatype)
                plan.append((number - 1, first_only, target, crule.kind))
                if kind in DATE_KINDS:
                    date_text[number - 1] = self._text_leaf(path, number, datatype, role)
                if crule.kind == tables.TABLE_CODE:
                    codes[number - 1] = tables.TABLE_CODES.get((datatype, number), frozenset())

        def write_date(index: int, outcome: Outcome, value: str, walk: _Walk) -> str:
            written = walk.write(outcome, value)
            text = date_text.get(index)
            if text is None or written != value or _DATE_LIKE.fullmatch(value):
                return written
            return text(value, walk)

        def handle(raw: str, walk: _Walk) -> str:
            d = walk.d
            sub_sep = d.subcomponent
            reps = raw.split(d.repetition)
            for r, rep in enumerate(reps):
                if not rep:
                    continue
                comps = rep.split(d.component)
                count = len(comps)
                namespace = ""
                if is_identifier and count > 3 and comps[3]:
                    namespace = walk.ctx.namespace_of(authority=_authority(comps[3], d))
                dropped = False
                for index, first_only, static_target, ckind in plan:
                    if index >= count:
                        break
                    value = comps[index]
                    if not value:
                        continue
                    if ckind == tables.NAME_AFFIX and tables.is_name_affix(value):
                        continue  # a suffix or title ("III", "Dr."): kept
                    if ckind == tables.TABLE_CODE and (
                        len(value) == 1 or value.strip().casefold() in codes[index]
                    ):
                        continue  # a use, equipment or address type code: kept
                    target = static_target
                    if target is None:
                        kind, crole = self._component_kind(ckind, comps, role, field_kind)
                        target = self._target(path, index + 1, kind, crole, datatype)
                    if first_only or sub_sep not in value:
                        head, sep, tail = value.partition(sub_sep)
                        outcome = walk.apply(head, target, namespace)
                        if outcome is Removal.ELEMENT:
                            dropped = True
                            break
                        comps[index] = write_date(index, outcome, head, walk) + sep + tail
                        if ckind == tables.NAME_AFFIX and outcome != head:
                            _add_affix_name(walk, head, outcome)
                        continue
                    subs = value.split(sub_sep)
                    for s, sub in enumerate(subs):
                        if sub:
                            outcome = walk.apply(sub, target, namespace)
                            if outcome is Removal.ELEMENT:
                                dropped = True
                                break
                            subs[s] = write_date(index, outcome, sub, walk)
                    if dropped:
                        break
                    comps[index] = sub_sep.join(subs)
                if dropped:
                    reps[r] = ""
                    continue
                if name_layout is not None:
                    _add_name_context(walk, rep, comps, name_layout)
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
        leaves: dict[int, Callable[[str, _Walk], str]] = {}

        def leaf_of(index: int) -> Callable[[str, _Walk], str]:
            leaf = leaves.get(index)
            if leaf is None:
                leaf = leaves[index] = self._text_leaf(path, index + 1, datatype, role)
            return leaf

        def handle(raw: str, walk: _Walk) -> str:
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
                        if sub_sep not in comp or _joined_url(comp, sub_sep):
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
        return self._by_layout(as_date, as_name, _names_a_person)

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

        def structured(raw: str, walk: _Walk) -> str:
            return raw  # a coded value has nothing structured: its text is free text

        self._companions[structured] = as_coded
        return self._by_layout(as_person, structured, _coded_layout)

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
        return self._by_layout(as_ndl, as_cn, _cn_layout)

    def _by_layout(
        self,
        usual: FieldHandler,
        other: FieldHandler,
        is_other: Callable[[str, Delimiters], bool],
    ) -> FieldHandler:
        """Two component layouts one field meets in real feeds: each repetition goes to
        the structured handler of its layout, and after the structured pass to that
        layout's free-text companion. ``is_other`` must decide the same on a
        repetition before and after the structured pass (see _names_a_person)."""

        def by_repetition(first: FieldHandler, second: FieldHandler) -> FieldHandler:
            def handle(raw: str, walk: _Walk) -> str:
                d = walk.d
                if d.component not in raw:
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
            return (Kind.PROVIDER_ID if role is Role.PROVIDER else Kind.OTHER_ID), role
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
        targets: dict[str, tuple[Target, int | None] | None] = {}

        def handle(raw: str, walk: _Walk) -> str:
            d = walk.d
            reps = raw.split(d.repetition)
            for r, rep in enumerate(reps):
                if not rep:
                    continue
                name, sep, value = rep.partition(d.component)
                if name[:1] != "@":
                    comps = rep.split(d.component)
                    if comps[0] and len(comps) > 3 and any(comps[3:5]):
                        reps[r] = cx_rest(cx(rep, walk), walk)
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
                        _add_query_name(walk, sub, name_part, outcome)
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

    def _obx5_handler(self, role: Role) -> FieldHandler:
        by_type: dict[str, FieldHandler] = {}

        def handle(raw: str, walk: _Walk) -> str:
            fields = walk.segment_fields
            value_type = (
                fields[2].split(walk.d.component, 1)[0].strip().upper() if len(fields) > 2 else ""
            )
            code = fields[3].split(walk.d.component, 1)[0].strip() if len(fields) > 3 else ""
            if code in tables.AGE_OBSERVATION_CODES and value_type in ("NM", "SN", "ST", ""):
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
                        comps[i] = _text_field(comp, walk)
                return d.component.join(comps)
            if value_type in tables.TEXT_VALUE_TYPES or not value_type:
                return _text_field(raw, walk)
            if value_type in tables.CODED_VALUE_TYPES:
                return _coded_text(raw, walk)
            if value_type == "ED":
                return _encapsulated(
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
                    handler = _text_field
                else:
                    structured = self._component_handler(
                        "OBX-5", value_type, role, components, None
                    )
                    rest = self._companions[structured]

                    def handler(raw: str, walk: _Walk) -> str:
                        return rest(structured(raw, walk), walk)

                by_type[value_type] = handler
            return handler(raw, walk)

        self._deferred.add(handle)
        return handle


# Layout tests for _by_layout. Each sees a repetition as sent and again after the
# structured pass, so it reads only what scrubbing keeps: a date starts with a digit
# before and after (20240305, 2024, or nothing when removed); a name never does
# (Quillfeather, [NAME], NAME-1F...).


def _names_a_person(rep: str, d: Delimiters) -> bool:
    """A date field's repetition that is a person (IN2-45 ``Family^Given^Initial``):
    a first component that is no date, followed by more components."""
    head, sep, _ = rep.partition(d.component)
    return bool(sep) and bool(head) and not head[0].isdigit()


# Coding-system ids (HL7 table 0396): HL7 tables, local 99xxx systems and the
# standard vocabularies; a person's given name is none of them.
_CODING_SYSTEM: Final = re.compile(
    r"HL7\d{4}|99[A-Z0-9]{1,8}|LN|SCT|SNM3?|I9C?|I10[CP]?|ICD10(?:CM|PCS)?|ICD9(?:CM)?"
    r"|CPT4?|C4|C5|HCPCS|NDC|CVX|MVX|NUCC|UCUM|ISO\+?|RXNORM|NCIT|FDDC"
)


def _coded_layout(rep: str, d: Delimiters) -> bool:
    """A name field's repetition that is a coded value (``SUR^Surgery^HL70069``):
    a code, then a third component that is a coding-system id. The structured pass
    leaves such a repetition as it is, and turns a name's third component into a
    replacement, never a coding-system id."""
    comps = rep.split(d.component, 3)
    return (
        len(comps) > 2
        and bool(comps[0])
        and _is_code(comps[0])
        and _CODING_SYSTEM.fullmatch(comps[2]) is not None
    )


def _cn_layout(rep: str, d: Delimiters) -> bool:
    """An NDL repetition in the older CN layout (``id^family^given^...``): its second
    component is a name, not the NDL's start date."""
    comps = rep.split(d.component, 2)
    return len(comps) > 1 and bool(comps[1]) and not comps[1][0].isdigit()


def _deferred(
    segment: Segment,
    snapshot: list[str],
    fields: list[tuple[int, FieldHandler]],
    walk: _Walk,
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


def _sweep(segments: list[Segment], walk: _Walk) -> None:
    """Replace whole values still equal to PHI that was replaced elsewhere in the message.

    Catches PHI where no rule looks (a component a datatype rule does not cover,
    a misplaced value, a sending application named like the patient).
    """
    text = walk.ctx.text
    if not text.has_known():
        return
    d = walk.d
    splitter = _LEAF_SPLIT.get(d) or _leaf_splitter(d)
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
                    # escapes stay escapes (their text is _escape_payloads' part).
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


def _sweep_leaf(raw: str, walk: _Walk) -> str:
    """A leaf (or the text between escapes in one) with known PHI replaced."""
    d = walk.d
    text = walk.ctx.text
    value = raw if d.escape not in raw else er7.unescape(raw, d, walk.codec)
    known = text.known(value)
    if known is None and " " in value.strip():
        known = _sweep_words(value, text)
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


def _escape_payloads(segments: list[Segment], walk: _Walk) -> None:
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
    splitter = _LEAF_SPLIT.get(d) or _leaf_splitter(d)
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


def _scrub_payloads(leaf: str, walk: _Walk) -> str:
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
        outcome = walk.ctx.apply(payload, _FREE_TEXT_TARGET)
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


_LEAF_SPLIT: dict[Delimiters, re.Pattern[str]] = {}


def _leaf_splitter(d: Delimiters) -> re.Pattern[str]:
    pattern = re.compile(f"([{re.escape(d.repetition + d.component + d.subcomponent)}])")
    _LEAF_SPLIT[d] = pattern
    return pattern


def _scrub_words(value: str, walk: _Walk, target: Target | None = None) -> str:
    """One leaf of free text. A leaf of words joined by underscores (a file name,
    TXA-16 "Wick_Hester_2024.pdf"; a code built from a city, "CH_SPRINGTOWN") is
    scrubbed as words, the underscores put back: the verifier reads "_" as a break."""
    if "_" in value and "://" not in value and not any(c.isspace() for c in value):
        spaced = value.replace("_", " ")
        scrubbed = walk.scrub_text(spaced, target)
        return value if scrubbed == spaced else scrubbed.replace(" ", "_")
    return walk.scrub_text(value, target)


def _text_field(raw: str, walk: _Walk) -> str:
    """Free text, leaf by leaf: delimiters inside the field keep their structure."""
    d = walk.d
    if d.component not in raw and d.subcomponent not in raw and d.repetition not in raw:
        return _scrub_words(raw, walk)
    reps = raw.split(d.repetition)
    for r, rep in enumerate(reps):
        comps = rep.split(d.component)
        for c, comp in enumerate(comps):
            if _joined_url(comp, d.subcomponent):
                comps[c] = walk.scrub_text(comp)
                continue
            subs = comp.split(d.subcomponent)
            comps[c] = d.subcomponent.join(_scrub_words(sub, walk) for sub in subs)
        reps[r] = d.component.join(comps)
    return d.repetition.join(reps)


def _leaves_by_component(raw: str, walk: _Walk, leaf: Callable[[str, _Walk], str]) -> str:
    """Free text leaf by leaf, except that a component holding a URL cut at its
    query's ``&`` is one leaf (see :func:`_joined_url`)."""
    d = walk.d
    reps = raw.split(d.repetition)
    for r, rep in enumerate(reps):
        comps = rep.split(d.component)
        for c, comp in enumerate(comps):
            if _joined_url(comp, d.subcomponent):
                comps[c] = leaf(comp, walk)
                continue
            subs = comp.split(d.subcomponent)
            comps[c] = d.subcomponent.join(leaf(sub, walk) if sub else sub for sub in subs)
        reps[r] = d.component.join(comps)
    return d.repetition.join(reps)


def _coded_text(raw: str, walk: _Walk) -> str:
    d = walk.d
    reps = raw.split(d.repetition)
    for r, rep in enumerate(reps):
        comps = rep.split(d.component)
        for number in tables.CODED_TEXT_COMPONENTS:
            if number <= len(comps) and comps[number - 1]:
                comps[number - 1] = walk.scrub_text(comps[number - 1])
        reps[r] = d.component.join(comps)
    return d.repetition.join(reps)


def _encapsulated(raw: str, walk: _Walk, binary_target: Target) -> str:
    """OBX-5 ED: text payloads are decoded, scrubbed and re-encoded; binaries follow the policy."""
    d = walk.d
    reps = raw.split(d.repetition)
    for r, rep in enumerate(reps):
        comps = rep.split(d.component)
        if len(comps) < 5:
            reps[r] = _text_field(rep, walk)
            continue
        data_type, subtype, encoding = (c.strip().upper() for c in comps[1:4])
        textual = data_type in _TEXT_ENCAPSULATED_TYPES or subtype in _TEXT_SUBTYPES
        if textual and encoding in ("A", ""):
            comps[4] = walk.scrub_text(comps[4])
        elif textual and encoding == "BASE64":
            payload = "".join(comps[4].split())
            payload += "=" * (-len(payload) % 4)  # senders drop the padding
            try:
                text = base64.b64decode(payload, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                raise HL7ScrubError("OBX-5 ED base64 text payload cannot be decoded") from None
            outcome = walk.ctx.apply(text, _FREE_TEXT_TARGET)
            if isinstance(outcome, Removal):
                reps[r] = ""
                continue
            comps[4] = base64.b64encode(outcome.encode("utf-8")).decode("ascii")
        else:
            binary = walk.ctx.apply(comps[4], binary_target)
            if isinstance(binary, Removal):
                reps[r] = ""
                continue
            comps[4] = binary
        reps[r] = d.component.join(comps)
    return d.repetition.join(reps)


def _authority(hd: str, d: Delimiters) -> str:
    """The assigning authority of a CX: HD namespace id, else its universal id."""
    parts = er7.unescape(hd, d).split(d.subcomponent)
    return next((p.strip() for p in parts[:2] if p.strip()), "")


_NAME_WORD: Final = re.compile(r"[^\W\d_]+(?:['\-][^\W\d_]+)*")
_NAME_END: Final = re.compile(r"[(\[;:/\d]")


def _add_free_name(walk: _Walk, raw: str, outcome: Outcome) -> None:
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


_QIP_NAME: Final = re.compile(r"@([A-Z][A-Z0-9]{2})\.(\d{1,3})(?:\.(\d{1,3}))?(?:\.\d{1,3})?")


def _add_query_name(walk: _Walk, raw: str, part: int, outcome: Outcome) -> None:
    """Register a name part searched for in a query (family, given or middle) for the
    message's free text."""
    parts = ["", "", ""]
    parts[part] = er7.readable(raw, walk.d, walk.codec)
    replacement = as_text(outcome, Kind.NAME) if not isinstance(outcome, Removal) else "[NAME]"
    walk.ctx.text.add_name(parts[0], parts[1], parts[2], replacement)


def _add_affix_name(walk: _Walk, raw: str, outcome: Outcome) -> None:
    """Register a name written in a suffix or prefix component (XPN.4, XPN.5) for the
    message's free text."""
    replacement = as_text(outcome, Kind.NAME) if not isinstance(outcome, Removal) else "[NAME]"
    walk.ctx.text.add_name("", er7.readable(raw, walk.d, walk.codec), "", replacement)


def _add_name_context(
    walk: _Walk, original_rep: str, scrubbed: list[str], layout: tuple[int, int, int]
) -> None:
    """Register a person's name spellings for the free text, with its replacement."""
    d = walk.d
    comps = original_rep.split(d.component)

    def part(source: list[str], index: int) -> str:
        return (
            er7.readable(source[index].split(d.subcomponent, 1)[0], d, walk.codec)
            if index < len(source)
            else ""
        )

    original = [part(comps, i) for i in layout]
    replaced = [part(scrubbed, i) for i in layout]
    if replaced == original:
        return  # kept by the policy
    # A part with a digit is no spelling of a name (a coding system "HL70063" in a
    # shifted relationship code): sweeping it would rewrite codes elsewhere.
    family, given, middle = ("" if _HAS_DIGIT.search(p) else p for p in original)
    if not (family or given):
        return
    replacement = next((p for p in replaced if p), "") or "[NAME]"
    walk.ctx.text.add_name(family, given, middle, as_text(replacement, Kind.NAME))


def patient_identifiers(message: Message) -> list[PatientIdentifier]:
    """Candidate patient identifiers from PID-3 then PID-2 (CX)."""
    d = message.delimiters
    pid = next((s for s in message.segments if s.name == "PID"), None)
    if pid is None:
        return []
    fields = pid.text.split(d.field)
    out = []
    for number in (3, 2):
        if number >= len(fields):
            continue
        for rep in fields[number].split(d.repetition):
            comps = rep.split(d.component)
            if not comps or not comps[0]:
                continue
            out.append(
                PatientIdentifier(
                    value=er7.unescape(comps[0], d),
                    type_code=comps[4].strip().upper() if len(comps) > 4 else "",
                    authority=_authority(comps[3], d) if len(comps) > 3 else "",
                )
            )
    return out
