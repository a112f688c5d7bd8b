"""The declarative de-identification policy: ordered, first-match-wins rules.

A policy is a YAML document (see ``docs/policy.md``)::

    id: my-policy
    version: "1"
    settings: {date_shift_days: 365, zip3_restricted: census-2000}
    identity: {identifier_types: [MR], namespaces: [...]}
    rules:
      - match: {kind: name, role: provider}
        method: pseudonymize
      - match: {kind: [name]}
        method: mask
      - match: {}
        method: redact

Rules are tried in order; the first whose every selector matches the
:class:`~scrubbers.target.Target` wins. Values no rule matches get
``default_method`` (``redact`` unless set): an incomplete policy fails closed.

Selectors are pluggable (:data:`SELECTORS`): this module provides ``kind``,
``role``, ``format`` and ``datatype``; format adapters register path
selectors (HL7 field paths, FHIR element paths) the same way.

The policy's content hash covers the parsed document and the restricted ZIP3
list it uses: comments and formatting do not change it, any change to the
parsed content does (even one that changes no output, such as a description).
It travels with every output as provenance.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Final, TypeVar

import orjson

from scrubbers import methods
from scrubbers.fhir.paths import FHIRPathError
from scrubbers.fhir.paths import compile_path as compile_fhir_path
from scrubbers.hl7.paths import HL7PathError
from scrubbers.hl7.paths import compile_path as compile_hl7_path
from scrubbers.identity import IdentityConfig, UnresolvedIdentityPolicy
from scrubbers.kinds import Kind, Role
from scrubbers.policy_yaml import LocatedDocument, PolicyError, load_located
from scrubbers.policy_yaml import Path as DocPath
from scrubbers.target import Target
from scrubbers.zip3 import BUILTIN_LIST, load_restricted

PRESETS: Final = ("safe-harbor", "limited-data-set", "pseudonymized")
DEFAULT_PRESET: Final = "safe-harbor"
MAX_DATE_SHIFT_DAYS: Final = 3650

Predicate = Callable[[Target], bool]
SelectorFactory = Callable[[LocatedDocument, DocPath, Any], Predicate]
"""(document, path of the selector's value, the value) -> predicate; raise via doc.error."""

SELECTORS: dict[str, SelectorFactory] = {}


def register_selector(name: str) -> Callable[[SelectorFactory], SelectorFactory]:
    def decorate(factory: SelectorFactory) -> SelectorFactory:
        SELECTORS[name] = factory
        return factory

    return decorate


def string_list(doc: LocatedDocument, path: DocPath, value: Any) -> list[str]:
    """A selector value given as one string or a list of strings."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
        raise doc.error(path, "expected a string or a non-empty list of strings")
    return items


E = TypeVar("E", Kind, Role)


def _enum_set(doc: LocatedDocument, path: DocPath, value: Any, enum_type: type[E]) -> frozenset[E]:
    members: set[E] = set()
    for index, name in enumerate(string_list(doc, path, value)):
        try:
            members.add(enum_type(name))
        except ValueError:
            where = path if isinstance(value, str) else (*path, index)
            known = ", ".join(m.value for m in enum_type)
            raise doc.error(
                where, f"unknown {enum_type.__name__.lower()}; known: {known}"
            ) from None
    return frozenset(members)


@register_selector("kind")
def _kind_selector(doc: LocatedDocument, path: DocPath, value: Any) -> Predicate:
    kinds = _enum_set(doc, path, value, Kind)
    return lambda target: target.kind in kinds


@register_selector("role")
def _role_selector(doc: LocatedDocument, path: DocPath, value: Any) -> Predicate:
    roles = _enum_set(doc, path, value, Role)
    return lambda target: target.role in roles


@register_selector("format")
def _format_selector(doc: LocatedDocument, path: DocPath, value: Any) -> Predicate:
    formats = frozenset(string_list(doc, path, value))
    return lambda target: target.format in formats


@register_selector("datatype")
def _datatype_selector(doc: LocatedDocument, path: DocPath, value: Any) -> Predicate:
    datatypes = frozenset(string_list(doc, path, value))
    return lambda target: target.datatype in datatypes


@register_selector("hl7")
def _hl7_selector(doc: LocatedDocument, path: DocPath, value: Any) -> Predicate:
    """HL7v2 field paths (``PID-5``, ``PID-11.5``, ``NK1-*``, ``Z*``) that override datatypes."""
    patterns = _path_patterns(doc, path, value, compile_hl7_path, HL7PathError)
    return lambda target: target.format == "hl7v2" and any(p.match(target.path) for p in patterns)


@register_selector("fhir")
def _fhir_selector(doc: LocatedDocument, path: DocPath, value: Any) -> Predicate:
    """FHIR element paths (``Patient.birthDate``, ``*.telecom``) that override datatypes."""
    patterns = _path_patterns(doc, path, value, compile_fhir_path, FHIRPathError)
    return lambda target: target.format == "fhir" and any(p.match(target.path) for p in patterns)


def _path_patterns(
    doc: LocatedDocument,
    path: DocPath,
    value: Any,
    compile_path: Callable[[str], re.Pattern[str]],
    error: type[ValueError],
) -> list[re.Pattern[str]]:
    """A path selector's patterns, compiled; a bad one is reported where it stands."""
    patterns = []
    for index, text in enumerate(string_list(doc, path, value)):
        try:
            patterns.append(compile_path(text))
        except error as exc:
            raise doc.error(path if isinstance(value, str) else (*path, index), str(exc)) from None
    return patterns


@dataclass(frozen=True, slots=True)
class Rule:
    """One compiled rule. ``index`` is its position (-1 for the default)."""

    index: int
    method: str
    operator: methods.Operator
    predicates: tuple[Predicate, ...] = ()
    params: Mapping[str, object] = field(default_factory=dict)
    line: int | None = None
    description: str = ""
    selectors: Mapping[str, Any] = field(default_factory=dict)  # as written, for display

    def matches(self, target: Target) -> bool:
        return all(predicate(target) for predicate in self.predicates)


@dataclass(frozen=True, slots=True)
class Settings:
    date_shift_days: int = 365
    zip3_source: str = BUILTIN_LIST
    restricted_zip3: frozenset[str] = frozenset()


@dataclass(eq=False, slots=True)
class Policy:
    """A loaded, validated, compiled policy."""

    id: str
    version: str
    description: str
    content_hash: str
    rules: tuple[Rule, ...]
    default: Rule
    settings: Settings
    identity: IdentityConfig
    source: str
    _cache: dict[Target, Rule] = field(default_factory=dict, repr=False)

    @property
    def cached_rule(self) -> Callable[[Target], Rule | None]:
        """The resolution cache's lookup, for callers that bind it once (hot path)."""
        return self._cache.get

    def resolve(self, target: Target) -> Rule:
        """The first rule matching ``target`` (cached: one scan per distinct target)."""
        rule = self._cache.get(target)
        if rule is None:
            rule = next((r for r in self.rules if r.matches(target)), self.default)
            if len(self._cache) > 100_000:  # bound memory if paths are unbounded
                self._cache.clear()
            self._cache[target] = rule
        return rule

    @property
    def provenance(self) -> dict[str, str]:
        return {
            "policy_id": self.id,
            "policy_version": self.version,
            "policy_hash": self.content_hash,
        }


# --- loading -------------------------------------------------------------------

_TOP_KEYS: Final = frozenset(
    {"id", "version", "description", "settings", "identity", "rules", "default_method"}
)
_SETTINGS_KEYS: Final = frozenset({"date_shift_days", "zip3_restricted"})
_IDENTITY_KEYS: Final = frozenset({"identifier_types", "namespaces", "unresolved"})
_NAMESPACE_KEYS: Final = frozenset({"name", "hl7_authorities", "fhir_systems"})
_RULE_KEYS: Final = frozenset({"match", "method", "with", "description"})


def load_policy(spec: str | Path | None = None) -> Policy:
    """Load a preset by name (default ``safe-harbor``) or a policy file by path."""
    name = str(spec) if spec is not None else DEFAULT_PRESET
    if name in PRESETS:
        text = resources.files("scrubbers.presets").joinpath(f"{name}.yaml").read_text("utf-8")
        return parse_policy(text, f"preset:{name}")
    path = Path(name)
    if not path.is_file():
        raise PolicyError(
            name, None, (), f"no such policy file, and not a preset ({', '.join(PRESETS)})"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise PolicyError(name, None, (), "policy files must be UTF-8") from None
    return parse_policy(text, str(path), base_dir=path.parent)


def parse_policy(text: str, source: str = "<policy>", base_dir: Path | None = None) -> Policy:
    """Validate and compile a policy document."""
    doc = load_located(text, source)
    data = doc.data
    if not isinstance(data, dict):
        raise doc.error((), "a policy is a mapping with id, version and rules")
    _reject_unknown(doc, (), data, _TOP_KEYS)
    policy_id = _required_str(doc, ("id",), data.get("id"))
    version = _required_str(doc, ("version",), data.get("version"), allow_number=True)
    description = data.get("description", "")
    if not isinstance(description, str):
        raise doc.error(("description",), "expected a string")

    settings = _settings(doc, data.get("settings", {}), base_dir)
    identity = _identity(doc, data.get("identity", {}))
    rules = _rules(doc, data.get("rules"))
    default_name = data.get("default_method", "redact")
    default = _compile_rule(
        doc,
        ("default_method",),
        index=-1,
        method=default_name,
        params={},
        predicates=(),
        kinds=None,
        description="",
    )

    canonical = orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
    digest = hashlib.sha256(canonical + b"\0" + ",".join(sorted(settings.restricted_zip3)).encode())
    return Policy(
        id=policy_id,
        version=version,
        description=description,
        content_hash=f"sha256:{digest.hexdigest()[:16]}",
        rules=tuple(rules),
        default=default,
        settings=settings,
        identity=identity,
        source=source,
    )


def _reject_unknown(
    doc: LocatedDocument, path: DocPath, data: dict[str, Any], allowed: frozenset[str]
) -> None:
    for key in data:
        if key not in allowed:
            raise doc.error(
                (*path, key), f"unknown key; expected one of {', '.join(sorted(allowed))}"
            )


def _required_str(
    doc: LocatedDocument, path: DocPath, value: Any, allow_number: bool = False
) -> str:
    if allow_number and isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise doc.error(path, "required: a non-empty string")
    return value


def _mapping(doc: LocatedDocument, path: DocPath, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise doc.error(path, "expected a mapping")
    return value


def _settings(doc: LocatedDocument, value: Any, base_dir: Path | None) -> Settings:
    data = _mapping(doc, ("settings",), value)
    _reject_unknown(doc, ("settings",), data, _SETTINGS_KEYS)
    days = data.get("date_shift_days", 365)
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_DATE_SHIFT_DAYS:
        raise doc.error(
            ("settings", "date_shift_days"),
            f"expected a whole number of days from 1 to {MAX_DATE_SHIFT_DAYS}",
        )
    zip_source = data.get("zip3_restricted", BUILTIN_LIST)
    if not isinstance(zip_source, str):
        raise doc.error(
            ("settings", "zip3_restricted"), f"expected {BUILTIN_LIST!r} or a file path"
        )
    if zip_source != BUILTIN_LIST and base_dir is not None and not Path(zip_source).is_absolute():
        zip_source = str(base_dir / zip_source)
    try:
        restricted = load_restricted(zip_source)
    except (OSError, ValueError) as exc:
        raise doc.error(("settings", "zip3_restricted"), f"cannot load the list: {exc}") from None
    return Settings(days, zip_source, restricted)


def _identity(doc: LocatedDocument, value: Any) -> IdentityConfig:
    path: DocPath = ("identity",)
    data = _mapping(doc, path, value)
    _reject_unknown(doc, path, data, _IDENTITY_KEYS)
    types = frozenset(
        string_list(doc, (*path, "identifier_types"), data.get("identifier_types", ["MR"]))
    )
    unresolved_name = data.get("unresolved", UnresolvedIdentityPolicy.PER_MESSAGE.value)
    try:
        unresolved = UnresolvedIdentityPolicy(unresolved_name)
    except ValueError:
        choices = ", ".join(u.value for u in UnresolvedIdentityPolicy)
        raise doc.error((*path, "unresolved"), f"expected one of {choices}") from None
    authorities: dict[str, str] = {}
    systems: dict[str, str] = {}
    namespaces = data.get("namespaces", [])
    if not isinstance(namespaces, list):
        raise doc.error((*path, "namespaces"), "expected a list")
    for index, raw_entry in enumerate(namespaces):
        entry_path: DocPath = (*path, "namespaces", index)
        entry = _mapping(doc, entry_path, raw_entry)
        _reject_unknown(doc, entry_path, entry, _NAMESPACE_KEYS)
        name = _required_str(doc, (*entry_path, "name"), entry.get("name"))
        for key, target in (("hl7_authorities", authorities), ("fhir_systems", systems)):
            for issuer in string_list(doc, (*entry_path, key), entry.get(key, [name])):
                if target.get(issuer, name) != name:
                    raise doc.error(
                        (*entry_path, key), "an issuer may belong to one namespace only"
                    )
                target[issuer] = name
    return IdentityConfig(types, authorities, systems, unresolved)


def _rules(doc: LocatedDocument, value: Any) -> list[Rule]:
    if not isinstance(value, list) or not value:
        raise doc.error(("rules",), "required: a non-empty list of rules")
    compiled = []
    for index, entry in enumerate(value):
        path: DocPath = ("rules", index)
        if not isinstance(entry, dict):
            raise doc.error(path, "a rule is a mapping with match and method")
        _reject_unknown(doc, path, entry, _RULE_KEYS)
        if "match" not in entry:
            raise doc.error(path, "required key 'match' is missing (use {} to match everything)")
        match = _mapping(doc, (*path, "match"), entry["match"])
        predicates = []
        for selector_name, selector_value in match.items():
            factory = SELECTORS.get(selector_name)
            if factory is None:
                known = ", ".join(sorted(SELECTORS))
                raise doc.error(
                    (*path, "match", selector_name), f"unknown selector; known: {known}"
                )
            predicates.append(factory(doc, (*path, "match", selector_name), selector_value))
        kinds = (
            _enum_set(doc, (*path, "match", "kind"), match["kind"], Kind)
            if "kind" in match
            else None
        )
        description = entry.get("description", "")
        if not isinstance(description, str):
            raise doc.error((*path, "description"), "expected a string")
        params = _mapping(doc, (*path, "with"), entry.get("with"))
        compiled.append(
            _compile_rule(
                doc,
                path,
                index=index,
                method=entry.get("method"),
                params=params,
                predicates=tuple(predicates),
                kinds=kinds,
                description=description,
                selectors=match,
            )
        )
    return compiled


def _compile_rule(
    doc: LocatedDocument,
    path: DocPath,
    *,
    index: int,
    method: Any,
    params: Mapping[str, object],
    predicates: Sequence[Predicate],
    kinds: frozenset[Kind] | None,
    description: str,
    selectors: Mapping[str, Any] | None = None,
) -> Rule:
    method_path = (*path, "method") if index >= 0 else path
    if not isinstance(method, str):
        raise doc.error(method_path, f"required: one of {', '.join(sorted(methods.REGISTRY))}")
    try:
        operator = methods.build(method, params)
    except methods.MethodConfigError as exc:
        raise doc.error(
            method_path if "unknown method" in str(exc) else (*path, "with"), str(exc)
        ) from None
    spec = methods.REGISTRY[method]
    to = params.get("to")
    if method == "generalize" and to is not None and kinds is not None:
        fitting = methods.GENERALIZE_KINDS[str(to)]
        if not kinds <= fitting:
            allowed = ", ".join(sorted(k.value for k in fitting))
            raise doc.error(
                (*path, "with"), f"generalize to {to!r} applies only to kinds: {allowed}"
            )
    if spec.kinds is not None:
        if kinds is None and index < 0:
            raise doc.error(method_path, f"the default method cannot be {method!r}")
        if kinds is not None and not kinds <= spec.kinds:
            allowed = ", ".join(sorted(k.value for k in spec.kinds))
            raise doc.error(method_path, f"{method!r} applies only to kinds: {allowed}")
    return Rule(
        index,
        method,
        operator,
        tuple(predicates),
        dict(params),
        doc.lines.get(path),
        description,
        dict(selectors or {}),
    )
