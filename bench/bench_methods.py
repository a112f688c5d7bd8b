"""Micro-benchmark: cost per value of each de-identification method.

Target (policy-engine issue): every method under 5 microseconds per value,
median, on one core. Measured with ``timeit``; reported, never asserted.

Each case runs over 1,000 *distinct* values (so no cache or branch history
flatters the number) and reports the median over repeats of the per-value
time, both for the bare operator and for ``MessageContext.apply`` (policy
lookup + operator + report counting: what format adapters pay). Two
baselines run in the same process so the numbers can be read against this
machine's speed and noise: an empty call over the same loop, and the
standard library's one-shot ``hmac.digest`` (the floor for any keyed
pseudonym).

Usage: python bench/bench_methods.py [--repeat N] [--json FILE]
"""

from __future__ import annotations

import argparse
import hmac
import os
import statistics
import sys
import timeit
from collections.abc import Callable, Sequence
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scrubbers.engine import MessageContext, Scrubber
from scrubbers.identity import PatientIdentifier
from scrubbers.keys import KeyRing
from scrubbers.kinds import Kind
from scrubbers.methods import Operator, build
from scrubbers.policy import parse_policy
from scrubbers.target import Target

TARGET_US = 5.0
N_VALUES = 1_000
LOOPS = 20

BENCH_POLICY = """\
id: bench
version: 1
rules:
  - {match: {kind: state}, method: keep}
  - {match: {kind: phone}, method: redact}
  - {match: {kind: photo}, method: drop}
  - {match: {kind: name}, method: mask}
  - {match: {kind: mrn}, method: pseudonymize}
  - {match: {kind: date}, method: date_shift}
  - {match: {kind: birth_date}, method: generalize}
  - {match: {kind: zip}, method: generalize}
  - {match: {kind: age}, method: generalize}
"""


def _values(template: Callable[[int], str]) -> list[str]:
    return [template(i) for i in range(N_VALUES)]


CASES: list[tuple[str, str, Kind, list[str]]] = [
    ("keep", "keep", Kind.STATE, _values(lambda i: f"S{i:03d}")),
    ("redact", "redact", Kind.PHONE, _values(lambda i: f"(555) 010-{i:04d}")),
    ("drop", "drop", Kind.PHOTO, _values(lambda i: f"aGVsbG8{i}=")),
    ("mask", "mask", Kind.NAME, _values(lambda i: f"EVERYMAN{i}^ADAM^A")),
    ("pseudonymize", "pseudonymize", Kind.MRN, _values(lambda i: f"PATID{i:05d}")),
    (
        "date_shift (HL7 DTM)",
        "date_shift",
        Kind.DATE,
        _values(lambda i: f"20{i % 30:02d}{i % 12 + 1:02d}{i % 28 + 1:02d}123015.1234-0500"),
    ),
    (
        "date_shift (FHIR dateTime)",
        "date_shift",
        Kind.DATE,
        _values(lambda i: f"20{i % 30:02d}-{i % 12 + 1:02d}-{i % 28 + 1:02d}T12:30:15.000-05:00"),
    ),
    (
        "date_shift (HL7 DT)",
        "date_shift",
        Kind.DATE,
        _values(lambda i: f"19{i % 100:02d}{i % 12 + 1:02d}{i % 28 + 1:02d}"),
    ),
    (
        "generalize (date to year)",
        "generalize",
        Kind.BIRTH_DATE,
        _values(lambda i: f"19{i % 100:02d}{i % 12 + 1:02d}{i % 28 + 1:02d}"),
    ),
    ("generalize (ZIP to ZIP3)", "generalize", Kind.ZIP, _values(lambda i: f"{i:05d}-4307")),
    ("generalize (age 90+)", "generalize", Kind.AGE, _values(lambda i: str(i % 120))),
]


def per_value_us(run_all: Callable[[], object], repeat: int) -> float:
    """Median microseconds per value over ``repeat`` timings of LOOPS passes."""
    runs = timeit.repeat(run_all, number=LOOPS, repeat=repeat)
    return statistics.median(run / (LOOPS * N_VALUES) * 1e6 for run in runs)


def bench_operator(
    operator: Operator, values: Sequence[str], target: Target, ctx: MessageContext, repeat: int
) -> float:
    def run_all() -> None:
        for value in values:
            operator(value, target, "GH", ctx)

    return per_value_us(run_all, repeat)


def bench_apply(values: Sequence[str], target: Target, ctx: MessageContext, repeat: int) -> float:
    apply = ctx.apply

    def run_all() -> None:
        for value in values:
            apply(value, target, "GH")

    return per_value_us(run_all, repeat)


def main() -> int:
    parser = argparse.ArgumentParser(description="Per-value cost of each method")
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core

    scrubber = Scrubber(parse_policy(BENCH_POLICY), KeyRing.single("bench-" + "k" * 40))
    ctx = scrubber.message([PatientIdentifier("PATID1234", "MR", "GH")], reference_year=2026)
    _ = ctx.date_shift_days  # derived once per message, as the first date would

    key = b"k" * 46
    messages = [f"mrn\x1fGH\x1fPATID{i:05d}".encode() for i in range(N_VALUES)]
    plain = _values(str)

    def empty_loop() -> None:
        for value in plain:
            len(value)

    def hmac_loop() -> None:
        for message in messages:
            hmac.digest(key, message, "sha256")

    base_call = per_value_us(empty_loop, args.repeat)
    base_hmac = per_value_us(hmac_loop, args.repeat)
    print(f"one core, {N_VALUES} distinct values x {LOOPS} passes, median of {args.repeat} repeats")
    print(
        f"{'case':30} {'operator us':>11} {'apply() us':>11} {'apply/hmac':>10}   < {TARGET_US} us?"
    )
    print(f"{'baseline: loop + len()':30} {base_call:11.3f}")
    print(f"{'baseline: hmac.digest sha256':30} {base_hmac:11.3f}")
    results = []
    for label, method, kind, values in CASES:
        target = Target(kind)
        op_us = bench_operator(build(method, {}), values, target, ctx, args.repeat)
        apply_us = bench_apply(values, target, ctx, args.repeat)
        verdict = "yes" if apply_us < TARGET_US else "NO"
        print(f"{label:30} {op_us:11.3f} {apply_us:11.3f} {apply_us / base_hmac:10.2f}   {verdict}")
        results.append(
            {
                "case": label,
                "method": method,
                "operator_us": round(op_us, 3),
                "apply_us": round(apply_us, 3),
            }
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        summary = {
            "baseline_loop_us": base_call,
            "baseline_hmac_us": base_hmac,
            "target_us": TARGET_US,
            "repeat": args.repeat,
            "results": results,
        }
        args.json.write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
