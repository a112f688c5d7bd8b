"""``make demo``: the main job end to end on a local broker, then everything stopped.

Starts a single-node Kafka broker (from the Maven Central jars) on free
ports, creates raw topics, runs ``phi-scrub topics ensure``, starts a
worker, publishes the sample HL7v2 messages and FHIR bundles (plus a few
poison records), consumes the de-identified and quarantine topics, prints a
short before/after view and totals, and stops the worker and the broker.

The demo generates a throwaway key for its run; real deployments provide
their own (``PHI_SCRUB_KEY`` / ``PHI_SCRUB_KEY_FILE``).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

from streams.pipeline import SourceRecord

ROOT = Path(__file__).resolve().parent.parent
KAFKA = ROOT / "docker" / "kafka-local" / "kafka.sh"
SAMPLES = ROOT / "tests" / "data"
TOPICS = {
    "hl7": "raw.hl7v2",
    "fhir": "raw.fhir",
    "hl7_out": "deid.hl7v2",
    "fhir_out": "deid.fhir",
    "quarantine": "phi.quarantine",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ready(port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                if r.status == 200 and json.loads(r.read()).get("assigned"):
                    return True  # connected and holding its partitions
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    return False


def _excerpt(data: bytes, width: int = 110, lines: int = 4) -> str:
    text = data.decode("utf-8", "replace").replace("\r", "\n")
    return "\n".join("    " + line[:width] for line in text.splitlines()[:lines])


def _patient_excerpt(bundle: bytes, width: int = 110) -> str:
    """The identifying elements of a Bundle's first Patient, one per line."""
    document = orjson.loads(bundle)
    entries = document.get("entry", []) if isinstance(document, dict) else []
    patient: dict[str, Any] = next(
        (e["resource"] for e in entries if e.get("resource", {}).get("resourceType") == "Patient"),
        {},
    )
    lines = []
    for element in ("id", "identifier", "name", "telecom", "birthDate", "address"):
        if element in patient:
            text = orjson.dumps(patient[element]).decode()
            lines.append(f"    {element}: {text[: width - len(element) - 2]}")
    return "\n".join(lines)


def worker_env(bootstrap: str, http_port: int, run_dir: Path) -> dict[str, str]:
    """The demo worker's environment: its own key, port and Faust data directory.

    Faust's data directory defaults to ``<tmp>/<group id>-data``, the same for
    every worker of the default group on the machine: the demo's goes in its run
    directory, removed when the demo ends, so the demo leaves nothing behind.
    """
    return {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "PHI_SCRUB_KEY": "hex:" + secrets.token_hex(32),  # a throwaway key for this run
        "PHI_SCRUB_HTTP_PORT": str(http_port),
        "PHI_SCRUB_HTTP_HOST": "127.0.0.1",
        "PHI_SCRUB_HL7_TOPICS": TOPICS["hl7"],
        "PHI_SCRUB_FHIR_TOPICS": TOPICS["fhir"],
        "PHI_SCRUB_LOG_FORMAT": "console",
        "PHI_SCRUB_LOG_LEVEL": "WARNING",
        "APP_DATADIR": str(run_dir / "worker-data"),
    }


def quarantined_samples(
    quarantined: list[Any], sent: dict[str, bytes], poison: set[bytes]
) -> Counter[str]:
    """Error classes of the quarantine records whose input was a sample, not poison
    (paired by record id, as outputs are)."""
    found: Counter[str] = Counter()
    for message in quarantined:
        headers = dict(message.headers)
        if sent.get(headers["phi-scrub.record-id"].decode()) not in poison:
            found[headers["phi-scrub.error-class"].decode()] += 1
    return found


def main() -> int:
    run_dir = Path(tempfile.mkdtemp(prefix="phi-scrub-demo-"))
    kafka_port, http_port = _free_port(), _free_port()
    kafka_env = {
        **os.environ,
        "KAFKA_PORT": str(kafka_port),
        "KAFKA_CONTROLLER_PORT": str(_free_port()),
        "KAFKA_RUN_DIR": str(run_dir),
    }
    bootstrap = f"127.0.0.1:{kafka_port}"
    print(f"[demo] starting a local Kafka broker on {bootstrap} ...", flush=True)
    subprocess.run(["bash", str(KAFKA), "up"], env=kafka_env, check=True)
    worker: subprocess.Popen[bytes] | None = None
    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap)
        admin.create_topics([NewTopic(TOPICS["hl7"], 2, 1), NewTopic(TOPICS["fhir"], 2, 1)])
        admin.wait_for_topics([TOPICS["hl7"], TOPICS["fhir"]], timeout_ms=30_000)
        admin.close()
        env = worker_env(bootstrap, http_port, run_dir)
        cli = [sys.executable, "-m", "streams.cli"]
        subprocess.run([*cli, "topics", "ensure"], env=env, check=True)
        print("[demo] starting the worker (safe-harbor policy) ...", flush=True)
        worker = subprocess.Popen([*cli, "worker", "--log-level", "WARNING"], env=env)
        if not _ready(http_port, 120):
            print("[demo] the worker did not become ready", file=sys.stderr)
            return 1

        hl7 = sorted((SAMPLES / "hl7v2" / "fhir-converter").glob("*.hl7"))
        fhir = sorted((SAMPLES / "fhir" / "synthea-r4").glob("*.json"))
        inputs = [(TOPICS["hl7"], p.read_bytes()) for p in hl7]
        inputs += [(TOPICS["fhir"], p.read_bytes()) for p in fhir]
        poison = [(TOPICS["hl7"], b"MSH|^~"), (TOPICS["fhir"], b'{"resourceType": "Patient",')]
        producer = KafkaProducer(
            bootstrap_servers=bootstrap, acks="all", max_request_size=4_000_000
        )
        sends = [(t, v, producer.send(t, value=v)) for t, v in inputs + poison]
        producer.flush(60)
        # Each input's record id (from its topic/partition/offset), as the worker
        # stamps it on the output: how a before is paired with its after.
        sent: dict[str, bytes] = {}
        for topic, value, future in sends:
            meta = future.get(timeout=60)
            sent[SourceRecord(topic, meta.partition, meta.offset, None, value).record_id] = value
        producer.close()
        print(
            f"[demo] published {len(inputs)} samples ({len(hl7)} HL7v2 messages, {len(fhir)} "
            f"FHIR bundles) and {len(poison)} poison records",
            flush=True,
        )

        consumer = KafkaConsumer(
            TOPICS["hl7_out"],
            TOPICS["fhir_out"],
            TOPICS["quarantine"],
            bootstrap_servers=bootstrap,
            auto_offset_reset="earliest",
            fetch_max_bytes=8_000_000,
            max_partition_fetch_bytes=8_000_000,
        )
        received: list[Any] = []
        deadline = time.monotonic() + 180
        while len(received) < len(inputs) + len(poison) and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=1000).values():
                received.extend(batch)
        consumer.close()

        out = [m for m in received if m.topic != TOPICS["quarantine"]]
        quarantined = [m for m in received if m.topic == TOPICS["quarantine"]]
        pairs = [
            (m.topic, sent[dict(m.headers)["phi-scrub.record-id"].decode()], m.value) for m in out
        ]
        shown = [p for p in pairs if p[0] == TOPICS["hl7_out"] and b"PID|" in p[1]][:2]
        for _, before, after in shown:
            print("\n[demo] an HL7v2 message before (raw topic):")
            print(_excerpt(before[before.find(b"PID|") :]))
            print("[demo] ... and the same message after (deid topic, paired by record id):")
            print(_excerpt(after[after.find(b"PID|") :]))
        # A Bundle holding a Patient: Synthea's hospital and practitioner Bundles hold
        # none, and records arrive in no fixed order across partitions.
        with_patient = [
            p for p in pairs if p[0] == TOPICS["fhir_out"] and b'"resourceType":"Patient"' in p[2]
        ]
        for _, before, after in with_patient[:1]:
            print("\n[demo] a FHIR Bundle's Patient before (raw topic):")
            print(_patient_excerpt(before))
            print("[demo] ... and after (deid topic, paired by record id):")
            print(_patient_excerpt(after))
        kinds: Counter[str] = Counter()
        for message in out:
            kinds.update(orjson.loads(dict(message.headers)["phi-scrub.counts"]))
        reasons = Counter(dict(m.headers)["phi-scrub.error-class"].decode() for m in quarantined)
        samples_quarantined = quarantined_samples(quarantined, sent, {v for _, v in poison})
        print(
            f"\n[demo] records in: {len(inputs) + len(poison)}; de-identified: {len(out)}; "
            f"quarantined: {len(quarantined)} {dict(reasons)}"
        )
        if samples_quarantined:
            # Only the poison records are meant to end there: say so rather than
            # leave a sample's quarantine inside the totals.
            print(
                f"[demo] note: {sum(samples_quarantined.values())} sample record(s) were "
                f"quarantined too {dict(samples_quarantined)}; the worker's log above names "
                "their topic, partition and offset"
            )
        print(
            "[demo] identifiers handled, by kind: "
            + ", ".join(f"{kind} {count}" for kind, count in kinds.most_common())
        )
        return 0 if len(received) == len(inputs) + len(poison) else 1
    finally:
        if worker is not None and worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=60)
            except subprocess.TimeoutExpired:
                worker.kill()
        subprocess.run(["bash", str(KAFKA), "down"], env=kafka_env, check=False)
        shutil.rmtree(run_dir, ignore_errors=True)  # the worker's data dir (kafka.sh keeps it)
        print("[demo] worker and broker stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main())
