"""The scrubbing engine: a policy plus keys, and a context per message.

:class:`Scrubber` is built once per process (policy compiled, keys loaded,
HMAC state prepared). :meth:`Scrubber.message` resolves the patient's
identity and returns a :class:`MessageContext`; format adapters call
:meth:`MessageContext.apply` for every value they classify. The context
carries what must be consistent inside one message (the patient's date
shift) and the message's :class:`~scrubbers.report.ScrubReport`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Final

from scrubbers import dates
from scrubbers.identity import Identity, PatientIdentifier
from scrubbers.keys import KeyRing
from scrubbers.kinds import Kind
from scrubbers.methods import MethodNotApplicable, Outcome, Removal, pseudonym
from scrubbers.policy import Policy, Rule
from scrubbers.report import ScrubReport
from scrubbers.target import Target
from scrubbers.text import TextScrubber

DATE_SHIFT_DOMAIN: Final = "date-shift"
PER_MESSAGE_DOMAIN: Final = b"per-message-identity\x1f"
DIGEST_CACHE_SIZE: Final = 65_536
_MRN_TARGET: Final = Target(Kind.MRN)


def shift_days_from_digest(digest: bytes, max_days: int) -> int:
    """Map a keyed digest to a non-zero whole-day offset in [-max_days, max_days].

    Zero is excluded: a zero shift would publish that patient's true dates.
    """
    n = int.from_bytes(digest[:8], "big") % (2 * max_days)
    return n - max_days if n < max_days else n - max_days + 1


class Scrubber:
    """A compiled policy and the keys it pseudonymizes with."""

    __slots__ = ("_digests", "_key", "keys", "policy")

    def __init__(self, policy: Policy, keys: KeyRing) -> None:
        self.policy = policy
        self.keys = keys
        self._key = keys.active
        # Identifiers recur across messages (a patient's MRN, a ward's attending):
        # memoize their keyed digests, bounded, in this process only.
        self._digests: dict[str, bytes] = {}

    def __repr__(self) -> str:
        return f"Scrubber(policy={self.policy.id!r}, key_version={self.keys.active.version!r})"

    @property
    def memoized_digests(self) -> int:
        """How many keyed digests are memoized (at most ``DIGEST_CACHE_SIZE``)."""
        return len(self._digests)

    def clear_caches(self) -> None:
        """Forget memoized digests and date shifts (benchmarks; key rotation)."""
        self._digests.clear()
        dates.shift.cache_clear()

    def keyed_digest(self, domain: str, text: str) -> bytes:
        """HMAC-SHA256 under the active key, domain-separated per use."""
        message = f"{domain}\x1f{text}"
        digest = self._digests.get(message)
        if digest is None:
            if len(self._digests) >= DIGEST_CACHE_SIZE:
                self._digests.clear()
            digest = self._digests[message] = self._key.digest(message.encode())
        return digest

    def resolve_identity(
        self,
        identifiers: Iterable[PatientIdentifier],
        content: Callable[[], bytes] | None = None,
    ) -> Identity:
        """The patient identity ``identifiers`` resolve to under the policy.

        When none resolves and the policy allows a per-message identity, it is
        keyed on ``content`` (the message's input form, read only then): the
        same input always scrubs to the same output, so a record redelivered
        after a crash, or replayed, equals its first output (same date shift,
        same record key and partition), and replicas agree; two different
        messages stay unlinkable, and without the key the identity reveals
        nothing. Without ``content`` it is random.
        """
        if content is None:
            return self.policy.identity.resolve(identifiers)
        key = self._key

        def keyed_on_content() -> str:
            return key.digest(PER_MESSAGE_DOMAIN + content()).hex()[:32]

        return self.policy.identity.resolve(identifiers, keyed_on_content)

    def message(
        self,
        identifiers: Iterable[PatientIdentifier] = (),
        reference_year: int | None = None,
        identity: Identity | None = None,
        content: Callable[[], bytes] | None = None,
    ) -> MessageContext:
        """Start scrubbing one message whose patient carries ``identifiers``.

        ``identity``, when given, is used as is (an adapter that already knows
        the patient); otherwise it is resolved by :meth:`resolve_identity`,
        with ``content`` keying a per-message identity. Raises
        :class:`~scrubbers.identity.IdentityUnresolvedError` when no identifier
        matches and the policy rejects such messages.
        """
        if identity is None:
            identity = self.resolve_identity(identifiers, content)
        year = reference_year if reference_year is not None else dt.datetime.now(dt.UTC).year
        return MessageContext(self, identity, year)


class MessageContext:
    """Per-message state; implements :class:`~scrubbers.methods.OperatorContext`."""

    __slots__ = (
        "_cached_rule",
        "_counts",
        "_resolve",
        "_shift",
        "identity",
        "keyed_digest",
        "last_method",
        "reference_year",
        "report",
        "scrubber",
        "text",
    )

    def __init__(self, scrubber: Scrubber, identity: Identity, reference_year: int) -> None:
        self.scrubber = scrubber
        self.identity = identity
        self.reference_year = reference_year
        self._shift: int | None = None
        self.last_method = ""  # the method the last apply() used (for provenance labels)
        # Bound once: the scrubber's keyed HMAC, without a delegating call per value.
        self.keyed_digest = scrubber.keyed_digest
        policy = scrubber.policy
        self._resolve = policy.resolve
        self._cached_rule = policy.cached_rule
        self.report = ScrubReport(
            policy.id,
            policy.version,
            policy.content_hash,
            scrubber.keys.active.version,
            identity.source.value,
        )
        self._counts = self.report.counts
        self.text = TextScrubber(self)

    @property
    def date_shift_days(self) -> int:
        if self._shift is None:
            digest = self.keyed_digest(
                DATE_SHIFT_DOMAIN, f"{self.identity.namespace}\x1f{self.identity.value}"
            )
            self._shift = shift_days_from_digest(
                digest, self.scrubber.policy.settings.date_shift_days
            )
        return self._shift

    def use_identity(self, identity: Identity) -> None:
        """Scrub what follows as ``identity``'s data (a multi-patient document).

        The date shift follows the identity; names and identifiers learned so
        far stay known to the free-text scrubber, whoever they belong to.
        """
        if identity != self.identity:
            self.identity = identity
            self._shift = None
            self.text.forget_results()

    @property
    def restricted_zip3(self) -> frozenset[str]:
        return self.scrubber.policy.settings.restricted_zip3

    def scrub_text(self, text: str) -> str:
        """Free text through the message's text scrubber (context + detectors)."""
        return self.text.scrub(text)

    def namespace_of(self, authority: str = "", system: str = "") -> str:
        """The pseudonym namespace for an identifier's HL7 authority or FHIR system.

        Adapters pass it to :meth:`apply` so an MRN gets the same pseudonym in
        every message and format whose issuer the policy maps to one namespace.
        """
        candidate = PatientIdentifier("", authority=authority, system=system)
        return self.scrubber.policy.identity.namespace_of(candidate)[0]

    def patient_pseudonym(self) -> str:
        """The patient's pseudonym: the one their resolved MRN gets wherever it appears.

        Uses the policy's rule for MRNs when it pseudonymizes (its prefix and
        length); otherwise the default form, since a record key must never be
        the MRN itself.
        """
        rule = self.scrubber.policy.resolve(_MRN_TARGET)
        if rule.method == "pseudonymize":
            outcome = rule.operator(self.identity.value, _MRN_TARGET, self.identity.namespace, self)
            if isinstance(outcome, str):
                return outcome
        return pseudonym(Kind.MRN, self.identity.namespace, self.identity.value, self)

    def apply(
        self, value: str, target: Target, namespace: str = "", rule: Rule | None = None
    ) -> Outcome:
        """Apply the policy to one value; a method that does not fit removes it.

        ``rule`` is the policy's rule for ``target`` when the caller resolved it
        ahead (a format adapter's plan): no lookup per value."""
        if rule is None:
            rule = self._cached_rule(target) or self._resolve(target)
        try:
            outcome = rule.operator(value, target, namespace, self)
        except MethodNotApplicable:
            self.report.fallbacks += 1
            self.report.record(target.kind, "redact")
            self.last_method = "redact"
            return Removal.VALUE
        self.last_method = rule.method
        counts = self._counts  # inlined ScrubReport.record: this runs for every value
        key = (target.kind, rule.method)
        counts[key] = counts.get(key, 0) + 1
        return outcome
