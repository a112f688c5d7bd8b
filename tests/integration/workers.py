"""Helpers the worker integration tests share: unique topics, the worker's
environment, starting and stopping worker processes, and reading back what
they wrote (record ids, committed offsets)."""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

from streams.pipeline import SourceRecord
from tests.unit.conftest import TEST_SECRET
from tests.unit.test_hl7_scrub import ADT, PHI

MAX_RECORD = 1_000_000
# Faust keeps a data directory per worker (by default /tmp/<group>-data): the test
# workers keep theirs in one directory removed when the test session ends.
_FAUST_DATA = tempfile.TemporaryDirectory(prefix="phi-scrub-it-")
CLI = [sys.executable, "-m", "streams.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def make_topics(kafka_bootstrap: str, partitions: int = 2) -> dict[str, str]:
    """Unique topic and group names; the two raw topics are created with *partitions*."""
    # Consonants only: the tests search headers, keys and logs (which name the topics)
    # for the samples' PHI, and a hex suffix once spelled a ZIP code ("4a302139").
    suffix = "".join(secrets.choice("bcdfghjklmnpqrstvwxz") for _ in range(10))
    names = {
        "hl7": f"raw.hl7v2.{suffix}",
        "fhir": f"raw.fhir.{suffix}",
        "hl7_out": f"deid.hl7v2.{suffix}",
        "fhir_out": f"deid.fhir.{suffix}",
        "quarantine": f"phi.quarantine.{suffix}",
        "group": f"phi-scrub-{suffix}",
    }
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    admin.create_topics(
        [NewTopic(names["hl7"], partitions, 1), NewTopic(names["fhir"], partitions, 1)]
    )
    admin.wait_for_topics([names["hl7"], names["fhir"]], timeout_ms=30_000)
    admin.close()
    return names


def worker_env(kafka_bootstrap: str, topics: dict[str, str], port: int) -> dict[str, str]:
    return {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "PHI_SCRUB_KEY": TEST_SECRET,
        "PHI_SCRUB_HL7_TOPICS": topics["hl7"],
        "PHI_SCRUB_FHIR_TOPICS": topics["fhir"],
        "PHI_SCRUB_HL7_OUTPUT": topics["hl7_out"],
        "PHI_SCRUB_FHIR_OUTPUT": topics["fhir_out"],
        "PHI_SCRUB_QUARANTINE_TOPIC": topics["quarantine"],
        "PHI_SCRUB_GROUP_ID": topics["group"],
        "PHI_SCRUB_HTTP_PORT": str(port),
        "PHI_SCRUB_HTTP_HOST": "127.0.0.1",
        "PHI_SCRUB_MAX_RECORD_BYTES": str(MAX_RECORD),
        "PHI_SCRUB_LOG_FORMAT": "json",
        "PHI_SCRUB_SESSION_TIMEOUT_MS": "6000",  # a killed worker's partitions move on quickly
        "APP_DATADIR": os.path.join(_FAUST_DATA.name, topics["group"]),
    }


def ensured(kafka_bootstrap: str, topics: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The worker's environment (on a free HTTP port) and command line, its output
    topics ensured."""
    env = worker_env(kafka_bootstrap, topics, free_port())
    subprocess.run(
        [*CLI, "topics", "ensure"], env=env, check=True, capture_output=True, timeout=120
    )
    return env, list(CLI)


def stop_worker(worker: subprocess.Popen[bytes]) -> int:
    """SIGTERM (drain, commit, exit), SIGKILL if that takes over a minute; the exit code."""
    worker.send_signal(signal.SIGTERM)
    try:
        return worker.wait(timeout=60)
    except subprocess.TimeoutExpired:
        worker.kill()
        return worker.wait()


def kill_if_running(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.kill()
        worker.wait()


def wait_port(port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.3)
    return False


class Outputs:
    """Everything the worker has written to its de-identified and quarantine topics,
    read as it arrives (every partition, from the beginning), with the record ids seen.

    ``read_committed``: only outputs of committed transactions (exactly_once mode).
    """

    def __init__(
        self, bootstrap: str, topics: dict[str, str], isolation_level: str = "read_uncommitted"
    ) -> None:
        self.bootstrap = bootstrap
        self.consumer = KafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=None,
            enable_auto_commit=False,
            isolation_level=isolation_level,
        )
        self.partitions: list[TopicPartition] = []
        for name in (topics["hl7_out"], topics["fhir_out"], topics["quarantine"]):
            partitions = self.consumer.partitions_for_topic(name)
            assert partitions, name
            self.partitions += [TopicPartition(name, p) for p in sorted(partitions)]
        self.consumer.assign(self.partitions)
        self.consumer.seek_to_beginning()
        self.messages: list[Any] = []
        self.ids: set[str] = set()

    def poll(self, timeout_ms: int = 200) -> None:
        for batch in self.consumer.poll(timeout_ms=timeout_ms).values():
            for message in batch:
                self.messages.append(message)
                self.ids.add(dict(message.headers)["phi-scrub.record-id"].decode())

    def read_to_end(self, timeout: float = 60) -> None:
        """Read until every output written so far (the topics' end offsets now; for
        read_committed, the last stable offsets) is in."""
        ends = self.consumer.end_offsets(self.partitions)
        deadline = time.monotonic() + timeout
        while any(self.consumer.position(tp) < end for tp, end in ends.items()):
            assert time.monotonic() < deadline, "outputs not readable"
            self.poll()

    def close(self) -> None:
        self.consumer.close()


def committed_offsets(admin: KafkaAdminClient, group: str) -> dict[TopicPartition, int]:
    """The group's committed offsets (partitions without a commit left out)."""
    offsets = admin.list_group_offsets({group: None}).get(group, {})
    return {tp: meta.offset for tp, meta in offsets.items() if meta.offset >= 0}


def committed_without_output(committed: dict[TopicPartition, int], ids: set[str]) -> list[str]:
    """Input positions below a committed offset with no output or quarantine record:
    a commit ran ahead of its output (those inputs are never processed again)."""
    return [
        f"{tp.topic}[{tp.partition}]@{offset}"
        for tp, upto in committed.items()
        for offset in range(upto)
        if record_id_of(tp.topic, tp.partition, offset) not in ids
    ]


def record_id_of(topic: str, partition: int, offset: int) -> str:
    """The ``phi-scrub.record-id`` header of the outputs of one input position."""
    return SourceRecord(topic, partition, offset, None, None).record_id


def produce_adts(bootstrap: str, topic: str, count: int) -> dict[str, tuple[int, int]]:
    """*count* small ADTs, each with its own MRN (TST + 5 digits), round-robin over
    partitions 0 and 1; their record ids -> (partition, offset)."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20)
    futures = []
    for i in range(count):
        futures.append(producer.send(topic, value=numbered_adt(i), partition=i % 2))
    sent = [future.get(timeout=60) for future in futures]
    producer.close()
    positions = {record_id_of(topic, m.partition, m.offset): (m.partition, m.offset) for m in sent}
    assert len(positions) == count
    return positions


def numbered_adt(i: int) -> bytes:
    """The planted-PHI ADT with its own message control id and MRN (TST + 5 digits)."""
    return ADT.replace("MSG0001", f"MSG{i:05d}").replace("TST0042", f"TST{i:05d}").encode()


def assert_deidentified(message: Any, mrn: bytes = rb"TST") -> None:
    """No planted PHI (nor any planted MRN, matching *mrn*) in its value, key or headers.

    A planted value spelled in upper-case hex digits only (a ZIP, a date, a phone
    number without punctuation, ACC7781) can occur by chance inside a hex pseudonym
    (ID-232D57CF5B6402139445 holds 02139): those count only as a token of their own.
    The default *mrn* is any "TST"; with the HL7v2 samples in the stream (a
    "TST_ID12" among their lab codes), the planted ones are "TST" and five digits.
    """
    blob = (
        message.value + (message.key or b"") + b"".join(k.encode() + v for k, v in message.headers)
    )
    for phi in PHI:
        if _HEX_TOKEN.fullmatch(phi):
            pattern = rb"(?<![0-9A-Za-z])" + re.escape(phi.encode()) + rb"(?![0-9A-Za-z])"
            assert re.search(pattern, blob) is None, (phi, message.topic, message.offset)
        else:
            assert phi.encode() not in blob, (phi, message.topic, message.offset)
    assert re.search(mrn, blob) is None, (mrn, message.topic, message.offset)


_HEX_TOKEN = re.compile(r"[0-9A-F]+")
