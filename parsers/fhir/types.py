"""The FHIR datatype of every element, from fhir.resources' model metadata.

Read once per model class, on first use, and cached: no model is ever
instantiated or validated per message (fhir.resources validates a 57 KB
Bundle at about 115/s and rewrites timestamps when it serializes). R4B
(used for R4 content) and R5 are merged: an element known to either is
typed, R4B first; where R5 types it differently (``Coverage.subscriberId``
became an Identifier, ``Attachment.size`` an integer64 written as a string),
the R5 type is kept as the alternate, and :meth:`ElementType.for_value`
picks the one whose JSON form a value has.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, Final

import fhir.resources as r5
from fhir.resources import R4B as r4b  # noqa: N811 - a package, not a constant

# Primitive markers used by fhir_core's Annotated types -> FHIR primitive names.
_PRIMITIVES: Final = {
    "Date": "date",
    "DateTime": "dateTime",
    "Instant": "instant",
    "Time": "time",
    "String": "string",
    "Markdown": "markdown",
    "Base64Binary": "base64Binary",
    "Code": "code",
    "Id": "id",
    "Uri": "uri",
    "Url": "url",
    "Canonical": "canonical",
    "Oid": "oid",
    "Uuid": "uuid",
    "Boolean": "boolean",
    "Integer": "integer",
    "Integer64": "integer64",
    "UnsignedInt": "unsignedInt",
    "PositiveInt": "positiveInt",
    "Decimal": "decimal",
    "Xhtml": "xhtml",
}


# Primitives whose JSON form is not a string (integer64 is written as one).
_NUMBER_TYPES: Final = frozenset({"integer", "unsignedInt", "positiveInt", "decimal"})


@dataclass(frozen=True, slots=True)
class ElementType:
    """An element's FHIR type name and, for complex and backbone types, its model name."""

    fhir_type: str  # "HumanName", "date", "PatientContact", ...
    model: str | None  # model class name to look up children, None for primitives
    alternate: ElementType | None = None  # R5's type where it differs from R4B's

    def for_value(self, value: Any) -> ElementType:
        """The type (R4B's, else R5's) whose JSON form ``value`` has: a valid R5
        document is read as R5 where the versions disagree."""
        if self.alternate is None or self.fits(value) or not self.alternate.fits(value):
            return self
        return self.alternate

    def fits(self, value: Any, depth: int = 1) -> bool:
        """Whether ``value`` (or a list's first item) has this type's JSON form: for an
        object, its keys are this type's elements and (``depth`` levels down) their
        values have those elements' forms (R5's CodeableReference ``{"reference":
        {...}}`` is no R4B Reference)."""
        if isinstance(value, list):
            value = next((item for item in value if item is not None), None)
        if value is None:
            return True
        if isinstance(value, dict):
            if self.model is None:
                return False
            elements = children(self.model)
            if elements is None:
                return True
            for key, item in value.items():
                element = elements.get(key[1:] if key[:1] == "_" else key)
                if element is None:
                    return False
                if depth > 0 and key[:1] != "_" and not element.fits(item, depth - 1):
                    return False
            return True
        if self.model is not None:
            return False
        if isinstance(value, bool):
            return self.fhir_type == "boolean"
        if isinstance(value, int | float):
            return self.fhir_type in _NUMBER_TYPES
        return self.fhir_type not in _NUMBER_TYPES and self.fhir_type != "boolean"


def _unwrap(annotation: Any) -> Any:
    """Strip Optional[...] and List[...] down to the element's own type."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Union or origin is types.UnionType:
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0]
        elif origin in (list, typing.List):  # noqa: UP006 - runtime typing object
            annotation = typing.get_args(annotation)[0]
        else:
            return annotation


# fhir.resources types a boolean element as a plain ``bool``, not an annotated
# primitive. Read only where the other version types the element differently (R5's
# ``Appointment.participant.required``, an R4B code): there it is the alternate a
# valid document's ``true`` is read by. An element that is a boolean in both versions
# stays untyped, as before: a string there is free text, not a refused document.
_BOOLEAN: Final = ElementType("boolean", None)


def _element_type(annotation: Any) -> ElementType | None:
    inner = _unwrap(annotation)
    if inner is bool:
        return _BOOLEAN
    if typing.get_origin(inner) is typing.Annotated:
        for marker in typing.get_args(inner)[1:]:
            name = _PRIMITIVES.get(type(marker).__name__)
            if name is not None:
                return ElementType(name, None)
        return None
    get_model = getattr(inner, "get_model_klass", None)
    if get_model is None:
        return None
    model = get_model()
    name = model.__name__
    return ElementType(name, name)


def _model_class(name: str) -> Any:
    for package in (r4b, r5):
        try:
            return package.get_fhir_model_class(name)
        except (KeyError, ValueError, ImportError, AttributeError):
            continue
    return None


@functools.lru_cache(maxsize=8192)  # bounded: unknown type names come from input
def children(model: str) -> dict[str, ElementType] | None:
    """Element name -> type for a resource, datatype or backbone model; None if unknown."""
    merged: dict[str, ElementType] = {}
    booleans: dict[str, ElementType] = {}  # booleans, only ever alternates (_BOOLEAN)
    found = False
    for package in (r4b, r5):
        try:
            klass = package.get_fhir_model_class(model)
        except (KeyError, ValueError, ImportError, AttributeError):
            continue
        found = True
        for field_name, info in klass.model_fields.items():
            alias = info.alias or field_name
            if alias == "resource_type":
                continue
            element = _element_type(info.annotation)
            if element is None:
                continue
            known = merged.get(alias)
            if element is _BOOLEAN:
                if known is None:
                    booleans[alias] = element  # R4B's boolean, for an R5 type below
                elif known.alternate is None:
                    merged[alias] = replace(known, alternate=element)
            elif known is None:
                merged[alias] = replace(element, alternate=booleans.get(alias))
            elif known.alternate is None and element.fhir_type != known.fhir_type:
                merged[alias] = replace(known, alternate=element)
    return merged if found else None


def is_resource_type(name: str) -> bool:
    """True for a resource type either package knows (``Patient``, ``Bundle`` ...)."""
    klass = _model_class(name)
    return klass is not None and hasattr(klass, "get_resource_type")


def preload(models: Iterable[str]) -> int:
    """Read ``models`` and every model their elements reach now, so that no record
    pays for importing them later (fhir.resources builds a pydantic class per
    model on import: the first Synthea Bundle took 2.5 s cold, 0.14 s warm).
    Returns the number of models read."""
    seen: set[str] = set()
    pending = list(models)
    while pending:
        model = pending.pop()
        if model in seen:
            continue
        seen.add(model)
        for element in (children(model) or {}).values():
            for kind in (element, element.alternate):
                if kind is not None and kind.model and kind.model not in seen:
                    pending.append(kind.model)
    return len(seen)
