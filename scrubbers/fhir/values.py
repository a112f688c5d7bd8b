"""Reading FHIR values the models cannot type: shapes, identifier kinds, names as strings.

The scrubber asks these when an element's datatype or meaning is not in the
model metadata: an unknown element's datatype from its keys, an Identifier's
kind from its type code or system, a name written as one string, the PHI a
question asks for, the code a coded extension carries.
"""

from __future__ import annotations

import re
from typing import Any, Final

from scrubbers.fhir import rules
from scrubbers.identifier_types import IDENTIFIER_SYSTEMS, IDENTIFIER_TYPES
from scrubbers.kinds import AGE_OBSERVATION_CODES, Kind, Role
from scrubbers.labels import answer_kind, names_a_birth_date, names_an_age

_PARENTHESIZED: Final = re.compile(r"\([^)]*\)")
_NAME_AFFIXES: Final = frozenset(
    {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "jr", "sr", "ii", "iii", "iv", "md", "phd"}
)


def element_holders(obj: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """``obj`` itself (key ""), or the element objects of a primitive's ``_key``
    (one, or a list with nulls for gaps)."""
    if not key:
        return [obj]
    value = obj.get(key)
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    return []


def codings(concept: Any) -> list[dict[str, Any]]:
    """A CodeableConcept's Coding objects as sent (one written without its list too).
    Any other shape has none: the document walk names a wrong shape where it reaches
    it, and what reads codes ahead of the walk must not trip on it first."""
    if not isinstance(concept, dict):
        return []
    listed = concept.get("coding")
    if isinstance(listed, dict):
        return [listed]
    return [c for c in listed if isinstance(c, dict)] if isinstance(listed, list) else []


def code_of(coding: dict[str, Any]) -> str:
    """A Coding's code, or "" when it has none or is not a string."""
    code = coding.get("code")
    return code if isinstance(code, str) else ""


def first_code(key: str, value: Any) -> str | None:
    """The code a coded extension value carries (valueCode, valueCoding,
    valueCodeableConcept, valueIdentifier), or None when it carries none."""
    if isinstance(value, str):
        return value if key in ("valueCode", "valueId") else None
    if not isinstance(value, dict):
        return None
    for part in ("code", "value"):
        if isinstance(value.get(part), str):
            return str(value[part])
    for coding in codings(value):
        if code_of(coding):
            return code_of(coding)
    if isinstance(value.get("text"), str):
        return str(value["text"])
    return None


def is_age_code(concept: Any) -> bool:
    """Whether an Observation's code says its quantity is the person's age: a LOINC age
    code, or a text or display naming an age ("Age at death", "Patient age"), as
    HL7 OBX-3's text is read (hold-out round 20: a death record's age coded with a
    code the list lacked was kept)."""
    if any(code_of(coding) in AGE_OBSERVATION_CODES for coding in codings(concept)):
        return True
    if not isinstance(concept, dict):
        return False
    if names_an_age(concept.get("text")):
        return True
    return any(
        isinstance(coding, dict) and names_an_age(coding.get("display"))
        for coding in codings(concept)
    )


# LOINC "Birth date": an observation recording a person's date of birth.
BIRTH_DATE_OBSERVATION_CODE: Final = "21112-8"


def names_a_birth_date_code(concept: Any) -> bool:
    """Whether an observation's code says its value is a person's birth date: LOINC
    21112-8 ("Birth date"), or a text or display asking for one ("Date of birth")."""
    if not isinstance(concept, dict):
        return False
    coded = codings(concept)
    if any(code_of(c) == BIRTH_DATE_OBSERVATION_CODE for c in coded):
        return True
    labels = [concept.get("text"), *(c.get("display") for c in coded)]
    return any(names_a_birth_date(label) for label in labels)


def shape_datatype(value: dict[str, Any]) -> str | None:
    """The datatype of an element the models do not know, from its keys."""
    keys = value.keys()
    if "family" in keys or "given" in keys:
        return "HumanName"
    if "line" in keys or "postalCode" in keys or ("city" in keys and "country" in keys):
        return "Address"
    if "reference" in keys:
        return "Reference"
    if "contentType" in keys and ("data" in keys or "url" in keys):
        return "Attachment"
    system = value.get("system")
    if "value" in keys and isinstance(system, str) and system in rules.CONTACT_SYSTEMS:
        return "ContactPoint"
    if (
        "value" in keys
        and ("system" in keys or "type" in keys)
        and isinstance(value.get("value"), str)
    ):
        return "Identifier"
    if "url" in keys and any(k.startswith("value") for k in keys):
        return "Extension"
    return None


def identifier_kind(identifier: dict[str, Any], path: str, role: Role) -> Kind:
    """An Identifier's kind: by its type code, its system, then its path (an
    element a path rule names, R5's Identifier ``Coverage.subscriberId`` among
    them, is that rule's kind)."""
    codes = [code_of(coding).upper() for coding in codings(identifier.get("type"))]
    for code in codes:
        kind = IDENTIFIER_TYPES.get(code)
        if kind is not None:
            return kind if kind is not Kind.PROVIDER_ID or role is Role.PROVIDER else Kind.OTHER_ID
    by_system = IDENTIFIER_SYSTEMS.get(str(identifier.get("system", "")))
    if by_system is not None:
        return by_system
    if role is Role.PROVIDER:
        return Kind.PROVIDER_ID
    by_path = rules.PATH_KINDS.get(path)
    if by_path is not None:
        return by_path
    if path in ("Patient.identifier", "Person.identifier"):
        return Kind.MRN
    return Kind.OTHER_ID


def name_parts(text: str) -> tuple[str, str, str]:
    """(family, given, middle) of a name written as one string.

    "Family, Given Middle" or "Given Middle Family"; titles, suffixes and
    parenthesized notes ("(daughter)") are left out.
    """
    text = _PARENTHESIZED.sub(" ", text)
    if "," in text:
        family, _, rest = text.partition(",")
        words = [w for w in rest.split() if w.rstrip(".").lower() not in _NAME_AFFIXES]
        return family.strip(), words[0] if words else "", " ".join(words[1:])
    words = [w for w in text.split() if w.rstrip(".").lower() not in _NAME_AFFIXES]
    if len(words) < 2:
        return (words[0] if words else ""), "", ""
    return words[-1], words[0], " ".join(words[1:-1])


def code_kind(concept: Any) -> Kind | None:
    """The kind of PHI a CodeableConcept names by its text or a coding's display (an
    observation's code: a bare "Name" there is as often a drug's or a test's)."""
    if not isinstance(concept, dict):
        return None
    labels = [concept.get("text")]
    labels += [c.get("display") for c in codings(concept)]
    return next(
        (kind for label in labels if (kind := answer_kind(label, bare_names=False)) is not None),
        None,
    )
