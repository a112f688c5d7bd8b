"""Micro-benchmark: cost per value of each de-identification method.

Target (policy-engine issue): every method under 5 microseconds per value,
median, on one core. Measured with ``timeit``; reported, never asserted.

Each case runs over 20,000 *distinct* values with the keyed-digest and
date-shift memo caches emptied before every timed pass ("cold": every value
is new, the worst case), and again over 1,000 values seen before ("warm": a
stream's recurring MRNs, providers and timestamps). It reports the median
over repeats of the per-value time, both for the bare operator and for
``MessageContext.apply`` (policy lookup + operator + report counting: what
format adapters pay). Two
baselines run in the same process so the numbers can be read against this
machine's speed and noise: an empty call over the same loop, and the
standard library's one-shot ``hmac.digest`` (the floor for any keyed
pseudonym).

Usage: python bench/bench_methods.py [--repeat N] [--json FILE]
"""

from __future__ import annotations

import hmac
import statistics
import sys
import timeit
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.secret import BENCH_SECRET
from bench.timing import one_core_arguments
from scrubbers.engine import MessageContext, Scrubber
from scrubbers.identity import PatientIdentifier
from scrubbers.keys import KeyRing
from scrubbers.kinds import Kind
from scrubbers.methods import Operator, build
from scrubbers.policy import parse_policy
from scrubbers.target import Target

TARGET_US = 5.0
N_VALUES = 20_000
WARM_VALUES = 1_000

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


def _day(i: int) -> date:
    return date(1930, 1, 1) + timedelta(days=i)  # 20,000 distinct calendar days


CASES: list[tuple[str, str, Kind, list[str]]] = [
    ("keep", "keep", Kind.STATE, _values(lambda i: f"S{i:05d}")),
    ("redact", "redact", Kind.PHONE, _values(lambda i: f"(555) 01{i:05d}")),
    ("drop", "drop", Kind.PHOTO, _values(lambda i: f"aGVsbG8{i}=")),
    ("mask", "mask", Kind.NAME, _values(lambda i: f"EVERYMAN{i}^ADAM^A")),
    ("pseudonymize", "pseudonymize", Kind.MRN, _values(lambda i: f"PATID{i:05d}")),
    (
        "date_shift (HL7 DTM)",
        "date_shift",
        Kind.DATE,
        _values(lambda i: _day(i).strftime("%Y%m%d") + "123015.1234-0500"),
    ),
    (
        "date_shift (FHIR dateTime)",
        "date_shift",
        Kind.DATE,
        _values(lambda i: _day(i).isoformat() + "T12:30:15.000-05:00"),
    ),
    ("date_shift (HL7 DT)", "date_shift", Kind.DATE, _values(lambda i: _day(i).strftime("%Y%m%d"))),
    (
        "generalize (date to year)",
        "generalize",
        Kind.BIRTH_DATE,
        _values(lambda i: _day(i).strftime("%Y%m%d")),
    ),
    ("generalize (ZIP to ZIP3)", "generalize", Kind.ZIP, _values(lambda i: f"{i:05d}-4307")),
    ("generalize (age 90+)", "generalize", Kind.AGE, _values(lambda i: str(i % 120))),
]


def per_value_us(
    run_all: Callable[[], object], count: int, repeat: int, setup: Callable[[], object]
) -> float:
    """Median microseconds per value over ``repeat`` timed passes, ``setup`` before each."""
    runs = []
    for _ in range(repeat):
        setup()
        runs.append(timeit.timeit(run_all, number=1) / count * 1e6)
    return statistics.median(runs)


def bench(
    call: Callable[[str], object],
    values: Sequence[str],
    ctx: MessageContext,
    repeat: int,
    cold: bool,
) -> float:
    def run_all() -> None:
        for value in values:
            call(value)

    if cold:
        return per_value_us(run_all, len(values), repeat, ctx.scrubber.clear_caches)
    run_all()  # every value seen before
    return per_value_us(run_all, len(values), repeat, lambda: None)


def main() -> int:
    args = one_core_arguments("Per-value cost of each method", repeat=7)

    scrubber = Scrubber(parse_policy(BENCH_POLICY), KeyRing.single(BENCH_SECRET))
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

    base_call = per_value_us(empty_loop, len(plain), args.repeat, lambda: None)
    base_hmac = per_value_us(hmac_loop, len(messages), args.repeat, lambda: None)
    print(
        f"one core, median of {args.repeat} passes; cold: {N_VALUES} new values per pass with "
        f"memo caches emptied; warm: {WARM_VALUES} values seen before"
    )
    print(
        f"{'case':28} {'op cold':>8} {'apply cold':>10} {'apply warm':>10} {'cold/hmac':>9}"
        f"   cold < {TARGET_US} us?"
    )
    print(f"{'baseline: loop + len()':28} {base_call:8.3f}")
    print(f"{'baseline: hmac.digest':28} {base_hmac:8.3f}")
    results = []
    for label, method, kind, values in CASES:
        target = Target(kind)
        operator = build(method, {})

        def op_call(value: str, op: Operator = operator, t: Target = target) -> object:
            return op(value, t, "GH", ctx)

        def apply_call(value: str, t: Target = target) -> object:
            return ctx.apply(value, t, "GH")

        op_cold = bench(op_call, values, ctx, args.repeat, cold=True)
        apply_cold = bench(apply_call, values, ctx, args.repeat, cold=True)
        apply_warm = bench(apply_call, values[:WARM_VALUES], ctx, args.repeat, cold=False)
        verdict = "yes" if apply_cold < TARGET_US else "NO"
        print(
            f"{label:28} {op_cold:8.3f} {apply_cold:10.3f} {apply_warm:10.3f} "
            f"{apply_cold / base_hmac:9.2f}   {verdict}"
        )
        results.append(
            {
                "case": label,
                "method": method,
                "operator_cold_us": round(op_cold, 3),
                "apply_cold_us": round(apply_cold, 3),
                "apply_warm_us": round(apply_warm, 3),
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
