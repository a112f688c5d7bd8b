"""Where things are in a FHIR document: its resources, logical ids, references and patients.

Read-only helpers over the parsed JSON (dicts and lists), used before and
while the document is scrubbed: which resources it holds (Bundle entries,
nested Bundles, contained resources), which logical ids it names, which
Patient it is about, and the identifiers that resolve that patient.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any, Final

from scrubbers.fhir.values import code_of, codings
from scrubbers.identity import PatientIdentifier

MAX_DEPTH: Final = 200  # orjson refuses to write much deeper documents


class FHIRScrubError(ValueError):
    """A document could not be scrubbed. Messages name the place, never the value."""


REFERENCE: Final = re.compile(
    r"(?P<base>(?:[a-z][a-z0-9+.-]*://[^?#]*/)?)(?P<type>[A-Z][A-Za-z]+)/(?P<id>[^/?#]{1,256})"
    r"(?P<rest>/_history/[^?#]*)?"
)
# Searching a string for a "Type/id" costs the square of its length (from each letter
# of a long run "/AbAbAb...", the run is read to its end again): 28 s for a 40 KB
# reference, past the record's time budget. Longer ones are refused.
MAX_REFERENCE_SEARCH: Final = 4096
LOGICAL_ID: Final = re.compile(r"[A-Za-z0-9.\-]{1,64}")
_PATIENT_REFERENCE: Final = re.compile(r"(?:^|/)Patient/([A-Za-z0-9.\-]{1,64})(?:/|$)")


def document_ids(references: Iterable[str], resources: list[dict[str, Any]]) -> frozenset[str]:
    """The logical ids a document names: its resources' and its references' targets."""
    ids = {r["id"] for r in resources if isinstance(r.get("id"), str)}
    for reference in references:
        # Without a "/" (urn:uuid:..., #id) a reference names no "Type/id".
        match = REFERENCE.fullmatch(reference) if "/" in reference else None
        if match is not None:
            ids.add(match.group("id"))
        elif reference.startswith("#") and len(reference) > 1:
            ids.add(reference[1:])
    return frozenset(i for i in ids if LOGICAL_ID.fullmatch(i))


def references_in(item: Any, skip_contained: bool = False) -> Iterator[str]:
    """Every ``reference`` string inside ``item``, in document order (optionally not
    those inside contained resources)."""
    stack: list[Any] = [item]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            reference = node.get("reference")
            if isinstance(reference, str):
                yield reference
            stack.extend(
                reversed([v for k, v in node.items() if not (skip_contained and k == "contained")])
            )
        elif isinstance(node, list):
            stack.extend(reversed(node))


def reference_type(reference: Any, declared: Any) -> str:
    """The resource type a Reference points to: its ``type``, else its URL's type."""
    if isinstance(declared, str) and declared:
        return declared.rsplit("/", 1)[-1]
    if isinstance(reference, str) and "?" in reference:
        # A conditional reference ("RelatedPerson?identifier=...", absolute too):
        # its type is the last path segment before the query.
        conditional = _CONDITIONAL_TYPE.search(reference.split("?", 1)[0])
        if conditional is not None:
            return conditional.group(1)
    if isinstance(reference, str) and "/" in reference:  # a type is written "Type/id"
        match = search_reference(reference)
        if match is not None:
            return match.group("type")
    return ""


def search_reference(text: str) -> re.Match[str] | None:
    """The first "Type/id" (absolute too) in ``text``; :class:`FHIRScrubError` when
    ``text`` is longer than :data:`MAX_REFERENCE_SEARCH` (the record is quarantined)."""
    if len(text) > MAX_REFERENCE_SEARCH:
        raise FHIRScrubError(f"a reference longer than {MAX_REFERENCE_SEARCH} characters")
    return REFERENCE.search(text)


# The resource type a conditional reference names before its query.
_CONDITIONAL_TYPE: Final = re.compile(r"(?:^|/)([A-Z][A-Za-z]{1,63})$")


def patient_path(reference: str) -> str:
    """``Patient/<id>`` of a relative or absolute Patient reference ('' otherwise)."""
    match = _PATIENT_REFERENCE.search(reference)
    return f"Patient/{match.group(1)}" if match else ""


def referenced_patient(references: Iterable[str]) -> str:
    """The logical id of the first Patient among a document's references ('' if none)."""
    for reference in references:
        match = _PATIENT_REFERENCE.search(reference)
        if match is not None:
            return match.group(1)
    return ""


def patient_identifiers(patients: list[dict[str, Any]]) -> list[PatientIdentifier]:
    out = []
    for patient in patients:
        listed = patient.get("identifier")
        for identifier in listed if isinstance(listed, list) else (listed,):
            if not isinstance(identifier, dict) or not isinstance(identifier.get("value"), str):
                continue
            codes = [code_of(c) for c in codings(identifier.get("type"))]
            out.append(
                PatientIdentifier(
                    value=identifier["value"],
                    type_code=codes[0].upper() if codes else "",
                    system=str(identifier.get("system", "")),
                )
            )
    return out
