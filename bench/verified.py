"""Benchmark workloads the worker would publish, checked before they are timed."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from scrubbers.verify import Verifier


def require_verified(
    workload: str,
    inputs: Sequence[bytes],
    output_of: Callable[[bytes], bytes],
    verifier: Verifier,
    fmt: str,
) -> None:
    """Stop unless every input's output passes the verifier.

    A scrubber rate means nothing for records the worker would quarantine: the
    ORU workload's notes named its numbered surnames, every record failed
    verification, and the throughput benchmark (which times scrubbing alone)
    did not notice. One untimed pass, before any timing.
    """
    for index, data in enumerate(inputs):
        findings = verifier.findings(data, output_of(data), fmt)
        if findings:
            kinds = ", ".join(sorted(findings))
            raise SystemExit(f"{workload} input {index}: the verifier finds input PHI ({kinds})")
