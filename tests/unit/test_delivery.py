"""How the worker sends each outcome: refusals never stall a partition or lose a position."""

from __future__ import annotations

import asyncio
import gc
from typing import Any, cast

import aiokafka.client
import pytest
from aiokafka.errors import KafkaConnectionError, MessageSizeTooLargeError
from aiokafka.protocol.metadata import MetadataRequest_v4, MetadataRequest_v5
from faust.exceptions import ProducerSendError
from faust.types.tuples import ConsumerMessage

from scrubbers.engine import Scrubber
from scrubbers.keys import KeyRing
from scrubbers.policy import load_policy
from streams.app import (
    CommitGate,
    IdempotentProducer,
    InFlightBytes,
    Progress,
    commit_before_revoke,
    create_app,
    deliver,
    own_acks_only,
    settle_heap,
)
from streams.config import load_config
from streams.pipeline import OutputRecord, RecordProcessor

from .conftest import TEST_SECRET
from .test_hl7_scrub import ADT
from .test_pipeline import ROUTING, assert_no_phi, record


class Broker:
    """A fake send: refuses the first *refusals* records with the given errors."""

    def __init__(self, *refusals: Exception) -> None:
        self.refusals = list(refusals)
        self.sent: list[OutputRecord] = []

    async def send(self, out: OutputRecord) -> None:
        if self.refusals:
            raise self.refusals.pop(0)
        self.sent.append(out)


def wrapped(exc: Exception) -> ProducerSendError:
    """As Faust raises an aiokafka error from ``send``."""
    try:
        raise ProducerSendError(f"Error while sending: {exc!r}") from exc
    except ProducerSendError as error:
        return error


@pytest.fixture
def processor() -> RecordProcessor:
    scrubber = Scrubber(load_policy("safe-harbor"), KeyRing.single(TEST_SECRET))
    return RecordProcessor(scrubber, ROUTING, max_bytes=64)


def test_a_quarantine_record_refused_as_too_large_is_sent_without_its_payload(
    processor: RecordProcessor,
) -> None:
    source = record("raw.hl7", ADT.encode())
    out = processor.process(source)
    assert out.quarantined and out.stage == "size"
    for refusal in (MessageSizeTooLargeError(), wrapped(MessageSizeTooLargeError())):
        broker = Broker(refusal)
        sent = asyncio.run(deliver(processor, source, out, broker.send))
        assert broker.sent == [sent]
        headers = dict(sent.headers)
        assert sent.value == b"" and sent.key is None
        assert headers["phi-scrub.payload"] == b"omitted"
        assert headers["phi-scrub.stage"] == b"size"
        assert headers["phi-scrub.reason"].endswith(
            b"; raw payload omitted (refused as too large: MessageSizeTooLargeError)"
        )
        assert_no_phi(sent)


def test_other_quarantine_failures_are_raised(processor: RecordProcessor) -> None:
    source = record("raw.hl7", ADT.encode())
    broker = Broker(wrapped(KafkaConnectionError()))
    with pytest.raises(ProducerSendError):
        asyncio.run(deliver(processor, source, processor.process(source), broker.send))
    assert broker.sent == []  # no commit: the record comes back


def test_a_refused_deidentified_record_is_quarantined(processor: RecordProcessor) -> None:
    processor.max_bytes = 1024 * 1024
    source = record("raw.hl7", ADT.encode())
    out = processor.process(source)
    assert not out.quarantined
    broker = Broker(wrapped(MessageSizeTooLargeError()))
    sent = asyncio.run(deliver(processor, source, out, broker.send))
    assert broker.sent == [sent]
    assert sent.quarantined and sent.stage == "produce"
    assert sent.value == ADT.encode()


def test_the_start_up_heap_is_frozen_out_of_full_collections() -> None:
    """Long-lived start-up objects leave the collector's generations (no p99 stalls)."""
    before = gc.get_freeze_count()
    try:
        settle_heap()
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()


def test_the_in_flight_byte_budget_holds_the_loop_until_outputs_settle() -> None:
    async def scenario() -> list[str]:
        held = InFlightBytes(100)
        steps: list[str] = []
        await held.room_for(500)  # nothing held: a record larger than the budget goes alone
        held.take(60)

        async def next_record() -> None:
            await held.room_for(50)  # 60 + 50 > 100: waits
            steps.append("next record read")

        waiting = asyncio.ensure_future(next_record())
        await asyncio.sleep(0)
        steps.append("output settled")
        held.release(60)
        await waiting
        return steps

    assert asyncio.run(scenario()) == ["output settled", "next record read"]


def test_progress_reports_a_stall_only_while_outputs_wait_past_the_timeout() -> None:
    progress = Progress(stall_timeout_s=30)
    start = progress.last_settled
    assert progress.stalled_for(start + 3600) is None  # nothing pending: idle, not stalled
    progress.sent()
    progress.sent()
    assert progress.stalled_for(progress.last_settled + 10) is None
    assert progress.stalled_for(progress.last_settled + 31) == pytest.approx(31)
    progress.settled()  # one acknowledged: the wait restarts
    assert progress.stalled_for(progress.last_settled + 20) is None
    progress.settled()
    assert progress.pending == 0 and progress.stalled_for(progress.last_settled + 3600) is None
    assert Progress(stall_timeout_s=0).stalled_for(start + 3600) is None


def test_a_transactional_commit_waits_for_every_output_in_flight() -> None:
    """exactly_once: a commit closes the gate to new sends and runs only once every
    output handed to the producer has settled (its offset acknowledged), so no
    transaction carries an output whose offset it does not commit."""

    async def scenario() -> list[str]:
        progress = Progress(stall_timeout_s=30)
        gate = CommitGate(progress)
        steps: list[str] = []
        async with gate.sending():
            steps.append("output 1 sent")

        async def commit() -> bool:
            steps.append("committed")
            return True

        committing = asyncio.ensure_future(gate.commit(commit))
        await asyncio.sleep(0)

        async def next_send() -> None:
            async with gate.sending():
                steps.append("output 2 sent")

        sending = asyncio.ensure_future(next_send())
        await asyncio.sleep(0)
        steps.append("output 1 settled")
        progress.settled()
        await committing
        await sending
        return steps

    assert asyncio.run(scenario()) == [
        "output 1 sent",
        "output 1 settled",
        "committed",
        "output 2 sent",
    ]


class RebalancingConsumer:
    """Faust's consumer as far as a revoke goes: it forgets the acknowledged
    offsets of the revoked partitions before its own handler commits."""

    def __init__(self, steps: list[str], *commit_errors: Exception) -> None:
        self.steps = steps
        self.commit_errors = list(commit_errors)
        self.acked = {"raw-0": [10, 11]}

    async def commit(self) -> bool:
        if self.commit_errors:
            raise self.commit_errors.pop(0)
        self.steps.append(f"committed {sorted(self.acked)}")
        return True

    async def on_partitions_revoked(self, revoked: set[str]) -> None:
        for tp in revoked:
            self.acked.pop(tp, None)
        self.steps.append("acknowledgements forgotten")
        await self.commit()


def test_acknowledged_offsets_are_committed_before_a_revoke_forgets_them() -> None:
    steps: list[str] = []
    consumer = RebalancingConsumer(steps)
    commit_before_revoke(consumer)
    asyncio.run(consumer.on_partitions_revoked({"raw-0"}))
    assert steps == ["committed ['raw-0']", "acknowledgements forgotten", "committed []"]


def test_a_failed_commit_before_a_revoke_does_not_stop_the_rebalance() -> None:
    steps: list[str] = []
    consumer = RebalancingConsumer(steps, RuntimeError("coordinator moved"))
    commit_before_revoke(consumer)  # at_least_once: the records come again
    asyncio.run(consumer.on_partitions_revoked({"raw-0"}))
    assert steps == ["acknowledgements forgotten", "committed []"]


def test_a_failed_commit_before_a_revoke_stops_an_exactly_once_worker() -> None:
    steps: list[str] = []
    failures: list[BaseException] = []
    consumer = RebalancingConsumer(steps, RuntimeError("coordinator moved"))
    commit_before_revoke(consumer, failures.append)
    asyncio.run(consumer.on_partitions_revoked({"raw-0"}))
    assert [str(exc) for exc in failures] == ["coordinator moved"]
    assert steps[0] == "acknowledgements forgotten"  # the rebalance still goes on


def test_a_failing_worker_never_commits_through_the_gate() -> None:
    async def scenario() -> object:
        gate = CommitGate(Progress(stall_timeout_s=30))
        async with gate.sending():
            pass  # never settles: the worker fails

        async def commit() -> bool:
            raise AssertionError("must not commit")

        gate.fail()
        return await gate.commit(commit)

    assert asyncio.run(scenario()) is False


@pytest.mark.parametrize("guarantee", ["at_least_once", "exactly_once"])
def test_the_worker_producer_is_idempotent_with_acks_all_in_every_mode(guarantee: str) -> None:
    """faust turns idempotence on only inside transactions: at_least_once would
    otherwise let a retried produce request write an output twice."""
    config = load_config(
        {"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1", "PHI_SCRUB_PROCESSING_GUARANTEE": guarantee}
    )
    scrubber = Scrubber(load_policy("safe-harbor"), KeyRing.single(TEST_SECRET))
    app, _ = create_app(config, scrubber)
    producer = app.producer
    assert isinstance(producer, IdempotentProducer)

    async def client() -> Any:
        return producer._new_producer()

    aiokafka_producer = asyncio.run(client())
    assert aiokafka_producer._txn_manager is not None  # aiokafka's idempotence state
    assert aiokafka_producer._sender._acks == -1  # all in-sync replicas
    assert producer._settings_extra() == {"acks": "all", "enable_idempotence": True}


def test_the_worker_never_asks_the_broker_to_create_a_topic() -> None:
    """aiokafka asks for metadata with allow_auto_topic_creation on (Kafka's default
    broker setting then creates a mistyped topic); the worker's clients never do."""

    config = load_config({"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1"})
    create_app(config, Scrubber(load_policy("safe-harbor"), KeyRing.single(TEST_SECRET)))
    for struct in (MetadataRequest_v4, MetadataRequest_v5):
        for topics in (["raw.hl7v2"], None):
            built = aiokafka.client.MetadataRequest(topics).build(struct)
            assert built.allow_auto_topic_creation is False, (struct, topics)


def test_hooks_installed_again_on_an_agent_restart_wrap_the_consumer_once() -> None:
    """The agent body installs the commit gate and the pre-revoke commit on Faust's
    consumer each time it starts. Wrapped twice, the gate would wait on its own
    lock (a commit that never returns) and a revoke would commit twice."""
    steps: list[str] = []
    consumer = RebalancingConsumer(steps)
    gate = CommitGate(Progress(stall_timeout_s=30))
    for _ in range(2):
        gate.install(consumer)
        commit_before_revoke(consumer)

    async def scenario() -> None:
        await asyncio.wait_for(consumer.on_partitions_revoked({"raw-0"}), timeout=10)

    asyncio.run(scenario())
    assert steps == ["committed ['raw-0']", "acknowledgements forgotten", "committed []"]


class AckingConsumer:
    """Faust's consumer as far as acknowledgements go: ``ack`` makes an offset
    committable (faust-streaming's ``Consumer.ack`` adds it to its acked run)."""

    def __init__(self) -> None:
        self.committable: list[int] = []

    def ack(self, message: ConsumerMessage) -> bool:
        message.acked = True
        self.committable.append(message.offset)
        return True


class Released:
    """What the worker hands to its in-order acknowledgements: an event whose
    ``ack`` is Faust's (the message's final acknowledgement calls the consumer)."""

    def __init__(self, message: ConsumerMessage, consumer: AckingConsumer) -> None:
        self.message = message
        self.consumer = consumer

    def ack(self) -> bool:
        return self.message.ack(cast(Any, self.consumer))


def read(offset: int) -> ConsumerMessage:
    message = ConsumerMessage("raw.hl7v2", 0, offset, 0.0, 0, [], None, b"MSH|", None)
    message.incref()  # delivered to the agent's stream
    return message


def test_only_the_workers_acknowledgements_make_an_offset_committable() -> None:
    """Faust acknowledges the events it skips during a rebalance without handing
    them to the agent. The new generation reads that offset again; Faust's stale
    acknowledgement must not make it committable while the new read's output is
    still in flight (a crash then would lose the record)."""
    consumer = AckingConsumer()
    own = own_acks_only(consumer)
    skipped = read(10)
    assert skipped.ack(cast(Any, consumer)) is False  # Faust's own, for an event it skipped
    assert skipped.acked  # Faust does not wait for it on shutdown
    assert consumer.committable == []
    again = read(10)
    own.release(Released(again, consumer))  # its output is durable
    assert consumer.committable == [10]
    assert own_acks_only(consumer) is own  # an agent restart does not wrap it twice
    own.release(Released(read(11), consumer))
    assert consumer.committable == [10, 11]
