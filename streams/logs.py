"""The one place that configures logging for phi-scrub.

Production wants one JSON object per line on stderr (for log shippers);
development wants readable, coloured console lines. ``PHI_SCRUB_LOG_FORMAT``
chooses (``json``, the default, or ``console``) so a container never logs in
a format its platform cannot parse by accident.

Standard-library logging (faust, aiokafka, kafka-python) is routed through
the same renderer so every line has one shape.

Log events must never carry payloads or PHI values: callers log topic,
partition, offset, record id and counts only. The Kafka libraries do log
payloads at DEBUG (faust's ``send: ... v=...`` and aiokafka's ``Sending (key=...
value=...)``, which for a quarantine record is the raw message), so their
loggers never go below INFO, whatever level the service runs at.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Final, Literal, TextIO, cast

import structlog

LogFormat = Literal["json", "console"]

LOG_FORMAT_ENV: Final = "PHI_SCRUB_LOG_FORMAT"
LOG_LEVEL_ENV: Final = "PHI_SCRUB_LOG_LEVEL"
_FORMATS: Final = ("json", "console")
# Libraries whose DEBUG lines carry record keys and values.
PAYLOAD_LOGGERS: Final = ("faust", "aiokafka", "kafka", "mode")


def library_level(level: int) -> int:
    """The level of the :data:`PAYLOAD_LOGGERS`: the service's, but never DEBUG."""
    return max(level, logging.INFO)


def _shared_processors() -> list[structlog.typing.Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]


def resolve_format(value: str | None) -> LogFormat:
    """Validate a log format name; ``None`` or empty means the production default."""
    if not value:
        return "json"
    normalized = value.strip().lower()
    if normalized not in _FORMATS:
        raise ValueError(f"{LOG_FORMAT_ENV} must be one of {', '.join(_FORMATS)}, got {value!r}")
    return cast(LogFormat, normalized)


def build_formatter(log_format: str | None = None) -> logging.Formatter:
    """The stdlib formatter that renders every log line (for dictConfig users like faust)."""
    chosen = resolve_format(log_format or os.environ.get(LOG_FORMAT_ENV))
    return _formatter(chosen)


def _formatter(chosen: LogFormat) -> structlog.stdlib.ProcessorFormatter:
    renderer: structlog.typing.Processor
    extra: list[structlog.typing.Processor] = []
    # Tracebacks never show frame locals: a frame scrubbing a record holds its raw
    # payload, and a crash log must not become a copy of the raw topic.
    if chosen == "json":
        renderer = structlog.processors.JSONRenderer()
        extra = [
            structlog.processors.ExceptionRenderer(
                structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
            )
        ]
    else:
        renderer = structlog.dev.ConsoleRenderer(
            colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback
        )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_processors(),
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *extra, renderer],
    )


def dict_config(log_format: str | None = None, level: str = "INFO") -> dict[str, object]:
    """A logging.config.dictConfig that routes everything through :func:`build_formatter`."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"phi_scrub": {"()": build_formatter, "log_format": log_format}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "phi_scrub",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            name: {"level": logging.getLevelName(library_level(_level_number(level)))}
            for name in PAYLOAD_LOGGERS
        },
    }


def _level_number(name: str) -> int:
    number = logging.getLevelNamesMapping().get(name.upper())
    if number is None:
        raise ValueError(f"{LOG_LEVEL_ENV} must be a logging level name, got {name!r}")
    return number


def configure_logging(
    log_format: str | None = None,
    level: str | None = None,
    stream: TextIO | None = None,
) -> LogFormat:
    """Configure structlog and stdlib logging; returns the format chosen.

    Arguments override the environment (``PHI_SCRUB_LOG_FORMAT``,
    ``PHI_SCRUB_LOG_LEVEL``). Safe to call more than once.
    """
    chosen = resolve_format(log_format or os.environ.get(LOG_FORMAT_ENV))
    numeric_level = _level_number(level or os.environ.get(LOG_LEVEL_ENV) or "INFO")

    formatter = _formatter(chosen)
    handler: logging.StreamHandler[TextIO] = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(numeric_level)
    for name in PAYLOAD_LOGGERS:
        logging.getLogger(name).setLevel(library_level(numeric_level))

    structlog.configure(
        processors=[
            *_shared_processors(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        cache_logger_on_first_use=False,
    )
    return chosen
