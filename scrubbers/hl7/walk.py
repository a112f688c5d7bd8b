"""The state of one HL7v2 message's scrub, and HL7 escaping around the text scrubber.

A :class:`Walk` carries the message context, the delimiters and character set,
and the free-text work deferred until every structured field has been seen.
Escape sequences are decoded before text is scrubbed (so ``\\X51\\uill`` is
read as "Quill") and the sender's formatting escapes are written back as they
were; a value the policy keeps keeps its exact bytes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from parsers.hl7v2 import er7
from parsers.hl7v2.er7 import Delimiters
from scrubbers.engine import MessageContext
from scrubbers.kinds import Kind, Role
from scrubbers.methods import Outcome, Removal
from scrubbers.policy import Rule
from scrubbers.target import Target

FORMAT: Final = "hl7v2"
# Kinds of shifted data that can be a facility's or application's code.
# A provider's address: no patient's place (a referring doctor's town rewrote
# facility codes named after it).
_PLACE_KINDS: Final = frozenset(
    {Kind.STREET_ADDRESS, Kind.CITY, Kind.ZIP, Kind.COUNTY, Kind.STATE, Kind.GEOCODE}
)
_FACILITY_SHAPED: Final = frozenset({Kind.OTHER_ID, Kind.PROVIDER_ID})
_SHORT_CODE: Final = re.compile(r"[A-Z]{2,4}")


class HL7ScrubError(ValueError):
    """A message could not be scrubbed. Messages name the place, never the value."""


class Walk:
    """State while scrubbing one message: context, delimiters, deferred text."""

    __slots__ = (
        "codec",
        "ctx",
        "d",
        "deferred",
        "facilities",
        "facility_words",
        "person_keys",
        "persons",
        "segment_fields",
        "skip_short",
    )

    def __init__(
        self, ctx: MessageContext, d: Delimiters, codec: str = "latin-1", skip_short: bool = False
    ) -> None:
        self.ctx = ctx
        self.d = d
        self.codec = codec  # the message's character set: what hex escapes encode
        # The policy scrubs free text (rather than removing it): values the text
        # scrubber cannot change need not reach it (see unchangeable).
        self.skip_short = skip_short
        self.deferred: list[Callable[[], None]] = []
        self.segment_fields: list[str] = []
        # The message header's applications and facilities (MSH-3 to MSH-6, their
        # namespace ids), case-folded: no provider's name (see add_name_context).
        self.facilities: frozenset[str] = frozenset()
        # Their words too (STLUKE_HARROWGATE_SNF: "snf"): an id that is one (a hospital
        # service SNF shifted into PV1-9) names no one and is not swept from them.
        self.facility_words: frozenset[str] = frozenset()
        # The message's persons who are no providers (patient, relatives, guarantor,
        # insured), case-folded: every name part and identifier (persons), and the
        # family names and identifiers that single one out (person_keys). A provider
        # field repeating one holds that person (see HL7Scrubber._component_handler).
        self.persons: set[str] = set()
        self.person_keys: set[str] = set()

    def apply(
        self, raw: str, target: Target, namespace: str = "", rule: Rule | None = None
    ) -> Outcome:
        """Apply the policy to an escaped HL7 value; feed the text context.

        HL7's explicit null (``""``: "delete this value" in updates) is not a value
        and is kept as it is. ``rule``: the target's rule, when resolved ahead.
        """
        if raw == '""':
            return raw
        value = raw if self.d.escape not in raw else er7.unescape(raw, self.d, self.codec)
        outcome = self.ctx.apply(value, target, namespace, rule)
        if outcome == value:
            # Kept here, but replaced elsewhere in this message (a city sent in the
            # state component, say): replace it the same way.
            known = self.ctx.text.known(value)
            if known is not None:
                return known
        elif (
            target.kind not in (Kind.NAME, Kind.PROVIDER_NAME)
            and target.role is not Role.ORGANIZATION
            and not (target.role is Role.PROVIDER and target.kind in _PLACE_KINDS)
            and not (
                target.kind in _FACILITY_SHAPED and value.strip().casefold() in self.facility_words
            )
            and not (target.kind is Kind.PROVIDER_ID and _SHORT_CODE.fullmatch(value))
        ):
            # (An id that is a facility of the message header, shifted data such as
            # PRD-5 ``^^CAREDOC``, is replaced here but not swept from the header, nor
            # is a provider id of two to four capitals, a code one field off (the
            # hospital service RAD in PV1-9) that the point of care and notes use; and
            # an organization's address or phone, IN1-5 an insurance company's, names
            # no person: sweeping its town rewrote the facility LUKS_LUZERN.)
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
        :func:`joined_url`) keeps those separators literal, as the sender wrote them.
        """
        if not raw or (self.skip_short and target is None and unchangeable(raw)):
            return raw
        d = self.d
        if d.escape not in raw:
            outcome = self.ctx.apply(raw, target or FREE_TEXT_TARGET)
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
        outcome = self.ctx.apply(plain, target or FREE_TEXT_TARGET)
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


FieldHandler = Callable[[str, "Walk"], str]
FREE_TEXT_TARGET: Final = Target(Kind.FREE_TEXT, Role.PATIENT, FORMAT, "text", "TX")


def _escape_text(text: str, d: Delimiters, raw: str) -> str:
    """Scrubbed text escaped for its field; the subcomponent separator stays literal
    when ``raw`` (a rejoined component) had it literal."""
    sub_sep = d.subcomponent
    if sub_sep not in raw or sub_sep not in text:
        return er7.escape(text, d)
    return sub_sep.join(er7.escape(part, d) for part in text.split(sub_sep))


_QUERY_KEY: Final = re.compile(r"[\w.\-\[\]]+=")


def joined_url(comp: str, sub_sep: str) -> bool:
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


def unchangeable(value: str) -> bool:
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
    scrubbed on its own at the end of the message (:func:`escape_payloads`).

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
            # decodes; the text after its code is scrubbed by escape_payloads.
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
