"""Raw topics by pattern: ``PHI_SCRUB_HL7_TOPIC_PATTERN`` and ``PHI_SCRUB_FHIR_TOPIC_PATTERN``.

Integration engines often publish one topic per site or interface
(``raw.hl7v2.site-a``, ``raw.hl7v2.site-b``). A pattern names them all. Faust's
own pattern subscription subscribes to nothing (faust-streaming issue #62), so
the worker resolves each pattern to topic names when it starts, against the
cluster's topic list, and subscribes to those names. A topic created later is
found by the worker's periodic check (``PHI_SCRUB_TOPIC_REFRESH_S``), which then
stops the worker gracefully (drain, commit, exit 0) so that its restart
subscribes to it.

A pattern must match a whole topic name. It never matches the worker's own
de-identified or quarantine topics, the other format's named topics, Kafka's
internal topics (``__...``) or the consumer group's Faust topics
(``<group id>-...``): a loose pattern must not make the worker read its own
output, or read quarantined raw PHI as input. A topic matched by both patterns
is refused: its format would be a guess.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from streams.config import ConfigError, WorkerConfig
from streams.topics import admin_client


def _never_input(config: WorkerConfig, name: str) -> bool:
    own = {config.hl7_output, config.fhir_output, config.quarantine_topic}
    return name in own or name.startswith(("__", f"{config.group_id}-"))


def matching_topics(config: WorkerConfig, existing: Iterable[str]) -> tuple[list[str], list[str]]:
    """The raw HL7v2 and FHIR topics: the named ones, then the existing topics
    each pattern matches (sorted). Raises ConfigError for a topic both match."""
    hl7 = re.compile(config.hl7_topic_pattern) if config.hl7_topic_pattern else None
    fhir = re.compile(config.fhir_topic_pattern) if config.fhir_topic_pattern else None
    named = set(config.hl7_topics) | set(config.fhir_topics)
    found: dict[str, list[str]] = {"hl7": [], "fhir": []}
    for name in sorted(set(existing)):
        if name in named or _never_input(config, name):
            continue
        as_hl7 = hl7 is not None and hl7.fullmatch(name) is not None
        as_fhir = fhir is not None and fhir.fullmatch(name) is not None
        if as_hl7 and as_fhir:
            raise ConfigError(
                f"topic {name!r} matches both PHI_SCRUB_HL7_TOPIC_PATTERN and "
                "PHI_SCRUB_FHIR_TOPIC_PATTERN: name it in one of PHI_SCRUB_HL7_TOPICS or "
                "PHI_SCRUB_FHIR_TOPICS, or narrow a pattern"
            )
        if as_hl7:
            found["hl7"].append(name)
        elif as_fhir:
            found["fhir"].append(name)
    return [*config.hl7_topics, *found["hl7"]], [*config.fhir_topics, *found["fhir"]]


def has_patterns(config: WorkerConfig) -> bool:
    return bool(config.hl7_topic_pattern or config.fhir_topic_pattern)


def list_topics(config: WorkerConfig) -> set[str]:
    """The cluster's topic names (kafka-python; blocking)."""
    admin = admin_client(config)
    try:
        return set(admin.list_topics())
    finally:
        admin.close()


def resolve(config: WorkerConfig, existing: Iterable[str] | None = None) -> WorkerConfig:
    """``config`` with its patterns' matches added to the named raw topics (the
    cluster is asked when ``existing`` is None). Unchanged without patterns."""
    if not has_patterns(config):
        return config
    hl7, fhir = matching_topics(config, list_topics(config) if existing is None else existing)
    if not hl7 and not fhir:
        raise ConfigError(
            "no raw topics: the topic patterns match no existing topic and none is named"
        )
    return dataclasses.replace(config, hl7_topics=hl7, fhir_topics=fhir)


def new_matches(config: WorkerConfig, existing: Iterable[str]) -> list[str]:
    """Topics the patterns match now that ``config`` (resolved) does not consume."""
    hl7, fhir = matching_topics(config, existing)
    return sorted((set(hl7) | set(fhir)) - set(config.raw_topics))
