"""Independent PHI extraction from FHIR Bundles, for leak tests.

Plain dict walking of Patient resources only, written without the
scrubber's tables: names, identifier values, telecom values, address lines,
cities, 5-digit ZIP codes, birth dates and the patient's logical id.
"""

from __future__ import annotations

import base64
from typing import Any


def patient_phi(bundle: dict[str, Any]) -> dict[str, set[str]]:
    phi: dict[str, set[str]] = {
        k: set()
        for k in (
            "names",
            "identifiers",
            "telecom",
            "lines",
            "cities",
            "zips",
            "birth_dates",
            "ids",
        )
    }
    for entry in bundle.get("entry", []):
        resource = entry.get("resource", {})
        if resource.get("resourceType") != "Patient":
            continue
        phi["ids"].add(resource["id"])
        for name in resource.get("name", []):
            family = name.get("family", "")
            # DSTU2 documents write family as a list.
            phi["names"].update(family if isinstance(family, list) else [family])
            phi["names"].update(name.get("given", []))
        for identifier in resource.get("identifier", []):
            phi["identifiers"].add(identifier.get("value", ""))
        for telecom in resource.get("telecom", []):
            phi["telecom"].add(telecom.get("value", ""))
        for address in resource.get("address", []):
            phi["lines"].update(address.get("line", []))
            phi["cities"].add(address.get("city", ""))
            postal = address.get("postalCode", "")
            if len(postal) >= 5 and postal[:5].isdigit():
                phi["zips"].add(postal[:5])
        if resource.get("birthDate"):
            phi["birth_dates"].add(resource["birthDate"])
    for values in phi.values():
        values.discard("")
    return phi


def searchable_text(bundle_json: bytes, bundle: dict[str, Any]) -> str:
    """The output JSON plus every decoded textual attachment in it."""
    parts = [bundle_json.decode("utf-8")]
    stack: list[Any] = [bundle]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("data"), str) and str(item.get("contentType", "")).startswith(
                "text"
            ):
                parts.append(base64.b64decode(item["data"]).decode("utf-8", "replace"))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return "\n".join(parts)
