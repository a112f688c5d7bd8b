"""ZIP code generalization to the first three digits (Safe Harbor).

Safe Harbor keeps the initial three digits of a ZIP code only when the
geographic unit they form holds more than 20,000 people; the others become
``000``. The shipped list is HHS's, from the 2000 Census; a policy may point
at a newer one.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Final

_US_ZIP: Final = re.compile(r"\s*(\d{3})\d{2}(?:-?\d{4})?\s*")
BUILTIN_LIST: Final = "census-2000"


# How addresses name the United States (FHIR Address.country, HL7 XAD.6: ISO 3166
# alpha-2, alpha-3, numeric, or words), folded without dots and spaces.
_US_NAMES: Final = frozenset(
    {"us", "usa", "840", "unitedstates", "unitedstatesofamerica", "america"}
)
FOREIGN_POSTAL_PREFIX: Final = "country:"


def postal_namespace(country: str) -> str:
    """The namespace of a postal code whose address names ``country``: "" for the
    United States or no country (a ZIP code), ``country:<name>`` otherwise.

    Safe Harbor's three-digit exception is defined for US ZIP codes by Census
    populations; a five-digit code of another country (Germany's 64283) is a
    geographic subdivision like any other and is not a ZIP code. Postal codes are
    unique within their country, so the country is also their namespace when a
    policy pseudonymizes them."""
    # HL7's explicit null ('""') names no country.
    folded = "".join(country.casefold().replace(".", "").replace('"', "").split())
    if not folded or folded in _US_NAMES:
        return ""
    return FOREIGN_POSTAL_PREFIX + folded


class ZipFormatError(ValueError):
    """Not a US ZIP code (5 digits, optionally +4). The message never quotes it."""


def parse_zip3_list(text: str, source: str) -> frozenset[str]:
    """Read one three-digit prefix per line; ``#`` starts a comment."""
    prefixes: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if len(line) != 3 or not line.isdigit():
            raise ValueError(f"{source}:{number}: expected a three-digit ZIP prefix")
        prefixes.add(line)
    return frozenset(prefixes)


def load_restricted(source: str = BUILTIN_LIST) -> frozenset[str]:
    """The built-in 2000 Census list, or a file path holding a newer list."""
    if source == BUILTIN_LIST:
        text = (
            resources.files("scrubbers.data")
            .joinpath("zip3_restricted_census2000.txt")
            .read_text(encoding="utf-8")
        )
        return parse_zip3_list(text, "zip3_restricted_census2000.txt")
    path = Path(source)
    return parse_zip3_list(path.read_text(encoding="utf-8"), str(path))


def zip3(value: str, restricted: frozenset[str]) -> str:
    """``02139-4307`` -> ``021``; a restricted area -> ``000``."""
    match = _US_ZIP.fullmatch(value)
    if match is None:
        raise ZipFormatError("not a US ZIP code")
    prefix = match.group(1)
    return "000" if prefix in restricted else prefix
