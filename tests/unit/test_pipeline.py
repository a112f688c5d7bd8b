"""The worker's per-record decision: de-identified record or quarantine, never both, never PHI."""

from __future__ import annotations

import orjson
import pytest

from scrubbers import verify
from scrubbers.engine import Scrubber
from scrubbers.hl7.scrub import DocumentResult, HL7Scrubber, MessageResult
from scrubbers.keys import KeyRing
from scrubbers.policy import load_policy
from streams.pipeline import OutputRecord, RecordProcessor, Routing, SourceRecord

from .conftest import TEST_SECRET
from .test_fhir import PATIENT
from .test_hl7_scrub import ADT, PHI

ROUTING = Routing(
    outputs={"raw.hl7": "deid.hl7", "raw.fhir": "deid.fhir"},
    formats={"raw.hl7": "hl7v2", "raw.fhir": "fhir"},
    quarantine="phi.quarantine",
)


@pytest.fixture
def processor() -> RecordProcessor:
    scrubber = Scrubber(load_policy("safe-harbor"), KeyRing.single(TEST_SECRET))
    return RecordProcessor(scrubber, ROUTING, max_bytes=64 * 1024, header_allowlist=["traceparent"])


TRACEPARENT = b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def record(topic: str, value: bytes | None, offset: int = 7) -> SourceRecord:
    return SourceRecord(
        topic,
        2,
        offset,
        b"QUILLFEATHER-TST0042",
        value,
        [("traceparent", TRACEPARENT), ("patient-name", b"QUILLFEATHER")],
    )


def assert_no_phi(out: OutputRecord) -> None:
    blob = out.value + (out.key or b"") + b"".join(k.encode() + v for k, v in out.headers)
    for value in PHI:
        assert value.encode() not in blob, value


def test_hl7_record_is_scrubbed_keyed_and_labelled(processor: RecordProcessor) -> None:
    out = processor.process(record("raw.hl7", ADT.encode()))
    assert not out.quarantined
    assert out.topic == "deid.hl7"
    assert out.key is not None and out.key.startswith(b"MRN-")
    headers = dict(out.headers)
    assert headers["traceparent"] == TRACEPARENT  # allowlisted
    assert "patient-name" not in headers  # other input headers are dropped
    assert headers["phi-scrub.policy-id"] == b"safe-harbor"
    assert headers["phi-scrub.record-id"] == record("raw.hl7", b"").record_id.encode()
    assert orjson.loads(headers["phi-scrub.counts"])["name"] >= 2
    assert_no_phi(out)


def test_same_patient_same_key_in_both_formats(processor: RecordProcessor) -> None:
    hl7 = processor.process(record("raw.hl7", ADT.encode()))
    fhir = processor.process(record("raw.fhir", orjson.dumps(PATIENT)))
    assert not fhir.quarantined
    assert fhir.key is not None and fhir.key.startswith(b"MRN-")
    assert_no_phi(fhir)
    assert hl7.key != b""


@pytest.mark.parametrize(
    ("topic", "value", "stage", "error_class"),
    [
        ("raw.hl7", None, "detect", "EmptyRecord"),
        ("raw.hl7", b"MSH|^~\r", "scrub", "ScrubError"),
        ("raw.hl7", b"\x00\xff" * 100, "scrub", "ScrubError"),
        ("raw.fhir", b'{"resourceType": "Patient", ', "scrub", "ScrubError"),
        ("raw.fhir", b"x" * (64 * 1024 + 1), "size", "RecordTooLarge"),
    ],
)
def test_poison_records_go_to_quarantine_with_a_reason(
    processor: RecordProcessor, topic: str, value: bytes | None, stage: str, error_class: str
) -> None:
    out = processor.process(record(topic, value))
    assert out.quarantined
    assert out.topic == "phi.quarantine"
    headers = dict(out.headers)
    assert headers["phi-scrub.stage"] == stage.encode()
    assert headers["phi-scrub.error-class"] == error_class.encode()
    assert headers["phi-scrub.source-topic"] == topic.encode()
    assert headers["phi-scrub.source-partition"] == b"2"
    assert headers["phi-scrub.source-offset"] == b"7"
    assert out.value == (value or b"")  # quarantine keeps the raw record for review
    assert headers["phi-scrub.payload"] == b"raw"
    assert headers["phi-scrub.payload-bytes"] == str(len(value or b"")).encode()
    for name, header in out.headers:
        assert b"QUILLFEATHER" not in header, name


@pytest.mark.parametrize(
    ("headers", "copied"),
    [
        ([("traceparent", TRACEPARENT)], {"traceparent": TRACEPARENT}),
        ([("traceparent", b"00-QUILLFEATHER-01")], {}),  # not W3C: dropped
        ([("x-ward", b"ward-7b")], {"x-ward": b"ward-7b"}),
        ([("x-ward", b"ward of Quillfeather")], {}),  # holds the record's PHI
        ([("x-ward", b"bed\n7")], {}),  # not printable ASCII
        ([("x-ward", b"w" * 513)], {}),  # too long to be a routing tag
        ([("x-corr", b"6175550142")], {}),  # a phone in another spelling than the record's
        ([("x-corr", b"pat-7788120")], {}),  # a run of digits: an id, a date, a phone
        ([("tracestate", b"rojo=6175550142")], {}),  # W3C grammar, but a run of digits
        (
            [("tracestate", b"congo=t61rcWkgMzE,rojo=abcd")],
            {"tracestate": b"congo=t61rcWkgMzE,rojo=abcd"},
        ),
        ([("tracestate", b"Quill feather")], {}),  # not W3C tracestate
    ],
)
def test_allowlisted_headers_are_copied_only_when_they_cannot_carry_phi(
    headers: list[tuple[str, bytes]], copied: dict[str, bytes]
) -> None:
    scrubber = Scrubber(load_policy("safe-harbor"), KeyRing.single(TEST_SECRET))
    processor = RecordProcessor(
        scrubber,
        ROUTING,
        max_bytes=64 * 1024,
        header_allowlist=["traceparent", "tracestate", "X-Ward", "x-corr"],
    )
    for topic, value in (("raw.hl7", ADT.encode()), ("raw.fhir", orjson.dumps(PATIENT))):
        source = SourceRecord(topic, 0, 1, None, value, headers)
        out = processor.process(source)
        assert not out.quarantined
        kept = {k: v for k, v in out.headers if not k.startswith("phi-scrub.")}
        assert kept == copied, topic


def test_a_scrubber_that_leaks_is_stopped_by_verification(
    processor: RecordProcessor, monkeypatch: pytest.MonkeyPatch
) -> None:
    def leaky(self: HL7Scrubber, data: bytes) -> DocumentResult:
        report = self.scrubber.message().report
        return DocumentResult(data, [MessageResult(0, report)])

    monkeypatch.setattr(HL7Scrubber, "scrub_bytes", leaky)
    out = processor.process(record("raw.hl7", ADT.encode()))
    assert out.quarantined
    assert dict(out.headers)["phi-scrub.stage"] == b"verify"
    assert out.findings["name"] >= 1


@pytest.mark.interpreted_only
@pytest.mark.parametrize("topic", ["raw.hl7", "raw.fhir"])
def test_a_library_error_quoting_data_is_quarantined_without_it(
    processor: RecordProcessor, topic: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A KeyError's text is its key, which may be PHI: only its class is reported."""
    secret = "quill" + "feather"

    def boom(self: object, text: str) -> str:
        raise KeyError(secret)

    monkeypatch.setattr("scrubbers.text.TextScrubber.scrub", boom)
    value = (
        ADT.encode()
        if topic == "raw.hl7"
        else orjson.dumps(
            {
                **PATIENT,
                "text": {
                    "status": "generated",
                    "div": '<div xmlns="http://www.w3.org/1999/xhtml">x y z</div>',
                },
            }
        )
    )
    out = processor.process(record(topic, value))
    assert out.quarantined and out.stage == "scrub"
    headers = dict(out.headers)
    assert headers["phi-scrub.reason"].startswith(b"internal error")
    assert b"KeyError" in headers["phi-scrub.error-class"] + headers["phi-scrub.reason"]
    for name, header in out.headers:
        assert secret not in header.decode(errors="replace").lower(), name


def test_a_verifier_crash_quarantines_the_record(
    processor: RecordProcessor, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Broken:
        def findings(self, *args: object) -> None:
            raise ValueError("cannot check")

    monkeypatch.setattr(processor, "verifier", Broken())
    out = processor.process(record("raw.hl7", ADT.encode()))
    assert out.quarantined and out.stage == "verify"
    assert out.reason == "ValueError"


def test_a_record_over_the_quarantine_ceiling_is_quarantined_without_its_payload() -> None:
    scrubber = Scrubber(load_policy("safe-harbor"), KeyRing.single(TEST_SECRET))
    processor = RecordProcessor(scrubber, ROUTING, max_bytes=1024, quarantine_max_bytes=4096)
    kept = processor.process(record("raw.hl7", ADT.encode() + b"OBX|1|ED|" + b"A" * 2048))
    assert kept.stage == "size" and kept.value.startswith(ADT.encode())
    big = ADT.encode() + b"OBX|1|ED|" + b"A" * 8192
    out = processor.process(record("raw.hl7", big))
    assert out.quarantined and out.stage == "size"
    assert out.value == b"" and out.key is None  # the raw key may be PHI too
    headers = dict(out.headers)
    assert headers["phi-scrub.payload"] == b"omitted"
    assert headers["phi-scrub.payload-bytes"] == str(len(big)).encode()
    assert headers["phi-scrub.reason"] == (
        b"record larger than 1024 bytes; raw payload omitted (larger than 4096 bytes)"
    )
    assert headers["phi-scrub.source-offset"] == b"7"  # where to replay it from
    assert_no_phi(out)


def test_a_record_over_its_time_budget_is_quarantined(
    processor: RecordProcessor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pathological record must not stall its partition: past the budget, quarantine."""

    def forever(self: object, data: bytes, *args: object) -> None:
        while True:
            pass

    monkeypatch.setattr("scrubbers.hl7.scrub.HL7Scrubber.scrub_bytes", forever)
    out = processor.process_within(record("raw.hl7", ADT.encode()), 0.2)
    assert out.quarantined and out.stage == "scrub"
    headers = dict(out.headers)
    assert headers["phi-scrub.error-class"] == b"RecordTimeout"
    assert headers["phi-scrub.reason"] == b"processing took longer than 0.2 s"


def test_the_time_budget_leaves_normal_records_alone(processor: RecordProcessor) -> None:
    out = processor.process_within(record("raw.hl7", ADT.encode()), 5)
    assert not out.quarantined
    assert_no_phi(out)


def test_a_record_naming_no_patient_identifier_scrubs_the_same_when_redelivered() -> None:
    """At-least-once delivery redelivers records after a crash, and a topic may be
    replayed: a record whose patient has no identifier the policy resolves must
    scrub to its first output (same date shift, same record key and partition),
    on any replica, so consumers de-duplicating by record id see one version."""

    def scrubbed(topic: str, value: bytes) -> OutputRecord:
        scrubber = Scrubber(load_policy("safe-harbor"), KeyRing.single(TEST_SECRET))
        processor = RecordProcessor(scrubber, ROUTING, max_bytes=64 * 1024, header_allowlist=[])
        return processor.process(record(topic, value))

    no_mrn = ADT.replace("TST0042^^^GENHOSP^MR~", "")
    observation = orjson.dumps(
        {
            "resourceType": "Observation",
            "status": "final",
            "code": {"text": "Body weight"},
            "effectiveDateTime": "2024-03-05T08:30:00Z",
        }
    )
    outputs: dict[str, OutputRecord] = {}
    for topic, value in (("raw.hl7", no_mrn.encode()), ("raw.fhir", observation)):
        first, again = scrubbed(topic, value), scrubbed(topic, value)
        assert not first.quarantined, first.reason
        assert dict(first.headers)["phi-scrub.identity"] == b"per-message"
        assert first.key is not None
        assert (first.key, first.value) == (again.key, again.value)
        assert b"2024-03-05" not in first.value and b"20240305" not in first.value
        outputs[topic] = first
    # The same message with other segment separators: the same de-identified message.
    line_feeds = scrubbed("raw.hl7", no_mrn.replace("\r", "\n").encode())
    assert line_feeds.value.replace(b"\n", b"\r") == outputs["raw.hl7"].value
    assert line_feeds.key == outputs["raw.hl7"].key
    # Another message gets another identity: no link between unidentified patients.
    other = scrubbed("raw.hl7", no_mrn.replace("MSG0001", "MSG0002").encode())
    assert other.key != outputs["raw.hl7"].key


@pytest.mark.interpreted_only  # patches a module function the compiled build binds
def test_an_input_the_verifier_cannot_read_is_quarantined_with_that_reason(
    processor: RecordProcessor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fail closed at the verify stage: the scrubber read the input, the verifier did
    not (no such input is known; the guard is what makes the verifier independent)."""

    def unreadable(source: bytes) -> object:
        raise orjson.JSONDecodeError("cut short", "", 0)

    monkeypatch.setattr(verify, "_exact_json", unreadable)
    out = processor.process(SourceRecord("raw.fhir", 0, 1, None, orjson.dumps(PATIENT)))
    assert out.quarantined and out.stage == "verify"
    assert out.reason == "UnreadableInputError"
    assert (
        dict(out.headers)["phi-scrub.reason"] == b"the input could not be read to check the output"
    )
