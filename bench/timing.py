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
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from scrubbers.engine import Scrubber


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


def median_rate(
    work: Callable[[bytes], object],
    items: Sequence[bytes],
    repeat: int,
    before_pass: Callable[[], None] | None = None,
) -> float:
    """Median items per second of ``work`` over ``repeat`` passes through ``items``;
    ``before_pass`` (untimed) runs before each pass."""
    rates = []
    for _ in range(repeat):
        if before_pass is not None:
            before_pass()
        started = time.perf_counter()
        for item in items:
            work(item)
        rates.append(len(items) / (time.perf_counter() - started))
    return statistics.median(rates)


def forget_values(scrubber: Scrubber) -> None:
    """Make the scrubber meet every value as for the first time: clear its keyed
    digests and date shifts, and every memo of the ``scrubbers`` modules (name and
    term forms, label and note readings). Each pass of a benchmark goes through the
    same records; without this, the second pass would time those memos instead of
    the work a stream of new patients costs. Within a pass the memos fill again as
    they do in a worker: a facility, a ward or a code text that recurs from record
    to record is worked out once. Plans and reference data (per HL7 version, per
    FHIR type) are not values and stay loaded, as in a running worker."""
    scrubber.clear_caches()
    for name, module in list(sys.modules.items()):
        if name.startswith("scrubbers.") and module is not None:
            for value in list(vars(module).values()):
                clear = getattr(value, "cache_clear", None)
                if callable(clear):
                    clear()
