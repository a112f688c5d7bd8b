"""Identifier kinds and roles: the vocabulary policies are written in.

Format adapters (HL7v2 fields, FHIR elements, free-text detectors) classify
what they find into a :class:`Kind` and the :class:`Role` of the person it
belongs to; the policy then decides the method. Keeping this vocabulary
format-agnostic is what lets one policy govern both HL7v2 and FHIR.

Each kind names the HIPAA Safe Harbor category it falls under
(45 CFR 164.514(b)(2)(i)(A)-(R)), or ``None`` for values Safe Harbor permits
(state, country) and for kinds that are not patient identifiers by
themselves (provider and organization data, which policies still govern).
"""

from __future__ import annotations

import enum
from typing import Final


class Kind(enum.StrEnum):
    """What an identifying value is, independent of where it was found."""

    NAME = "name"
    STREET_ADDRESS = "street_address"
    CITY = "city"
    COUNTY = "county"
    ZIP = "zip"
    STATE = "state"
    COUNTRY = "country"
    GEOCODE = "geocode"
    BIRTH_DATE = "birth_date"
    DEATH_DATE = "death_date"
    DATE = "date"
    AGE = "age"
    PHONE = "phone"
    FAX = "fax"
    EMAIL = "email"
    SSN = "ssn"
    MRN = "mrn"
    HEALTH_PLAN_ID = "health_plan_id"
    ACCOUNT_NUMBER = "account_number"
    LICENSE_NUMBER = "license_number"
    VEHICLE_ID = "vehicle_id"
    DEVICE_ID = "device_id"
    URL = "url"
    IP_ADDRESS = "ip_address"
    BIOMETRIC = "biometric"
    PHOTO = "photo"
    OTHER_ID = "other_id"
    FREE_TEXT = "free_text"
    ATTACHMENT = "attachment"
    PROVIDER_NAME = "provider_name"
    PROVIDER_ID = "provider_id"
    ORGANIZATION_NAME = "organization_name"


class Role(enum.StrEnum):
    """Whose value it is. Safe Harbor covers the patient and their relatives,
    employers and household members alike; providers are a policy choice."""

    PATIENT = "patient"
    RELATIVE = "relative"
    GUARANTOR = "guarantor"
    INSURED = "insured"
    EMPLOYER = "employer"
    HOUSEHOLD = "household"
    PROVIDER = "provider"
    ORGANIZATION = "organization"
    UNKNOWN = "unknown"


SAFE_HARBOR_CATEGORIES: Final[dict[str, str]] = {
    "A": "Names",
    "B": (
        "Geographic subdivisions smaller than a state "
        "(street, city, county, precinct, ZIP, geocodes)"
    ),
    "C": "All elements of dates (except year) directly related to an individual; ages over 89",
    "D": "Telephone numbers",
    "E": "Fax numbers",
    "F": "Email addresses",
    "G": "Social Security numbers",
    "H": "Medical record numbers",
    "I": "Health plan beneficiary numbers",
    "J": "Account numbers",
    "K": "Certificate/license numbers",
    "L": "Vehicle identifiers and serial numbers, including license plate numbers",
    "M": "Device identifiers and serial numbers",
    "N": "Web Universal Resource Locators (URLs)",
    "O": "Internet Protocol (IP) addresses",
    "P": "Biometric identifiers, including finger and voice prints",
    "Q": "Full-face photographs and any comparable images",
    "R": "Any other unique identifying number, characteristic, or code",
}

SAFE_HARBOR_CATEGORY: Final[dict[Kind, str | None]] = {
    Kind.NAME: "A",
    Kind.STREET_ADDRESS: "B",
    Kind.CITY: "B",
    Kind.COUNTY: "B",
    Kind.ZIP: "B",
    Kind.GEOCODE: "B",
    Kind.STATE: None,
    Kind.COUNTRY: None,
    Kind.BIRTH_DATE: "C",
    Kind.DEATH_DATE: "C",
    Kind.DATE: "C",
    Kind.AGE: "C",
    Kind.PHONE: "D",
    Kind.FAX: "E",
    Kind.EMAIL: "F",
    Kind.SSN: "G",
    Kind.MRN: "H",
    Kind.HEALTH_PLAN_ID: "I",
    Kind.ACCOUNT_NUMBER: "J",
    Kind.LICENSE_NUMBER: "K",
    Kind.VEHICLE_ID: "L",
    Kind.DEVICE_ID: "M",
    Kind.URL: "N",
    Kind.IP_ADDRESS: "O",
    Kind.BIOMETRIC: "P",
    Kind.PHOTO: "Q",
    Kind.OTHER_ID: "R",
    Kind.FREE_TEXT: "R",
    Kind.ATTACHMENT: "R",
    Kind.PROVIDER_NAME: None,
    Kind.PROVIDER_ID: None,
    Kind.ORGANIZATION_NAME: None,
}

# Short uppercase labels used by `mask` placeholders and pseudonym prefixes.
LABELS: Final[dict[Kind, str]] = {
    Kind.NAME: "NAME",
    Kind.STREET_ADDRESS: "ADDRESS",
    Kind.CITY: "CITY",
    Kind.COUNTY: "COUNTY",
    Kind.ZIP: "ZIP",
    Kind.STATE: "STATE",
    Kind.COUNTRY: "COUNTRY",
    Kind.GEOCODE: "GEO",
    Kind.BIRTH_DATE: "DOB",
    Kind.DEATH_DATE: "DOD",
    Kind.DATE: "DATE",
    Kind.AGE: "AGE",
    Kind.PHONE: "PHONE",
    Kind.FAX: "FAX",
    Kind.EMAIL: "EMAIL",
    Kind.SSN: "SSN",
    Kind.MRN: "MRN",
    Kind.HEALTH_PLAN_ID: "PLAN",
    Kind.ACCOUNT_NUMBER: "ACCT",
    Kind.LICENSE_NUMBER: "LIC",
    Kind.VEHICLE_ID: "VEH",
    Kind.DEVICE_ID: "DEV",
    Kind.URL: "URL",
    Kind.IP_ADDRESS: "IP",
    Kind.BIOMETRIC: "BIO",
    Kind.PHOTO: "PHOTO",
    Kind.OTHER_ID: "ID",
    Kind.FREE_TEXT: "TEXT",
    Kind.ATTACHMENT: "ATTACHMENT",
    Kind.PROVIDER_NAME: "PROVIDER",
    Kind.PROVIDER_ID: "PRV",
    Kind.ORGANIZATION_NAME: "ORG",
}

DATE_KINDS: Final = frozenset({Kind.BIRTH_DATE, Kind.DEATH_DATE, Kind.DATE})
# LOINC codes of observations whose value is the patient's age (Safe Harbor: over
# 89 is identifying), for HL7 OBX-3 and FHIR Observation.code alike.
# 21611-9 age estimated, 35659-2 age at specimen collection (ELR ask-at-order-entry),
# 39016-1 age at death (a death record's decedent age, VRDR; kept as 94 under Safe
# Harbor until hold-out round 20).
AGE_OBSERVATION_CODES: Final = frozenset(
    {"30525-0", "21612-7", "29553-5", "63900-5", "21611-9", "35659-2", "39016-1"}
)
