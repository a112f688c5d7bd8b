"""The JSON shape of a FHIR document, checked once before it is scrubbed.

One pass over every object, typed by the models as the walk is, that fails
closed where the walk could not see PHI: a ``resourceType`` or a key not
shaped like a FHIR name, a number where a string belongs and a string where
a number belongs. It collects, for the walk, the document's resources and
what the models do not know (element names, numbers under them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final, NoReturn

from parsers.fhir.types import children
from scrubbers.engine import MessageContext
from scrubbers.fhir.document import MAX_DEPTH, FHIRScrubError

# The shape of a resource type name and of an element name (``valueString``,
# ``_birthDate``, ``fhir_comments``), bounded; no FHIR name has three digits in a
# row (a year or a phone number has). A real but unknown type (an R6 or a custom
# one) is scrubbed by the types of its values; anything else fails the document.
_RESOURCE_TYPE_NAME: Final = re.compile(r"[A-Z](?:[A-Za-z]|[0-9](?![0-9]{2})){0,63}")
_ELEMENT_NAME: Final = re.compile(r"_?[A-Za-z](?:[A-Za-z_]|[0-9](?![0-9]{2})){0,63}")
# Primitive types whose JSON form is a string: a number or object there is invalid.
STRING_TYPES: Final = frozenset(
    {"string", "markdown", "code", "id", "uri", "url", "canonical", "oid", "uuid"}
    | {"date", "dateTime", "instant", "time", "base64Binary"}
)
# Primitive types whose JSON form is a number or a boolean (integer64 is a string).
_NON_STRING_TYPES: Final = frozenset(
    {"integer", "positiveInt", "unsignedInt", "decimal", "boolean"}
)


@dataclass(slots=True)
class DocumentShape:
    """What the shape pass found in a document (see :func:`shape_pass`)."""

    resources: list[dict[str, Any]] = field(default_factory=list)
    # Keys no model knows, each with the (value-free) path of its first parent.
    unknown_keys: dict[str, str] = field(default_factory=dict)
    # Numbers under elements no model knows: (their dict or list, key or index, owner).
    numbers: list[tuple[Any, Any, dict[str, Any]]] = field(default_factory=list)
    # Every ``reference`` string, in document order (so no second walk collects them).
    references: list[str] = field(default_factory=list)


def shape_pass(document: dict[str, Any]) -> DocumentShape:
    """Every resource in the document, in document order (itself, Bundle entries,
    nested Bundles, contained resources, resources nested anywhere else:
    ``Parameters.parameter.resource``, ``Bundle.entry.response.outcome``), and a
    check of the JSON shape of everything, typed by the models as the walk is.

    Fails closed (value-free errors naming the parent path) on a ``resourceType``
    that is not shaped like a resource type name, a key that is not shaped like
    an element name, and a number where the models say a string belongs. It
    reaches every object, including those the walk leaves to a datatype handler
    (a Meta tag's coding), so nothing of the sort passes unseen. Keys the
    models do not know and numbers under them are collected for the scrubber.
    """
    shape = DocumentShape()
    _visit(shape, document, 0, None, "", document)
    return shape


@dataclass(frozen=True, slots=True)
class _Check:
    """What the shape pass checks of one element of a model, worked out once."""

    fhir_type: str
    model: str | None  # the model of an object here
    must_be_string: bool  # a number here is invalid
    must_not_be_string: bool  # a string here is invalid


# Checks by model and element name; models are FHIR's own names (a bounded set).
_CHECKS: Final[dict[str, dict[str, _Check]]] = {}


def _checks(model: str) -> dict[str, _Check] | None:
    """The checks of ``model``'s elements (None for a model nobody knows); an element
    whose type depends on its value (R4B or R5) has none and is typed value by value."""
    checks = _CHECKS.get(model)
    if checks is None:
        elements = children(model)
        if elements is None:
            return None
        checks = _CHECKS[model] = {
            key: _Check(
                element.fhir_type,
                element.model,
                element.fhir_type in STRING_TYPES,
                element.fhir_type in _NON_STRING_TYPES,
            )
            for key, element in elements.items()
            if element.alternate is None
        }
    return checks


def _visit(
    shape: DocumentShape,
    node: Any,
    depth: int,
    model: str | None,
    path: str,
    owner: Any,
    objects: str = "",
) -> None:
    """Visit ``node``; ``objects`` names the type of a list's items when they must be
    objects (null entries allowed: they keep a primitive list aligned with its "_"
    twin)."""
    if depth > MAX_DEPTH:
        raise FHIRScrubError("nesting too deep")
    if isinstance(node, list):
        for value in node:
            if isinstance(value, dict) or isinstance(value, list):  # noqa: SIM101 - mypyc
                _visit(shape, value, depth + 1, model, path, owner)
            elif objects and value is not None:
                _not_an_object(path, objects)
        return
    item: dict[str, Any] = node  # typed, so the compiled loop iterates it as a dict
    reference = item.get("reference")
    if isinstance(reference, str):
        shape.references.append(reference)
    if "resourceType" in item:
        resource_type = item["resourceType"]
        if not isinstance(resource_type, str) or not _RESOURCE_TYPE_NAME.fullmatch(resource_type):
            where = f"{path}: " if path else ""
            raise FHIRScrubError(f"{where}resourceType is not a FHIR resource type name")
        shape.resources.append(item)
        owner = item
        model = resource_type if children(resource_type) is not None else "Resource"
        path = model
    checks = _checks(model) if model else None
    for key, value in item.items():
        check = checks.get(key) if checks is not None else None
        if check is not None:
            if value is None:
                _null(path, key)
            if (
                check.model is not None
                and not isinstance(value, dict)
                and not isinstance(value, list)
            ):
                # A number or string where an object belongs: named here, before a
                # handler reading ahead of the walk trips on it.
                _not_an_object(f"{path}.{key}", check.fhir_type)
            if check.must_not_be_string or (
                # A string (the usual) or an object has no number to fail on.
                check.must_be_string and not isinstance(value, str) and not isinstance(value, dict)
            ):
                _check_value(value, check, path, key)
            if isinstance(value, dict) or isinstance(value, list):  # noqa: SIM101 - mypyc
                objects = check.fhir_type if check.model is not None else ""
                _visit(shape, value, depth + 1, check.model, f"{path}.{key}", owner, objects)
            continue
        elements = children(model) if model else None
        element = elements.get(key) if elements else None
        if element is not None and element.alternate is not None:
            element = element.for_value(value)  # R4B or R5, by the value's JSON form
        if element is None:
            if key == "resourceType":
                continue
            if not _ELEMENT_NAME.fullmatch(key):
                raise FHIRScrubError(f"{path}: a key is not a FHIR element name")
            shape.unknown_keys.setdefault(key, path)
            child_path = f"{path}.*"
            if is_number(value):
                shape.numbers.append((item, key, owner))
            elif isinstance(value, list):
                shape.numbers.extend((value, i, owner) for i, v in enumerate(value) if is_number(v))
        else:
            if value is None:
                _null(path, key)
            child_path = f"{path}.{key}"
            _check_value(
                value,
                _Check(
                    element.fhir_type,
                    element.model,
                    element.fhir_type in STRING_TYPES,
                    element.fhir_type in _NON_STRING_TYPES,
                ),
                path,
                key,
            )
        if isinstance(value, dict) or isinstance(value, list):  # noqa: SIM101 - mypyc
            _visit(shape, value, depth + 1, element.model if element else None, child_path, owner)


def _not_an_object(path: str, fhir_type: str) -> NoReturn:
    raise FHIRScrubError(f"{path}: {article(fhir_type)} {fhir_type} must be a JSON object")


def _null(path: str, key: str) -> NoReturn:
    """FHIR JSON has no null element (only list entries that keep a primitive list
    aligned with its "_" extensions): a reason that says so, rather than an internal
    error from the handler that expected a value. An element the models do not know
    may be null: it is kept, as unknown content is."""
    raise FHIRScrubError(f"{path}.{key}: null is not a FHIR value")


def _check_value(value: Any, check: _Check, path: str, key: str) -> None:
    """A number where a string belongs, or a string where a number belongs, fails."""
    if check.must_be_string and (
        is_number(value) or (isinstance(value, list) and any(is_number(v) for v in value))
    ):
        raise FHIRScrubError(f"{path}.{key}: a FHIR {check.fhir_type} must be a JSON string")
    if check.must_not_be_string and (
        isinstance(value, str)
        or (isinstance(value, list) and any(isinstance(v, str) for v in value))
    ):
        # A phone number in multipleBirthInteger: no handler reads it as text.
        raise FHIRScrubError(f"{path}.{key}: a FHIR {check.fhir_type} must not be a JSON string")


def check_unknown_keys(keys: dict[str, str], ctx: MessageContext) -> None:
    """Keys no model knows are names, not data, unless the document's text context
    knows them as PHI (a patient's surname as a key): then the document fails."""
    for key, path in keys.items():
        if ctx.text.scrub(key) != key:
            raise FHIRScrubError(f"{path}: an element name the models do not know holds PHI")


def article(word: str) -> str:
    """The indefinite article of a FHIR type name ("an Identifier", "a Coding")."""
    return "an" if word[:1] in "AEIOaeio" else "a"


def is_number(value: Any) -> bool:
    # Two isinstance tests, not one of "int | float": mypyc compiles these, and would
    # build the union on every call.
    return (isinstance(value, int) or isinstance(value, float)) and not isinstance(  # noqa: SIM101
        value, bool
    )
