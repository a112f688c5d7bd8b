"""Prove the test broker is a real Kafka: topics, ordering, groups, commits."""

from __future__ import annotations

import time
import uuid

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

pytestmark = pytest.mark.kafka

N_RECORDS = 1_000


def test_produce_consume_in_order_and_commit(kafka_bootstrap: str) -> None:
    topic = f"it-broker-{uuid.uuid4().hex[:8]}"
    group = f"it-group-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap, request_timeout_ms=10_000)
    try:
        admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
        admin.wait_for_topics([topic], timeout_ms=30_000)
        assert topic in admin.list_topics()

        producer = KafkaProducer(
            bootstrap_servers=kafka_bootstrap, acks="all", enable_idempotence=True, linger_ms=5
        )
        futures = [
            producer.send(topic, key=b"k", value=f"record-{i}".encode()) for i in range(N_RECORDS)
        ]
        producer.flush(timeout=30)
        offsets = [future.get(timeout=30).offset for future in futures]
        producer.close()
        assert offsets == list(range(N_RECORDS))

        consumer = KafkaConsumer(
            topic,
            bootstrap_servers=kafka_bootstrap,
            group_id=group,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            consumer_timeout_ms=1_000,
        )
        received: list[bytes] = []
        deadline = time.monotonic() + 60
        while len(received) < N_RECORDS and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=1_000).values():
                received.extend(record.value for record in batch)
        consumer.commit()
        consumer.close()

        assert received == [f"record-{i}".encode() for i in range(N_RECORDS)]
        committed = admin.list_group_offsets({group: None})[group]
        assert committed[TopicPartition(topic, 0)].offset == N_RECORDS
    finally:
        admin.delete_topics([topic])
        admin.close()
