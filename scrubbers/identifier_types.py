"""Identifier type codes (HL7 table 0203, also FHIR's identifier-type) -> identifier kind.

Shared by HL7v2 (CX.5) and FHIR (Identifier.type.coding.code), so the same
identifier is the same kind, and gets the same treatment, in both formats.
"""

from __future__ import annotations

from typing import Final

from scrubbers.kinds import Kind

IDENTIFIER_TYPES: Final[dict[str, Kind]] = {
    **dict.fromkeys(("MR", "MRN", "MRT", "PI", "PT", "PN", "PE", "PPIN"), Kind.MRN),
    **dict.fromkeys(("SS", "SSN", "SR"), Kind.SSN),
    **dict.fromkeys(("DL", "DR", "PPN", "VS", "CZ", "BCT", "LI"), Kind.LICENSE_NUMBER),
    **dict.fromkeys(
        ("AN", "AND", "ANON", "ANC", "ANT", "VN", "BA", "BC", "BR"), Kind.ACCOUNT_NUMBER
    ),
    **dict.fromkeys(
        ("MB", "MC", "MA", "MCD", "MCR", "MCN", "HC", "SN", "NIIP", "NI", "NH", "PCN", "QA", "SB"),
        Kind.HEALTH_PLAN_ID,
    ),
    **dict.fromkeys(
        ("NPI", "DN", "DEA", "MD", "NP", "RN", "LN", "UPIN", "PRC", "PRN", "EI"), Kind.PROVIDER_ID
    ),
}


# Well-known FHIR identifier systems whose kind the type code may not state.
IDENTIFIER_SYSTEMS: Final[dict[str, Kind]] = {
    "http://hl7.org/fhir/sid/us-ssn": Kind.SSN,
    "urn:oid:2.16.840.1.113883.4.1": Kind.SSN,
    "http://hl7.org/fhir/sid/us-npi": Kind.PROVIDER_ID,
    "urn:oid:2.16.840.1.113883.4.6": Kind.PROVIDER_ID,
    "http://hl7.org/fhir/sid/us-medicare": Kind.HEALTH_PLAN_ID,
    "http://hl7.org/fhir/sid/us-mbi": Kind.HEALTH_PLAN_ID,
    "http://standardhealthrecord.org/fhir/StructureDefinition/passportNumber": Kind.LICENSE_NUMBER,
}
