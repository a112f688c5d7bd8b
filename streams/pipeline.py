"""One Kafka record in, exactly one record out: de-identified or quarantined.

:class:`RecordProcessor` is the worker's whole per-record decision, kept free
of Kafka and Faust so it is unit-tested without a broker:

size check -> format -> parse + scrub -> verify -> de-identified record
                \\-> any failure at any stage -> quarantine record with a reason

Fail closed: a record reaches a de-identified topic only after every stage
succeeded, the independent verifier found none of the input's PHI in the
output, and its key and headers were rebuilt from scratch (the output key is
the patient's pseudonym; input headers are dropped except an allowlist;
provenance headers are added). Quarantine records carry the raw input (and
need the raw topics' ACLs) plus headers naming the stage, error class,
policy and source position, never a value. A raw input larger than the
quarantine ceiling (``quarantine_max_bytes``) is quarantined without its
payload (empty key and value, ``phi-scrub.payload: omitted``): the source
topic/partition/offset headers say where to replay it from.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from importlib.metadata import version
from typing import Final

import orjson

from parsers.detect import detect_format
from scrubbers.engine import Scrubber
from scrubbers.fhir.scrub import FHIRScrubber
from scrubbers.hl7.scrub import HL7Scrubber, MessageResult
from scrubbers.report import ScrubReport
from scrubbers.verify import UnreadableInputError, Verifier
from streams import deadline

SCRUBBER_VERSION: Final = version("phi-scrub")
HEADER_PREFIX: Final = "phi-scrub."
# W3C Trace Context: version-traceid-parentid-flags, lower-case hex only.
_TRACEPARENT: Final = re.compile(rb"[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")
# W3C tracestate: up to 32 comma-separated key=value members, 512 bytes at most.
_TRACE_MEMBER: Final = rb"[a-z0-9][a-z0-9_*/@-]{0,255}=[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,256}"
_TRACESTATE: Final = re.compile(
    rb"(?=[\x20-\x7e]{0,512}\Z)[ \t]*"
    + _TRACE_MEMBER
    + rb"(?:[ \t]*,[ \t]*"
    + _TRACE_MEMBER
    + rb"){0,31}[ \t]*"
)
# What any other allowlisted header may hold: printable ASCII, as long as W3C's
# tracestate at most (no binary payloads, no multi-line text).
_COPYABLE: Final = re.compile(rb"[\x20-\x7e]{0,512}")
# A run of digits that could be a phone number, an MRN or a date (any spelling
# the verifier's literal search would miss: 6175550142 for (617) 555-0142).
_DIGIT_RUN: Final = re.compile(rb"\d{5}")
Headers = list[tuple[str, bytes]]
# Why a UTF-16 or UTF-32 input is neither format (a Windows "Unicode" export, say).
WIDE_TEXT: Final = "UTF-16 or UTF-32 text: HL7v2 ER7 and FHIR JSON are read as UTF-8 or 8-bit text"


def wide_text(value: bytes) -> bool:
    """Whether an input is UTF-16 or UTF-32 text: a byte order mark, or the NUL
    bytes of ASCII characters so encoded in its first four bytes (the others
    ASCII). Neither format is read that way: said so, rather than "no MSH
    segment" or "invalid JSON at line 1 column 2"."""
    if value.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    head = value[:4]
    if len(head) < 4 or b"\x00" not in head:
        return False
    nul = tuple(byte == 0 for byte in head)
    return nul in _WIDE_NULS and all(byte == 0 or 9 <= byte <= 126 for byte in head)


# The NUL bytes of two ASCII characters in UTF-16 (LE, BE), of one in UTF-32 (LE, BE).
_WIDE_NULS: Final = (
    (False, True, False, True),
    (True, False, True, False),
    (False, True, True, True),
    (True, True, True, False),
)


def _hl7_reason(message: MessageResult, messages: int) -> str:
    """A failed message's error; in a record of several messages (a batch), which
    one failed first, counted from 1 as ``phi-scrub scrub`` names it."""
    error = message.error or "not scrubbed"
    index = message.index
    if index is None or (index == 0 and messages == 1):
        return error
    return f"message {index + 1}: {error}"


class Stage(enum.StrEnum):
    SIZE = "size"
    DETECT = "detect"
    SCRUB = "scrub"
    VERIFY = "verify"
    PRODUCE = "produce"


@dataclass(frozen=True, slots=True)
class SourceRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]] = ()

    @property
    def record_id(self) -> str:
        """Deterministic id of this input position, for downstream de-duplication."""
        digest = hashlib.sha256(f"{self.topic}\x1f{self.partition}\x1f{self.offset}".encode())
        return digest.hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class OutputRecord:
    topic: str
    key: bytes | None
    value: bytes
    headers: Headers
    quarantined: bool
    reason: str = ""  # quarantine reason (no values)
    stage: str = ""
    report: ScrubReport | None = None
    findings: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Routing:
    """Which de-identified topic each raw topic feeds, and its format."""

    outputs: dict[str, str]  # raw topic -> de-identified topic
    formats: dict[str, str]  # raw topic -> "hl7v2" | "fhir" | "auto"
    quarantine: str


class RecordProcessor:
    """Scrubs one record at a time; never raises for bad input."""

    def __init__(
        self,
        scrubber: Scrubber,
        routing: Routing,
        max_bytes: int,
        header_allowlist: Iterable[str] = (),
        quarantine_max_bytes: int | None = None,
    ) -> None:
        self.scrubber = scrubber
        self.routing = routing
        self.max_bytes = max_bytes
        # None: quarantine records always carry the raw payload.
        self.quarantine_max_bytes = quarantine_max_bytes
        self.allowlist = frozenset(h.lower() for h in header_allowlist)
        self.hl7 = HL7Scrubber(scrubber)
        self.fhir = FHIRScrubber(scrubber)
        self.verifier = Verifier(scrubber.policy)

    def process_within(self, record: SourceRecord, seconds: float) -> OutputRecord:
        """:meth:`process` with a time budget: past it, the record is quarantined.

        A pathological record (a regex that backtracks, a huge repetition) must
        not stall its partition for minutes; ``seconds <= 0`` disables the budget.
        """
        reason = f"processing took longer than {seconds:g} s"
        try:
            with deadline.within(seconds):
                out = self.process(record)
        except deadline.RecordTimeout:
            return self.quarantine(record, Stage.SCRUB, "RecordTimeout", reason)
        if out.reason == "RecordTimeout":  # raised inside a stage and caught there
            return self.quarantine(record, Stage(out.stage), "RecordTimeout", reason)
        return out

    def process(self, record: SourceRecord) -> OutputRecord:
        """The record's one output: de-identified, or quarantined with a reason.

        An exception no stage expected (a defect, not the record's fault) still
        ends as a quarantine record naming its class: raised into the stream
        loop, it would leave the input without an output, and a later record's
        acknowledgement could commit past it. Only :class:`deadline.RecordTimeout`
        goes on to :meth:`process_within`, which names the stage.
        """
        try:
            return self._process(record)
        except deadline.RecordTimeout:
            raise
        except Exception as exc:
            return self.quarantine(record, Stage.SCRUB, type(exc).__name__, "internal error")

    def _process(self, record: SourceRecord) -> OutputRecord:
        value = record.value
        if value is None or not value.strip():
            return self.quarantine(record, Stage.DETECT, "EmptyRecord", "empty record")
        if len(value) > self.max_bytes:
            return self.quarantine(
                record, Stage.SIZE, "RecordTooLarge", f"record larger than {self.max_bytes} bytes"
            )
        if wide_text(value):
            return self.quarantine(record, Stage.DETECT, "UnknownFormat", WIDE_TEXT)
        fmt = self.routing.formats.get(record.topic, "auto")
        if fmt == "auto":
            fmt = detect_format(value)
        if fmt == "unknown":
            return self.quarantine(
                record, Stage.DETECT, "UnknownFormat", "neither HL7v2 ER7 nor FHIR JSON"
            )
        try:
            output, report, error = self._scrub(value, fmt)
        except Exception as exc:
            return self.quarantine(record, Stage.SCRUB, type(exc).__name__, "internal error")
        if output is None or report is None:
            return self.quarantine(record, Stage.SCRUB, "ScrubError", error or "not scrubbed")
        try:
            findings = self.verifier.findings(value, output, fmt)
        except UnreadableInputError as exc:
            return self.quarantine(record, Stage.VERIFY, type(exc).__name__, str(exc))
        except Exception as exc:  # fail closed: an output that cannot be checked is not sent
            return self.quarantine(record, Stage.VERIFY, type(exc).__name__, "internal error")
        if findings:
            kinds = ", ".join(sorted(findings))
            return self.quarantine(
                record,
                Stage.VERIFY,
                "VerificationFailed",
                f"output still holds input PHI ({kinds})",
                findings=dict(findings),
            )
        key = report.subject.encode() if report.subject else None
        return OutputRecord(
            topic=self.routing.outputs[record.topic],
            key=key,
            value=output,
            headers=self._copied_headers(record, fmt) + self._output_headers(record, report, fmt),
            quarantined=False,
            report=report,
        )

    def _scrub(self, value: bytes, fmt: str) -> tuple[bytes | None, ScrubReport | None, str]:
        if fmt == "hl7v2":
            result = self.hl7.scrub_bytes(value)
            failed = [m for m in result.messages if m.error]
            reports = [m.report for m in result.messages if m.report is not None]
            if failed:
                return None, None, _hl7_reason(failed[0], len(result.messages))
            if result.output is None or not reports:
                return None, None, "no message"
            merged = reports[0]
            for extra in reports[1:]:
                merged.merge(extra)
            return result.output, merged, ""
        results = self.fhir.scrub_bytes(value)
        if len(results) != 1:
            return None, None, "one FHIR document per record (NDJSON is for files)"
        [single] = results
        return single.output, single.report, single.error or ""

    def _copied_headers(self, record: SourceRecord, fmt: str) -> Headers:
        """The input's allowlisted headers, if they are safe to copy.

        ``traceparent`` only in its W3C form (hex ids: it cannot spell PHI);
        ``tracestate`` only in W3C grammar, any other allowlisted header only as
        short printable ASCII; and these only without a run of five digits. A
        header that fails its shape is dropped; if the verifier finds any of the
        record's PHI in the copied headers, all of them are dropped (the record
        itself is fine; its headers are not needed downstream).
        """
        copied: Headers = []
        for name, value in record.headers:
            lowered = name.lower()
            if lowered not in self.allowlist or value is None:
                continue
            if lowered == "traceparent":
                if _TRACEPARENT.fullmatch(value):
                    copied.append((name, value))
                continue
            pattern = _TRACESTATE if lowered == "tracestate" else _COPYABLE
            if pattern.fullmatch(value) and not _DIGIT_RUN.search(value):
                copied.append((name, value))
        if any(name.lower() != "traceparent" for name, _ in copied) and record.value:
            blob = b"\n".join(value for _, value in copied)
            try:
                leaked = self.verifier.findings(record.value, blob, fmt)
            except deadline.RecordTimeout:
                raise  # the record's budget is spent: quarantined, like at any stage
            except Exception:  # fail closed: unchecked headers are not copied
                return []
            if leaked:
                return []
        return copied

    def _output_headers(self, record: SourceRecord, report: ScrubReport, fmt: str) -> Headers:
        counts = {kind: sum(methods.values()) for kind, methods in report.by_kind().items()}
        headers: Headers = [
            (HEADER_PREFIX + "record-id", record.record_id.encode()),
            (HEADER_PREFIX + "format", fmt.encode()),
            (HEADER_PREFIX + "policy-id", report.policy_id.encode()),
            (HEADER_PREFIX + "policy-version", report.policy_version.encode()),
            (HEADER_PREFIX + "policy-hash", report.policy_hash.encode()),
            (HEADER_PREFIX + "key-version", report.key_version.encode()),
            (HEADER_PREFIX + "scrubber-version", SCRUBBER_VERSION.encode()),
            (HEADER_PREFIX + "identity", report.identity_source.encode()),
            (HEADER_PREFIX + "counts", orjson.dumps(counts, option=orjson.OPT_SORT_KEYS)),
        ]
        return headers

    def quarantine(
        self,
        record: SourceRecord,
        stage: Stage,
        error_class: str,
        reason: str,
        findings: dict[str, int] | None = None,
    ) -> OutputRecord:
        """The quarantine record for *record*: its raw key and value, and headers that
        never hold a value; without the payload if the value is over the ceiling."""
        policy = self.scrubber.policy
        value = record.value or b""
        headers: Headers = [
            (HEADER_PREFIX + "record-id", record.record_id.encode()),
            (HEADER_PREFIX + "stage", stage.value.encode()),
            (HEADER_PREFIX + "error-class", error_class.encode()),
            (HEADER_PREFIX + "reason", reason.encode()),
            (HEADER_PREFIX + "policy-id", policy.id.encode()),
            (HEADER_PREFIX + "policy-hash", policy.content_hash.encode()),
            (HEADER_PREFIX + "source-topic", record.topic.encode()),
            (HEADER_PREFIX + "source-partition", str(record.partition).encode()),
            (HEADER_PREFIX + "source-offset", str(record.offset).encode()),
            (HEADER_PREFIX + "payload", b"raw"),
            (HEADER_PREFIX + "payload-bytes", str(len(value)).encode()),
        ]
        out = OutputRecord(
            topic=self.routing.quarantine,
            key=record.key,
            value=value,
            headers=headers,
            quarantined=True,
            reason=error_class,
            stage=stage.value,
            findings=findings or {},
        )
        ceiling = self.quarantine_max_bytes
        if ceiling is not None and len(value) > ceiling:
            return self.without_payload(out, f"larger than {ceiling} bytes")
        return out

    @staticmethod
    def without_payload(out: OutputRecord, why: str) -> OutputRecord:
        """Quarantine record *out* with its raw key and value dropped (empty value,
        ``phi-scrub.payload: omitted``), *why* (no values) appended to the reason."""
        reason, payload = HEADER_PREFIX + "reason", HEADER_PREFIX + "payload"
        suffix = f"; raw payload omitted ({why})".encode()
        headers: Headers = [
            (name, value + suffix if name == reason else b"omitted" if name == payload else value)
            for name, value in out.headers
        ]
        return replace(out, key=None, value=b"", headers=headers)
