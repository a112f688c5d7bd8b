"""The ``phi-scrub`` command line.

Subcommands are added by the features that own them (``scrub``, ``worker``,
``topics``, ``config``, ``quarantine``); this module only wires the group, the version and
logging so every subcommand starts the same way.
"""

from __future__ import annotations

from importlib.metadata import version

import click

from scrubbers.native import build_kind
from streams.logs import LOG_FORMAT_ENV, configure_logging
from streams.policy_cli import policy_group
from streams.quarantine_cli import quarantine_group
from streams.scrub_cli import scrub_command
from streams.worker_cli import config_group, topics_group, worker_command

DISTRIBUTION = "phi-scrub"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    version(DISTRIBUTION),
    "-V",
    "--version",
    prog_name=DISTRIBUTION,
    message=f"%(prog)s %(version)s (hot path {build_kind()})",
)
@click.option(
    "--log-format",
    type=click.Choice(["json", "console"]),
    envvar=LOG_FORMAT_ENV,
    default="json",
    show_default=True,
    help=f"Log line format (env {LOG_FORMAT_ENV}).",
)
@click.pass_context
def cli(ctx: click.Context, log_format: str) -> None:
    """phi-scrub: streaming PHI scrubbing for HL7v2 and FHIR feeds on Kafka."""
    try:
        configure_logging(log_format)
    except ValueError as exc:  # a bad PHI_SCRUB_LOG_LEVEL: a usage error, not a traceback
        raise click.UsageError(str(exc)) from None
    ctx.obj = {"log_format": log_format}  # the worker re-configures logging through Faust


cli.add_command(policy_group)
cli.add_command(scrub_command)
cli.add_command(worker_command)
cli.add_command(topics_group)
cli.add_command(config_group)
cli.add_command(quarantine_group)


def main() -> None:
    """Console-script entry point."""
    cli()


if __name__ == "__main__":
    main()
