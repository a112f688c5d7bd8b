"""``phi-scrub topics ensure`` and ``check`` against the real broker."""

from __future__ import annotations

import uuid

import pytest
from kafka.admin import KafkaAdminClient

from streams.config import load_config
from streams.topics import TopicError, check, ensure

pytestmark = pytest.mark.kafka


def test_topics_ensure_creates_raw_topics_on_request_and_check_reads_durability(
    kafka_bootstrap: str,
) -> None:
    """``topics ensure --raw-partitions N`` (local use) creates the missing raw topics
    too; ``topics check`` then passes, and reports a retention that differs from the
    configured one (and a replication factor the single broker cannot have)."""
    suffix = uuid.uuid4().hex[:8]
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "PHI_SCRUB_HL7_TOPICS": f"raw.hl7v2.{suffix}",
        "PHI_SCRUB_FHIR_TOPICS": f"raw.fhir.{suffix}",
        "PHI_SCRUB_HL7_OUTPUT": f"deid.hl7v2.{suffix}",
        "PHI_SCRUB_FHIR_OUTPUT": f"deid.fhir.{suffix}",
        "PHI_SCRUB_QUARANTINE_TOPIC": f"phi.quarantine.{suffix}",
        "PHI_SCRUB_TOPIC_RETENTION_MS": "86400000",
    }
    config = load_config(env)
    with pytest.raises(TopicError, match="raw topics do not exist"):
        ensure(config)
    created = ensure(config, raw_partitions=3)
    assert sorted(created) == sorted([*config.raw_topics, *env_outputs(env)])
    assert ensure(config, raw_partitions=3) == []
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        partitions = {
            d.get("name") or d.get("topic"): len(d["partitions"])
            for d in admin.describe_topics(sorted(created))
        }
    finally:
        admin.close()
    assert set(partitions.values()) == {3}
    assert check(config) == []
    longer = load_config({**env, "PHI_SCRUB_TOPIC_RETENTION_MS": "172800000"})
    problems = check(longer)
    assert len(problems) == 3 and all("retention.ms 86400000" in p for p in problems), problems
    replicated = load_config({**env, "PHI_SCRUB_TOPIC_REPLICATION": "3"})
    assert sum("replication factor 1" in p for p in check(replicated)) == 3


def env_outputs(env: dict[str, str]) -> list[str]:
    return [env[f"PHI_SCRUB_{name}"] for name in ("HL7_OUTPUT", "FHIR_OUTPUT", "QUARANTINE_TOPIC")]
