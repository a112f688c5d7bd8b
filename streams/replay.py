"""Re-drive quarantined records once their cause is fixed: ``phi-scrub quarantine replay``.

A record lands in quarantine when it could not be scrubbed or verified. Once
the cause is fixed (a larger size limit, a scrubber release, a policy change),
the operator re-drives the quarantine topic through the worker's own
:class:`~streams.pipeline.RecordProcessor`, with the current configuration,
policy and key. A record that now passes goes to its de-identified topic with
the record id of its *source* position and the ``phi-scrub.*`` provenance
headers it would have had the first time (allowlisted input headers are not
kept in quarantine), so a consumer that de-duplicates on the record id
sees it once. A record that fails again stays where it is: it is never
quarantined twice, and its new reason is counted.

Guarantees, like the worker's: the replay reads the quarantine topic in a
consumer group of its own (``<PHI_SCRUB_GROUP_ID>.replay`` unless ``--group``
says otherwise), up to the end offsets it saw at start, and commits that
position only after every re-driven record was acknowledged (acks=all,
idempotent producer). A crash or a failed send commits nothing, so the next
run re-drives the same records again (at least once; the record id makes the
repeats recognisable). ``--dry-run`` processes and counts without producing or
committing. Nothing it prints or logs carries a value: positions, record ids,
error classes and counts only.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from kafka import TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from streams.pipeline import HEADER_PREFIX, OutputRecord, RecordProcessor, SourceRecord

_SOURCE_TOPIC: Final = HEADER_PREFIX + "source-topic"
_SOURCE_PARTITION: Final = HEADER_PREFIX + "source-partition"
_SOURCE_OFFSET: Final = HEADER_PREFIX + "source-offset"
_PAYLOAD: Final = HEADER_PREFIX + "payload"
_ERROR_CLASS: Final = HEADER_PREFIX + "error-class"


class Outcome(StrEnum):
    REPLAYED = "replayed"  # de-identified now: sent to its de-identified topic
    STILL_QUARANTINED = "still_quarantined"  # fails again: left in quarantine
    PAYLOAD_OMITTED = "payload_omitted"  # quarantined without its payload: replay from source
    UNKNOWN_SOURCE = "unknown_source"  # its source topic is not one the worker reads now
    NOT_QUARANTINE = "not_a_quarantine_record"  # no source position headers
    FILTERED = "filtered"  # an error class the run was not asked to re-drive


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    output: OutputRecord | None = None
    error_class: str = ""  # the quarantine record's error class (no values)
    new_error_class: str = ""  # why it fails again (STILL_QUARANTINED)
    source: SourceRecord | None = None


def source_of(
    key: bytes | None, value: bytes | None, headers: Iterable[tuple[str, bytes | None]]
) -> tuple[SourceRecord | None, dict[str, bytes]]:
    """The raw record a quarantine record holds, or None without a source position."""
    found = {name: value for name, value in headers if value is not None}
    try:
        topic = found[_SOURCE_TOPIC].decode()
        partition = int(found[_SOURCE_PARTITION])
        offset = int(found[_SOURCE_OFFSET])
    except (KeyError, ValueError, UnicodeDecodeError):
        return None, found
    return SourceRecord(topic, partition, offset, key, value), found


# The error classes the worker writes: exception class names.
_ERROR_CLASS_SHAPE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def _error_class(header: bytes) -> str:
    """The quarantine record's error class as logged and counted; a header of any
    other shape (a record some other producer wrote, which could say anything) is
    not repeated."""
    text = header.decode(errors="replace")
    return text if not text or _ERROR_CLASS_SHAPE.fullmatch(text) else "(unrecognised)"


def decide(
    processor: RecordProcessor,
    key: bytes | None,
    value: bytes | None,
    headers: Iterable[tuple[str, bytes | None]],
    record_timeout_s: float,
    error_classes: frozenset[str] = frozenset(),
) -> Decision:
    """What re-driving one quarantine record gives (pure: nothing is sent)."""
    source, found = source_of(key, value, headers)
    error_class = _error_class(found.get(_ERROR_CLASS, b""))
    if source is None:
        return Decision(Outcome.NOT_QUARANTINE, error_class=error_class)
    if error_classes and error_class not in error_classes:
        return Decision(Outcome.FILTERED, error_class=error_class, source=source)
    if found.get(_PAYLOAD) == b"omitted":
        return Decision(Outcome.PAYLOAD_OMITTED, error_class=error_class, source=source)
    if source.topic not in processor.routing.outputs:
        return Decision(Outcome.UNKNOWN_SOURCE, error_class=error_class, source=source)
    out = processor.process_within(source, record_timeout_s)
    if out.quarantined:
        return Decision(
            Outcome.STILL_QUARANTINED,
            error_class=error_class,
            new_error_class=out.reason,
            source=source,
        )
    return Decision(Outcome.REPLAYED, out, error_class=error_class, source=source)


@dataclass
class ReplaySummary:
    """Counts only: safe to print and log."""

    read: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    # error class in quarantine -> how many of them now passed / failed again
    replayed_by_class: Counter[str] = field(default_factory=Counter)
    still_by_class: Counter[str] = field(default_factory=Counter)
    committed: bool = False
    dry_run: bool = False

    def add(self, decision: Decision) -> None:
        self.read += 1
        self.outcomes[decision.outcome.value] += 1
        if decision.outcome is Outcome.REPLAYED:
            self.replayed_by_class[decision.error_class] += 1
        elif decision.outcome is Outcome.STILL_QUARANTINED:
            self.still_by_class[decision.new_error_class] += 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "outcomes": dict(sorted(self.outcomes.items())),
            "replayed_by_error_class": dict(sorted(self.replayed_by_class.items())),
            "still_quarantined_by_error_class": dict(sorted(self.still_by_class.items())),
            "dry_run": self.dry_run,
            "committed": self.committed,
        }


class ReplayError(Exception):
    """The replay could not finish; nothing was committed (message has no values)."""


def replay(
    consumer: Any,
    producer: Any,
    processor: RecordProcessor,
    quarantine_topic: str,
    *,
    record_timeout_s: float,
    error_classes: frozenset[str] = frozenset(),
    from_beginning: bool = False,
    dry_run: bool = False,
    timeout_s: float = 300.0,
    on_decision: Any = None,
) -> ReplaySummary:
    """Re-drive ``quarantine_topic`` up to its end offsets at start.

    ``consumer`` is a kafka-python KafkaConsumer with a group id and auto commit
    off and read_committed isolation (an aborted transaction's quarantine record
    is a copy of one committed later), ``producer`` a KafkaProducer with acks=all
    (unused with ``dry_run``).
    """
    summary = ReplaySummary(dry_run=dry_run)
    numbers = consumer.partitions_for_topic(quarantine_topic)
    if not numbers:
        raise ReplayError(f"quarantine topic {quarantine_topic!r} not found")
    partitions = [TopicPartition(quarantine_topic, n) for n in sorted(numbers)]
    consumer.assign(partitions)  # no group membership: no rebalance, commits still per group
    ends: Mapping[Any, int] = consumer.end_offsets(partitions)
    for tp in partitions:
        committed = None if from_beginning else consumer.committed(tp)
        if committed is None:
            consumer.seek_to_beginning(tp)
        else:
            consumer.seek(tp, committed)
    sends: list[Any] = []
    deadline = time.monotonic() + timeout_s
    while any(consumer.position(tp) < ends[tp] for tp in partitions):
        if time.monotonic() > deadline:
            raise ReplayError(f"did not reach the end of {quarantine_topic!r} in {timeout_s:g} s")
        for tp, messages in consumer.poll(timeout_ms=500).items():
            for message in messages:
                if message.offset >= ends[tp]:
                    continue  # quarantined after the run started: the next run's
                decision = decide(
                    processor,
                    message.key,
                    message.value,
                    message.headers or (),
                    record_timeout_s,
                    error_classes,
                )
                summary.add(decision)
                if on_decision is not None:
                    on_decision(tp.partition, message.offset, decision)
                out = decision.output
                if out is not None and not dry_run:
                    try:
                        sends.append(
                            producer.send(
                                out.topic, key=out.key, value=out.value, headers=out.headers
                            )
                        )
                    except KafkaError as exc:  # a missing topic, a full buffer: no values
                        raise ReplayError(
                            f"a re-driven record could not be sent: {type(exc).__name__}"
                        ) from None
    if dry_run:
        return summary
    producer.flush()
    for sent in sends:
        try:
            sent.get(timeout=60)
        except Exception as exc:  # kafka-python's errors name no values
            raise ReplayError(
                f"a re-driven record was not acknowledged: {type(exc).__name__}"
            ) from None
    consumer.commit({tp: OffsetAndMetadata(ends[tp], "", -1) for tp in partitions})
    summary.committed = True
    return summary
