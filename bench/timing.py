"""What every one-core throughput benchmark here shares: the core it runs on, and
how a rate is read from repeated passes.

Pinning to one core makes "single-core throughput" mean what it says on a shared
2-core machine (the broker, a test run or the OS take the other one), and the
median of repeated passes keeps one noisy pass from setting the number.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path


def pin_to_one_core() -> None:
    """Run this process on one CPU (the lowest it may use), where the OS allows it."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def one_core_arguments(description: str, repeat: int) -> argparse.Namespace:
    """Parse the options every one-core benchmark takes, then pin to one core.

    ``--repeat`` is the number of timed passes (the median is reported) and
    ``--json`` where ``make bench`` collects the results.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--repeat", type=int, default=repeat)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    pin_to_one_core()
    return args


def median_rate(work: Callable[[bytes], object], items: Sequence[bytes], repeat: int) -> float:
    """Median items per second of ``work`` over ``repeat`` passes through ``items``."""
    rates = []
    for _ in range(repeat):
        started = time.perf_counter()
        for item in items:
            work(item)
        rates.append(len(items) / (time.perf_counter() - started))
    return statistics.median(rates)
