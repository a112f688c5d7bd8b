"""Topic management with kafka-python: ``phi-scrub topics ensure`` and ``check``.

De-identified and quarantine topics get as many partitions as the largest
raw topic feeding them (so per-partition parallelism carries through), and
the configured replication and retention, and a ``max.message.bytes`` that
fits what the worker writes to them: on the quarantine topic a record carrying
a raw payload of up to ``PHI_SCRUB_QUARANTINE_MAX_BYTES``; on the de-identified
topics twice ``PHI_SCRUB_MAX_RECORD_BYTES`` (scrubbing adds provenance labels,
and a pseudonym can be longer than the value it replaces), so that a record the
worker scrubs is never refused by the broker's 1 MB default and diverted to
quarantine. ``check`` reports existing topics with smaller limits.
The worker never creates topics itself (Faust is told not to declare them).
"""

from __future__ import annotations

from dataclasses import dataclass

from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewTopic
from kafka.errors import KafkaError

from streams.config import RECORD_OVERHEAD_BYTES, WorkerConfig, kafka_python_security


class TopicError(RuntimeError):
    """Topics cannot be ensured (a raw topic is missing, the broker refused)."""


@dataclass(frozen=True, slots=True)
class TopicPlan:
    name: str
    partitions: int
    configs: dict[str, str]


def quarantine_message_bytes(config: WorkerConfig) -> int:
    """The quarantine topic's ``max.message.bytes``: the largest kept payload, plus framing."""
    return config.quarantine_max_bytes + RECORD_OVERHEAD_BYTES


def output_message_bytes(config: WorkerConfig) -> int:
    """A de-identified topic's ``max.message.bytes``: room for the largest scrubbed record."""
    return 2 * config.max_record_bytes + RECORD_OVERHEAD_BYTES


def admin_client(config: WorkerConfig) -> KafkaAdminClient:
    """A kafka-python admin client for the configured cluster and security."""
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
    retention = config.topic_retention_ms
    common = {"retention.ms": str(retention)} if retention > 0 else {}
    quarantine = {**common, "max.message.bytes": str(quarantine_message_bytes(config))}
    output = {**common, "max.message.bytes": str(output_message_bytes(config))}
    plans = {config.hl7_output: TopicPlan(config.hl7_output, hl7, output)}
    if config.fhir_output in plans:  # one de-identified topic for both formats
        plans[config.fhir_output] = TopicPlan(config.fhir_output, max(hl7, fhir), output)
    else:
        plans[config.fhir_output] = TopicPlan(config.fhir_output, fhir, output)
    quarantine_plan = TopicPlan(config.quarantine_topic, max(hl7, fhir), quarantine)
    return [*plans.values(), quarantine_plan]


def missing_outputs(config: WorkerConfig) -> list[str]:
    """The de-identified and quarantine topics the cluster lacks (the worker's start check).

    A worker started without one is assigned its partitions and says ready, then
    holds the first record routed there for good: aiokafka waits for the topic's
    metadata (logging an error ten times a second) until the stall timeout fails
    /healthz. Refusing to start names the topic instead.
    """
    wanted = sorted({config.hl7_output, config.fhir_output, config.quarantine_topic})
    admin = admin_client(config)
    try:
        found = _partitions(admin, wanted)
    finally:
        admin.close()
    return [name for name in wanted if name not in found]


def ensure(config: WorkerConfig, raw_partitions: int = 0) -> list[str]:
    """Create the missing output topics; returns the names created.

    With ``raw_partitions``, missing named raw topics are created first with that
    many partitions (local development: in production the integration engine's
    topics exist, and a missing one is an error worth seeing).
    """
    admin = admin_client(config)
    created: list[str] = []
    try:
        existing = set(admin.list_topics())
        if raw_partitions > 0:
            raw = [
                NewTopic(
                    name, num_partitions=raw_partitions, replication_factor=config.topic_replication
                )
                for name in config.raw_topics
                if name not in existing
            ]
            if raw:
                admin.create_topics(raw)
                admin.wait_for_topics([t.name for t in raw], timeout_ms=30_000)
                created += [t.name for t in raw]
                existing |= set(created)
        wanted = plan(config, admin)
        new = [
            NewTopic(
                p.name,
                num_partitions=p.partitions,
                replication_factor=config.topic_replication,
                topic_configs=p.configs,
            )
            for p in wanted
            if p.name not in existing
        ]
        if new:
            admin.create_topics(new)
            admin.wait_for_topics([t.name for t in new], timeout_ms=30_000)
        return created + [t.name for t in new]
    finally:
        admin.close()


def check(config: WorkerConfig) -> list[str]:
    """Mismatches between the configured topics and the cluster (empty when all is well)."""
    admin = admin_client(config)
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
        problems += _durability_problems(
            config, admin, [p.name for p in wanted if p.name in actual]
        )
        for topic in wanted:
            if topic.name not in actual:
                continue
            limit = _max_message_bytes(admin, topic.name)
            wanted_bytes = int(topic.configs["max.message.bytes"])
            if limit is None or limit >= wanted_bytes:
                continue
            if topic.name == config.quarantine_topic:
                consequence = (
                    "(PHI_SCRUB_QUARANTINE_MAX_BYTES plus framing); larger quarantine records "
                    "would be kept without their payload"
                )
            else:
                consequence = (
                    "(twice PHI_SCRUB_MAX_RECORD_BYTES plus framing); larger scrubbed records "
                    "would be refused and quarantined"
                )
            problems.append(
                f"{topic.name}: max.message.bytes is {limit}, the worker needs {wanted_bytes} "
                + consequence
            )
        return problems
    finally:
        admin.close()


def _durability_problems(
    config: WorkerConfig, admin: KafkaAdminClient, names: list[str]
) -> list[str]:
    """Existing output topics whose replication or retention differ from the
    configured ones (each checked only when configured, not -1)."""
    problems: list[str] = []
    if config.topic_replication > 0:
        for name, replicas in sorted(_replication(admin, names).items()):
            if replicas != config.topic_replication:
                problems.append(
                    f"{name}: replication factor {replicas}, PHI_SCRUB_TOPIC_REPLICATION is "
                    f"{config.topic_replication}"
                )
    if config.topic_retention_ms > 0:
        for name in names:
            retention = _topic_config(admin, name, "retention.ms")
            if retention is not None and retention != config.topic_retention_ms:
                problems.append(
                    f"{name}: retention.ms {retention}, PHI_SCRUB_TOPIC_RETENTION_MS is "
                    f"{config.topic_retention_ms}"
                )
    return problems


def _max_message_bytes(admin: KafkaAdminClient, topic: str) -> int | None:
    """The topic's effective ``max.message.bytes`` (its own or the broker's default)."""
    return _topic_config(admin, topic, "max.message.bytes")


def _topic_config(admin: KafkaAdminClient, topic: str, name: str) -> int | None:
    """A numeric topic setting's effective value (its own or the broker's default)."""
    resource = ConfigResource(ConfigResourceType.TOPIC, topic, {name: None})
    try:
        described = admin.describe_configs([resource], config_filter="all")
    except KafkaError:  # no DescribeConfigs permission, say: nothing to report
        return None
    entry = described.get("topic", {}).get(topic, {}).get(name)
    value = entry.get("value") if isinstance(entry, dict) else None
    return int(value) if value is not None else None


def _replication(admin: KafkaAdminClient, names: list[str]) -> dict[str, int]:
    """The smallest replica count over each topic's partitions."""
    found: dict[str, int] = {}
    for description in admin.describe_topics(names):
        partitions = description.get("partitions") or []
        if description.get("error_code", 0) == 0 and partitions:
            name = description.get("name") or description.get("topic")
            found[name] = min(
                len(p.get("replica_nodes") or p.get("replicas") or []) for p in partitions
            )
    return found
