"""Acknowledgements reach Faust in offset order, so a commit never jumps a pending record."""

from __future__ import annotations

import functools
import itertools
import random
from collections import defaultdict
from types import SimpleNamespace

from faust.transport.consumer import Consumer
from faust.types import TP
from intervaltree import IntervalTree  # type: ignore[import-untyped]

from streams.acks import InOrderAcks

TP0 = TP("raw.hl7v2", 0)
TP1 = TP("raw.hl7v2", 1)


def test_outputs_settled_out_of_order_are_acknowledged_in_order() -> None:
    acked: list[int] = []
    acks: InOrderAcks[int] = InOrderAcks(acked.append)
    entries = [acks.track(TP0, offset, offset) for offset in range(5)]
    assert acks.settle(entries[2]) == 0 and acks.settle(entries[1]) == 0
    assert acked == [] and acks.pending(TP0) == 5
    assert acks.settle(entries[0]) == 3
    assert acked == [0, 1, 2] and acks.pending(TP0) == 2
    acks.settle(entries[4])
    acks.settle(entries[3])
    assert acked == [0, 1, 2, 3, 4] and acks.pending(TP0) == 0


def test_partitions_are_independent() -> None:
    acked: list[tuple[TP, int]] = []
    acks: InOrderAcks[tuple[TP, int]] = InOrderAcks(acked.append)
    first = acks.track(TP0, 7, (TP0, 7))
    other = acks.track(TP1, 3, (TP1, 3))
    acks.settle(other)
    assert acked == [(TP1, 3)]  # not held back by partition 0's pending record
    acks.settle(first)
    assert acked == [(TP1, 3), (TP0, 7)]


def test_records_pending_from_before_a_rewind_are_never_acknowledged() -> None:
    """A partition read again from an earlier offset (rebalance, seek): the old run's
    records are processed again, and an ack from the old run must not fill a hole
    of the new one."""
    acked: list[str] = []
    acks: InOrderAcks[str] = InOrderAcks(acked.append)
    old = [acks.track(TP0, offset, f"old-{offset}") for offset in (10, 11, 12)]
    new = [acks.track(TP0, offset, f"new-{offset}") for offset in (10, 11)]
    assert [acks.settle(entry) for entry in old] == [0, 0, 0]
    assert acked == [] and acks.pending(TP0) == 2
    acks.settle(new[1])
    assert acked == []
    acks.settle(new[0])
    assert acked == ["new-10", "new-11"]


def _faust_consumer(committed: int | None) -> SimpleNamespace:
    """The state Faust's ``Consumer._new_offset`` reads, for one partition."""
    return SimpleNamespace(
        _acked=defaultdict(list),
        _acked_index=defaultdict(set),
        _gap=defaultdict(IntervalTree),
        _committed_offset=defaultdict(lambda: None, {TP0: committed}),
    )


def _faust_ack(consumer: SimpleNamespace, offset: int) -> None:
    consumer._acked[TP0].append(offset)
    consumer._acked_index[TP0].add(offset)


def test_faust_never_commits_past_an_unsettled_record() -> None:
    """Against Faust's real commit computation, for every settle order of a window
    of in-flight records, from a first commit (no committed offset) and later ones."""
    rng = random.Random(7)  # noqa: S311 - reproducible test orders, not secrets
    orders = list(itertools.permutations(range(5))) + [
        rng.sample(range(12), 12) for _ in range(200)
    ]
    for start in (0, 10):
        for order in orders:
            consumer = _faust_consumer(None if start == 0 else start)
            acks: InOrderAcks[int] = InOrderAcks(functools.partial(_faust_ack, consumer))
            entries = [acks.track(TP0, start + i, start + i) for i in range(len(order))]
            settled: set[int] = set()
            for index in order:
                acks.settle(entries[index])
                settled.add(start + index)
                new = Consumer._new_offset(consumer, TP0)  # type: ignore[arg-type]
                if new is not None:
                    # Everything below the committed offset has settled.
                    assert all(o in settled for o in range(start, new)), (order, new)
                    consumer._committed_offset[TP0] = new
