"""Re-driving quarantine records (streams.replay): what each record becomes, without a broker.

The loop against a real broker is tested in tests/integration/test_replay.py.
"""

from __future__ import annotations

import pytest

from scrubbers.engine import Scrubber
from scrubbers.keys import KeyRing
from scrubbers.policy import load_policy
from streams.pipeline import OutputRecord, RecordProcessor, Routing, SourceRecord
from streams.replay import Outcome, ReplaySummary, decide

from .conftest import TEST_SECRET
from .test_hl7_scrub import ADT, PHI

ROUTING = Routing(
    outputs={"raw.hl7": "deid.hl7", "raw.fhir": "deid.fhir"},
    formats={"raw.hl7": "hl7v2", "raw.fhir": "fhir"},
    quarantine="phi.quarantine",
)


def processor(max_bytes: int = 64 * 1024, ceiling: int | None = None) -> RecordProcessor:
    scrubber = Scrubber(load_policy("safe-harbor"), KeyRing.single(TEST_SECRET))
    return RecordProcessor(scrubber, ROUTING, max_bytes, quarantine_max_bytes=ceiling)


SOURCE = SourceRecord("raw.hl7", 3, 41, b"QUILLFEATHER-TST0042", ADT.encode())


def quarantined(by: RecordProcessor, source: SourceRecord = SOURCE) -> OutputRecord:
    out = by.process(source)
    assert out.quarantined
    return out


def test_a_record_that_passes_now_goes_out_as_if_it_had_passed_first_time() -> None:
    q = quarantined(processor(max_bytes=64))  # too large for the old limit
    decision = decide(processor(), q.key, q.value, q.headers, 10.0)
    assert decision.outcome is Outcome.REPLAYED and decision.error_class == "RecordTooLarge"
    direct = processor().process(SOURCE)
    out = decision.output
    assert out is not None and out.topic == "deid.hl7"
    assert (out.key, out.value, out.headers) == (direct.key, direct.value, direct.headers)
    assert dict(out.headers)["phi-scrub.record-id"] == SOURCE.record_id.encode()
    blob = out.value + (out.key or b"") + b"".join(k.encode() + v for k, v in out.headers)
    for value in PHI:
        assert value.encode() not in blob, value


def test_a_record_that_fails_again_is_counted_and_not_sent() -> None:
    junk = SourceRecord("raw.hl7", 0, 5, None, b"\x00\x01\xfe\xff" * 64)
    q = quarantined(processor(), junk)
    decision = decide(processor(), q.key, q.value, q.headers, 10.0)
    assert decision.outcome is Outcome.STILL_QUARANTINED and decision.output is None
    assert decision.new_error_class == q.reason


def test_records_that_cannot_be_redriven_say_why() -> None:
    q = quarantined(processor(max_bytes=64, ceiling=128))  # payload omitted
    assert dict(q.headers)["phi-scrub.payload"] == b"omitted"
    assert decide(processor(), q.key, q.value, q.headers, 10.0).outcome is Outcome.PAYLOAD_OMITTED
    q = quarantined(processor(max_bytes=64))
    moved = [(n, b"raw.gone" if n == "phi-scrub.source-topic" else v) for n, v in q.headers]
    assert decide(processor(), q.key, q.value, moved, 10.0).outcome is Outcome.UNKNOWN_SOURCE
    stray = decide(processor(), None, ADT.encode(), [("traceparent", b"00-x")], 10.0)
    assert stray.outcome is Outcome.NOT_QUARANTINE and stray.output is None


def test_an_error_class_header_of_another_shape_is_not_repeated() -> None:
    """The summary and the log lines carry the record's error class: a header some
    other producer wrote into the quarantine topic could hold anything, a name too."""
    q = quarantined(processor(max_bytes=64))
    assert decide(processor(), q.key, q.value, q.headers, 10.0).error_class.isidentifier()
    forged = [("phi-scrub.error-class", b"Zephyrina Quillfeather 1961-06-15")]
    stray = decide(processor(), None, ADT.encode(), forged, 10.0)
    assert stray.outcome is Outcome.NOT_QUARANTINE
    assert stray.error_class == "(unrecognised)"


def test_an_error_class_filter_leaves_the_other_classes() -> None:
    q = quarantined(processor(max_bytes=64))
    only = frozenset({"VerificationFailed"})
    decision = decide(processor(), q.key, q.value, q.headers, 10.0, only)
    assert decision.outcome is Outcome.FILTERED and decision.output is None


@pytest.mark.parametrize("dry_run", [True, False])
def test_the_summary_holds_counts_and_classes_only(dry_run: bool) -> None:
    summary = ReplaySummary(dry_run=dry_run)
    big = quarantined(processor(max_bytes=64))
    junk = quarantined(processor(), SourceRecord("raw.hl7", 0, 5, None, b"\x00\xfe" * 64))
    for q in (big, junk):
        summary.add(decide(processor(), q.key, q.value, q.headers, 10.0))
    assert summary.as_dict() == {
        "read": 2,
        "outcomes": {"replayed": 1, "still_quarantined": 1},
        "replayed_by_error_class": {"RecordTooLarge": 1},
        "still_quarantined_by_error_class": {junk.reason: 1},
        "dry_run": dry_run,
        "committed": False,
    }
