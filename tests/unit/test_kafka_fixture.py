"""The broker fixture fails fast and names the address when no broker answers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from streams.broker_probe import broker_answers, split_address

REPO = Path(__file__).resolve().parents[2]


def _dead_address() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{sock.getsockname()[1]}"


def test_probe_reports_dead_port_quickly() -> None:
    started = time.monotonic()
    assert broker_answers(_dead_address(), timeout=1.0) is False
    assert time.monotonic() - started < 5


def test_split_address_takes_first_bootstrap_entry() -> None:
    assert split_address("kafka-0:9093, kafka-1:9093") == ("kafka-0", 9093)
    assert split_address("[::1]:9092") == ("::1", 9092)


def test_integration_tests_fail_clearly_on_dead_broker() -> None:
    address = _dead_address()
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": address, "KAFKA_WAIT_TIMEOUT": "2"}
    started = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/integration/test_broker.py",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert f"Kafka broker at {address} did not answer" in result.stdout
    assert time.monotonic() - started < 60
