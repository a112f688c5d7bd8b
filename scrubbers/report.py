"""The per-message scrub report: what was done, never to which values.

Counts per identifier kind and method, plus provenance (policy id, version
and hash, key version, how the patient identity was resolved). Later stages
attach it to Kafka headers and the CLI's ``--report``; it is safe to log
because it holds no values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final


@dataclass(slots=True)
class ScrubReport:
    policy_id: str
    policy_version: str
    policy_hash: str
    key_version: str
    identity_source: str = ""
    subject: str = ""  # the patient's pseudonym (never the identifier itself)
    counts: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, method) -> n
    fallbacks: int = 0  # values removed because their method did not apply

    def record(self, kind: str, method: str) -> None:
        """Count one value; ``kind`` may be a :class:`~scrubbers.kinds.Kind` (a str)."""
        self.counts[(kind, method)] = self.counts.get((kind, method), 0) + 1

    def by_kind(self) -> dict[str, dict[str, int]]:
        nested: dict[str, dict[str, int]] = {}
        for (kind, method), count in sorted(self.counts.items()):
            nested.setdefault(str(kind), {})[method] = count
        return nested

    def total(self) -> int:
        return sum(self.counts.values())

    def merge(self, other: ScrubReport) -> None:
        """Add another message's counts (for run totals)."""
        for key, count in other.counts.items():
            self.counts[key] = self.counts.get(key, 0) + count
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


# What a walk over data of an unexpected shape raises (a KeyError, a TypeError from a
# value of the wrong type...): caught per message or document, so one record that
# trips the walk fails alone, named by :func:`internal_error`.
UNEXPECTED_SHAPE_ERRORS: Final = (
    LookupError,
    TypeError,
    AttributeError,
    ValueError,
    ArithmeticError,
)


def internal_error(exc: BaseException) -> str:
    """A failure's description for reports, headers and stderr: its class only.

    Messages of exceptions raised by Python or libraries may quote the data
    they choked on (``KeyError('quillfeather')``); only phi-scrub's own error
    classes, whose messages name places and never values, are shown as is.
    """
    return f"internal error ({type(exc).__name__})"
