"""Partitions moving between the workers of one consumer group, against the real broker.

A steady stream of raw records (planted-PHI HL7v2 ADTs and FHIR Patients, HL7v2
samples, poison records) flows into raw topics of RAW_PARTITIONS partitions
each while worker A runs alone; worker B joins the group mid-stream (first
rebalance: A gives up part of its partitions), then A leaves mid-stream, by
SIGTERM or SIGKILL (second rebalance: B takes over everything; after a SIGKILL
only once A's session has timed out). Then the stream stops, B finishes and is
stopped with SIGTERM.

Every input position ends with an output or quarantine record (the poison
records, and only they, in quarantine), none of the planted PHI reaches a
de-identified value, key or header or either worker's log, no offset is
committed ahead of its output (checked once A has gone, B still running), and
the group's committed offsets reach the raw topics' end offsets. In exactly_once mode, a
read_committed consumer sees each input exactly once across both rebalances,
also when A was killed with a transaction open (its producers are fenced by
B's, which take over the same transactional ids).
"""

from __future__ import annotations

import re
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import orjson
import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient

from tests.integration.workers import (
    CLI,
    Outputs,
    assert_deidentified,
    committed_offsets,
    committed_without_output,
    free_port,
    http_get,
    kill_if_running,
    make_topics,
    numbered_adt,
    record_id_of,
    stop_worker,
    worker_env,
)
from tests.unit.test_fhir import PATIENT
from tests.unit.test_hl7_scrub import PHI

pytestmark = pytest.mark.kafka

RAW_PARTITIONS = 4
ALL_PARTITIONS = 2 * RAW_PARTITIONS  # the HL7v2 and the FHIR raw topic
HL7_SAMPLES = sorted(
    (Path(__file__).resolve().parents[1] / "data" / "hl7v2" / "fhir-converter").glob("*.hl7")
)
BATCH = 6  # records the feed sends ...
TICK_S = 0.1  # ... every tick: about 60 a second, a few times below one worker's pace
POISON_EVERY = 37
MAX_FEED = 30_000  # a bound on the stream, whatever happens (about 8 minutes of it)
PROGRESS = 120  # new outputs each phase must see before the next one starts
PHASE_S = 90  # the bound on each phase (workers start in seconds on an idle machine)
MRN = re.compile(r"TST\d{5}")


class Feed:
    """Raw records at a steady pace from a background thread, until stopped.

    Good records carry the planted name in their key and in a header (both must be
    replaced or dropped on the way out); every POISON_EVERY-th record is poison
    (binary junk, truncated JSON), which only quarantine may take.
    """

    def __init__(self, bootstrap: str, topics: dict[str, str]) -> None:
        self.topics = topics
        self.producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
        self.sent: list[tuple[Any, bool]] = []  # (future of the record's metadata, poison)
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="feed", daemon=True)
        self._thread.start()

    def _record(self, i: int) -> tuple[str, bytes, bool]:
        if i % POISON_EVERY == POISON_EVERY - 1:
            if i % 2:
                return self.topics["hl7"], b"\x00\x01\xfe\xff" * 32, True
            return self.topics["fhir"], b'{"resourceType": "Patient", "name": [', True
        kind = i % 4
        if kind == 0:
            return self.topics["fhir"], orjson.dumps({**PATIENT, "id": f"pat-{i}"}), False
        if kind == 1:
            return self.topics["hl7"], HL7_SAMPLES[i % len(HL7_SAMPLES)].read_bytes(), False
        return self.topics["hl7"], numbered_adt(i), False

    def _run(self) -> None:
        try:
            i = 0
            while not self._stop.is_set() and i < MAX_FEED:
                for _ in range(BATCH):
                    topic, value, poison = self._record(i)
                    good = () if poison else (("patient-name", b"QUILLFEATHER"),)
                    future = self.producer.send(
                        topic,
                        key=b"k" if poison else b"QUILLFEATHER-TST0042",
                        value=value,
                        headers=list(good),
                        partition=(i // 2) % RAW_PARTITIONS,
                    )
                    self.sent.append((future, poison))
                    i += 1
                self._stop.wait(TICK_S)
        except BaseException as exc:
            self.error = exc

    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> tuple[set[str], set[str]]:
        """Stop the stream; the record ids of every input sent, and of the poison ones."""
        self._stop.set()
        self._thread.join(timeout=30)
        assert not self._thread.is_alive() and self.error is None, self.error
        self.producer.flush(60)
        ids: set[str] = set()
        poison: set[str] = set()
        for future, bad in self.sent:
            meta = future.get(timeout=60)
            record_id = record_id_of(meta.topic, meta.partition, meta.offset)
            ids.add(record_id)
            if bad:
                poison.add(record_id)
        self.producer.close()
        assert len(ids) == len(self.sent)
        return ids, poison


class Worker:
    """One worker process of the group, its log, and its /readyz view of its partitions."""

    def __init__(self, name: str, env: dict[str, str], log_path: Path) -> None:
        self.name = name
        self.port = free_port()
        self.log_path = log_path
        self._log: IO[bytes] = log_path.open("wb")
        self.process = subprocess.Popen(
            [*CLI, "worker"],
            env={**env, "PHI_SCRUB_HTTP_PORT": str(self.port)},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def partitions(self) -> int:
        """Partitions it holds now (0 while it starts or rebalances)."""
        try:
            _, body = http_get(f"http://127.0.0.1:{self.port}/readyz")
        except OSError:  # not listening yet
            return 0
        return int(orjson.loads(body)["partitions"])

    def assert_running(self) -> None:
        assert self.process.poll() is None, (self.name, self.log_text()[-3000:])

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def close(self) -> None:
        kill_if_running(self.process)
        self._log.close()


def _wait(what: str, done: Callable[[], bool], outputs: Outputs, *workers: Worker) -> None:
    """Poll the outputs until *done* holds (at most PHASE_S), the workers alive throughout."""
    deadline = time.monotonic() + PHASE_S
    while not done():
        for worker in workers:
            worker.assert_running()
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        outputs.poll()


def _assert_no_commit_ahead(topics: dict[str, str], outputs: Outputs) -> None:
    """Every input position below the group's committed offsets has its output or
    quarantine record (read back within PHASE_S: a committed transaction's markers
    may reach the output partitions just after its offsets reach the group)."""
    admin = KafkaAdminClient(bootstrap_servers=outputs.bootstrap)
    committed = committed_offsets(admin, topics["group"])
    admin.close()
    assert committed, "nothing committed yet"
    deadline = time.monotonic() + PHASE_S
    while ahead := committed_without_output(committed, outputs.ids):
        assert time.monotonic() < deadline, f"committed before their output: {ahead[:10]}"
        outputs.poll()


@pytest.mark.parametrize(
    ("guarantee", "leave"),
    [
        ("at_least_once", signal.SIGTERM),
        ("exactly_once", signal.SIGTERM),
        ("at_least_once", signal.SIGKILL),
        ("exactly_once", signal.SIGKILL),
    ],
    ids=[
        "at_least_once-sigterm",
        "exactly_once-sigterm",
        "at_least_once-sigkill",
        "exactly_once-sigkill",
    ],
)
def test_partitions_move_between_workers_mid_stream(
    kafka_bootstrap: str, tmp_path: Path, guarantee: str, leave: signal.Signals
) -> None:
    topics = make_topics(kafka_bootstrap, RAW_PARTITIONS)
    env = {
        **worker_env(kafka_bootstrap, topics, free_port()),  # each Worker its own
        "PHI_SCRUB_PROCESSING_GUARANTEE": guarantee,
    }
    subprocess.run(
        [*CLI, "topics", "ensure"], env=env, check=True, capture_output=True, timeout=120
    )
    exactly_once = guarantee == "exactly_once"
    outputs = Outputs(
        kafka_bootstrap, topics, "read_committed" if exactly_once else "read_uncommitted"
    )
    feed = Feed(kafka_bootstrap, topics)
    a = Worker("A", env, tmp_path / "a.log")
    b: Worker | None = None
    try:
        _wait("A to hold every partition", lambda: a.partitions() == ALL_PARTITIONS, outputs, a)
        _wait("A's first outputs", lambda: len(outputs.ids) >= PROGRESS, outputs, a)

        b = Worker("B", env, tmp_path / "b.log")
        worker_b = b
        _wait(  # the first rebalance: the partitions are shared
            "A and B to share the partitions",
            lambda: 0 < a.partitions() < ALL_PARTITIONS and worker_b.partitions() > 0,
            outputs,
            a,
            b,
        )
        shared = len(outputs.ids)
        _wait(
            "outputs after the first rebalance",
            lambda: len(outputs.ids) >= shared + PROGRESS,
            outputs,
            a,
            b,
        )

        assert feed.running(), "the stream must still flow when A leaves"
        a.process.send_signal(leave)
        try:
            code = a.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail(f"A still running 60 s after {leave.name}")
        assert code == (0 if leave == signal.SIGTERM else -signal.SIGKILL), a.log_text()[-3000:]
        _assert_no_commit_ahead(topics, outputs)  # A's commits, on both rebalances, and B's
        _wait(  # the second rebalance (after a SIGKILL, once A's session timed out)
            "B to hold every partition",
            lambda: worker_b.partitions() == ALL_PARTITIONS,
            outputs,
            b,
        )
        taken_over = len(outputs.ids)
        _wait(
            "outputs after the second rebalance",
            lambda: len(outputs.ids) >= taken_over + PROGRESS,
            outputs,
            b,
        )
        assert feed.running(), "the stream must have flowed through both rebalances"

        expected, poison = feed.stop()
        _wait("an output for every input", lambda: expected <= outputs.ids, outputs, b)
        assert stop_worker(b.process) == 0, b.log_text()[-3000:]
    finally:
        a.close()
        if b is not None:
            b.close()
    outputs.read_to_end()
    outputs.close()

    assert outputs.ids == expected  # every input position has an output, and only those
    by_id = Counter(dict(m.headers)["phi-scrub.record-id"].decode() for m in outputs.messages)
    if exactly_once:
        twice = [record_id for record_id, count in by_id.items() if count > 1]
        assert twice == [], f"{len(twice)} inputs seen twice by a read_committed consumer"
    for message in outputs.messages:
        record_id = dict(message.headers)["phi-scrub.record-id"].decode()
        quarantined = message.topic == topics["quarantine"]
        assert quarantined == (record_id in poison), (message.topic, dict(message.headers))
        if not quarantined:
            assert_deidentified(message, mrn=rb"TST\d{5}")
            assert "patient-name" not in dict(message.headers)

    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    committed = committed_offsets(admin, topics["group"])
    admin.close()
    consumer = KafkaConsumer(bootstrap_servers=kafka_bootstrap)
    raw = [
        TopicPartition(t, p) for t in (topics["hl7"], topics["fhir"]) for p in range(RAW_PARTITIONS)
    ]
    ends = consumer.end_offsets(raw)
    consumer.close()
    assert committed == ends  # every partition drained and committed, whoever held it last

    assert b is not None
    for worker in (a, b):
        logs = worker.log_text()
        for phi in PHI:
            assert phi not in logs, (worker.name, phi)
        assert MRN.search(logs) is None, worker.name
