"""Start-up warm-up (streams.warmup): reference data, models and plans before the first record."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers.fhir import types as fhir_types
from parsers.hl7v2 import reference
from scrubbers.engine import Scrubber
from scrubbers.keys import KeyRing
from scrubbers.policy import load_policy
from streams.pipeline import RecordProcessor, Routing
from streams.warmup import COMMON_FHIR_TYPES, warm_up

from .conftest import TEST_SECRET

SYNTHEA = Path(__file__).resolve().parents[1] / "data" / "fhir" / "synthea-r4"


@pytest.mark.parametrize("preset", ["safe-harbor", "pseudonymized", "limited-data-set"])
def test_warm_up_loads_everything_and_its_synthetic_records_pass(preset: str) -> None:
    processor = RecordProcessor(
        Scrubber(load_policy(preset), KeyRing.single(TEST_SECRET)), Routing({}, {}, "q"), 1 << 20
    )
    warmed = warm_up(processor)
    assert warmed.failed == 0  # every synthetic record came out de-identified and verified
    assert warmed.records == len(reference.SUPPORTED) + 1
    assert warmed.hl7_segments > 1500  # every segment of every supported version
    assert warmed.fhir_models > len(COMMON_FHIR_TYPES)  # and the datatypes they reach
    assert fhir_types.children.cache_info().currsize >= warmed.fhir_models
    # The worker's own scrubbers hold the plans the synthetic records built.
    assert processor.hl7._plans and processor.fhir._plans


def test_after_warm_up_a_synthea_bundle_is_not_paying_for_model_imports() -> None:
    """Cold, the first Synthea Bundle took 2.5 s, nearly all of it importing
    fhir.resources models; after the warm-up it finds nearly every model loaded
    (counted in the model cache, not timed)."""
    processor = RecordProcessor(
        Scrubber(load_policy("safe-harbor"), KeyRing.single(TEST_SECRET)),
        Routing({}, {}, "q"),
        1 << 22,
    )
    warm_up(processor)
    bundle = sorted(SYNTHEA.glob("*.json"))[-1].read_bytes()
    misses = fhir_types.children.cache_info().misses
    [result] = processor.fhir.scrub_bytes(bundle)
    assert result.error is None
    assert fhir_types.children.cache_info().misses - misses < 10  # nearly every model was loaded
