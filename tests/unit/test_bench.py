"""The benchmarks time work, not memos: each timed pass meets its values as new."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from bench.bench_fhir import _synthea, patient_variants
from bench.bench_hl7 import adt_variants, oru_variants
from bench.floor import digests_per_record, keyed_floor
from bench.secret import BENCH_SECRET
from bench.timing import forget_values, median_rate
from parsers.hl7v2 import parse, serialize
from scrubbers.engine import Scrubber
from scrubbers.hl7.scrub import HL7Scrubber
from scrubbers.keys import KeyRing
from scrubbers.policy import load_policy

TEMPLATE = (Path(__file__).resolve().parents[2] / "bench" / "data" / "adt_a01.hl7").read_text()


def _memos() -> list[Any]:
    """Every memo (an ``lru_cache``) of the loaded ``scrubbers`` modules."""
    return [
        value
        for name, module in sorted(sys.modules.items())
        if name.startswith("scrubbers.") and module is not None
        for value in vars(module).values()
        if callable(getattr(value, "cache_info", None))
    ]


def test_forget_values_clears_the_memos_a_pass_fills() -> None:
    engine = Scrubber(load_policy("safe-harbor"), KeyRing.single(BENCH_SECRET))
    scrubber = HL7Scrubber(engine)
    message = oru_variants(1)[0]
    first = scrubber.scrub_bytes(message).output
    assert engine.memoized_digests > 0
    assert any(memo.cache_info().currsize for memo in _memos())
    forget_values(engine)
    assert engine.memoized_digests == 0
    assert not any(memo.cache_info().currsize for memo in _memos())
    assert scrubber.scrub_bytes(message).output == first  # the same output, worked out anew


def test_before_pass_runs_before_every_timed_pass() -> None:
    calls: list[str] = []
    rate = median_rate(
        lambda item: calls.append("work"), [b"a", b"b"], 3, lambda: calls.append("before")
    )
    assert rate > 0
    assert calls == ["before", "work", "work"] * 3


def test_variants_from_an_offset_are_new_records() -> None:
    template = TEMPLATE.replace("\n", "\r")
    first, later = adt_variants(template, 3), adt_variants(template, 3, start=3)
    assert len(set(first + later)) == 6
    assert not set(oru_variants(2)) & set(oru_variants(2, start=2))
    bundle = _synthea()
    assert not set(patient_variants(bundle, 2)) & set(patient_variants(bundle, 2, start=2))
    with pytest.raises(ValueError, match="10,000"):
        adt_variants(template, 2, start=9_999)


def test_the_keyed_floor_computes_the_digests_a_first_sighting_needs() -> None:
    engine = Scrubber(load_policy("safe-harbor"), KeyRing.single(BENCH_SECRET))
    scrubber = HL7Scrubber(engine)
    messages = adt_variants(TEMPLATE.replace("\n", "\r"), 2)
    digests = digests_per_record(engine, scrubber.scrub_bytes, messages)
    assert set(digests) == set(messages)
    assert all(count > 5 for count in digests.values())  # pseudonyms, identity, date shift
    assert engine.memoized_digests == 0  # the timed scrub passes start cold

    def round_trip(message: bytes) -> bytes:
        return serialize(parse(message))

    floor = keyed_floor(engine, round_trip, digests)
    assert floor(messages[0]) == messages[0]  # the ER7 round trip is faithful
