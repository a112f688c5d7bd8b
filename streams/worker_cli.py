"""``phi-scrub worker``, ``phi-scrub topics ensure|check``, ``phi-scrub config show``."""

from __future__ import annotations

import logging

import click
import faust
import orjson
import structlog
from kafka.errors import KafkaError

from scrubbers.engine import Scrubber
from scrubbers.keys import KeyConfigError
from scrubbers.native import build_kind
from scrubbers.policy import load_policy
from scrubbers.policy_yaml import PolicyError
from streams import topic_patterns
from streams.app import create_app
from streams.config import ConfigError, WorkerConfig, key_ring, load_config
from streams.logs import LOG_LEVEL_ENV, dict_config
from streams.topics import TopicError, check, ensure, missing_outputs


class ServiceWorker(faust.Worker):
    """faust's Worker without its terminal spinner.

    At WARNING and above, faust's Worker adds a progress spinner to the root
    logger and lowers the root logger to DEBUG so that every record spins it:
    every debug call of Faust and aiokafka (one per record sent) then builds a
    log record, about 4% of a busy worker's time measured with py-spy, and the
    spinner writes terminal escape codes into the logs. A service has no
    terminal to spin: the root logger keeps the level it was configured with.
    """

    def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
        self.spinner = None


def _config(resolve_patterns: bool = True) -> WorkerConfig:
    """The configuration, with the raw topic patterns resolved against the cluster."""
    try:
        config = load_config()
        return topic_patterns.resolve(config) if resolve_patterns else config
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    except KafkaError as exc:
        raise click.ClickException(
            f"cannot list the cluster's topics to resolve the topic patterns ({type(exc).__name__})"
        ) from None


def _kafka_failure(config: WorkerConfig, exc: KafkaError) -> click.ClickException:
    """One line instead of a traceback, naming the cluster and what to check."""
    return click.ClickException(
        f"Kafka request to {config.bootstrap_servers} failed ({type(exc).__name__}): check "
        "KAFKA_BOOTSTRAP_SERVERS, KAFKA_SECURITY_PROTOCOL and the SASL/TLS settings, and "
        "that this client may describe topics (and, for topics ensure, create them)"
    )


@click.command("worker")
@click.option(
    "--log-level",
    envvar=LOG_LEVEL_ENV,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], case_sensitive=False),
    default="INFO",
    show_default=True,
    help=f"Log level (env {LOG_LEVEL_ENV}).",
)
@click.pass_context
def worker_command(ctx: click.Context, log_level: str) -> None:
    """Run the streaming scrubber (configuration from the environment; see README)."""
    log_format = (ctx.obj or {}).get("log_format")
    config = _config()
    try:
        keys = key_ring(config)
        policy = load_policy(config.policy)
    except (KeyConfigError, PolicyError) as exc:
        raise click.UsageError(str(exc)) from None
    try:
        missing = missing_outputs(config)
    except KafkaError as exc:
        raise _kafka_failure(config, exc) from None
    if missing:
        raise click.ClickException(
            f"output topics do not exist: {', '.join(missing)} (the worker never creates "
            "topics: run `phi-scrub topics ensure`, or `phi-scrub topics check`)"
        )
    app, _ = create_app(config, Scrubber(policy, keys))
    structlog.get_logger("phi_scrub.worker").info(
        "worker starting", policy=policy.id, policy_version=policy.version, hot_path=build_kind()
    )
    worker = ServiceWorker(
        app,
        loglevel=log_level,
        quiet=True,
        logging_config=dict_config(log_format, level=log_level.upper()),
    )
    worker.execute_from_commandline()


@click.group("topics")
def topics_group() -> None:
    """Create or check the de-identified and quarantine topics."""


@topics_group.command("ensure")
@click.option(
    "--raw-partitions",
    type=click.IntRange(min=0),
    default=0,
    help="Also create missing named raw topics with this many partitions (local use).",
)
def topics_ensure(raw_partitions: int) -> None:
    """Create missing output topics with the raw topics' partition counts."""
    config = _config()
    try:
        created = ensure(config, raw_partitions)
    except TopicError as exc:
        raise click.ClickException(str(exc)) from None
    except KafkaError as exc:
        raise _kafka_failure(config, exc) from None
    click.echo("created: " + (", ".join(created) if created else "nothing (all present)"))


@topics_group.command("check")
def topics_check() -> None:
    """Report mismatches between the configuration and the cluster; exit 1 if any."""
    config = _config()
    try:
        problems = check(config)
    except KafkaError as exc:
        raise _kafka_failure(config, exc) from None
    for problem in problems:
        click.echo(problem)
    if problems:
        raise SystemExit(1)
    click.echo("ok")


@click.group("config")
def config_group() -> None:
    """Inspect the worker configuration."""


@config_group.command("show")
def config_show() -> None:
    """Print the effective configuration (secrets hidden)."""
    shown = _config(resolve_patterns=False).show()  # no broker needed
    click.echo(orjson.dumps(shown, option=orjson.OPT_INDENT_2).decode())
