"""Where a value sits, as far as the policy is concerned.

A :class:`Target` is what format adapters hand the policy for each value:
its identifier kind, whose it is, and (for rules that need it) the format,
the format's own path to it and its datatype. Targets are hashable so the
policy resolves each distinct one once and caches the answer: the per-value
cost on the hot path is a dictionary lookup, not a rule scan.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scrubbers.kinds import Kind, Role


@dataclass(frozen=True, slots=True)
class Target:
    kind: Kind
    role: Role = Role.PATIENT
    format: str = ""  # "hl7v2", "fhir", "text"
    path: str = ""  # e.g. "PID-11.5" or "Patient.address.postalCode"
    datatype: str = ""  # e.g. "XAD" or "Address"
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Targets are built once per schema position and looked up per value:
        # hash once, not on every policy lookup.
        object.__setattr__(
            self, "_hash", hash((self.kind, self.role, self.format, self.path, self.datatype))
        )

    def __hash__(self) -> int:
        return self._hash
