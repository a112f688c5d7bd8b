"""Topic management with kafka-python: ``phi-scrub topics ensure`` and ``check``.

De-identified and quarantine topics get as many partitions as the largest
raw topic feeding them (so per-partition parallelism carries through), and
the configured replication and retention. The worker never creates topics
itself (Faust is told not to declare them).
"""

from __future__ import annotations

from dataclasses import dataclass

from kafka.admin import KafkaAdminClient, NewTopic

from streams.config import WorkerConfig, kafka_python_security


class TopicError(RuntimeError):
    """Topics cannot be ensured (a raw topic is missing, the broker refused)."""


@dataclass(frozen=True, slots=True)
class TopicPlan:
    name: str
    partitions: int


def _admin(config: WorkerConfig) -> KafkaAdminClient:
    return KafkaAdminClient(
        bootstrap_servers=config.bootstrap_servers,
        request_timeout_ms=15_000,
        client_id="phi-scrub-topics",
        **kafka_python_security(config),
    )


def _partitions(admin: KafkaAdminClient, names: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for description in admin.describe_topics(names):
        if description.get("error_code", 0) == 0 and description.get("partitions"):
            found[description.get("name") or description.get("topic")] = len(
                description["partitions"]
            )
    return found


def plan(config: WorkerConfig, admin: KafkaAdminClient) -> list[TopicPlan]:
    raw = _partitions(admin, config.raw_topics)
    missing = [name for name in config.raw_topics if name not in raw]
    if missing:
        raise TopicError(f"raw topics do not exist: {', '.join(missing)}")
    hl7 = max(raw[name] for name in config.hl7_topics) if config.hl7_topics else 1
    fhir = max(raw[name] for name in config.fhir_topics) if config.fhir_topics else 1
    return [
        TopicPlan(config.hl7_output, hl7),
        TopicPlan(config.fhir_output, fhir),
        TopicPlan(config.quarantine_topic, max(hl7, fhir)),
    ]


def ensure(config: WorkerConfig) -> list[str]:
    """Create the missing output topics; returns the names created."""
    admin = _admin(config)
    try:
        wanted = plan(config, admin)
        existing = set(admin.list_topics())
        configs = (
            {"retention.ms": str(config.topic_retention_ms)}
            if (config.topic_retention_ms > 0)
            else {}
        )
        new = [
            NewTopic(
                p.name,
                num_partitions=p.partitions,
                replication_factor=config.topic_replication,
                topic_configs=configs,
            )
            for p in wanted
            if p.name not in existing
        ]
        if new:
            admin.create_topics(new)
            admin.wait_for_topics([t.name for t in new], timeout_ms=30_000)
        return [t.name for t in new]
    finally:
        admin.close()


def check(config: WorkerConfig) -> list[str]:
    """Mismatches between the configured topics and the cluster (empty when all is well)."""
    admin = _admin(config)
    try:
        problems = []
        try:
            wanted = plan(config, admin)
        except TopicError as exc:
            return [str(exc)]
        actual = _partitions(admin, [p.name for p in wanted])
        for topic in wanted:
            if topic.name not in actual:
                problems.append(f"{topic.name}: missing (run `phi-scrub topics ensure`)")
            elif actual[topic.name] < topic.partitions:
                problems.append(
                    f"{topic.name}: {actual[topic.name]} partitions, raw topics have "
                    f"{topic.partitions}"
                )
        return problems
    finally:
        admin.close()
