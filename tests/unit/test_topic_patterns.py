"""Raw topics by pattern (streams.topic_patterns), resolved without a broker.

The worker's subscription to resolved topics, and its restart on a new match,
are tested on the broker in tests/integration/test_worker.py.
"""

from __future__ import annotations

import pytest

from streams.config import ConfigError, load_config
from streams.topic_patterns import matching_topics, new_matches, resolve

BASE = {"KAFKA_BOOTSTRAP_SERVERS": "kafka:9092"}
CLUSTER = [
    "raw.hl7v2.site-a",
    "raw.hl7v2.site-b",
    "raw.hl7v2",
    "raw.fhir.bulk",
    "deid.hl7v2",
    "deid.fhir",
    "phi.quarantine",
    "__consumer_offsets",
    "phi-scrub-__assignor-__leader",
    "raw.hl7v2.site-a.archive.x",
]


def test_a_pattern_replaces_the_default_names_and_matches_whole_names() -> None:
    config = load_config({**BASE, "PHI_SCRUB_HL7_TOPIC_PATTERN": r"raw\.hl7v2\.site-[a-z]"})
    assert config.hl7_topics == [] and config.fhir_topics == ["raw.fhir"]
    hl7, fhir = matching_topics(config, CLUSTER)
    assert hl7 == ["raw.hl7v2.site-a", "raw.hl7v2.site-b"]  # not ...site-a.archive.x
    assert fhir == ["raw.fhir"]


def test_names_and_patterns_add_up() -> None:
    config = load_config(
        {
            **BASE,
            "PHI_SCRUB_HL7_TOPICS": "raw.hl7v2",
            "PHI_SCRUB_HL7_TOPIC_PATTERN": r"raw\.hl7v2\..+",
            "PHI_SCRUB_FHIR_TOPIC_PATTERN": r"raw\.fhir\..+",
        }
    )
    resolved = resolve(config, CLUSTER)
    assert resolved.hl7_topics == [
        "raw.hl7v2",
        "raw.hl7v2.site-a",
        "raw.hl7v2.site-a.archive.x",
        "raw.hl7v2.site-b",
    ]
    assert resolved.fhir_topics == ["raw.fhir.bulk"]
    assert new_matches(resolved, CLUSTER) == []
    assert new_matches(resolved, [*CLUSTER, "raw.hl7v2.site-c"]) == ["raw.hl7v2.site-c"]


def test_a_loose_pattern_never_reads_the_workers_own_or_internal_topics() -> None:
    config = load_config({**BASE, "PHI_SCRUB_HL7_TOPIC_PATTERN": ".*"})
    hl7, fhir = matching_topics(config, CLUSTER)
    for own in ("deid.hl7v2", "deid.fhir", "phi.quarantine", "__consumer_offsets"):
        assert own not in hl7, own
    assert "phi-scrub-__assignor-__leader" not in hl7  # the group's Faust topics
    assert "raw.fhir" not in hl7 and fhir == ["raw.fhir"]  # named for the other format


def test_a_topic_both_patterns_match_is_refused_by_name() -> None:
    config = load_config(
        {
            **BASE,
            "PHI_SCRUB_HL7_TOPIC_PATTERN": r"raw\..+",
            "PHI_SCRUB_FHIR_TOPIC_PATTERN": r"raw\.fhir\..+",
        }
    )
    with pytest.raises(ConfigError, match=r"'raw\.fhir\.bulk' matches both"):
        resolve(config, CLUSTER)


def test_pattern_settings_are_checked_at_load() -> None:
    with pytest.raises(ConfigError, match="PHI_SCRUB_HL7_TOPIC_PATTERN is not a regular"):
        load_config({**BASE, "PHI_SCRUB_HL7_TOPIC_PATTERN": "raw.(hl7"})
    with pytest.raises(ConfigError, match="PHI_SCRUB_TOPIC_REFRESH_S"):
        load_config({**BASE, "PHI_SCRUB_TOPIC_REFRESH_S": "-1"})
    with pytest.raises(ConfigError, match="no raw topics"):
        load_config({**BASE, "PHI_SCRUB_HL7_TOPICS": "", "PHI_SCRUB_FHIR_TOPICS": ""})
    pattern_only = load_config({**BASE, "PHI_SCRUB_FHIR_TOPIC_PATTERN": "nothing.here"})
    with pytest.raises(ConfigError, match="match no existing topic"):
        resolve(
            load_config(
                {**BASE, "PHI_SCRUB_HL7_TOPICS": "", **{"PHI_SCRUB_FHIR_TOPIC_PATTERN": "x"}}
            ),
            CLUSTER,
        )
    assert resolve(pattern_only, CLUSTER).fhir_topics == []  # HL7 keeps its default name


def test_without_patterns_the_config_is_unchanged_and_the_cluster_not_asked() -> None:
    config = load_config(BASE)
    assert resolve(config) is config  # no broker at kafka:9092: it was not called
