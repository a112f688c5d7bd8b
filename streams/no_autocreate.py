"""The worker never creates a topic by asking for its metadata.

Kafka brokers create a missing topic when a client asks for its metadata
(``auto.create.topics.enable``, on by default), with the broker's default
partitions and a 1 MB record limit. aiokafka, under Faust, asks with
``allow_auto_topic_creation`` true and offers no setting for it; Faust's
``topic_allow_declare=False`` only stops Faust's own create-topics call. A
mistyped raw, output or quarantine topic name would then quietly become a new
topic: outputs written where nobody reads them, or raw PHI in a topic without
the quarantine's ACLs. :func:`install` makes aiokafka's metadata requests ask
without creating, so a missing topic stays missing (the worker is not ready,
``phi-scrub topics check`` names it); topics are made by ``phi-scrub topics
ensure`` or the platform. kafka-python's admin client (topics) asks without
creating, and ``quarantine replay`` passes ``allow_auto_create_topics=False``.
"""

from __future__ import annotations

from typing import Any

import aiokafka.client
from aiokafka.protocol.metadata import MetadataRequest


class MetadataWithoutCreation(MetadataRequest):  # type: ignore[misc]  # untyped library
    """aiokafka's metadata request, never asking the broker to create topics."""

    def __init__(self, topics: list[str] | None = None, allow_auto_topic_creation: Any = None):
        super().__init__(topics, allow_auto_topic_creation=False)


def install() -> None:
    """Make every aiokafka client in this process ask for metadata without creating."""
    aiokafka.client.MetadataRequest = MetadataWithoutCreation
