"""The per-message scrub report: what was done, never to which values.

Counts per identifier kind and method, plus provenance (policy id, version
and hash, key version, how the patient identity was resolved). Later stages
attach it to Kafka headers and the CLI's ``--report``; it is safe to log
because it holds no values.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class ScrubReport:
    policy_id: str
    policy_version: str
    policy_hash: str
    key_version: str
    identity_source: str = ""
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)  # (kind, method) -> n
    fallbacks: int = 0  # values removed because their method did not apply

    def record(self, kind: str, method: str) -> None:
        self.counts[(kind, method)] += 1

    def by_kind(self) -> dict[str, dict[str, int]]:
        nested: dict[str, dict[str, int]] = {}
        for (kind, method), count in sorted(self.counts.items()):
            nested.setdefault(kind, {})[method] = count
        return nested

    def total(self) -> int:
        return sum(self.counts.values())

    def merge(self, other: ScrubReport) -> None:
        """Add another message's counts (for run totals)."""
        self.counts.update(other.counts)
        self.fallbacks += other.fallbacks

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": {
                "id": self.policy_id,
                "version": self.policy_version,
                "hash": self.policy_hash,
            },
            "key_version": self.key_version,
            "identity_source": self.identity_source,
            "identifiers": self.by_kind(),
            "fallbacks": self.fallbacks,
        }
