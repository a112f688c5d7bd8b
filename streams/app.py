"""The Faust worker: raw topics in, de-identified or quarantine records out.

Guarantees (at_least_once, the default):

* one agent, concurrency 1, so records keep their per-partition order;
* every record ends as exactly one produced record (de-identified or
  quarantine, decided by :class:`~streams.pipeline.RecordProcessor`), and its
  offset becomes committable only when the broker has acknowledged that output
  (acks=all). Outputs are pipelined: up to ``max_in_flight`` await their
  acknowledgement while the next records are scrubbed. Acknowledgements reach
  Faust in offset order per partition (:mod:`streams.acks`; Faust's own check
  for a hole in out-of-order acknowledgements is off by one), so an
  unconfirmed record holds its partition's commit back and is processed again
  after a crash;
* only a size refusal turns an output into a quarantine record; any other
  send failure stops the worker uncommitted (the input comes back);
* a poison record is quarantined, never retried forever: its partition keeps
  flowing.

Record sizes (defaults; README has the settings):

* over ``max_record_bytes`` (4 MiB) a record is not scrubbed but quarantined,
  stage ``size``, with its raw payload for replay;
* up to ``quarantine_max_bytes`` (32 MiB) the payload is kept: the consumer's
  per-partition fetch size and the producer's request limit are that ceiling
  plus ``RECORD_OVERHEAD_BYTES``, and ``topics ensure`` gives the quarantine
  topic that ``max.message.bytes``. Every such record fits one fetch: aiokafka
  skips a record it gets only part of (aio-libs/aiokafka#1173);
* a larger record is still fetched (the broker hands over an oversized first
  batch so consumers progress, KIP-74) and quarantined without its payload
  (empty key and value, ``phi-scrub.payload: omitted``, the source position in
  the headers), as is a quarantine record the broker refuses as too large.

``exactly_once`` switches Faust to Kafka transactions, one transactional
producer per assigned input partition. Faust's own ``send`` picks the
transaction from the *output* topic's partition and assignor group, which for
topics the worker does not consume is no transaction at all; so the worker
sends every output (and quarantine record) itself through the transactional
producer of its *input* partition, and the output commits or aborts with that
input's offset. Consumers reading with ``isolation_level=read_committed`` then
see each input once, also after a SIGKILL and across rebalances that move
partitions between workers (tested; see :func:`commit_before_revoke`).
Downstream can still de-duplicate on the ``phi-scrub.record-id`` header.

HTTP: ``/healthz`` (liveness: 503 once the worker has failed, or when outputs
have awaited the broker for ``stall_timeout_s`` with none settling, so that
Kubernetes restarts a wedged worker and its uncommitted inputs come back),
``/readyz`` (ready only when partitions are assigned and the producer is up; the
body and ``phi_scrub_assigned_partitions`` say how many partitions it holds;
with topics.rawPartitions set the chart refuses more replicas than partitions),
``/metrics`` (Prometheus). Faust's table
views are not used (no tables), and nothing here serves payloads.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import os
import signal
import ssl
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, Final, cast

import faust
import structlog
from aiokafka.errors import MessageSizeTooLargeError, RecordListTooLargeError, RecordTooLargeError
from faust.transport.drivers.aiokafka import Producer as AiokafkaProducer
from kafka.errors import KafkaError
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from scrubbers.engine import Scrubber
from streams import no_autocreate, topic_patterns
from streams.acks import InOrderAcks, Pending
from streams.config import RECORD_OVERHEAD_BYTES, ConfigError, WorkerConfig
from streams.metrics import WorkerMetrics
from streams.pipeline import OutputRecord, RecordProcessor, Routing, SourceRecord, Stage
from streams.warmup import warm_up

log = structlog.get_logger("phi_scrub.worker")


def routing(config: WorkerConfig) -> Routing:
    outputs = dict.fromkeys(config.hl7_topics, config.hl7_output)
    outputs.update(dict.fromkeys(config.fhir_topics, config.fhir_output))
    formats = dict.fromkeys(config.hl7_topics, "hl7v2")
    formats.update(dict.fromkeys(config.fhir_topics, "fhir"))
    return Routing(outputs, formats, config.quarantine_topic)


def _credentials(config: WorkerConfig) -> Any:
    protocol = config.security_protocol.upper()
    context = None
    if "SSL" in protocol:
        context = ssl.create_default_context(cafile=config.ssl_cafile or None)
        if config.ssl_certfile:
            context.load_cert_chain(config.ssl_certfile, config.ssl_keyfile or None)
    if "SASL" in protocol:
        return faust.SASLCredentials(
            username=config.sasl_username,
            password=config.sasl_password,
            mechanism=config.sasl_mechanism or "PLAIN",
            ssl_context=context,
        )
    if context is not None:
        return faust.SSLCredentials(context)
    return None


def settle_heap() -> None:
    """Move everything allocated at start-up out of the garbage collector's reach.

    The HL7v2 reference data, the FHIR models (loaded by streams.warmup before
    Faust starts), Faust and its Kafka client are long-lived objects. A full
    collection walks them all (about 20 ms on the CI machine) and stalls every
    record in flight: a latency spike at p99. Frozen once the worker is up,
    they are never scanned again.
    """
    gc.collect()
    gc.freeze()


class IdempotentProducer(AiokafkaProducer):
    """faust's aiokafka producer, idempotent in every mode.

    faust turns idempotence on only inside transactions, and aiokafka's default is
    off: in at_least_once mode a retried produce request (a lost acknowledgement,
    a leader change) could then write an output twice, or out of order behind a
    later batch. Idempotence (with acks=all) makes the broker drop such repeats.
    """

    def _settings_extra(self) -> Mapping[str, Any]:
        return {"acks": "all", "enable_idempotence": True}


class ScrubApp(faust.App):
    """The worker's Faust app: its producer is an :class:`IdempotentProducer`."""

    def _new_producer(self) -> Any:
        return IdempotentProducer(self.transport, loop=self.loop, beacon=self.beacon)


def create_app(config: WorkerConfig, scrubber: Scrubber) -> tuple[faust.App, WorkerMetrics]:
    no_autocreate.install()  # a missing topic stays missing (see streams.no_autocreate)
    app = ScrubApp(
        config.group_id,  # Faust's app id is the consumer group id
        broker=[f"kafka://{server.strip()}" for server in config.bootstrap_servers.split(",")],
        broker_credentials=_credentials(config),
        processing_guarantee=config.processing_guarantee,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        topic_allow_declare=False,
        topic_disable_leader=True,
        autodiscover=False,
        store="memory://",
        # Faust keeps a data directory even without tables: never the (read-only) cwd.
        datadir=os.environ.get("APP_DATADIR")
        or os.path.join(tempfile.gettempdir(), f"{config.group_id}-data"),
        web_enabled=True,
        web_host=config.http_host,
        web_port=config.http_port,
        stream_buffer_maxsize=1024,
        producer_linger_ms=config.producer_linger_ms,
        broker_session_timeout=config.session_timeout_ms / 1000,
        broker_heartbeat_interval=max(0.5, config.session_timeout_ms / 1000 / 10),
        # Both fit a quarantine record with the largest payload kept (see the docstring).
        producer_max_request_size=config.quarantine_max_bytes + RECORD_OVERHEAD_BYTES,
        consumer_max_fetch_size=config.quarantine_max_bytes + RECORD_OVERHEAD_BYTES,
    )
    metrics = WorkerMetrics()
    progress = Progress(config.stall_timeout_s)
    fatal: list[BaseException] = []  # set by the agent; /healthz reports it
    settled_at: dict[Any, int] = {}  # partition -> offset of its latest settled record
    processor = RecordProcessor(
        scrubber,
        routing(config),
        config.max_record_bytes,
        config.header_allowlist,
        quarantine_max_bytes=config.quarantine_max_bytes,
    )
    warmed = warm_up(processor)  # before Faust starts, so the start-up heap freeze holds it
    (log.warning if warmed.failed else log.info)(
        "warmed up",
        hl7_segments=warmed.hl7_segments,
        fhir_models=warmed.fhir_models,
        synthetic_records=warmed.records,
        synthetic_failed=warmed.failed,
        seconds=round(warmed.seconds, 2),
    )
    raw = app.topic(
        *config.raw_topics, allow_empty=True, key_serializer="raw", value_serializer="raw"
    )
    outputs = {
        name: app.topic(name, key_serializer="raw", value_serializer="raw")
        for name in {config.hl7_output, config.fhir_output, config.quarantine_topic}
    }

    transactional = config.processing_guarantee == "exactly_once"
    gate = CommitGate(progress)

    async def queue(out: OutputRecord, source: SourceRecord) -> Any:
        """Hand ``out`` to the producer; the returned future resolves on the broker's ack.

        In ``exactly_once`` mode through the transaction of ``source``'s partition
        (see the module docstring), so the output commits with the input's offset.
        """
        if transactional:
            group = app.assignor.group_for_topic(source.topic)
            transactional_id = f"{app.conf.id}-{group}-{source.partition}"
            producer = cast(Any, app.consumer).transactions.producer
            return await producer.send(
                out.topic,
                out.key,
                out.value,
                None,
                None,
                out.headers,
                transactional_id=transactional_id,
            )
        return await outputs[out.topic].send(key=out.key, value=out.value, headers=out.headers)

    @app.agent(raw, name="scrub", concurrency=1)
    async def scrub(stream: faust.StreamT[Any]) -> None:
        # Records are acked (made committable) as the broker confirms their output,
        # not when the loop moves on: the loop keeps scrubbing while up to
        # ``max_in_flight`` outputs await their acknowledgement. Acks reach Faust in
        # offset order per partition (streams.acks), so an unconfirmed record holds
        # its partition's commit back and comes back after a crash.
        window = asyncio.Semaphore(config.max_in_flight)
        # Bytes held by records in flight (input plus output); over the budget the
        # loop waits for settled outputs (one record alone may exceed it).
        held = InFlightBytes(config.max_in_flight_bytes)
        # Faust's own acknowledgements of events it skips never make an offset
        # committable: only records whose outputs are durable do (OwnAcks).
        in_order: InOrderAcks[Any] = InOrderAcks(own_acks_only(cast(Any, app.consumer)).release)

        def settled(entry: Pending[Any], record: SourceRecord, out: Any, delivery: Any) -> None:
            error = _delivery_error(delivery)
            if error is None:
                _finish(entry, record, out)
            else:
                app.loop.create_task(replace(entry, record, out, error))

        async def replace(
            entry: Pending[Any], record: SourceRecord, out: OutputRecord, error: BaseException
        ) -> None:
            # A refused de-identified record is quarantined instead; a quarantine record
            # refused as too large goes again without its payload (see recover()).
            async def send(replacement: OutputRecord) -> None:
                await (await queue(replacement, record))  # acked by the broker

            try:
                final = await recover(processor, record, out, error, send)
            except asyncio.CancelledError as exc:
                task = asyncio.current_task()
                if (task is not None and task.cancelling()) or app.should_stop:
                    raise  # the worker is stopping: no ack, so the record comes back
                # A send cancelled under a running worker: stop rather than leave the
                # partition's commits wedged behind a record that never settles.
                _fail(exc)
                return
            except Exception as exc:
                _fail(exc)  # nowhere safer to put it: no ack, so the record comes back
                return
            _finish(entry, record, final)

        def _finish(entry: Pending[Any], record: SourceRecord, out: Any) -> None:
            window.release()
            held.release(entry.cost)
            _account(metrics, record, out)
            in_order.settle(entry)
            progress.settled()  # after its acknowledgement reached Faust
            tp = entry.event.message.tp
            settled_at[tp] = max(record.offset, settled_at.get(tp, -1))
            refresh_lag(tp)

        def _fail(error: BaseException) -> None:
            gate.fail()
            fatal.append(error)
            app.loop.create_task(app.crash(error))

        if transactional:
            gate.install(cast(Any, app.consumer))
        # exactly_once: an uncommitted transaction must not meet the re-read records.
        commit_before_revoke(cast(Any, app.consumer), _fail if transactional else None)
        async for event in cast(Any, stream).noack().events():
            if fatal:
                raise fatal[0]
            await window.acquire()
            message = event.message
            await held.room_for(len(message.value or b""))
            entry = in_order.track(message.tp, message.offset, event)
            record = SourceRecord(
                message.topic,
                message.partition,
                message.offset,
                message.key,
                message.value,
                [(k, v) for k, v in (message.headers or [])],
            )
            metrics.records_in.labels(record.topic).inc()
            started = time.perf_counter()
            out = processor.process_within(record, config.record_timeout_s)
            fmt = processor.routing.formats.get(record.topic, "auto")
            metrics.latency.labels(fmt).observe(time.perf_counter() - started)
            entry.cost = len(record.value or b"") + len(out.value or b"")
            held.take(entry.cost)
            async with gate.sending():
                try:
                    delivery = await queue(out, record)
                except Exception as exc:
                    # Refused before it was even queued (an over-size record, say).
                    future = app.loop.create_future()
                    future.set_exception(exc)
                    delivery = future
            delivery.add_done_callback(functools.partial(settled, entry, record, out))

    async def freeze_startup_heap() -> None:
        settle_heap()
        log.info("start-up heap frozen", objects=gc.get_freeze_count())

    app.task(freeze_startup_heap)  # once, when the worker has started

    async def watch_raw_topics() -> None:
        # A new topic matching a pattern: stop the way SIGTERM does (drain,
        # commit, exit 0) so that the restarted worker subscribes to it.
        try:
            existing = await app.loop.run_in_executor(None, topic_patterns.list_topics, config)
            added = topic_patterns.new_matches(config, existing)
        except (KafkaError, ConfigError) as exc:  # topic names only, no values
            log.warning("raw_topics_check_failed", error=str(exc)[:300])
            return
        if added:
            log.warning("raw_topics_changed", added=added, action="stopping to resubscribe")
            os.kill(os.getpid(), signal.SIGTERM)

    if topic_patterns.has_patterns(config) and config.topic_refresh_s > 0:
        app.timer(interval=config.topic_refresh_s)(watch_raw_topics)

    @app.page("/healthz")
    async def healthz(web: Any, request: Any) -> Any:
        if fatal:
            return web.json({"status": "failed"}, status=503)
        stalled = progress.stalled_for(time.monotonic())
        if stalled is not None:
            body = {"status": "stalled", "pending": progress.pending, "seconds": round(stalled)}
            return web.json(body, status=503)
        return web.json({"status": "ok"})

    def refresh_lag(tp: Any) -> None:
        # aiokafka asserts on highwater() of a partition no longer assigned (after a
        # rebalance): such a partition's lag is another member's to report.
        consumer = app.consumer
        if consumer is None or tp not in consumer.assignment():
            settled_at.pop(tp, None)
            with contextlib.suppress(KeyError):
                metrics.lag.remove(tp.topic, str(tp.partition))
            return
        highwater = consumer.highwater(tp)
        if highwater is not None and tp in settled_at:
            metrics.lag.labels(tp.topic, str(tp.partition)).set(
                max(0, highwater - settled_at[tp] - 1)
            )

    def assigned_partitions() -> tuple[bool, int]:
        """(consumer running, partitions assigned); also sets the gauge."""
        consumer = app.consumer if app.started else None
        consumer_up = bool(consumer is not None and consumer.started)
        partitions = len(consumer.assignment()) if consumer_up and consumer is not None else 0
        metrics.assigned.set(partitions)
        return consumer_up, partitions

    @app.page("/readyz")
    async def readyz(web: Any, request: Any) -> Any:
        consumer_up, partitions = assigned_partitions()
        producer_up = bool(app.producer and app.producer.started)
        ready = partitions > 0 and producer_up
        return web.json(
            {
                "ready": ready,
                "consumer": consumer_up,
                "producer": producer_up,
                "assigned": partitions > 0,
                "partitions": partitions,
            },
            status=200 if ready else 503,
        )

    @app.page("/metrics")
    async def prometheus(web: Any, request: Any) -> Any:
        assigned_partitions()  # current at every scrape
        # Lag too: it grows while the worker is blocked, not only when records settle.
        for tp in list(settled_at):
            refresh_lag(tp)
        # aiohttp refuses a charset inside content_type: send the full header instead.
        return web.bytes(
            generate_latest(metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    # registered on the app by the decorators
    del scrub, healthz, readyz, prometheus
    return app, metrics


class Progress:
    """Outputs in flight and whether they are settling: the liveness signal of a
    worker whose event loop still answers HTTP while its producer is wedged, and
    what a transactional commit waits for (see :class:`CommitGate`)."""

    def __init__(self, stall_timeout_s: float) -> None:
        self.stall_timeout_s = stall_timeout_s
        self.pending = 0
        self.last_settled = time.monotonic()
        self._idle = asyncio.Event()
        self._idle.set()

    def sent(self) -> None:
        if not self.pending:
            self.last_settled = time.monotonic()  # the wait starts now, not at the last one
        self.pending += 1
        self._idle.clear()

    def settled(self) -> None:
        """An output settled and its input's acknowledgement reached Faust."""
        self.pending -= 1
        self.last_settled = time.monotonic()
        if not self.pending:
            self._idle.set()

    async def idle(self) -> None:
        """Until nothing is in flight (or :meth:`release` gives up waiting)."""
        await self._idle.wait()

    def release(self) -> None:
        """Wake whoever waits for idleness: the worker is failing and nothing more
        will settle (``pending`` keeps its count for /healthz)."""
        self._idle.set()

    def stalled_for(self, now: float) -> float | None:
        """Seconds outputs have waited with none settling, past the timeout; else None."""
        waited = now - self.last_settled
        if self.pending and self.stall_timeout_s > 0 and waited > self.stall_timeout_s:
            return waited
        return None


# Marks on Faust's consumer that its commit and revoke hooks are wrapped already.
_GATED: Final = "_phi_scrub_commit_gated"
_COMMITS_BEFORE_REVOKE: Final = "_phi_scrub_commits_before_revoke"
_OWN_ACKS: Final = "_phi_scrub_own_acks"


class CommitGate:
    """exactly_once: a transaction commits exactly the outputs of the offsets it commits.

    Faust's commit flushes the transactional producer (every output handed to it)
    and commits the offsets acknowledged so far. An output sent but not yet
    acknowledged (outputs are pipelined) would commit in this transaction while
    its offset waits for the next: a crash in between shows it twice. So a commit
    first closes the gate to new sends and waits until ``progress`` says every
    output in flight has settled and its acknowledgement reached Faust. In
    at_least_once mode the gate is never installed and costs one uncontended lock
    per record.
    """

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._lock = asyncio.Lock()
        self._failed = False

    def fail(self) -> None:
        """The worker is failing: no commit any more (its open transaction is aborted
        when the restarted worker's producer takes over), and none waits forever."""
        self._failed = True
        self._progress.release()

    @contextlib.asynccontextmanager
    async def sending(self) -> AsyncIterator[None]:
        """Around handing one output to the producer (it is in flight from here)."""
        async with self._lock:
            self._progress.sent()
            yield

    async def commit(self, commit: Callable[[], Awaitable[Any]]) -> Any:
        async with self._lock:  # no new output enters the transaction
            await self._progress.idle()  # every output in it has its offset acknowledged
            if self._failed:
                return False
            return await commit()

    def install(self, consumer: Any) -> None:
        """Route Faust's commits (periodic, on rebalance, on errors) through the gate.

        Once per consumer: the agent body that installs it runs again if Faust
        restarts the agent, and a gate wrapped in itself waits on its own lock.
        """
        if getattr(consumer, _GATED, False):
            return
        setattr(consumer, _GATED, True)
        original = consumer.commit

        async def gated_commit(*args: Any, **kwargs: Any) -> Any:
            return await self.commit(lambda: original(*args, **kwargs))

        consumer.commit = gated_commit


def commit_before_revoke(
    consumer: Any, on_failure: Callable[[BaseException], object] | None = None
) -> None:
    """On a rebalance, commit what is acknowledged before Faust forgets it.

    faust-streaming's ``Consumer.on_partitions_revoked`` (0.15) first drops its
    record of the acknowledged offsets of the revoked partitions (the eager
    protocol revokes every partition a member holds, also those it gets back),
    and only then runs the handler that waits for records in flight and commits.
    Offsets acknowledged before the rebalance but not yet committed are never
    committed. In exactly_once mode their outputs stay in the open transaction
    of their input partition; a partition the worker keeps is read again from
    its committed offset into that same transaction, whose next commit makes
    both copies visible to read_committed consumers (tests/integration/
    test_rebalance.py saw 26 to 66 inputs twice in every exactly_once run).
    So the worker commits first, through the same ``commit`` as every other
    commit (in exactly_once mode the :class:`CommitGate`, which waits for the
    outputs in flight). In at_least_once mode this only spares the records'
    re-processing.

    A failed commit is logged and the rebalance goes on: in at_least_once mode
    the records are processed again. In exactly_once mode that would be the
    duplicate above, so ``on_failure`` stops the worker (no commit after it: the
    open transactions are aborted when the partitions' next producers start).
    """
    if getattr(consumer, _COMMITS_BEFORE_REVOKE, False):
        return  # installed by an earlier start of the agent body
    setattr(consumer, _COMMITS_BEFORE_REVOKE, True)
    revoke = consumer.on_partitions_revoked

    async def on_partitions_revoked(revoked: Any) -> None:
        try:
            await consumer.commit()
        except Exception as exc:
            log.warning("commit_before_revoke_failed", error_class=type(exc).__name__)
            if on_failure is not None:
                on_failure(exc)
        await revoke(revoked)

    consumer.on_partitions_revoked = on_partitions_revoked


class OwnAcks:
    """Only the worker's acknowledgements make an offset committable.

    Faust acknowledges, by itself, the events it skips without handing them to
    the agent: those read in a consumer generation a rebalance has since ended,
    and those buffered while flow control was paused (faust-streaming 0.15,
    ``Stream._py_aiter``). Such an offset is read again from the committed
    position and scrubbed; but Faust's own acknowledgement can reach the new
    generation's record of acknowledged offsets first, and then it fills the
    place of the new read's output, which is still in flight: the commit moves
    past it, and a crash in that window loses the record (at_least_once). So
    the consumer's ``ack`` is wrapped: it records an offset only during
    :meth:`release`, which the worker calls once the record's output is
    durable (through :class:`~streams.acks.InOrderAcks`). Faust's own
    acknowledgement only marks its message acknowledged, so that Faust does
    not wait for it on shutdown. The worker's raw topics use the raw
    serializer, so Faust's other acknowledgement of its own (of a record whose
    key or value it cannot decode) cannot arise.
    """

    def __init__(self, ack: Callable[[Any], bool]) -> None:
        self._ack = ack
        self._releasing = False

    def release(self, event: Any) -> None:
        """Acknowledge ``event``: its offset becomes committable."""
        self._releasing = True
        try:
            event.ack()
        finally:
            self._releasing = False

    def ack(self, message: Any) -> bool:
        """The consumer's ``ack``: Faust's message calls it on its final acknowledgement."""
        if self._releasing:
            return self._ack(message)
        message.acked = True
        return False


def own_acks_only(consumer: Any) -> OwnAcks:
    """Wrap ``consumer.ack`` in an :class:`OwnAcks` (once per consumer: the agent
    body that calls this runs again when Faust restarts the agent) and return it."""
    installed = getattr(consumer, _OWN_ACKS, None)
    if isinstance(installed, OwnAcks):
        return installed
    own = OwnAcks(consumer.ack)
    setattr(consumer, _OWN_ACKS, own)
    consumer.ack = own.ack
    return own


class InFlightBytes:
    """A byte budget for records whose outputs await the broker: ``room_for`` waits
    while what is held plus the next record would exceed it, unless nothing is
    held (a record larger than the budget goes alone)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.held = 0
        self._freed = asyncio.Event()

    async def room_for(self, size: int) -> None:
        while self.held and self.held + size > self.budget:
            self._freed.clear()
            await self._freed.wait()

    def take(self, size: int) -> None:
        self.held += size

    def release(self, size: int) -> None:
        self.held -= size
        self._freed.set()


def _delivery_error(delivery: Any) -> BaseException | None:
    if delivery.cancelled():
        return asyncio.CancelledError()
    exc: BaseException | None = delivery.exception()
    return exc


_TOO_LARGE = (MessageSizeTooLargeError, RecordListTooLargeError, RecordTooLargeError)


def _size_refusal(exc: BaseException | None) -> str | None:
    """The class name of the size error *exc* is or wraps (Faust wraps aiokafka's)."""
    for _ in range(5):
        if exc is None:
            break
        if isinstance(exc, _TOO_LARGE):
            return type(exc).__name__
        exc = exc.__cause__ or exc.__context__
    return None


async def deliver(
    processor: RecordProcessor,
    record: SourceRecord,
    out: OutputRecord,
    send: Callable[[OutputRecord], Awaitable[None]],
) -> OutputRecord:
    """Send *out* and wait for the broker's acknowledgement; returns what was sent.

    A de-identified record the broker refuses as too large for its topic is
    replaced by a quarantine record of the input, so the partition does not stall;
    a quarantine record refused as too large is sent again without its payload.
    Any other failure (a broker or network outage, a timeout, a missing ACL) says
    nothing about the record: it is raised, the worker stops without committing,
    and the input comes back, rather than a healthy stream being diverted to
    quarantine.
    """
    try:
        await send(out)
    except Exception as exc:
        return await recover(processor, record, out, exc, send)
    return out


async def recover(
    processor: RecordProcessor,
    record: SourceRecord,
    out: OutputRecord,
    error: BaseException,
    send: Callable[[OutputRecord], Awaitable[None]],
) -> OutputRecord:
    """After the broker refused *out* with *error*: send what replaces it; returns it.

    See :func:`deliver`; raises *error* when nothing safer can be sent.
    """
    refusal = _size_refusal(error)
    if refusal is None:
        raise error
    if not out.quarantined:
        reason = "the broker refused the de-identified record as too large"
        replacement = processor.quarantine(record, Stage.PRODUCE, refusal, reason)
        return await deliver(processor, record, replacement, send)
    if not (out.value or out.key):
        raise error
    out = processor.without_payload(out, f"refused as too large: {refusal}")
    await send(out)
    return out


def _account(metrics: WorkerMetrics, record: SourceRecord, out: Any) -> None:
    if out.quarantined:
        metrics.quarantined.labels(record.topic, out.stage, out.reason).inc()
        for kind in out.findings:
            metrics.verification_failures.labels(kind).inc()
        log.warning(
            "record_quarantined",
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            record_id=record.record_id,
            stage=out.stage,
            reason=out.reason,
            payload=dict(out.headers).get("phi-scrub.payload", b"").decode(),
        )
        return
    metrics.records_out.labels(out.topic).inc()
    if out.report is not None:
        for (kind, method), count in out.report.counts.items():
            metrics.identifiers.labels(str(kind), method).inc(count)
    log.debug(
        "record_scrubbed",
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        record_id=record.record_id,
        output=out.topic,
    )
