"""FHIR throughput on one core: Safe Harbor scrubbing against same-run baselines.

Workloads (each document distinct: names, identifiers, ids and dates vary; each
timed pass starts with the scrubber's per-value memos cleared, see
``bench.timing.forget_values``):

* ``patient``: Patient resources of about 2.6 KB (the Synthea Patient, 300 variants);
* ``bundle``: transaction Bundles of about 57 KB (the first ~34 entries of a
  Synthea bundle, with its clinical notes), 30 variants.

Baselines in the same run: orjson parse + serialize, the keyed floor
(bench/floor.py: that round trip plus the document's keyed digests, nothing
else) and fhir.resources R4B validation (``model_validate_json``).
Targets (issue: FHIR scrubbing): >= 20,000 Patients/s and >= 800 Bundles/s.

Usage: python bench/bench_fhir.py [--repeat N] [--json FILE]
"""

from __future__ import annotations

import copy
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.patient import Patient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.floor import digests_per_record, keyed_floor
from bench.secret import BENCH_SECRET
from bench.timing import forget_values, median_rate, one_core_arguments
from bench.verified import require_verified
from scrubbers.engine import Scrubber
from scrubbers.fhir.scrub import FHIRScrubber
from scrubbers.keys import KeyRing
from scrubbers.native import build_kind
from scrubbers.policy import load_policy
from scrubbers.verify import Verifier

SOURCE = ROOT / "tests" / "data" / "fhir" / "synthea-r4"


def _synthea() -> dict[str, Any]:
    path = next(p for p in sorted(SOURCE.glob("*.json")) if p.name.startswith("Luisa"))
    return dict(orjson.loads(path.read_bytes()))


def _varied_words(patient: dict[str, Any]) -> list[bytes]:
    """The patient's family name, first given name and id: what each variant renames."""
    name = patient["name"][0]
    return [name["family"].encode(), name["given"][0].encode(), patient["id"].encode()]


def _vary(text: bytes, i: int, names: Sequence[bytes]) -> bytes:
    for n, name in enumerate(names):
        text = text.replace(name, name[:3] + f"V{i}x{n}".encode())
    return text.replace(b"-0", f"-{i % 9}".encode(), 3)


def patient_variants(bundle: dict[str, Any], count: int, start: int = 0) -> list[bytes]:
    """``count`` distinct Patients (variant numbers from ``start``)."""
    patient = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    base = orjson.dumps(patient)
    return [_vary(base, i, _varied_words(patient)) for i in range(start, start + count)]


def bundle_variants(bundle: dict[str, Any], count: int, entries: int = 34) -> list[bytes]:
    small = copy.deepcopy(bundle)
    small["type"] = "transaction"
    small["entry"] = small["entry"][:entries]
    patient = small["entry"][0]["resource"]
    base = orjson.dumps(small)
    return [_vary(base, i, _varied_words(patient)) for i in range(count)]


def main() -> int:
    args = one_core_arguments("FHIR throughput on one core", repeat=5)

    policy = load_policy("safe-harbor")
    engine = Scrubber(policy, KeyRing.single(BENCH_SECRET))
    scrubber = FHIRScrubber(engine)
    synthea = _synthea()
    workloads = {
        "patient": (patient_variants(synthea, 300), Patient),
        "bundle": (bundle_variants(synthea, 30), Bundle),
    }
    for documents, _ in workloads.values():  # load the model metadata once, as a worker would
        for document in documents[:3]:
            scrubber.scrub_bytes(document)

    def output_of(document: bytes) -> bytes:
        [result] = scrubber.scrub_bytes(document)
        if result.output is None:
            raise SystemExit(f"bench input failed to scrub: {result.error}")
        return result.output

    verifier = Verifier(policy)
    for name, (documents, _) in workloads.items():
        require_verified(name, documents, output_of, verifier, "fhir")

    def scrub(document: bytes) -> object:
        [result] = scrubber.scrub_bytes(document)
        if result.error is not None:
            raise SystemExit(f"bench input failed to scrub: {result.error}")
        return result

    def orjson_round_trip(document: bytes) -> object:
        return orjson.dumps(orjson.loads(document))

    results: dict[str, dict[str, float]] = {}
    print(f"one core, hot path {build_kind()}, median of {args.repeat} passes, documents/s")
    print(
        f"{'workload':9} {'size KB':>8} {'phi-scrub':>10} {'floor':>8} {'orjson rt':>10}"
        f" {'fhir.res':>9}  {'scrub/validate':>14}"
    )
    for name, (documents, model) in workloads.items():
        size = statistics.median(len(d) for d in documents) / 1024

        def validate(document: bytes, model: Any = model) -> object:
            return model.model_validate_json(document)

        floor = keyed_floor(engine, orjson_round_trip, digests_per_record(engine, scrub, documents))
        row = {
            "size_kb": size,
            "scrub": median_rate(scrub, documents, args.repeat, lambda: forget_values(engine)),
            "keyed_floor": median_rate(floor, documents, args.repeat),
            "orjson_round_trip": median_rate(orjson_round_trip, documents, args.repeat),
            "fhir_resources_validate": median_rate(validate, documents, max(1, args.repeat // 2)),
        }
        results[name] = row
        print(
            f"{name:9} {size:8.1f} {row['scrub']:10.0f} {row['keyed_floor']:8.0f}"
            f" {row['orjson_round_trip']:10.0f} "
            f"{row['fhir_resources_validate']:9.0f}  "
            f"{row['scrub'] / row['fhir_resources_validate']:14.2f}"
        )
    print(
        "floor: orjson parse + serialize + the document's keyed digests (bench/floor.py), "
        "the least any Python scrubber of this policy does"
    )
    print("targets: patient >= 20,000/s, bundle >= 800/s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_bytes(
            orjson.dumps({"repeat": args.repeat, "results": results}, option=orjson.OPT_INDENT_2)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
