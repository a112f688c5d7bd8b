"""The streaming worker end to end, against the real broker.

Raw HL7v2 and FHIR records in (the shared samples, planted PHI, poison
records); every input ends as one de-identified or one quarantine record,
no planted PHI reaches a de-identified value, key, header or the logs,
/readyz and /metrics behave, and SIGTERM drains and commits.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, NamedTuple

import orjson
import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewTopic
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.workers import (
    MAX_RECORD,
    Outputs,
    assert_deidentified,
    committed_offsets,
    committed_without_output,
    ensured,
    free_port,
    http_get,
    kill_if_running,
    make_topics,
    produce_adts,
    record_id_of,
    stop_worker,
    wait_port,
    worker_env,
)
from tests.unit.test_fhir import PATIENT
from tests.unit.test_hl7_scrub import ADT, PHI

pytestmark = pytest.mark.kafka

DATA = Path(__file__).resolve().parents[1] / "data"
HL7_SAMPLES = sorted((DATA / "hl7v2" / "fhir-converter").glob("*.hl7"))
FHIR_SAMPLES = sorted((DATA / "fhir" / "synthea-r4").glob("*.json"))
BIG_RECORD = 20 * 1024 * 1024  # the acceptance criterion's 20 MB poison record


@pytest.fixture
def topics(kafka_bootstrap: str) -> dict[str, str]:
    return make_topics(kafka_bootstrap)


class Poison(NamedTuple):
    """A poison record, where it goes, and the quarantine headers it must get."""

    topic: str
    partition: int
    value: bytes
    stage: str
    error_class: str
    reason: str  # a part of the phi-scrub.reason header


def test_worker_end_to_end(kafka_bootstrap: str, topics: dict[str, str], tmp_path: Path) -> None:
    port = free_port()
    env = worker_env(kafka_bootstrap, topics, port)
    cli = [sys.executable, "-m", "streams.cli"]
    ensured = subprocess.run(
        [*cli, "topics", "ensure"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ensured.returncode == 0, ensured.stderr
    assert (
        subprocess.run(
            [*cli, "topics", "check"], env=env, capture_output=True, timeout=120, check=False
        ).returncode
        == 0
    )

    records: list[tuple[str, bytes]] = [(topics["hl7"], p.read_bytes()) for p in HL7_SAMPLES]
    records += [
        (topics["fhir"], p.read_bytes()) for p in FHIR_SAMPLES if p.stat().st_size < MAX_RECORD
    ]
    records += [(topics["hl7"], ADT.encode()), (topics["fhir"], orjson.dumps(PATIENT))]
    # Each poison record goes to an explicit partition and is followed there by a
    # good record: the poison is quarantined with its stage, error class and reason,
    # and the record behind it still comes out de-identified.
    poison = [
        Poison(topics["hl7"], 0, ADT.encode()[:6], "scrub", "ScrubError", "too short"),  # MSH-2
        Poison(
            topics["fhir"],
            0,
            b'{"resourceType": "Patient", "name": [',
            "scrub",
            "ScrubError",
            "invalid JSON",
        ),
        Poison(topics["hl7"], 1, b"\x00\x01\xfe\xff" * 64, "scrub", "ScrubError", "binary"),
        Poison(topics["fhir"], 1, b"\x00\x01\xfe\xff" * 64, "scrub", "ScrubError", "UTF-8"),
        Poison(
            topics["fhir"],
            1,
            b'{"resourceType":"Basic","note":"' + b"x" * (MAX_RECORD + 10) + b'"}',
            "size",
            "RecordTooLarge",
            f"record larger than {MAX_RECORD} bytes",
        ),
    ]
    behind = {
        topics["hl7"]: ADT.replace("MSG0001", "MSGBEHIND").encode(),
        topics["fhir"]: orjson.dumps(PATIENT),
    }
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        worker = subprocess.Popen([*cli, "worker"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        status, _ = http_get(f"http://127.0.0.1:{port}/readyz") if wait_port(port, 60) else (0, b"")
        deadline = time.monotonic() + 90
        while status != 200 and time.monotonic() < deadline:
            assert worker.poll() is None, log_path.read_text()[-3000:]
            time.sleep(0.5)
            status, _ = http_get(f"http://127.0.0.1:{port}/readyz")
        assert status == 200, log_path.read_text()[-3000:]

        producer = KafkaProducer(
            bootstrap_servers=kafka_bootstrap, acks="all", max_request_size=4_000_000
        )
        for topic, value in records:
            producer.send(
                topic,
                key=b"QUILLFEATHER-TST0042",
                value=value,
                headers=[("patient-name", b"QUILLFEATHER")],
            )
        producer.flush(60)
        positions: list[tuple[int, int]] = []  # (poison offset, offset of the record behind)
        for bad in poison:
            sent = producer.send(bad.topic, key=b"k", value=bad.value, partition=bad.partition)
            after = producer.send(
                bad.topic,
                key=b"QUILLFEATHER-TST0042",
                value=behind[bad.topic],
                headers=[("patient-name", b"QUILLFEATHER")],
                partition=bad.partition,
            )
            positions.append((sent.get(timeout=60).offset, after.get(timeout=60).offset))
        producer.close()

        expected = len(records) + 2 * len(poison)
        out = _consume(
            kafka_bootstrap,
            [topics["hl7_out"], topics["fhir_out"], topics["quarantine"]],
            expected,
            timeout=240,
        )
        deidentified = [m for m in out if m.topic != topics["quarantine"]]
        quarantined = [m for m in out if m.topic == topics["quarantine"]]
        assert len(deidentified) + len(quarantined) == expected  # counts in == out + quarantined
        assert len(quarantined) == len(poison)
        assert sorted(dict(m.headers)["phi-scrub.stage"] for m in quarantined) == sorted(
            bad.stage.encode() for bad in poison
        )
        by_id = {dict(m.headers)["phi-scrub.record-id"].decode(): m for m in out}
        for bad, (offset, offset_behind) in zip(poison, positions, strict=True):
            assert offset_behind == offset + 1, bad  # right behind it, on its partition
            kept = by_id[record_id_of(bad.topic, bad.partition, offset)]
            headers = dict(kept.headers)
            assert kept.topic == topics["quarantine"], bad
            assert headers["phi-scrub.stage"] == bad.stage.encode(), bad
            assert headers["phi-scrub.error-class"] == bad.error_class.encode(), bad
            assert bad.reason.encode() in headers["phi-scrub.reason"], (bad, headers)
            assert headers["phi-scrub.source-topic"] == bad.topic.encode()
            assert headers["phi-scrub.source-partition"] == str(bad.partition).encode()
            assert headers["phi-scrub.source-offset"] == str(offset).encode()
            assert headers["phi-scrub.payload"] == b"raw" and kept.value == bad.value
            flowed = by_id[record_id_of(bad.topic, bad.partition, offset_behind)]
            output = topics["hl7_out"] if bad.topic == topics["hl7"] else topics["fhir_out"]
            assert flowed.topic == output, (bad, dict(flowed.headers))
        for message in deidentified:
            blob = (
                message.value
                + (message.key or b"")
                + b"".join(k.encode() + v for k, v in message.headers)
            )
            for phi in PHI:
                assert phi.encode() not in blob, phi
            headers = dict(message.headers)
            assert "patient-name" not in headers
            assert headers["phi-scrub.policy-id"] == b"safe-harbor"

        metrics_status, metrics = http_get(f"http://127.0.0.1:{port}/metrics")
        assert metrics_status == 200
        families = {f.name: f for f in text_string_to_metric_families(metrics.decode())}
        records_in = sum(
            s.value for s in families["phi_scrub_records_in"].samples if s.name.endswith("_total")
        )
        assert records_in == expected
        # Consumer lag, refreshed at every scrape: every raw partition, drained.
        lag = {
            (s.labels["topic"], s.labels["partition"]): s.value
            for s in families["phi_scrub_consumer_lag"].samples
        }
        assert lag == {(t, str(p)): 0.0 for t in (topics["hl7"], topics["fhir"]) for p in (0, 1)}

        assert stop_worker(worker) == 0
    finally:
        kill_if_running(worker)

    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    committed = admin.list_group_offsets({topics["group"]: None})[topics["group"]]
    admin.close()
    consumer = KafkaConsumer(bootstrap_servers=kafka_bootstrap)
    partitions = [TopicPartition(t, p) for t in (topics["hl7"], topics["fhir"]) for p in (0, 1)]
    ends = consumer.end_offsets(partitions)
    consumer.close()
    for tp in partitions:
        assert committed[tp].offset == ends[tp], tp  # drained and committed on SIGTERM

    logs = log_path.read_text()
    assert "record_quarantined" in logs
    for phi in PHI:
        assert phi not in logs, phi


def _consume(bootstrap: str, names: list[str], expected: int, timeout: float) -> list[Any]:
    consumer = KafkaConsumer(
        *names,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
        fetch_max_bytes=64 * 1024 * 1024,
        max_partition_fetch_bytes=34 * 1024 * 1024,  # a whole 32 MiB quarantine record
        check_crcs=False,  # kafka-python's pure-Python CRC32C takes seconds per 20 MB
    )
    received: list[Any] = []
    deadline = time.monotonic() + timeout
    while len(received) < expected and time.monotonic() < deadline:
        for batch in consumer.poll(timeout_ms=1000).values():
            received.extend(batch)
    consumer.close()
    return received


MIB = 1024 * 1024


def _max_message_bytes(bootstrap: str, topic: str) -> int:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        resource = ConfigResource(ConfigResourceType.TOPIC, topic, {"max.message.bytes": None})
        described = admin.describe_configs([resource], config_filter="all")
    finally:
        admin.close()
    return int(described["topic"][topic]["max.message.bytes"]["value"])


def test_20mb_record_is_quarantined_whole_and_its_partition_flows(
    kafka_bootstrap: str, topics: dict[str, str], tmp_path: Path
) -> None:
    """A 20 MB HL7 record (a base64 PDF in OBX-5) is five times the default
    PHI_SCRUB_MAX_RECORD_BYTES: the worker still fetches it, quarantines it whole
    (stage size) under the default 32 MiB quarantine ceiling, de-identifies the record
    behind it on the same partition and commits past both."""
    port = free_port()
    env = worker_env(kafka_bootstrap, topics, port)
    del env["PHI_SCRUB_MAX_RECORD_BYTES"]  # the defaults: 4 MiB to scrub, 32 MiB in quarantine
    # At DEBUG, faust and aiokafka would log the quarantined record's raw value as
    # they send it: the logs must still hold no PHI (streams.logs.PAYLOAD_LOGGERS).
    env["PHI_SCRUB_LOG_LEVEL"] = "DEBUG"
    cli = [sys.executable, "-m", "streams.cli"]
    subprocess.run(
        [*cli, "topics", "ensure"], env=env, check=True, capture_output=True, timeout=120
    )
    # Each output topic fits what the worker writes to it (the broker default is 1 MB):
    # a kept 32 MiB payload in quarantine, a scrubbed 4 MiB record (twice, for growth).
    assert _max_message_bytes(kafka_bootstrap, topics["quarantine"]) == 32 * MIB + 64 * 1024
    for name in (topics["hl7_out"], topics["fhir_out"]):
        assert _max_message_bytes(kafka_bootstrap, name) == 8 * MIB + 64 * 1024
    head = ADT.encode() + b"OBX|1|ED|PDF^Report||^application^pdf^Base64^"
    big = head + b"A" * (BIG_RECORD - len(head) - 1) + b"\r"
    producer = KafkaProducer(
        bootstrap_servers=kafka_bootstrap, acks="all", max_request_size=BIG_RECORD + 1_048_576
    )
    sent = [
        producer.send(topics["hl7"], key=b"QUILLFEATHER-TST0042", value=value, partition=0)
        for value in (big, ADT.encode())
    ]
    offsets = [future.get(timeout=60).offset for future in sent]
    producer.close()

    with (tmp_path / "worker.log").open("wb") as log:
        worker = subprocess.Popen([*cli, "worker"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        out = _consume(kafka_bootstrap, [topics["hl7_out"], topics["quarantine"]], 2, timeout=120)
        assert stop_worker(worker) == 0
    finally:
        kill_if_running(worker)

    logs = (tmp_path / "worker.log").read_text()
    produced = sorted(m.topic for m in out)
    assert produced == sorted([topics["hl7_out"], topics["quarantine"]]), logs[-3000:]
    [quarantined] = [m for m in out if m.topic == topics["quarantine"]]
    headers = dict(quarantined.headers)
    assert headers["phi-scrub.stage"] == b"size"
    assert headers["phi-scrub.error-class"] == b"RecordTooLarge"
    assert headers["phi-scrub.reason"] == b"record larger than 4194304 bytes"
    assert headers["phi-scrub.payload"] == b"raw"
    assert headers["phi-scrub.payload-bytes"] == str(len(big)).encode()
    assert headers["phi-scrub.source-topic"] == topics["hl7"].encode()
    assert headers["phi-scrub.source-partition"] == b"0"
    assert headers["phi-scrub.source-offset"] == str(offsets[0]).encode()
    # The raw payload is kept whole, for replay (compared by digest: no 20 MB diffs).
    assert hashlib.sha256(quarantined.value).hexdigest() == hashlib.sha256(big).hexdigest()
    for name, value in quarantined.headers:
        for phi in PHI:
            assert phi.encode() not in value, name

    [deidentified] = [m for m in out if m.topic == topics["hl7_out"]]
    expected_id = record_id_of(topics["hl7"], 0, offsets[1])
    assert dict(deidentified.headers)["phi-scrub.record-id"] == expected_id.encode()
    for phi in PHI:
        assert phi.encode() not in deidentified.value, phi

    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    committed = admin.list_group_offsets({topics["group"]: None})[topics["group"]]
    admin.close()
    assert committed[TopicPartition(topics["hl7"], 0)].offset == offsets[1] + 1
    for phi in PHI:
        assert phi not in logs, phi


SIGKILL_RECORDS = 4000
SIGKILLS = 3
PROGRESS = 150  # new input positions a run must have output before it is killed


def _run_to_the_end(
    cli: list[str], env: dict[str, str], log_path: Path, outputs: Outputs, expected: set[str]
) -> None:
    """Run the worker until every expected record id has an output (at most 120 s),
    stop it with SIGTERM (exit 0), and read every output it wrote."""
    with log_path.open("ab") as log:
        worker = subprocess.Popen([*cli, "worker"], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while not expected <= outputs.ids and time.monotonic() < deadline:
                assert worker.poll() is None, log_path.read_text()[-3000:]
                outputs.poll()
            assert stop_worker(worker) == 0
        finally:
            kill_if_running(worker)
    outputs.read_to_end()


def test_sigkill_mid_stream_loses_nothing(
    kafka_bootstrap: str, topics: dict[str, str], tmp_path: Path
) -> None:
    """Kill the worker with SIGKILL three times mid-stream, then let a fourth run finish:
    every input position still ends with at least one output or quarantine record
    (at-least-once), and nothing unscrubbed reaches a de-identified topic.

    Each kill is provably mid-stream: it comes once the run has written outputs for
    input positions no earlier run reached, and afterwards (every output the killed
    run wrote read back) part of the backlog still has none and some outputs lie
    beyond the committed offsets, to be redone; and no offset was committed ahead of
    its output."""
    env, cli = ensured(kafka_bootstrap, topics)
    positions = produce_adts(kafka_bootstrap, topics["hl7"], SIGKILL_RECORDS)
    expected = set(positions)
    outputs = Outputs(kafka_bootstrap, topics)
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    log_path = tmp_path / "worker.log"
    log = log_path.open("wb")
    try:
        for kill in range(1, SIGKILLS + 1):
            reached = set(outputs.ids)
            worker = subprocess.Popen(
                [*cli, "worker"], env=env, stdout=log, stderr=subprocess.STDOUT
            )
            try:
                deadline = time.monotonic() + 60
                while len(outputs.ids - reached) < PROGRESS:
                    assert worker.poll() is None, log_path.read_text()[-3000:]
                    assert time.monotonic() < deadline, f"run {kill} made no progress"
                    outputs.poll()
                worker.send_signal(signal.SIGKILL)
                assert worker.wait(timeout=30) == -signal.SIGKILL
            finally:
                kill_if_running(worker)
            outputs.read_to_end()  # everything the killed run wrote
            committed = committed_offsets(admin, topics["group"])
            assert not expected <= outputs.ids, f"kill {kill} came after the backlog was done"
            assert len(outputs.ids) > sum(committed.values()), f"kill {kill}: nothing to redo"
            assert committed_without_output(committed, outputs.ids) == [], f"kill {kill}"

        _run_to_the_end(cli, env, log_path, outputs, expected)
        missing = sorted(positions[i] for i in expected - outputs.ids)
        assert missing == [], f"{len(missing)} input positions lost"  # no loss
        deidentified = [m for m in outputs.messages if m.topic == topics["hl7_out"]]
        assert deidentified
        for message in deidentified:
            assert_deidentified(message)
        # Records redone after a kill come out as they did the first time (same value,
        # key and headers), so consumers de-duplicating on the record id lose nothing.
        copies: dict[bytes, set[tuple[Any, ...]]] = {}
        for message in deidentified:
            headers = tuple(message.headers)
            form = (message.key, message.value, headers, message.partition)
            copies.setdefault(dict(headers)["phi-scrub.record-id"], set()).add(form)
        assert len(copies) < len(deidentified), "no record was redone"
        assert all(len(forms) == 1 for forms in copies.values())
        committed = committed_offsets(admin, topics["group"])
        assert committed == {TopicPartition(topics["hl7"], p): SIGKILL_RECORDS // 2 for p in (0, 1)}
    finally:
        log.close()
        admin.close()
        outputs.close()


SIGTERM_RECORDS = 2000
SIGTERM_EXIT_S = 30  # the bound on a graceful stop with records in flight


def test_sigterm_mid_stream_drains_commits_and_exits_0(
    kafka_bootstrap: str, topics: dict[str, str], tmp_path: Path
) -> None:
    """SIGTERM while a backlog is being processed: the worker exits 0 within
    SIGTERM_EXIT_S, having stopped mid-stream (part of the backlog has no output);
    its committed offsets never run ahead of an output (every position below them
    has its output or quarantine record) and cover everything it wrote (a drained
    worker leaves nothing to redo). A restarted worker finishes the rest: no
    position lost, none output twice, everything committed."""
    env, cli = ensured(kafka_bootstrap, topics)
    positions = produce_adts(kafka_bootstrap, topics["hl7"], SIGTERM_RECORDS)
    expected = set(positions)
    outputs = Outputs(kafka_bootstrap, topics)
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    log_path = tmp_path / "worker.log"
    log = log_path.open("wb")
    try:
        worker = subprocess.Popen([*cli, "worker"], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while len(outputs.ids) < PROGRESS:  # records in flight, most still to come
                assert worker.poll() is None, log_path.read_text()[-3000:]
                assert time.monotonic() < deadline, "the worker made no progress"
                outputs.poll()
            worker.send_signal(signal.SIGTERM)
            try:
                code = worker.wait(timeout=SIGTERM_EXIT_S)
            except subprocess.TimeoutExpired:
                pytest.fail(f"still running {SIGTERM_EXIT_S} s after SIGTERM")
        finally:
            kill_if_running(worker)
        assert code == 0, log_path.read_text()[-3000:]
        outputs.read_to_end()  # everything the stopped worker wrote
        assert not expected <= outputs.ids, "SIGTERM came after the backlog was done"
        committed = committed_offsets(admin, topics["group"])
        assert committed_without_output(committed, outputs.ids) == []  # no commit ahead
        # Drained: every partition's commit reaches its first position without output,
        # so nothing the stopped worker wrote is processed again.
        for partition in (0, 1):
            tp = TopicPartition(topics["hl7"], partition)
            frontier = 0
            while record_id_of(tp.topic, partition, frontier) in outputs.ids:
                frontier += 1
            assert committed.get(tp, 0) == frontier, (tp, committed.get(tp), frontier)
        assert sum(committed.values()) > 0

        _run_to_the_end(cli, env, log_path, outputs, expected)
        missing = sorted(positions[i] for i in expected - outputs.ids)
        assert missing == [], f"{len(missing)} input positions lost"
        ids = [dict(m.headers)["phi-scrub.record-id"].decode() for m in outputs.messages]
        assert len(ids) == len(expected), "an input was output twice across the SIGTERM"
        for message in outputs.messages:
            assert message.topic == topics["hl7_out"]
            assert_deidentified(message)
        committed = committed_offsets(admin, topics["group"])
        assert committed == {TopicPartition(topics["hl7"], p): SIGTERM_RECORDS // 2 for p in (0, 1)}
    finally:
        log.close()
        admin.close()
        outputs.close()


def test_exactly_once_mode_survives_sigkill_with_each_input_once(
    kafka_bootstrap: str, topics: dict[str, str], tmp_path: Path
) -> None:
    """exactly_once: the worker is killed with SIGKILL mid-stream and restarted;
    a read_committed consumer then sees every input position exactly once (outputs
    of the killed run's open transaction are aborted, never visible)."""
    port = free_port()
    env = {
        **worker_env(kafka_bootstrap, topics, port),
        "PHI_SCRUB_PROCESSING_GUARANTEE": "exactly_once",
    }
    cli = [sys.executable, "-m", "streams.cli"]
    subprocess.run(
        [*cli, "topics", "ensure"], env=env, check=True, capture_output=True, timeout=120
    )
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    futures = [
        producer.send(topics["hl7"], value=ADT.replace("MSG0001", f"M{i}").encode())
        for i in range(3000)
    ]
    positions = {(m.partition, m.offset) for m in (f.get(timeout=30) for f in futures)}
    producer.close()
    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen([*cli, "worker"], env=env, stdout=log, stderr=subprocess.STDOUT)
    consumer = KafkaConsumer(
        topics["hl7_out"],
        topics["quarantine"],
        bootstrap_servers=kafka_bootstrap,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        enable_auto_commit=False,
    )
    received: list[Any] = []
    deadline = time.monotonic() + 120
    while not received and time.monotonic() < deadline:  # a first transaction committed
        for batch in consumer.poll(timeout_ms=200).values():
            received.extend(batch)
    worker.send_signal(signal.SIGKILL)  # mid-stream, a transaction open
    worker.wait(timeout=30)
    assert 0 < len(received) < len(positions), "the kill must land mid-stream"
    worker = subprocess.Popen([*cli, "worker"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 240
        while len(received) < len(positions) and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=1000).values():
                received.extend(batch)
        time.sleep(5)  # anything more would be a duplicate
        for batch in consumer.poll(timeout_ms=2000).values():
            received.extend(batch)
        consumer.close()
        ids = [dict(m.headers)["phi-scrub.record-id"].decode() for m in received]
        assert sorted(ids) == sorted(record_id_of(topics["hl7"], p, o) for p, o in positions), (
            tmp_path / "worker.log"
        ).read_text()[-3000:]
    finally:
        stop_worker(worker)
        log.close()


def test_readyz_is_503_until_partitions_are_assigned(
    kafka_bootstrap: str, topics: dict[str, str], tmp_path: Path
) -> None:
    """With raw topics that do not exist, nothing can be assigned: alive, connected,
    not ready; /readyz and the metrics say it holds no partitions. (The end-to-end
    test sees 200 once its partitions are assigned.) Without its output topics, the
    worker refuses to start (it would say ready and then hold the first record)."""
    port = free_port()
    env = {
        **worker_env(kafka_bootstrap, topics, port),
        "PHI_SCRUB_HL7_TOPICS": f"{topics['hl7']}.absent",
        "PHI_SCRUB_FHIR_TOPICS": f"{topics['fhir']}.absent",
    }
    # Without its output topics the worker does not start at all: it names them.
    cli = [sys.executable, "-m", "streams.cli"]
    refused = subprocess.run(
        [*cli, "worker"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert refused.returncode == 1, refused.stderr[-2000:]
    assert f"output topics do not exist: {topics['fhir_out']}" in refused.stderr
    ensured = subprocess.run(
        [*cli, "topics", "ensure"],
        env=worker_env(kafka_bootstrap, topics, port),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ensured.returncode == 0, ensured.stderr[-2000:]
    with (tmp_path / "worker.log").open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "streams.cli", "worker"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        assert wait_port(port, 60)
        time.sleep(5)  # well past a group join on this broker
        assert http_get(f"http://127.0.0.1:{port}/healthz")[0] == 200
        status, body = http_get(f"http://127.0.0.1:{port}/readyz")
        state = orjson.loads(body)
        assert status == 503, state
        assert state["consumer"] is True and state["producer"] is True
        assert state["assigned"] is False and state["partitions"] == 0
        metrics = http_get(f"http://127.0.0.1:{port}/metrics")[1].decode()
        assert "phi_scrub_assigned_partitions 0.0" in metrics
    finally:
        assert stop_worker(worker) == 0


def test_quarantined_records_are_redriven_once_their_cause_is_fixed(
    kafka_bootstrap: str, topics: dict[str, str], tmp_path: Path
) -> None:
    """Dead-letter re-drive: a worker with a too-small size limit quarantines a
    valid ADT (RecordTooLarge) beside binary junk; ``phi-scrub quarantine replay``
    with the limit fixed sends the ADT, de-identified, to its topic with the record
    id of its source position, leaves the junk where it is, and commits: a second
    run re-drives nothing. ``--dry-run`` sends and commits nothing."""
    port = free_port()
    env = {**worker_env(kafka_bootstrap, topics, port), "PHI_SCRUB_MAX_RECORD_BYTES": "200"}
    cli = [sys.executable, "-m", "streams.cli"]
    subprocess.run([*cli, "topics", "ensure"], env=env, check=True, capture_output=True)
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    sent = [
        producer.send(topics["hl7"], key=b"QUILLFEATHER-TST0042", value=value, partition=0)
        for value in (ADT.encode(), b"\x00\x01\xfe\xff" * 16)
    ]
    offsets = [future.get(timeout=60).offset for future in sent]
    producer.close()
    with (tmp_path / "worker.log").open("wb") as log:
        worker = subprocess.Popen([*cli, "worker"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        first = _consume(kafka_bootstrap, [topics["quarantine"]], 2, timeout=120)
    finally:
        assert stop_worker(worker) == 0
    classes = {
        int(dict(m.headers)["phi-scrub.source-offset"]): dict(m.headers)["phi-scrub.error-class"]
        for m in first
    }
    assert classes[offsets[0]] == b"RecordTooLarge" and classes[offsets[1]] != b"RecordTooLarge"

    fixed = {**env, "PHI_SCRUB_MAX_RECORD_BYTES": str(MAX_RECORD)}

    def replay(*args: str) -> dict[str, Any]:
        done = subprocess.run(
            [*cli, "quarantine", "replay", *args, "--timeout", "60"],
            env=fixed,
            capture_output=True,
            timeout=180,
            check=False,
        )
        assert done.returncode == 0, done.stderr.decode()[-2000:]
        for phi in PHI:
            assert phi.encode() not in done.stdout + done.stderr, phi
        return dict(orjson.loads(done.stdout))

    dry = replay("--dry-run")
    assert dry["read"] == 2 and dry["outcomes"]["replayed"] == 1
    assert dry["outcomes"]["still_quarantined"] == 1 and not dry["committed"]
    assert _consume(kafka_bootstrap, [topics["hl7_out"]], 1, timeout=5) == []

    real = replay()
    assert real["read"] == 2 and real["outcomes"]["replayed"] == 1 and real["committed"]
    assert real["replayed_by_error_class"] == {"RecordTooLarge": 1}
    [redriven] = _consume(kafka_bootstrap, [topics["hl7_out"]], 1, timeout=60)
    headers = dict(redriven.headers)
    assert headers["phi-scrub.record-id"] == record_id_of(topics["hl7"], 0, offsets[0]).encode()
    for phi in PHI:
        assert phi.encode() not in redriven.value + (redriven.key or b""), phi
        assert all(phi.encode() not in value for value in headers.values()), phi
    # Left in place, not quarantined twice; and the next run finds nothing new.
    assert len(_consume(kafka_bootstrap, [topics["quarantine"]], 3, timeout=5)) == 2
    assert replay()["read"] == 0


def test_raw_topics_by_pattern_and_a_new_match_restarts_the_worker(
    kafka_bootstrap: str, topics: dict[str, str], tmp_path: Path
) -> None:
    """PHI_SCRUB_HL7_TOPIC_PATTERN: the worker consumes every existing topic the
    pattern matches (Faust's own pattern subscription reads nothing). A matching
    topic created later makes it stop gracefully (exit 0, committed) so that the
    restarted worker consumes it too."""
    suffix = topics["group"].rsplit("-", 1)[1]
    site = {s: f"raw.hl7v2.site-{s}.{suffix}" for s in "abc"}
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    admin.create_topics([NewTopic(site["a"], 1, 1), NewTopic(site["b"], 1, 1)])
    admin.wait_for_topics([site["a"], site["b"]], timeout_ms=30_000)
    port = free_port()
    env = {
        **worker_env(kafka_bootstrap, topics, port),
        "PHI_SCRUB_HL7_TOPICS": "",
        "PHI_SCRUB_HL7_TOPIC_PATTERN": rf"raw\.hl7v2\.site-[a-z]\.{suffix}",
        "PHI_SCRUB_TOPIC_REFRESH_S": "2",
    }
    cli = [sys.executable, "-m", "streams.cli"]
    subprocess.run([*cli, "topics", "ensure"], env=env, check=True, capture_output=True)
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    for name in (site["a"], site["b"]):
        producer.send(name, key=b"QUILLFEATHER-TST0042", value=ADT.encode()).get(timeout=60)

    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        worker = subprocess.Popen([*cli, "worker"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        first = _consume(kafka_bootstrap, [topics["hl7_out"]], 2, timeout=120)
        assert len(first) == 2, log_path.read_text()[-3000:]
        admin.create_topics([NewTopic(site["c"], 1, 1)])
        admin.wait_for_topics([site["c"]], timeout_ms=30_000)
        producer.send(site["c"], value=ADT.encode()).get(timeout=60)
        assert worker.wait(timeout=90) == 0  # stopped by itself, gracefully
    finally:
        kill_if_running(worker)
    assert "raw_topics_changed" in log_path.read_text()

    with log_path.open("ab") as log:
        worker = subprocess.Popen([*cli, "worker"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        every = _consume(kafka_bootstrap, [topics["hl7_out"]], 3, timeout=120)
    finally:
        assert stop_worker(worker) == 0
        producer.close()
    assert len(every) == 3
    committed = admin.list_group_offsets({topics["group"]: None})[topics["group"]]
    admin.close()
    for name in site.values():
        assert committed[TopicPartition(name, 0)].offset == 1, name
    for phi in PHI:
        assert all(phi.encode() not in m.value + (m.key or b"") for m in every), phi


PAUSE_RECORDS = 1500
PAUSE_S = 10.0  # longer than the worker's session timeout (6 s in these tests)


def test_a_broker_outage_mid_stream_loses_nothing(
    kafka_bootstrap: str, topics: dict[str, str], tmp_path: Path, local_broker_pid: int
) -> None:
    """The broker stops answering mid-stream (SIGSTOP: a hung broker or a network
    partition, longer than the session timeout) and comes back. Every input position
    still ends with at least one output or quarantine record, nothing unscrubbed
    reaches a de-identified topic, and no offset is committed ahead of its output.

    The worker may ride the outage out, or stop (a failed send says nothing about
    the record, so it exits without committing, see streams.app.deliver) and be
    restarted, as Kubernetes would: either way the backlog is finished."""
    env, cli = ensured(kafka_bootstrap, topics)
    positions = produce_adts(kafka_bootstrap, topics["hl7"], PAUSE_RECORDS)
    expected = set(positions)
    outputs = Outputs(kafka_bootstrap, topics)
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    log_path = tmp_path / "worker.log"
    restarts = 0
    with log_path.open("wb") as log:
        worker = subprocess.Popen([*cli, "worker"], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while len(outputs.ids) < PROGRESS:
                assert worker.poll() is None, log_path.read_text()[-3000:]
                assert time.monotonic() < deadline, "no progress before the outage"
                outputs.poll()
            os.kill(local_broker_pid, signal.SIGSTOP)
            try:
                time.sleep(PAUSE_S)
            finally:
                os.kill(local_broker_pid, signal.SIGCONT)
            outputs.read_to_end()
            assert not expected <= outputs.ids, "the outage came after the backlog was done"
            deadline = time.monotonic() + 180
            while not expected <= outputs.ids:
                assert time.monotonic() < deadline, f"{len(expected - outputs.ids)} never output"
                if worker.poll() is not None:  # stopped by the outage: restarted
                    restarts += 1
                    assert restarts <= 3, log_path.read_text()[-3000:]
                    worker = subprocess.Popen(
                        [*cli, "worker"], env=env, stdout=log, stderr=subprocess.STDOUT
                    )
                outputs.poll()
            assert stop_worker(worker) == 0
        finally:
            kill_if_running(worker)
    try:
        outputs.read_to_end()
        missing = sorted(positions[i] for i in expected - outputs.ids)
        assert missing == [], f"{len(missing)} input positions lost"
        deidentified = [m for m in outputs.messages if m.topic == topics["hl7_out"]]
        assert len({dict(m.headers)["phi-scrub.record-id"] for m in deidentified}) == len(expected)
        for message in deidentified:
            assert_deidentified(message)
        committed = committed_offsets(admin, topics["group"])
        assert committed_without_output(committed, outputs.ids) == []
        assert committed == {TopicPartition(topics["hl7"], p): PAUSE_RECORDS // 2 for p in (0, 1)}
        print(f"broker outage: worker restarts {restarts}, outputs {len(outputs.messages)}")
    finally:
        admin.close()
        outputs.close()
