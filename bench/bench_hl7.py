"""HL7v2 throughput on one core: phi-scrub Safe Harbor scrubbing against parse-only baselines.

Workloads (each message distinct, and each timed pass starts with the scrubber's
per-value memos cleared, see ``bench.timing.forget_values``: until 2026-12-02 the
passes after the first met values memoized in the passes before, which flattered
the numbers):

* ``adt``: ~1.6 KB ADT^A01 without free text (bench/data/adt_a01.hl7), 500 variants
  with different patients, identifiers, phones and dates;
* ``oru``: ORU^R01 whose OBX-5 is a ~1 KB narrative note naming the patient,
  500 variants;
* ``corpus``: the 139 sample messages in tests/data/hl7v2/fhir-converter.

Baselines measured in the same run: the keyed floor (bench/floor.py: ER7 parse
and serialize plus the message's keyed digests, nothing else), python-hl7 ``hl7.parse``, hl7apy
``parse_message`` (parse only, on fewer messages: it is slow), and
phi-scrub's own ER7 parse without scrubbing. Reports medians of repeated
passes and ratios; targets (issue: HL7v2 scrubbing) are >= 20,000 ADT/s and
>= 3,000 ORU-with-note/s.

Usage: python bench/bench_hl7.py [--repeat N] [--json FILE]
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import hl7  # python-hl7: parse-only baseline
import orjson
from hl7apy.parser import parse_message

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.floor import digests_per_record, keyed_floor
from bench.secret import BENCH_SECRET
from bench.timing import forget_values, median_rate, one_core_arguments
from bench.verified import require_verified
from parsers.hl7v2 import parse, serialize
from scrubbers.engine import Scrubber
from scrubbers.hl7.scrub import HL7Scrubber
from scrubbers.keys import KeyRing
from scrubbers.native import build_kind
from scrubbers.policy import load_policy
from scrubbers.verify import Verifier

CORPUS = ROOT / "tests" / "data" / "hl7v2" / "fhir-converter"
VARIANTS = 500
GIVEN = ["ZEPHYRINA", "OSWIN", "MARGOT", "TOBIAS", "ILSE", "RUFUS", "PERPETUA", "ANSEL"]
FAMILY = ["QUILLFEATHER", "MARROWMEAD", "THISTLEWOOD", "BRAMBLECOTE", "FENWICKE", "OAKSHOTT"]
NOTE = (
    "Patient {given} {family} (MRN {mrn}) is a {age}-year-old seen on {when} for chest pain. "
    "{family_title}'s daughter called from {phone} and confirmed the home address at "
    "{house} Lantern Row. Vitals stable; troponin negative x2. ECG shows normal sinus rhythm "
    "without acute ST changes. Plan: outpatient stress test, aspirin 81 mg daily, follow up "
    "with Dr. Fellowes in two weeks. Return precautions reviewed with {given_title} and family, "
    "who verbalized understanding. Contact the clinic at 617-555-0100 with questions. "
    "Discussed smoking cessation; patient is motivated and was given resources. No known drug "
    "allergies besides penicillin (hives). Medication reconciliation completed at discharge."
)


def adt_variants(template: str, count: int = VARIANTS, start: int = 0) -> list[bytes]:
    """``count`` distinct ADT messages (variant numbers from ``start``; below 10,000)."""
    if start + count > 10_000:
        raise ValueError("variant numbers must stay below 10,000 (four-digit phones)")
    out = []
    for i in range(start, start + count):
        given, family = GIVEN[i % len(GIVEN)], FAMILY[i % len(FAMILY)] + str(i)
        text = (
            template.replace("QUILLFEATHER", family)
            .replace("ZEPHYRINA", given)
            .replace("TST0042", f"TST{i:05d}")
            .replace("5550142", f"555{i:04d}")
            .replace("19610615", f"19{40 + i % 60:02d}{1 + i % 12:02d}{1 + i % 28:02d}")
            .replace("20240305083000", f"2024{1 + i % 12:02d}{1 + i % 28:02d}0830{i % 60:02d}")
            .replace("42 Lantern Row", f"{i} Lantern Row")
        )
        out.append(text.encode())
    return out


def oru_variants(count: int = VARIANTS, start: int = 0) -> list[bytes]:
    """``count`` distinct ORU messages with a note (variant numbers from ``start``)."""
    out = []
    for i in range(start, start + count):
        given, family = GIVEN[i % len(GIVEN)].title(), FAMILY[i % len(FAMILY)].title() + str(i)
        note = NOTE.format(
            given=given,
            family=family,
            mrn=f"TST{i:05d}",
            age=40 + i % 50,
            when=f"{1 + i % 12}/{1 + i % 28}/2024",
            family_title=family,
            given_title=given,
            phone=f"(617) 555-{i:04d}",
            house=i,
        )
        message = (
            "MSH|^~\\&|LAB|GENHOSP|EHR|GENHOSP|20240305090000||ORU^R01^ORU_R01|"
            f"L{i:06d}|P|2.5.1\r"
            f"PID|1||TST{i:05d}^^^GENHOSP^MR||{family.upper()}^{given.upper()}||19610615|F|||"
            f"{i} Lantern Row^^Brookvale^MA^02139||^PRN^PH^^1^617^555{i:04d}\r"
            "OBR|1|ORD1|FIL1|11506-3^Progress note^LN|||20240305083000\r"
            f"OBX|1|TX|11506-3^Progress note^LN||{note}||||||F\r"
        )
        out.append(message.encode())
    return out


def main() -> int:
    args = one_core_arguments("HL7v2 throughput on one core", repeat=5)

    policy = load_policy("safe-harbor")
    engine = Scrubber(policy, KeyRing.single(BENCH_SECRET))
    scrubber = HL7Scrubber(engine)
    template = (ROOT / "bench" / "data" / "adt_a01.hl7").read_text().replace("\n", "\r")
    workloads = {
        "adt": adt_variants(template),
        "oru": oru_variants(),
        "corpus": [
            p.read_bytes() for p in sorted((ROOT / "tests/data/hl7v2/fhir-converter").glob("*.hl7"))
        ],
    }
    for messages in workloads.values():  # warm the per-version plans once, as a worker would
        for message in messages[:50]:
            scrubber.scrub_bytes(message)

    def output_of(message: bytes) -> bytes:
        output = scrubber.scrub_bytes(message).output
        if output is None:
            raise SystemExit("bench input failed to scrub")
        return output

    verifier = Verifier(policy)
    for name, messages in workloads.items():
        require_verified(name, messages, output_of, verifier, "hl7v2")

    def scrub(message: bytes) -> object:
        result = scrubber.scrub_bytes(message)
        if not result.ok:
            raise SystemExit("bench input failed to scrub")
        return result

    def python_hl7(message: bytes) -> object:
        return hl7.parse(message.decode("utf-8-sig").replace("\n", "\r"))

    def hl7apy_parse(message: bytes) -> object:
        return parse_message(message.decode("utf-8-sig").replace("\n", "\r"))

    def er7_round_trip(message: bytes) -> object:
        return serialize(parse(message))

    results: dict[str, dict[str, float]] = {}
    print(f"one core, hot path {build_kind()}, median of {args.repeat} passes, messages/s")
    print(
        f"{'workload':8} {'phi-scrub':>10} {'floor':>8} {'er7 parse':>10} {'python-hl7':>11}"
        f" {'hl7apy':>8}  {'scrub/python-hl7':>16}"
    )
    for name, messages in workloads.items():
        floor = keyed_floor(engine, er7_round_trip, digests_per_record(engine, scrub, messages))
        row = {
            "scrub": median_rate(scrub, messages, args.repeat, lambda: forget_values(engine)),
            "keyed_floor": median_rate(floor, messages, args.repeat),
            "er7_parse": median_rate(parse, messages, args.repeat),
            "python_hl7_parse": median_rate(python_hl7, messages, args.repeat),
            "hl7apy_parse": median_rate(hl7apy_parse, messages[:40], max(1, args.repeat // 2)),
        }
        results[name] = row
        print(
            f"{name:8} {row['scrub']:10.0f} {row['keyed_floor']:8.0f} {row['er7_parse']:10.0f} "
            f"{row['python_hl7_parse']:11.0f} {row['hl7apy_parse']:8.0f}"
            f"  {row['scrub'] / row['python_hl7_parse']:16.2f}"
        )
    sizes = {k: statistics.median(len(m) for m in v) for k, v in workloads.items()}
    print("median message size (bytes): " + ", ".join(f"{k} {v:.0f}" for k, v in sizes.items()))
    print(
        "floor: ER7 parse + serialize + the message's keyed digests (bench/floor.py), "
        "the least any Python scrubber of this policy does"
    )
    print("targets: adt >= 20,000/s, oru >= 3,000/s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_bytes(
            orjson.dumps(
                {"repeat": args.repeat, "sizes": sizes, "results": results},
                option=orjson.OPT_INDENT_2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
