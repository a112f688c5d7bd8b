"""Patient identity resolution: which identifier keys pseudonyms and date shifts.

The same patient must get the same pseudonym and the same date shift whether
they arrive as HL7v2 (``PID-3`` CX with assigning authority ``CX-4``) or FHIR
(``Patient.identifier`` with a ``system``). The policy names which identifier
types count and maps HL7 assigning authorities and FHIR systems to one
*namespace*; the resolved identity is ``(namespace, value)``.

When a message carries no usable identifier, the policy decides: a
per-message identity (consistent inside the message, different across
messages, and marked in provenance) or rejection to quarantine. The engine
keys a per-message identity on the message's own content
(:meth:`scrubbers.engine.Scrubber.resolve_identity`), so a redelivered or
replayed record scrubs to the same output; a random one is the fallback for a
caller that has no content to give.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field


class IdentitySource(enum.StrEnum):
    """How the identity was obtained; travels in provenance."""

    IDENTIFIER = "identifier"
    REFERENCE = "reference"  # the patient's logical id, from a reference (FHIR)
    PER_MESSAGE = "per-message"


class UnresolvedIdentityPolicy(enum.StrEnum):
    PER_MESSAGE = "per_message"
    REJECT = "reject"


class IdentityUnresolvedError(LookupError):
    """No patient identifier matched and the policy rejects such messages."""


@dataclass(frozen=True, slots=True)
class PatientIdentifier:
    """A candidate patient identifier as found by a format adapter."""

    value: str
    type_code: str = ""  # HL7 CX-5 / FHIR Identifier.type.coding[].code
    authority: str = ""  # HL7 CX-4 (namespace id, or universal id)
    system: str = ""  # FHIR Identifier.system


@dataclass(frozen=True, slots=True)
class Identity:
    namespace: str
    value: str
    source: IdentitySource

    def __repr__(self) -> str:  # the value is PHI
        return f"Identity(namespace={self.namespace!r}, source={self.source.value!r})"

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class IdentityConfig:
    """The policy's ``identity`` section."""

    identifier_types: frozenset[str] = frozenset({"MR"})
    hl7_authorities: Mapping[str, str] = field(default_factory=dict)  # authority -> namespace
    fhir_systems: Mapping[str, str] = field(default_factory=dict)  # system -> namespace
    unresolved: UnresolvedIdentityPolicy = UnresolvedIdentityPolicy.PER_MESSAGE

    def namespace_of(self, candidate: PatientIdentifier) -> tuple[str, bool]:
        """The candidate's namespace, and whether the policy maps it explicitly.

        Unmapped issuers fall back to a format-qualified raw name, which keeps
        pseudonyms consistent within a format but not across formats.
        """
        if candidate.authority:
            mapped = self.hl7_authorities.get(candidate.authority)
            return (mapped, True) if mapped else (f"hl7:{candidate.authority}", False)
        if candidate.system:
            mapped = self.fhir_systems.get(candidate.system)
            return (mapped, True) if mapped else (f"fhir:{candidate.system}", False)
        return ("", False)

    def resolve(
        self,
        candidates: Iterable[PatientIdentifier],
        per_message: Callable[[], str] | None = None,
    ) -> Identity:
        """Pick the best candidate: a configured type from a mapped issuer first.

        FHIR identifiers often carry no type; one from a mapped system counts.
        When none counts and the policy allows it, ``per_message`` gives the
        per-message identity's value (called only then); without it, random.
        """
        best: tuple[int, str, str] | None = None
        for candidate in candidates:
            value = candidate.value.strip()
            if not value:
                continue
            namespace, mapped = self.namespace_of(candidate)
            typed = candidate.type_code in self.identifier_types
            if not typed and not (mapped and not candidate.type_code):
                continue
            rank = (2 if mapped else 0) + (1 if typed else 0)
            if best is None or rank > best[0]:
                best = (rank, namespace, value)
        if best is not None:
            return Identity(best[1], best[2], IdentitySource.IDENTIFIER)
        if self.unresolved is UnresolvedIdentityPolicy.REJECT:
            raise IdentityUnresolvedError(
                "no patient identifier matched the policy's identity rules"
            )
        value = per_message() if per_message is not None else secrets.token_hex(16)
        return Identity("per-message", value, IdentitySource.PER_MESSAGE)
