"""Acknowledge a partition's records in offset order, whatever order their outputs settle in.

The worker pipelines outputs (see :mod:`streams.app`): a record's output may be
confirmed by the broker before an earlier record's is (they go to different
topics and partitions, and a refused output is replaced by another send).
Faust commits the run of acknowledged offsets that follows the last commit,
but its check for a hole at the head of that run is off by one and skipped
before a partition's first commit (faust-streaming 0.11-0.15,
``Consumer._new_offset``): acknowledging offsets 11 and 12 while 10 is still
in flight commits 13, and 10 is lost on a crash. So the worker never hands
Faust an acknowledgement out of order: an offset is acknowledged only once it
and every earlier offset of its partition read in this assignment have settled.

After a partition is read again from an earlier offset (a rebalance gave it
back, or the consumer seeked), the records still pending from before are
never acknowledged: they are processed again from the new position, and an
acknowledgement from the old run could otherwise jump a hole in the new one.

Faust also acknowledges, by itself, the events it skips without handing them
to the agent (read in a consumer generation that a rebalance has since ended,
or while flow control is paused). Those never make an offset committable:
the worker wraps the consumer's acknowledgement so that only this module's
releases reach it (:class:`streams.app.OwnAcks`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Event = TypeVar("Event")


class Pending(Generic[Event]):
    """One record whose output has not settled yet."""

    __slots__ = ("cost", "done", "event", "offset", "partition", "queue")

    def __init__(
        self, partition: Hashable, offset: int, event: Event, queue: deque[Pending[Event]]
    ) -> None:
        self.partition = partition
        self.offset = offset
        self.event = event
        self.queue = queue  # its partition's queue when it was read
        self.done = False
        self.cost = 0  # bytes the caller holds for it until it settles


class InOrderAcks(Generic[Event]):
    """Per-partition queues of pending records; ``ack`` is called in offset order."""

    def __init__(self, ack: Callable[[Event], object]) -> None:
        self._ack = ack
        self._queues: dict[Hashable, deque[Pending[Event]]] = {}

    def track(self, partition: Hashable, offset: int, event: Event) -> Pending[Event]:
        """Register a record as read; settle the returned entry when its output has."""
        queue = self._queues.get(partition)
        if queue is None or (queue and offset <= queue[-1].offset):
            # First record of the partition, or read again from an earlier offset:
            # a new run. Entries of the old run keep their own (abandoned) queue.
            queue = self._queues[partition] = deque()
        entry = Pending(partition, offset, event, queue)
        queue.append(entry)
        return entry

    def settle(self, entry: Pending[Event]) -> int:
        """Mark ``entry``'s output as settled; acknowledge the head run that is done.

        Returns how many records were acknowledged (none for an abandoned run).
        """
        entry.done = True
        queue = entry.queue
        if self._queues.get(entry.partition) is not queue:
            queue.clear()  # an abandoned run: its records come again
            return 0
        acked = 0
        while queue and queue[0].done:
            self._ack(queue.popleft().event)
            acked += 1
        return acked

    def pending(self, partition: Hashable) -> int:
        """Records of ``partition`` read but not yet acknowledged (current run)."""
        queue = self._queues.get(partition)
        return len(queue) if queue is not None else 0
