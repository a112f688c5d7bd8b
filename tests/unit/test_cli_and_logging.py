"""CLI skeleton and the logging setup."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from importlib.metadata import version
from pathlib import Path

import click
import faust
import pytest
import structlog
from click.testing import CliRunner
from kafka.errors import CommitFailedError, KafkaTimeoutError

from streams import quarantine_cli, topics, worker_cli
from streams.cli import cli
from streams.config import load_config
from streams.logs import PAYLOAD_LOGGERS, configure_logging, dict_config, resolve_format
from streams.worker_cli import ServiceWorker, worker_command


def test_version_and_help() -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert version("phi-scrub") in result.output
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "HL7v2 and FHIR" in result.output


def test_json_logs_are_one_object_per_line() -> None:
    buffer = io.StringIO()
    assert configure_logging("json", stream=buffer) == "json"
    structlog.get_logger("t").info("record_scrubbed", topic="raw.hl7", partition=3, offset=42)
    logging.getLogger("aiokafka").warning("rebalance")
    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
    assert lines[0]["event"] == "record_scrubbed"
    assert lines[0]["offset"] == 42
    assert lines[0]["level"] == "info"
    assert "timestamp" in lines[0]
    assert lines[1]["event"] == "rebalance"
    assert lines[1]["logger"] == "aiokafka"


def test_console_logs_are_human_readable(monkeypatch: pytest.MonkeyPatch) -> None:
    buffer = io.StringIO()
    monkeypatch.setenv("PHI_SCRUB_LOG_FORMAT", "console")
    assert configure_logging(stream=buffer) == "console"
    structlog.get_logger("t").info("worker_started", partitions=4)
    text = buffer.getvalue()
    assert "worker_started" in text
    assert "partitions=4" in text
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)


@pytest.mark.parametrize("log_format", ["json", "console"])
def test_logged_tracebacks_never_show_frame_locals(log_format: str) -> None:
    """A crash inside a frame holding a raw record must not copy the record into the log."""
    buffer = io.StringIO()
    configure_logging(log_format, stream=buffer)

    def scrub(payload: bytes) -> None:
        raise RuntimeError("scrub stage failed")

    family, mrn = "quillfeather".upper(), "tst0042".upper()  # not in any source line
    try:
        scrub(f"PID|1||{mrn}^^^GENHOSP^MR||{family}^ZEPHYRINA".encode())
    except RuntimeError:
        logging.getLogger("faust.agents").exception("Agent crashed")
        structlog.get_logger("t").exception("agent_crashed")
    text = buffer.getvalue()
    assert "scrub stage failed" in text  # the traceback is there...
    assert "QUILLFEATHER" not in text  # ...without the frame's locals
    assert "TST0042" not in text


def test_bad_format_names_the_variable() -> None:
    with pytest.raises(ValueError, match="PHI_SCRUB_LOG_FORMAT"):
        resolve_format("xml")


def test_policy_show_and_validate(tmp_path: Path) -> None:
    runner = CliRunner()
    shown = runner.invoke(cli, ["policy", "show", "safe-harbor", "--json"])
    assert shown.exit_code == 0, shown.output
    document = json.loads(shown.output)
    assert document["policy_id"] == "safe-harbor"
    assert document["policy_hash"].startswith("sha256:")
    assert document["rules"][-1]["match"] == "default"

    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nversion: 1\nrules:\n  - match: {kind: nmae}\n    method: mask\n")
    result = runner.invoke(cli, ["policy", "validate", "pseudonymized", str(bad)])
    assert result.exit_code == 1
    assert "ok: pseudonymized" in result.output
    assert f"{bad}:4: rules[0].match.kind: unknown kind" in result.output


def test_the_worker_takes_its_log_level_and_format_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PHI_SCRUB_LOG_LEVEL", "warning")
    assert worker_command.make_context("worker", []).params["log_level"] == "WARNING"
    monkeypatch.setenv("PHI_SCRUB_LOG_LEVEL", "chatty")
    with pytest.raises(click.BadParameter):
        worker_command.make_context("worker", [])
    monkeypatch.setenv("PHI_SCRUB_LOG_FORMAT", "console")
    assert cli.make_context("phi-scrub", ["worker"]).params["log_format"] == "console"


@pytest.mark.parametrize("level", ["WARNING", "ERROR", "INFO"])
def test_the_worker_keeps_the_root_logger_at_its_level(level: str) -> None:
    """faust's own Worker lowers the root logger to DEBUG at WARNING and above
    (for its terminal spinner), so every debug call of Faust and aiokafka would
    build a log record; the service's worker keeps the configured level."""
    app = faust.App("log-level-check", broker="kafka://127.0.0.1:1")
    root = logging.getLogger()
    saved_level, saved_handlers = root.level, root.handlers[:]
    try:
        worker = ServiceWorker(
            app, loglevel=level, quiet=True, logging_config=dict_config(None, level)
        )
        worker._setup_logging()
        assert root.level == logging.getLevelNamesMapping()[level]
        assert not logging.getLogger("aiokafka.producer.producer").isEnabledFor(logging.DEBUG)
        assert worker.spinner is None
        assert all(type(h).__name__ != "SpinnerHandler" for h in root.handlers)
    finally:
        root.setLevel(saved_level)
        root.handlers[:] = saved_handlers


def test_kafka_libraries_never_log_payloads_even_at_debug() -> None:
    """faust and aiokafka log record values at DEBUG (a quarantine record's value
    is the raw message): their loggers stay at INFO when the service runs at DEBUG,
    while the service's own debug lines still show."""
    root = logging.getLogger()
    saved = {name: logging.getLogger(name).level for name in ("", *PAYLOAD_LOGGERS)}
    saved_handlers = root.handlers[:]
    try:
        buffer = io.StringIO()
        configure_logging("json", level="DEBUG", stream=buffer)
        logging.getLogger("faust.topics").debug("send: v=%r", "ZEPHYRINA QUILLFEATHER")
        logging.getLogger("aiokafka.producer.producer").debug("Sending value=%s", "TST0042")
        logging.getLogger("kafka.conn").debug("payload %s", "617-555-0142")
        structlog.get_logger("phi_scrub.worker").debug("own debug line", offset=7)
        logging.getLogger("aiokafka.consumer").info("rebalance done")
        text = buffer.getvalue()
        for value in ("ZEPHYRINA", "TST0042", "617-555-0142"):
            assert value not in text
        assert "own debug line" in text and "rebalance done" in text
        logging.config.dictConfig(dict_config(None, "DEBUG"))
        assert root.level == logging.DEBUG
        for name in PAYLOAD_LOGGERS:
            assert not logging.getLogger(f"{name}.x").isEnabledFor(logging.DEBUG), name
        logging.config.dictConfig(dict_config(None, "ERROR"))
        assert not logging.getLogger("aiokafka.x").isEnabledFor(logging.WARNING)
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)
        root.handlers[:] = saved_handlers


def test_a_bad_log_level_in_the_environment_is_a_usage_error() -> None:
    """It used to end every command with a ValueError traceback (exit 1)."""
    # standalone_mode=False: the exception click would print (exit 2), not the text,
    # whose stream click caches across CliRunner runs in some test orders.
    result = CliRunner().invoke(
        cli, ["policy", "show"], env={"PHI_SCRUB_LOG_LEVEL": "verbose"}, standalone_mode=False
    )
    assert isinstance(result.exception, click.UsageError)
    assert result.exception.exit_code == 2
    assert "PHI_SCRUB_LOG_LEVEL must be a logging level name" in result.exception.format_message()


@pytest.mark.parametrize("command", ["ensure", "check"])
def test_topics_commands_report_an_unreachable_cluster_in_one_line(
    command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """kafka-python gives up after about 30 s with KafkaTimeoutError; the command used
    to end with its traceback instead of naming the address and what to check."""

    def unreachable(*args: object) -> list[str]:
        raise KafkaTimeoutError("Unable to bootstrap from 127.0.0.1:1")

    monkeypatch.setattr(worker_cli, command, unreachable)
    result = CliRunner().invoke(
        cli,
        ["topics", command],
        env={"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1"},
        standalone_mode=False,
    )
    assert isinstance(result.exception, click.ClickException)
    assert result.exception.exit_code == 1
    message = result.exception.format_message()
    assert "Kafka request to 127.0.0.1:1 failed (KafkaTimeoutError)" in message
    assert "KAFKA_BOOTSTRAP_SERVERS" in message


REPLAY_ENV = {
    "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1",
    "PHI_SCRUB_KEY": "hex:" + "0123456789abcdef" * 4,
}


def test_quarantine_replay_reports_an_unreachable_cluster_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """kafka-python's KafkaTimeoutError (after 30 s) used to end the command in a traceback."""

    def unreachable(*args: object, **kwargs: object) -> None:
        raise KafkaTimeoutError("Unable to bootstrap from 127.0.0.1:1")

    monkeypatch.setattr(quarantine_cli, "KafkaConsumer", unreachable)
    result = CliRunner().invoke(
        cli, ["quarantine", "replay"], env=REPLAY_ENV, standalone_mode=False
    )
    assert isinstance(result.exception, click.ClickException)
    assert result.exception.exit_code == 1
    message = result.exception.format_message()
    assert "cannot reach the Kafka cluster at 127.0.0.1:1 (KafkaTimeoutError)" in message
    assert "nothing was read or committed" in message


def test_quarantine_replay_says_nothing_was_committed_on_a_broker_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A broker error while reading, or on the final commit, is a failed replay
    (exit 1, nothing committed), not a traceback; the clients are closed."""
    closed: list[str] = []

    class Client:
        def __init__(self, *args: object, **kwargs: object) -> None:
            pass

        def close(self) -> None:
            closed.append(type(self).__name__)

    class Consumer(Client):
        pass

    class Producer(Client):
        pass

    def failing_replay(*args: object, **kwargs: object) -> None:
        raise CommitFailedError()

    monkeypatch.setattr(quarantine_cli, "KafkaConsumer", Consumer)
    monkeypatch.setattr(quarantine_cli, "KafkaProducer", Producer)
    monkeypatch.setattr(quarantine_cli, "replay", failing_replay)
    result = CliRunner().invoke(
        cli, ["quarantine", "replay"], env=REPLAY_ENV, standalone_mode=False
    )
    assert isinstance(result.exception, SystemExit)
    assert result.exception.code == 1
    assert sorted(closed) == ["Consumer", "Producer"]


def test_the_worker_refuses_to_start_without_its_output_topics(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Started without a de-identified or quarantine topic, the worker said ready,
    then held the first record routed there (aiokafka logging "Topic ... not found
    in cluster metadata" ten times a second) until the stall timeout; it now names
    the topic and exits 1 before Faust starts."""
    started: list[object] = []
    asked: list[object] = []

    def missing(config: object) -> list[str]:
        asked.append(config)
        return ["deid.typo"]

    monkeypatch.setattr(worker_cli, "missing_outputs", missing)
    monkeypatch.setattr(worker_cli, "create_app", lambda *a: started.append(a))
    result = CliRunner().invoke(
        cli,
        ["worker"],
        env={**REPLAY_ENV, "PHI_SCRUB_HL7_OUTPUT": "deid.typo"},
        standalone_mode=False,
    )
    assert isinstance(result.exception, click.ClickException)
    assert result.exception.exit_code == 1
    message = result.exception.format_message()
    assert "output topics do not exist: deid.typo" in message
    assert "phi-scrub topics ensure" in message
    assert asked and not started


def test_missing_outputs_lists_the_output_and_quarantine_topics_the_cluster_lacks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Admin:
        closed = False

        def describe_topics(self, names: list[str]) -> list[dict[str, object]]:
            assert names == ["deid.fhir", "deid.hl7v2", "phi.quarantine"]
            return [
                {"name": "deid.hl7v2", "error_code": 0, "partitions": [{}]},
                {"name": "deid.fhir", "error_code": 3, "partitions": []},
                {"name": "phi.quarantine", "error_code": 0, "partitions": [{}, {}]},
            ]

        def close(self) -> None:
            Admin.closed = True

    monkeypatch.setattr(topics, "admin_client", lambda config: Admin())
    config = load_config({"KAFKA_BOOTSTRAP_SERVERS": "k:1"})
    assert topics.missing_outputs(config) == ["deid.fhir"]
    assert Admin.closed
