"""Kafka knowledge: the Faust worker, topic management, CLI, health and metrics."""
