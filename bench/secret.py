"""The benchmarks' pseudonymization key: fixed, so runs compare; never a service default."""

from __future__ import annotations

from typing import Final

BENCH_SECRET: Final = "bench-only-secret-0123456789abcdef-not-for-production"  # noqa: S105
