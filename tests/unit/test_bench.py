"""The benchmarks time work, not memos: each timed pass meets its values as new."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from bench.bench_fhir import _synthea, patient_variants
from bench.bench_hl7 import adt_variants, oru_variants
from bench.secret import BENCH_SECRET
from bench.timing import forget_values, median_rate
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
