"""Shared fixtures: a real Kafka broker for tests marked ``kafka``.

With ``KAFKA_BOOTSTRAP_SERVERS`` set, tests use that broker (and fail fast,
naming the address, if it does not answer). Otherwise the session starts its
own single-node KRaft broker from the Maven Central jars on free ports, with
its own run directory, and stops it at the end; a developer's ``make
kafka-up`` broker is never touched.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from scrubbers.native import compiled_modules
from streams.broker_probe import BrokerUnavailableError, wait_for_broker

REPO = Path(__file__).resolve().parent.parent
KAFKA_SCRIPT = REPO / "docker" / "kafka-local" / "kafka.sh"
EXTERNAL_WAIT_SECONDS = float(os.environ.get("KAFKA_WAIT_TIMEOUT", "15"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the compiled build, skip the few tests that patch or stand in for compiled
    internals (mypyc classes take no monkeypatches or duck types); they run in the
    interpreted suite, on the same code."""
    if not compiled_modules():
        return
    skip = pytest.mark.skip(reason="patches compiled internals: covered by the interpreted run")
    for item in items:
        if "interpreted_only" in item.keywords:
            item.add_marker(skip)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# The local broker's run directory (pid file) once started; empty with an external one.
_LOCAL_BROKER: dict[str, Path] = {}


@pytest.fixture
def local_broker_pid(kafka_bootstrap: str) -> int:
    """The pid of the local broker process (tests that pause it); skips on an external one."""
    run_dir = _LOCAL_BROKER.get("run_dir")
    if run_dir is None:
        pytest.skip("the broker is external (KAFKA_BOOTSTRAP_SERVERS): it cannot be paused")
    return int((run_dir / "kafka.pid").read_text())


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Bootstrap address of a real, answering Kafka broker."""
    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if external:
        try:
            wait_for_broker(external, timeout=EXTERNAL_WAIT_SECONDS)
        except BrokerUnavailableError as exc:
            pytest.fail(f"{exc} (KAFKA_BOOTSTRAP_SERVERS={external})", pytrace=False)
        yield external
        return

    env = {
        **os.environ,
        "KAFKA_PORT": str(_free_port()),
        "KAFKA_CONTROLLER_PORT": str(_free_port()),
        "KAFKA_RUN_DIR": str(tmp_path_factory.mktemp("kafka-run")),
    }
    started = subprocess.run(
        ["bash", str(KAFKA_SCRIPT), "up"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    try:
        if started.returncode != 0:
            pytest.fail(f"could not start the local Kafka broker:\n{started.stderr}", pytrace=False)
        _LOCAL_BROKER["run_dir"] = Path(env["KAFKA_RUN_DIR"])
        yield f"127.0.0.1:{env['KAFKA_PORT']}"
    finally:
        subprocess.run(
            ["bash", str(KAFKA_SCRIPT), "down"],
            env=env,
            capture_output=True,
            timeout=120,
            check=False,
        )
