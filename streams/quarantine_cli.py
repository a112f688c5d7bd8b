"""``phi-scrub quarantine replay``: re-drive quarantined records (see streams.replay)."""

from __future__ import annotations

import sys

import click
import orjson
import structlog
from kafka import KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError

from scrubbers.engine import Scrubber
from scrubbers.keys import KeyConfigError
from scrubbers.policy import load_policy
from scrubbers.policy_yaml import PolicyError
from streams import topic_patterns
from streams.app import routing
from streams.config import (
    RECORD_OVERHEAD_BYTES,
    ConfigError,
    WorkerConfig,
    kafka_python_security,
    key_ring,
    load_config,
)
from streams.pipeline import RecordProcessor
from streams.replay import Decision, Outcome, ReplayError, replay

log = structlog.get_logger("phi_scrub.replay")


@click.group("quarantine")
def quarantine_group() -> None:
    """Work with the quarantine topic (it holds raw PHI: run with its ACLs)."""


@quarantine_group.command("replay")
@click.option("--dry-run", is_flag=True, help="Process and count; send and commit nothing.")
@click.option(
    "--error-class",
    "error_classes",
    multiple=True,
    help="Re-drive only records quarantined with this error class (repeatable).",
)
@click.option(
    "--group", default=None, help="Consumer group (default: <PHI_SCRUB_GROUP_ID>.replay)."
)
@click.option(
    "--from-beginning", is_flag=True, help="Ignore the group's committed position: read it all."
)
@click.option("--timeout", default=300.0, show_default=True, help="Seconds to reach the end.")
def replay_command(
    dry_run: bool,
    error_classes: tuple[str, ...],
    group: str | None,
    from_beginning: bool,
    timeout: float,
) -> None:
    """Re-drive quarantined records through the current scrubber, policy and key.

    Records that now pass go to their de-identified topics with the record id of
    their source position; records that fail again stay in quarantine (counted,
    never quarantined twice). Prints a JSON summary of counts; exits 1 when the
    replay fails (a re-driven record not acknowledged, a broker error): nothing is
    committed then.
    """
    try:
        config = load_config()
        keys = key_ring(config)
        policy = load_policy(config.policy)
    except (ConfigError, KeyConfigError, PolicyError) as exc:
        raise click.UsageError(str(exc)) from None
    try:
        config = topic_patterns.resolve(config)  # records of pattern topics route too
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    except KafkaError as exc:  # resolving the topic patterns lists the cluster's topics
        raise _unreachable(config, exc) from None
    processor = RecordProcessor(
        Scrubber(policy, keys),
        routing(config),
        config.max_record_bytes,
        config.header_allowlist,
        quarantine_max_bytes=config.quarantine_max_bytes,
    )
    try:
        consumer, producer = _clients(config, group, dry_run)
    except KafkaError as exc:
        raise _unreachable(config, exc) from None

    def logged(partition: int, offset: int, decision: Decision) -> None:
        source = decision.source
        log.info(
            "quarantine_record_replayed"
            if decision.outcome is Outcome.REPLAYED
            else "quarantine_record_left",
            partition=partition,
            offset=offset,
            outcome=decision.outcome.value,
            error_class=decision.error_class,
            new_error_class=decision.new_error_class or None,
            record_id=source.record_id if source is not None else None,
            dry_run=dry_run,
        )

    try:
        summary = replay(
            consumer,
            producer,
            processor,
            config.quarantine_topic,
            record_timeout_s=config.record_timeout_s,
            error_classes=frozenset(error_classes),
            from_beginning=from_beginning,
            dry_run=dry_run,
            timeout_s=timeout,
            on_decision=logged,
        )
    except ReplayError as exc:
        click.echo(f"replay failed, nothing committed: {exc}", err=True)
        sys.exit(1)
    except KafkaError as exc:  # reading, or the final commit: kafka-python names no values
        click.echo(f"replay failed, nothing committed: {type(exc).__name__}", err=True)
        sys.exit(1)
    finally:
        consumer.close()
        if producer is not None:
            producer.close()
    click.echo(orjson.dumps(summary.as_dict(), option=orjson.OPT_INDENT_2).decode())


def _unreachable(config: WorkerConfig, exc: KafkaError) -> click.ClickException:
    return click.ClickException(
        f"cannot reach the Kafka cluster at {config.bootstrap_servers} "
        f"({type(exc).__name__}): check "
        "KAFKA_BOOTSTRAP_SERVERS, KAFKA_SECURITY_PROTOCOL and the SASL/TLS settings; "
        "nothing was read or committed"
    )


def _clients(
    config: WorkerConfig, group: str | None, dry_run: bool
) -> tuple[KafkaConsumer, KafkaProducer | None]:
    """The replay's consumer and (unless a dry run) producer; raises KafkaError."""
    security = kafka_python_security(config)
    fetch_bytes = config.quarantine_max_bytes + RECORD_OVERHEAD_BYTES
    consumer = KafkaConsumer(
        bootstrap_servers=config.bootstrap_servers,
        group_id=group or f"{config.group_id}.replay",
        client_id="phi-scrub-replay",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        allow_auto_create_topics=False,
        max_partition_fetch_bytes=fetch_bytes,
        fetch_max_bytes=fetch_bytes,
        **security,
    )
    if dry_run:
        return consumer, None
    try:
        producer = KafkaProducer(
            bootstrap_servers=config.bootstrap_servers,
            client_id="phi-scrub-replay",
            acks="all",
            enable_idempotence=True,
            allow_auto_create_topics=False,
            max_request_size=2 * config.max_record_bytes + RECORD_OVERHEAD_BYTES,
            **security,
        )
    except KafkaError:
        consumer.close()
        raise
    return consumer, producer
