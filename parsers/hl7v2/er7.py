"""HL7v2 ER7 (pipe-delimited) reading and writing for the hot path.

Faithfulness first: a message is kept as its segments' text plus the exact
separators found between them, and fields are split and re-joined with the
message's own delimiters, so anything no rule touches comes out byte for
byte as it came in. Nothing here validates against a message structure
(hl7apy's parser silently drops segments its structure does not list, and
parses about 45 messages/s); segment and field *meaning* lives in
``parsers.hl7v2.reference`` and in the scrubbers.

What is handled: delimiters from MSH-1/MSH-2 (any characters, not only
``|^~\\&``); ``\\r``, ``\\n`` and ``\\r\\n`` segment separators; MLLP frames
(``0x0B ... 0x1C 0x0D``); several messages per input and FHS/BHS batch
envelopes; the character set named in MSH-18 where Python has a codec
(without one: UTF-8, else Windows-1252, else Latin-1);
escape sequences (``\\F\\ \\S\\ \\T\\ \\R\\ \\E\\ \\Xhh\\``; formatting escapes such
as ``\\.br\\`` are kept as they are, and so are locally defined ``\\Zxx\\`` and
other escapes, whose text :func:`escape_payload` tells).

Errors are :class:`ER7Error` with a message that names what is wrong and
where (segment number, never content).
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from typing import Final

MLLP_START: Final = b"\x0b"
MLLP_END: Final = b"\x1c"
_FRAME_PADDING: Final = b"\r\n \t"
ENVELOPE_SEGMENTS: Final = frozenset({"FHS", "BHS", "BTS", "FTS"})
# Segments whose field 1 is the field separator itself (MSH-1, FHS-1, BHS-1).
HEADER_SEGMENTS: Final = frozenset({"MSH", "FHS", "BHS"})
_SEGMENT_SPLIT: Final = re.compile(r"(\r\n|\r|\n)")
_SEGMENT_ID: Final = re.compile(r"[A-Z][A-Z0-9]{2}")
# What a line may hold and still be blank: indentation, and DOS end-of-file marks.
_BLANK_LINE: Final = " \t\x1a"

# MSH-18 values (HL7 table 0211) with a Python codec. UTF-16/32 are absent on
# purpose: their MSH cannot be read as ASCII, so they are reported, not guessed.
CHARSETS: Final[dict[str, str]] = {
    "ASCII": "ascii",
    "ISO IR6": "ascii",
    "8859/1": "latin-1",
    "ISO IR100": "latin-1",
    "8859/2": "iso8859-2",
    "ISO IR101": "iso8859-2",
    "8859/3": "iso8859-3",
    "ISO IR109": "iso8859-3",
    "8859/4": "iso8859-4",
    "ISO IR110": "iso8859-4",
    "8859/5": "iso8859-5",
    "ISO IR144": "iso8859-5",
    "8859/6": "iso8859-6",
    "ISO IR127": "iso8859-6",
    "8859/7": "iso8859-7",
    "ISO IR126": "iso8859-7",
    "8859/8": "iso8859-8",
    "ISO IR138": "iso8859-8",
    "8859/9": "iso8859-9",
    "ISO IR148": "iso8859-9",
    "8859/15": "iso8859-15",
    "UNICODE UTF-8": "utf-8",
    "UNICODE": "utf-8",
    "ISO IR192": "utf-8",
    "ISO IR87": "iso2022_jp",
    "ISO IR159": "iso2022_jp_2",
    "GB 18030-2000": "gb18030",
    "KS X 1001": "euc_kr",
    "BIG-5": "big5",
    # Spellings senders use instead of table 0211's names.
    "BIG5": "big5",
    "UTF-8": "utf-8",
    "UTF8": "utf-8",
    "CP1252": "cp1252",
    "WINDOWS-1252": "cp1252",
    "ISO-8859-1": "latin-1",
    "ISO8859-1": "latin-1",
    "LATIN1": "latin-1",
    "LATIN-1": "latin-1",
    "ISO-8859-15": "iso8859-15",
    "US-ASCII": "ascii",
    # The other ISO 8859 parts spelled as codecs name them, and the Windows code pages
    # of Central and Eastern European, Cyrillic, Greek, Turkish, Baltic and Vietnamese
    # feeds (a Polish HIS declares CP1250): not in table 0211, sent all the same.
    **{f"ISO-8859-{n}": f"iso8859-{n}" for n in (2, 3, 4, 5, 6, 7, 8, 9, 13)},
    **{f"ISO8859-{n}": f"iso8859-{n}" for n in (2, 3, 4, 5, 6, 7, 8, 9, 13, 15)},
    **{f"CP{n}": f"cp{n}" for n in range(1250, 1259) if n != 1252},
    **{f"WINDOWS-{n}": f"cp{n}" for n in range(1250, 1259) if n != 1252},
}


# Double-byte character sets whose second byte can be an ASCII delimiter ("院" is
# 0xB0 0x7C in Big5, "東" 0x96 0x7C in GB 18030): MSH-18 is found by reading the
# header in the character set it names, not by splitting its bytes.
_DELIMITER_UNSAFE: Final[tuple[tuple[bytes, str], ...]] = tuple(
    (name.encode(), codec) for name, codec in CHARSETS.items() if codec in ("big5", "gb18030")
)


class ER7Error(ValueError):
    """Input that is not usable HL7v2 ER7. Messages never quote content.

    ``message_index`` (0-based) names the message of a multi-message input the
    error is in, when it is in one."""

    def __init__(self, reason: str, message_index: int | None = None) -> None:
        super().__init__(reason)
        self.message_index = message_index


@dataclass(frozen=True, slots=True)
class Delimiters:
    field: str = "|"
    component: str = "^"
    repetition: str = "~"
    escape: str = "\\"
    subcomponent: str = "&"

    @classmethod
    def from_header(cls, header: str) -> Delimiters:
        """Read MSH-1 and MSH-2 (or the same positions of FHS/BHS)."""
        if len(header) < 8 or not header[3:4]:
            raise ER7Error("header segment too short to hold its delimiters")
        sep = header[3]
        encoding = header[4:].split(sep, 1)[0]
        if len(encoding) < 4:
            raise ER7Error("MSH-2 must hold four encoding characters")
        if len(encoding) >= 5 and encoding[2] == encoding[3] and encoding[3] != encoding[4]:
            # "^~\\&": a sender (or its config file) doubled the escape character.
            # Integration engines accept it; read it as "^~\&". MSH-2 is kept as written.
            encoding = encoding[:3] + encoding[4:]
        chars = (sep, *encoding[:4])
        if chars == _STANDARD_CHARS and cls is Delimiters:
            # Shared: per-delimiter tables (escape's pattern) are found by identity.
            return DEFAULT_DELIMITERS
        if len(set(chars)) != 5 or any(
            c.isalnum() or not c.isprintable() or c.isspace() for c in chars
        ):
            raise ER7Error("MSH-1/MSH-2 delimiters must be five distinct punctuation characters")
        return cls(sep, encoding[0], encoding[1], encoding[2], encoding[3])


# The standard delimiters, |^~\&, which nearly every sender uses.
_STANDARD_CHARS: Final = ("|", "^", "~", "\\", "&")
DEFAULT_DELIMITERS: Final = Delimiters()


@dataclass(slots=True)
class Segment:
    """One segment's text and the separator that followed it in the input."""

    text: str
    terminator: str

    @property
    def name(self) -> str:
        return self.text[:3]


@dataclass(slots=True)
class Message:
    """One HL7 message (from its MSH to before the next MSH or envelope segment)."""

    segments: list[Segment]
    delimiters: Delimiters
    index: int  # position among the input's messages, for error reports

    @property
    def header_fields(self) -> list[str]:
        return self.segments[0].text.split(self.delimiters.field)

    def msh(self, number: int) -> str:
        """MSH-<number> as raw text ('' if absent). MSH-1 is the field separator."""
        if number == 1:
            return self.delimiters.field
        fields = self.header_fields
        return fields[number - 1] if number - 1 < len(fields) else ""

    @property
    def version(self) -> str:
        return self.msh(12).split(self.delimiters.component, 1)[0].strip()

    @property
    def message_type(self) -> str:
        parts = self.msh(9).split(self.delimiters.component)
        return "^".join(p for p in parts[:2] if p)


@dataclass(slots=True)
class Document:
    """A whole input: messages and batch envelope segments in their original order."""

    items: list[Message | Segment]
    encoding: str
    framed: bool = False
    leading: str = ""  # whitespace before the first segment, kept for round trips
    messages: list[Message] = field(default_factory=list)
    frames: int = 0  # MLLP frames in the input (0: not framed)


def _framed(data: bytes) -> bool:
    """Whether a frame's start byte opens the input or its end byte closes it (blank
    lines around them allowed). A stray vertical tab inside a field (pasted text)
    frames nothing: the output of an unframed input stays unframed."""
    return data[:64].lstrip(_FRAME_PADDING).startswith(MLLP_START) or data[-64:].rstrip(
        _FRAME_PADDING
    ).endswith(MLLP_END)


def strip_mllp(data: bytes) -> tuple[bytes, int]:
    """Remove MLLP framing bytes: the segments of every frame, and how many frames
    held any (0 when the input is not framed)."""
    if not _framed(data):
        return data, 0
    frames = [frame.lstrip(b"\r\n").lstrip(MLLP_START) for frame in data.split(MLLP_END)]
    body = b"".join(
        frame if frame.endswith((b"\r", b"\n")) or not frame.strip() else frame + b"\r"
        for frame in frames
    )
    return body.lstrip(b"\r\n"), max(1, sum(1 for frame in frames if frame.strip()))


def charset_of(data: bytes) -> tuple[str, bool]:
    """The Python codec for the input from the first MSH-18, and whether it was declared."""
    start = data.find(b"MSH")
    if start < 0:
        raise ER7Error("no MSH segment: not an HL7v2 ER7 message")
    end = min(
        (i for i in (data.find(b"\r", start), data.find(b"\n", start)) if i >= 0), default=len(data)
    )
    raw = data[start:end]
    if not raw.isascii():
        codec = _delimiter_unsafe_charset(raw)
        if codec is not None:
            return codec, True
    header = raw.decode("latin-1")
    if len(header) < 4:
        raise ER7Error("MSH segment too short")
    declared = _msh18(header)
    if not declared:
        return "utf-8", False
    codec = CHARSETS.get(declared.upper())
    if codec is None:
        # Not a character set this service knows ("IS", a country code shifted one
        # field): bytes that are valid UTF-8, without ISO 2022 escapes, are read as
        # UTF-8, as with an empty MSH-18; anything else cannot be read safely.
        if b"\x1b" not in data:
            with contextlib.suppress(UnicodeDecodeError):
                data.decode("utf-8")
                return "utf-8", True
        raise ER7Error("MSH-18 names a character set this service cannot decode")
    return codec, True


def _msh18(header: str) -> str:
    """MSH-18's first repetition in an MSH segment's text."""
    fields = header.split(header[3])
    return fields[17].split(header[5:6] or "~")[0].strip() if len(fields) > 17 else ""


def _delimiter_unsafe_charset(raw: bytes) -> str | None:
    """The double-byte character set a non-ASCII MSH names in MSH-18 when read in it.

    Only the sets in ``_DELIMITER_UNSAFE`` whose name is in the header are tried,
    and one is taken only if the header, decoded in it, names it in MSH-18."""
    upper = raw.upper()
    for name, codec in _DELIMITER_UNSAFE:
        if name not in upper:
            continue
        try:
            header = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        if len(header) >= 4 and CHARSETS.get(_msh18(header).upper()) == codec:
            return codec
    return None


def decode(data: bytes, codec: str, declared: bool) -> tuple[str, str]:
    """The input's text and the codec it was read with (and is written back in).

    A declared character set must match (ASCII also reads as UTF-8, its
    superset). Without one, UTF-8 is tried first, then Windows-1252, then
    Latin-1 (which decodes any byte): a legacy feed with an empty MSH-18 is
    read, not rejected, and its untouched bytes come out as they came in.
    """
    try:
        return data.decode(codec), codec
    except UnicodeDecodeError as exc:
        if codec == "ascii":
            # ASCII declared, UTF-8 sent (common): UTF-8 reads every ASCII byte the same.
            with contextlib.suppress(UnicodeDecodeError):
                return data.decode("utf-8"), "utf-8"
        if declared:
            raise ER7Error(
                f"bytes do not match the MSH-18 character set ({codec}) at byte {exc.start}"
            ) from None
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _segment(text: str, terminator: str) -> Segment:
    """A segment; a line of only spaces and tabs is a blank line, kept byte for byte
    (its whitespace goes with the terminator): an editor's or an engine's stray
    indentation is no segment, and failing the message for it would help nobody.
    So is a line of DOS end-of-file marks (Ctrl-Z, ``\x1a``) that Windows tools
    still append to a text file they write."""
    if text and not text.strip(_BLANK_LINE):
        return Segment("", text + terminator)
    return Segment(text, terminator)


def parse(data: bytes, max_segments: int = 100_000) -> Document:
    """Split an input into messages and envelope segments, keeping every byte."""
    if not data.strip():
        raise ER7Error("empty input")
    if b"\x00" in data:
        raise ER7Error("binary content (NUL bytes): not an HL7v2 ER7 message")
    body, frames = strip_mllp(data)
    codec, declared = charset_of(body)
    text, codec = decode(body, codec, declared)
    # Whitespace before the first segment, and a UTF-8 byte order mark, are kept verbatim.
    stripped = text.lstrip("\ufeff\r\n \t")
    leading = text[: len(text) - len(stripped)]
    parts = _SEGMENT_SPLIT.split(stripped)
    segments = [
        _segment(parts[i], parts[i + 1] if i + 1 < len(parts) else "")
        for i in range(0, len(parts), 2)
    ]
    if segments and not segments[-1].text and not segments[-1].terminator:
        segments.pop()  # the input ended with a separator
    if len(segments) > max_segments:
        raise ER7Error(f"more than {max_segments} segments")
    document = Document([], codec, frames > 0, leading, frames=frames)
    current: Message | None = None
    for number, segment in enumerate(segments, start=1):
        name = segment.name
        if not segment.text:
            # Blank lines (often a trailing newline pair) are kept verbatim.
            (current.segments if current else document.items).append(segment)
            continue
        if not _SEGMENT_ID.fullmatch(name) or (len(segment.text) > 3 and segment.text[3] in "\r\n"):
            raise _in_message(f"segment {number} does not start with a segment id", current)
        if name == "MSH":
            try:
                delimiters = Delimiters.from_header(segment.text)
            except ER7Error as exc:
                raise ER7Error(str(exc), len(document.messages)) from None
            current = Message([segment], delimiters, len(document.messages))
            document.items.append(current)
            document.messages.append(current)
        elif name in ENVELOPE_SEGMENTS:
            current = None
            document.items.append(segment)
        elif current is None:
            raise ER7Error(f"segment {number} appears before any MSH segment")
        else:
            if len(segment.text) > 3 and segment.text[3] != current.delimiters.field:
                raise _in_message(f"segment {number} does not use the MSH field separator", current)
            current.segments.append(segment)
    if not document.messages:
        raise ER7Error("no MSH segment: not an HL7v2 ER7 message")
    return document


def _in_message(reason: str, message: Message | None) -> ER7Error:
    """An error inside ``message`` (if any), naming its segment number in it too."""
    if message is None:
        return ER7Error(reason)
    within = len([s for s in message.segments if s.text]) + 1
    return ER7Error(f"{reason} (segment {within} of its message)", message.index)


def serialize(document: Document) -> bytes:
    """The document as bytes, in its input character set and framing.

    Several MLLP frames holding one message each (a receiver's capture of a
    connection) come back one message per frame; any other framed input (a
    batch, messages sharing a frame) comes back as one frame.
    """
    if document.frames > 1 and document.frames == len(document.messages) == len(document.items):
        return b"".join(
            MLLP_START
            + _encoded((document.leading if i == 0 else "") + _text([message]), document.encoding)
            + MLLP_END
            + b"\r"
            for i, message in enumerate(document.messages)
        )
    data = _encoded(document.leading + _text(document.items), document.encoding)
    if document.framed:
        return MLLP_START + data + MLLP_END + b"\r"
    return data


def _text(items: list[Message | Segment]) -> str:
    parts: list[str] = []
    for item in items:
        if isinstance(item, Message):
            parts.extend(segment.text + segment.terminator for segment in item.segments)
        else:
            parts.append(item.text + item.terminator)
    return "".join(parts)


def _encoded(text: str, encoding: str) -> bytes:
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        raise ER7Error(f"output cannot be encoded in {encoding}") from None


# --- escape sequences -----------------------------------------------------------


def hex_decode(digits: str, codec: str = "latin-1") -> str | None:
    """The text of a ``\\Xhh..\\`` escape's hex digits: bytes in the message's character
    set (``codec``), read as Latin-1 where they are not valid in it; None if not hex."""
    try:
        data = bytes.fromhex(digits)
    except ValueError:
        return None
    if codec != "latin-1":
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            pass
    return data.decode("latin-1")


def _hex_shape(code: str) -> bool:
    return code[:1] == "X" and len(code) > 1 and len(code) % 2 == 1


def unescape(value: str, d: Delimiters, codec: str = "latin-1") -> str:
    """Decode delimiter and hex escapes; formatting escapes stay as written.

    Hex escapes are bytes in the message's character set (``codec``, the
    document's encoding); bytes that are not valid in it read as Latin-1.
    """
    esc = d.escape
    if esc not in value:
        return value
    out: list[str] = []
    i = 0
    n = len(value)
    while i < n:
        ch = value[i]
        if ch != esc:
            out.append(ch)
            i += 1
            continue
        end = value.find(esc, i + 1)
        if end < 0:
            out.append(value[i:])
            break
        code = value[i + 1 : end]
        if code == "F":
            out.append(d.field)
        elif code == "S":
            out.append(d.component)
        elif code == "T":
            out.append(d.subcomponent)
        elif code == "R":
            out.append(d.repetition)
        elif code == "E":
            out.append(esc)
        elif _hex_shape(code):
            text = hex_decode(code[1:], codec)
            out.append(value[i : end + 1] if text is None else text)
        else:
            out.append(value[i : end + 1])  # \.br\, \H\, \N\, \Zxx\ ...: kept
        i = end + 1
    return "".join(out)


# Formatting escapes of formatted text (HL7 v2 chapter 2, FT): highlighting on and
# off, and the line commands, some with a (signed) number of lines or spaces.
_FORMATTING: Final = re.compile(
    r"[HN]|\.(?:br|fi|nf|ce|(?:sp|in|ti|sk) {0,3}[+-]? {0,3}\d{0,9})", re.IGNORECASE
)
_DELIMITER_CODES: Final = frozenset({"F", "S", "T", "R", "E"})
# Escapes whose text follows a one-letter code: locally defined (\\Zxx\\), character
# set (\\Cxxyy\\, \\Mxxyyzz\\) and a malformed hex escape.
_PREFIXED: Final = frozenset({"Z", "C", "M", "X"})


def _is_hex(code: str) -> bool:
    """A hex escape :func:`unescape` decodes."""
    return _hex_shape(code) and hex_decode(code[1:]) is not None


def escape_payload(code: str) -> tuple[str, str] | None:
    """The text an escape sequence carries that no HL7 reader decodes.

    ``code`` is what stands between the two escape characters. None for the
    delimiter escapes (``F S T R E P``), a hex escape (:func:`unescape` decodes it)
    and the formatting escapes (``H N .br .sp2 .in+4 ...``): no free text in them.
    Anything else is ``(prefix, payload)``: a locally defined escape ``\\Zxx\\``, a
    character-set escape ``\\Cxxyy\\``/``\\Mxxyyzz\\`` or a malformed hex escape
    has its one-letter code as prefix; an escape of no known kind has none, all of
    its code is payload. :func:`unescape` keeps all of these as written.
    """
    if code in _DELIMITER_CODES or code == "P" or _FORMATTING.fullmatch(code) or _is_hex(code):
        return None
    if code[:1] in _PREFIXED:
        return code[:1], code[1:]
    return "", code


def kept_escapes(value: str, d: Delimiters) -> list[str]:
    """``value`` cut around the escape sequences :func:`unescape` keeps as written.

    The list alternates text (which may hold delimiter and hex escapes), escape
    sequence, text, ...; it has an odd length and joins back to ``value``. An
    escape character without a closing one starts a sequence that runs to the end.
    """
    esc = d.escape
    pieces: list[str] = []
    start = 0  # where the current text piece began
    i = value.find(esc)
    while i >= 0:
        end = value.find(esc, i + 1)
        if end < 0:
            pieces += [value[start:i], value[i:]]
            start = len(value)
            break
        code = value[i + 1 : end]
        if code not in _DELIMITER_CODES and not _is_hex(code):
            pieces += [value[start:i], value[i : end + 1]]
            start = end + 1
        i = value.find(esc, end + 1)
    pieces.append(value[start:])
    return pieces


def readable(value: str, d: Delimiters, codec: str = "latin-1") -> str:
    """The text a reader makes of ``value``: delimiter and hex escapes decoded,
    formatting escapes left out, and the text an undecoded escape carries
    (:func:`escape_payload`) read as text (``\\ZQuill\\`` is "Quill")."""
    if d.escape not in value:
        return value
    pieces = kept_escapes(value, d)
    esc = d.escape
    for i, piece in enumerate(pieces):
        if i % 2 == 0:
            pieces[i] = unescape(piece, d, codec)
            continue
        closed = len(piece) > 1 and piece.endswith(esc)
        found = escape_payload(piece[1:-1] if closed else piece[1:])
        pieces[i] = "" if found is None else found[1]
    return "".join(pieces)


def _specials_of(d: Delimiters) -> re.Pattern[str]:
    chars = d.field + d.component + d.repetition + d.escape + d.subcomponent + "\r\n"
    return re.compile(f"[{re.escape(chars)}]")


_SPECIALS: dict[Delimiters, re.Pattern[str]] = {}
_DEFAULT_SPECIALS: Final = _specials_of(DEFAULT_DELIMITERS)


def _specials(d: Delimiters) -> re.Pattern[str]:
    if d is DEFAULT_DELIMITERS:
        return _DEFAULT_SPECIALS  # no hash of the dataclass per value
    pattern = _SPECIALS.get(d)
    if pattern is None:
        pattern = _SPECIALS[d] = _specials_of(d)
    return pattern


def escape(value: str, d: Delimiters) -> str:
    """Encode delimiters inside a value so it can be written into a field.

    Segment separators (CR, LF: from a decoded hex escape) are written back as
    hex escapes, so a value can never split its segment.
    """
    if _specials(d).search(value) is None:
        return value
    out = value.replace(d.escape, f"{d.escape}E{d.escape}")
    for char, code in (
        (d.field, "F"),
        (d.component, "S"),
        (d.subcomponent, "T"),
        (d.repetition, "R"),
    ):
        out = out.replace(char, f"{d.escape}{code}{d.escape}")
    if "\r" in out or "\n" in out:
        out = out.replace("\r", f"{d.escape}X0D{d.escape}").replace(
            "\n", f"{d.escape}X0A{d.escape}"
        )
    return out
