"""De-identification methods: a registry of small, pure operators.

Each method is a factory that validates its parameters once, when the policy
is loaded, and returns an :data:`Operator`: a plain function of the value,
its :class:`~scrubbers.target.Target` and the per-message
:class:`OperatorContext`. Operators hold no state of their own, so the same
input under the same key and patient always gives the same output.

An operator returns the replacement text, or a :class:`Removal` telling the
format adapter to remove the value (``redact``) or the whole element
(``drop``). It raises :class:`MethodNotApplicable` when the value does not
fit (an unparseable date under ``date_shift``); the caller then removes the
value, failing closed, and counts the fallback.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final, Protocol

from scrubbers import dates
from scrubbers.kinds import DATE_KINDS, LABELS, Kind
from scrubbers.target import Target
from scrubbers.zip3 import FOREIGN_POSTAL_PREFIX, ZipFormatError, zip3


class Removal(enum.Enum):
    """A value (``redact``) or its whole element (``drop``) is to be removed."""

    VALUE = "redact"
    ELEMENT = "drop"


Outcome = str | Removal


class MethodNotApplicable(ValueError):  # noqa: N818 - reads as a condition, like StopIteration
    """The value does not fit the method. Messages never quote the value."""


class MethodConfigError(ValueError):
    """A method's parameters are invalid (raised at policy load, with the key named)."""


class OperatorContext(Protocol):
    """What an operator may ask of the message being scrubbed."""

    @property
    def date_shift_days(self) -> int: ...

    @property
    def reference_year(self) -> int: ...

    @property
    def restricted_zip3(self) -> frozenset[str]: ...

    def keyed_digest(self, domain: str, text: str) -> bytes: ...

    def scrub_text(self, text: str) -> str: ...


Operator = Callable[[str, Target, str, OperatorContext], Outcome]
"""(value, target, namespace, context) -> replacement or removal."""


@dataclass(frozen=True, slots=True)
class MethodSpec:
    """A registered method: its factory, parameters, and kinds it accepts."""

    name: str
    factory: Callable[[Mapping[str, object]], Operator]
    params: frozenset[str]
    kinds: frozenset[Kind] | None = None  # None: any kind
    summary: str = ""


REGISTRY: dict[str, MethodSpec] = {}


def register(
    name: str, params: tuple[str, ...] = (), kinds: frozenset[Kind] | None = None
) -> Callable[
    [Callable[[Mapping[str, object]], Operator]], Callable[[Mapping[str, object]], Operator]
]:
    def decorate(
        factory: Callable[[Mapping[str, object]], Operator],
    ) -> Callable[[Mapping[str, object]], Operator]:
        summary = (factory.__doc__ or "").strip().splitlines()[0]
        REGISTRY[name] = MethodSpec(name, factory, frozenset(params), kinds, summary)
        return factory

    return decorate


def build(name: str, params: Mapping[str, object]) -> Operator:
    """Validate ``params`` for method ``name`` and return its operator."""
    spec = REGISTRY.get(name)
    if spec is None:
        raise MethodConfigError(f"unknown method {name!r}; known: {', '.join(sorted(REGISTRY))}")
    unknown = set(params) - spec.params
    if unknown:
        allowed = ", ".join(sorted(spec.params)) or "none"
        raise MethodConfigError(
            f"method {name!r} has no parameter {sorted(unknown)[0]!r} (allowed: {allowed})"
        )
    return spec.factory(params)


def _str_param(params: Mapping[str, object], key: str, default: str) -> str:
    value = params.get(key, default)
    if not isinstance(value, str):
        raise MethodConfigError(f"parameter {key!r} must be a string")
    return value


def _int_param(params: Mapping[str, object], key: str, default: int, low: int, high: int) -> int:
    value = params.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise MethodConfigError(f"parameter {key!r} must be an integer from {low} to {high}")
    return value


# --- keep, redact, drop -------------------------------------------------------


def _keep(value: str, target: Target, namespace: str, ctx: OperatorContext) -> Outcome:
    return value


def _redact(value: str, target: Target, namespace: str, ctx: OperatorContext) -> Outcome:
    return Removal.VALUE


def _drop(value: str, target: Target, namespace: str, ctx: OperatorContext) -> Outcome:
    return Removal.ELEMENT


@register("keep")
def keep(params: Mapping[str, object]) -> Operator:
    """Leave the value as it is."""
    return _keep


@register("redact")
def redact(params: Mapping[str, object]) -> Operator:
    """Remove the value; the element stays (an empty HL7 field, an absent FHIR value)."""
    return _redact


@register("drop")
def drop(params: Mapping[str, object]) -> Operator:
    """Remove the whole element where the format allows (a segment repetition, a FHIR element)."""
    return _drop


# --- scrub (free text) -----------------------------------------------------------


def _scrub(value: str, target: Target, namespace: str, ctx: OperatorContext) -> Outcome:
    return ctx.scrub_text(value)


@register("scrub", kinds=frozenset({Kind.FREE_TEXT}))
def scrub(params: Mapping[str, object]) -> Operator:
    """Scrub free text: the message's known PHI values and pattern detectors, replaced in place."""
    return _scrub


# --- mask ---------------------------------------------------------------------


@register("mask", params=("placeholder",))
def mask(params: Mapping[str, object]) -> Operator:
    """Replace with a typed placeholder, ``[NAME]`` by default (``{label}`` = the kind's label)."""
    template = _str_param(params, "placeholder", "[{label}]")
    try:
        template.format(label="X")
    except (KeyError, IndexError, ValueError):
        raise MethodConfigError("parameter 'placeholder' may only use {label}") from None
    by_kind = {kind: template.format(label=label) for kind, label in LABELS.items()}

    def _mask(value: str, target: Target, namespace: str, ctx: OperatorContext) -> Outcome:
        return by_kind[target.kind]

    return _mask


# --- pseudonymize -------------------------------------------------------------

_CASE_INSENSITIVE_KINDS: Final = frozenset(
    {Kind.NAME, Kind.PROVIDER_NAME, Kind.ORGANIZATION_NAME, Kind.EMAIL, Kind.URL, Kind.CITY}
)
PSEUDONYM_DOMAIN: Final = "pseudonym"
MAX_PSEUDONYM_LENGTH: Final = 64  # all 256 bits of the digest, in hex
# 64 bits: two of a million MRNs collide with odds of about 3 in 100 million (32 bits
# made a collision likely past 65,000 MRNs, merging patients' records and keys).
MIN_PSEUDONYM_LENGTH: Final = 16
_TAGS: Final = {kind: kind.value for kind in Kind}  # plain str: formatting an enum is slow


def normalize_for_pseudonym(kind: Kind, value: str) -> str:
    """Spellings of one value that mean the same thing give the same pseudonym."""
    text = value.strip()
    if "  " in text or "\t" in text or "\n" in text or "\r" in text:
        text = " ".join(text.split())
    return text.casefold() if kind in _CASE_INSENSITIVE_KINDS else text


def pseudonym(
    kind: Kind,
    namespace: str,
    value: str,
    ctx: OperatorContext,
    *,
    length: int = 20,
    prefix: str | None = None,
) -> str:
    """``<LABEL>-<uppercase hex of HMAC-SHA256(key, kind, namespace, value)>``.

    The namespace (an identifier's resolved assigning authority or system)
    keeps equal numbers from different issuers apart, and is what makes the
    same MRN give the same pseudonym from HL7v2 and from FHIR. The default 20
    hex characters carry 80 bits. Hex rather than base32: it is encoded in C
    (base32 in Python 3.11 costs more than the HMAC) and is case-insensitive,
    so it survives systems that upper-case identifiers.
    """
    digest = ctx.keyed_digest(
        PSEUDONYM_DOMAIN,
        f"{_TAGS[kind]}\x1f{namespace}\x1f{normalize_for_pseudonym(kind, value)}",
    )
    return f"{LABELS[kind] if prefix is None else prefix}-{digest[: length // 2].hex().upper()}"


@register("pseudonymize", params=("prefix", "length"))
def pseudonymize(params: Mapping[str, object]) -> Operator:
    """Replace with a keyed pseudonym: HMAC-SHA256 under the secret key, prefixed by kind."""
    length = _int_param(params, "length", 20, MIN_PSEUDONYM_LENGTH, MAX_PSEUDONYM_LENGTH)
    if length % 2:
        raise MethodConfigError("parameter 'length' must be even")
    prefix = params.get("prefix")
    if prefix is not None and (
        not isinstance(prefix, str) or not re.fullmatch(r"[A-Za-z0-9_]{1,12}", prefix)
    ):
        raise MethodConfigError("parameter 'prefix' must be 1-12 letters, digits or '_'")

    def _pseudonymize(value: str, target: Target, namespace: str, ctx: OperatorContext) -> Outcome:
        if not value.strip():
            return value
        return pseudonym(target.kind, namespace, value, ctx, length=length, prefix=prefix)

    return _pseudonymize


# --- date_shift ---------------------------------------------------------------


@register("date_shift", kinds=DATE_KINDS)
def date_shift(params: Mapping[str, object]) -> Operator:
    """Move a date by the patient's keyed offset (whole days), keeping precision and timezone."""

    def _date_shift(value: str, target: Target, namespace: str, ctx: OperatorContext) -> Outcome:
        try:
            return dates.shift(value, ctx.date_shift_days)
        except dates.DateFormatError as exc:
            raise MethodNotApplicable(str(exc)) from None

    return _date_shift


# --- generalize ---------------------------------------------------------------

_LEADING_NUMBER: Final = re.compile(r"\s*(\d{1,3})(?!\d)")
GENERALIZE_TO: Final = ("year", "age", "zip3")
GENERALIZE_KINDS: Final = {
    "year": DATE_KINDS,
    "age": frozenset({Kind.AGE}),
    "zip3": frozenset({Kind.ZIP}),
}
SAFE_HARBOR_MAX_AGE: Final = 89


def _generalize_date(value: str, target: Target, ctx: OperatorContext) -> Outcome:
    try:
        year = dates.year_of(value)
    except dates.DateFormatError as exc:
        raise MethodNotApplicable(str(exc)) from None
    if target.kind is Kind.BIRTH_DATE and ctx.reference_year - year > SAFE_HARBOR_MAX_AGE:
        # Safe Harbor: even the year is identifying when it implies an age over 89.
        return Removal.VALUE
    return f"{year:04d}"


@register(
    "generalize", params=("to", "top_code"), kinds=frozenset({*DATE_KINDS, Kind.AGE, Kind.ZIP})
)
def generalize(params: Mapping[str, object]) -> Operator:
    """Coarsen: dates to the year, ages over 89 to one 90+ group, ZIP codes to ZIP3."""
    to = params.get("to")
    if to is not None and to not in GENERALIZE_TO:
        raise MethodConfigError(f"parameter 'to' must be one of {', '.join(GENERALIZE_TO)}")
    top_code = _str_param(params, "top_code", "90+")

    def _generalize(value: str, target: Target, namespace: str, ctx: OperatorContext) -> Outcome:
        mode = to or _default_generalization(target.kind)
        if mode == "year":
            return _generalize_date(value, target, ctx)
        if mode == "zip3":
            if namespace.startswith(FOREIGN_POSTAL_PREFIX):
                raise MethodNotApplicable("a postal code outside the US is no ZIP code")
            try:
                return zip3(value, ctx.restricted_zip3)
            except ZipFormatError as exc:
                raise MethodNotApplicable(str(exc)) from None
        match = _LEADING_NUMBER.match(value)
        if match is None:
            raise MethodNotApplicable("not an age in years")
        return top_code if int(match.group(1)) > SAFE_HARBOR_MAX_AGE else value

    return _generalize


def _default_generalization(kind: Kind) -> str:
    if kind in DATE_KINDS:
        return "year"
    if kind is Kind.ZIP:
        return "zip3"
    if kind is Kind.AGE:
        return "age"
    raise MethodNotApplicable("generalize has no rule for this kind")
