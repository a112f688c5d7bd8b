"""Prometheus metrics for the worker. Labels carry topics, kinds and reasons, never values."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class WorkerMetrics:
    """One registry per worker (tests create several in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.records_in = Counter(
            "phi_scrub_records_in_total",
            "Records consumed from raw topics.",
            ["topic"],
            registry=self.registry,
        )
        self.records_out = Counter(
            "phi_scrub_records_out_total",
            "De-identified records produced.",
            ["topic"],
            registry=self.registry,
        )
        self.quarantined = Counter(
            "phi_scrub_records_quarantined_total",
            "Records sent to quarantine.",
            ["topic", "stage", "reason"],
            registry=self.registry,
        )
        self.verification_failures = Counter(
            "phi_scrub_verification_failures_total",
            "Scrubbed records the independent verifier stopped.",
            ["kind"],
            registry=self.registry,
        )
        self.identifiers = Counter(
            "phi_scrub_identifiers_total",
            "Identifying values handled, by kind and method.",
            ["kind", "method"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "phi_scrub_scrub_seconds",
            "Time to scrub and verify one record.",
            ["format"],
            buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0),
            registry=self.registry,
        )
        self.assigned = Gauge(
            "phi_scrub_assigned_partitions",
            "Raw partitions assigned to this worker (0: idle, or the raw topics are missing).",
            registry=self.registry,
        )
        self.lag = Gauge(
            "phi_scrub_consumer_lag",
            "Records behind the end of each raw partition.",
            ["topic", "partition"],
            registry=self.registry,
        )
