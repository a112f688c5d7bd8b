"""Privacy knowledge about FHIR: datatypes, paths and extensions that carry PHI.

Like :mod:`scrubbers.hl7.fields` for HL7v2: element datatypes come from
fhir.resources' model metadata (:mod:`parsers.fhir.types`); these tables say
what each part of a PHI-bearing datatype is, whose it is, and what a path or
an extension URL says that a datatype cannot.
"""

from __future__ import annotations

from typing import Final

from scrubbers.kinds import Kind, Role

# Resource types whose people are not the patient.
RESOURCE_ROLES: Final[dict[str, Role]] = {
    "RelatedPerson": Role.RELATIVE,
    "Practitioner": Role.PROVIDER,
    "PractitionerRole": Role.PROVIDER,
    "Organization": Role.ORGANIZATION,
    "Location": Role.ORGANIZATION,
    "HealthcareService": Role.ORGANIZATION,
    "Endpoint": Role.ORGANIZATION,
    "Device": Role.PATIENT,
}

# Backbone elements that hold someone else's data.
PATH_ROLES: Final[dict[str, Role]] = {
    "Patient.contact": Role.RELATIVE,
    "Coverage.subscriber": Role.INSURED,
    # The relative a family history is about: their name and birth date (below).
    "FamilyMemberHistory.name": Role.RELATIVE,
    "FamilyMemberHistory.bornDate": Role.RELATIVE,
    "FamilyMemberHistory.bornString": Role.RELATIVE,
}

# DICOM UID paths (in PATH_KINDS): a pseudonym there is written as a UID
# (2.25.<decimal>), so the element is still a valid DICOM UID.
DICOM_UID_PATHS: Final = frozenset(
    {
        "ImagingStudy.series.uid",
        "ImagingStudy.series.instance.uid",
        "ImagingSelection.studyUid",
        "ImagingSelection.seriesUid",
        "ImagingSelection.frameOfReferenceUid",
        "ImagingSelection.instance.uid",
    }
)

# Paths whose kind the datatype cannot tell (primitive strings and dates).
PATH_KINDS: Final[dict[str, Kind]] = {
    "Patient.birthDate": Kind.BIRTH_DATE,
    "Patient.deceasedDateTime": Kind.DEATH_DATE,
    "RelatedPerson.birthDate": Kind.BIRTH_DATE,
    "Person.birthDate": Kind.BIRTH_DATE,
    "Practitioner.birthDate": Kind.BIRTH_DATE,
    # A family history's relative: a name as a string ("Eve Alvarez" in IHE APS's
    # examples), and their birth date (as free text both were kept, hold-out round 18).
    "FamilyMemberHistory.name": Kind.NAME,
    "FamilyMemberHistory.bornDate": Kind.BIRTH_DATE,
    "FamilyMemberHistory.bornString": Kind.BIRTH_DATE,
    "Coverage.subscriberId": Kind.HEALTH_PLAN_ID,
    "Device.serialNumber": Kind.DEVICE_ID,
    "Device.lotNumber": Kind.DEVICE_ID,
    "Device.udiCarrier.deviceIdentifier": Kind.DEVICE_ID,
    "Device.udiCarrier.carrierHRF": Kind.DEVICE_ID,
    "Device.udiCarrier.carrierAIDC": Kind.DEVICE_ID,
    "Device.distinctIdentifier": Kind.DEVICE_ID,
    "Patient.photo": Kind.PHOTO,
    "Practitioner.photo": Kind.PHOTO,
    "RelatedPerson.photo": Kind.PHOTO,
    "Person.photo": Kind.PHOTO,
    "Media.content": Kind.PHOTO,
    # Prior authorization numbers: the payer's number for this patient's authorized
    # care, a string where Claim.identifier is an Identifier.
    "Claim.insurance.preAuthRef": Kind.OTHER_ID,
    "ClaimResponse.preAuthRef": Kind.OTHER_ID,
    "ClaimResponse.item.reviewOutcome.preAuthRef": Kind.OTHER_ID,
    "CoverageEligibilityResponse.preAuthRef": Kind.OTHER_ID,
    "ExplanationOfBenefit.preAuthRef": Kind.OTHER_ID,
    "ExplanationOfBenefit.insurance.preAuthRef": Kind.OTHER_ID,
    "ExplanationOfBenefit.item.reviewOutcome.preAuthRef": Kind.OTHER_ID,
    # DICOM UIDs (study, series, instance): identifiers of the patient's images that
    # a PACS resolves, whose roots often carry the study's UID, an accession number or
    # a date; the study's UID in ImagingStudy.identifier is an Identifier already.
    "ImagingStudy.series.uid": Kind.OTHER_ID,
    "ImagingStudy.series.instance.uid": Kind.OTHER_ID,
    "ImagingSelection.studyUid": Kind.OTHER_ID,
    "ImagingSelection.seriesUid": Kind.OTHER_ID,
    "ImagingSelection.frameOfReferenceUid": Kind.OTHER_ID,
    "ImagingSelection.instance.uid": Kind.OTHER_ID,
    # The agent of an audited event (the patient at a portal, a user): their name,
    # and their identity at the source system.
    "AuditEvent.agent.name": Kind.NAME,
    "AuditEvent.agent.altId": Kind.OTHER_ID,
    # R5's network address of the agent as a URI ("https://81.2.69.161:8443/"): a
    # uri is kept as a code, so the address stayed (hold-out round 18 probe); R4's
    # network.address and R5's networkString are strings, scrubbed as free text.
    "AuditEvent.agent.networkUri": Kind.IP_ADDRESS,
    # R4's name of an audited entity, which the specification has carry "synonymous
    # entity identifiers (patient number, medical record number, encounter number)":
    # gematik's E-Rezept audit log writes the patient's KVNR there (hold-out round 16).
    "AuditEvent.entity.name": Kind.OTHER_ID,
}

# Element names that say what a string is, wherever they appear.
KEY_KINDS: Final[dict[str, Kind]] = {
    "authorString": Kind.NAME,  # Annotation.author[x]
    "sourceString": Kind.NAME,
}

# String elements that are keys of a document's structure, not text about anyone
# (QuestionnaireResponse.item.linkId matches its Questionnaire's item): kept when
# they read as a key (see scrub._STRUCTURAL_KEY), scrubbed as free text otherwise.
STRUCTURAL_KEYS: Final = frozenset({"linkId"})


# Free-text elements (scrubbed with the shared text scrubber) by path suffix.
TEXT_ELEMENTS: Final = frozenset(
    {
        "valueString",
        "valueMarkdown",
        "comment",
        "description",
        "note",
        "text",
        "conclusion",
        "contentString",
        "title",
        "summary",
        "patientInstruction",
        "instruction",
        "detail",
        "details",
        "outcome",
        "statusReason",
        "reasonString",
    }
)

# Extensions by URL.
EXT_MOTHERS_MAIDEN_NAME: Final = "http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName"
EXT_BIRTH_PLACE: Final = "http://hl7.org/fhir/StructureDefinition/patient-birthPlace"
EXT_BIRTH_TIME: Final = "http://hl7.org/fhir/StructureDefinition/patient-birthTime"
EXT_GEOLOCATION: Final = "http://hl7.org/fhir/StructureDefinition/geolocation"
# Extensions whose string value is a part of a health plan member number: JP Core's
# insurance card symbol (記号), number (番号) and branch number (枝番), which together
# are the member id that Coverage.identifier and subscriberId also carry.
_JP_COVERAGE: Final = "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/JP_Coverage_"
ID_EXTENSIONS: Final[dict[str, Kind]] = {
    _JP_COVERAGE + "InsuredPersonSymbol": Kind.HEALTH_PLAN_ID,
    _JP_COVERAGE + "InsuredPersonNumber": Kind.HEALTH_PLAN_ID,
    _JP_COVERAGE + "InsuredPersonSubNumber": Kind.HEALTH_PLAN_ID,
}
# Kept as they are by every preset: not identifiers, and needed to audit model bias.
KEPT_EXTENSIONS: Final = frozenset(
    {
        "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race",
        "http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity",
        "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex",
        "http://hl7.org/fhir/us/core/StructureDefinition/us-core-genderIdentity",
    }
)

# ContactPoint.system -> kind of ContactPoint.value.
CONTACT_SYSTEMS: Final[dict[str, Kind]] = {
    "phone": Kind.PHONE,
    "sms": Kind.PHONE,
    "pager": Kind.PHONE,
    "other": Kind.PHONE,
    "fax": Kind.FAX,
    "email": Kind.EMAIL,
    "url": Kind.URL,
}

# Textual attachment content types: decoded, scrubbed, re-encoded.
TEXT_CONTENT_PREFIXES: Final = (
    "text/",
    "application/xml",
    "application/json",
    "application/rtf",
    "application/xhtml",
)

# FHIR JSON content types: a resource sent as a document, or a bulk export (NDJSON,
# one resource per line), is scrubbed by its structure; content that is not FHIR
# is a binary (as before).
FHIR_JSON_CONTENT_TYPES: Final = (
    "application/fhir+json",
    "application/json+fhir",
    "application/fhir+ndjson",
    "application/ndjson",
    "application/x-ndjson",
)

# Search parameters that carry PHI in Bundle.link.url and request.url queries.
PHI_SEARCH_PARAMETERS: Final[dict[str, Kind]] = {
    "name": Kind.NAME,
    "family": Kind.NAME,
    "given": Kind.NAME,
    "phonetic": Kind.NAME,
    "birthdate": Kind.BIRTH_DATE,
    "death-date": Kind.DEATH_DATE,
    "identifier": Kind.MRN,
    "phone": Kind.PHONE,
    "email": Kind.EMAIL,
    "telecom": Kind.PHONE,
    "address": Kind.STREET_ADDRESS,
    "address-city": Kind.CITY,
    "address-postalcode": Kind.ZIP,
    "address-state": Kind.STATE,
    "mothersmaidenname": Kind.NAME,
}

# Search parameters holding an expression (_filter=name eq Quillfeather) that can
# carry any PHI in any form: left out of rewritten search URLs.
OPAQUE_SEARCH_PARAMETERS: Final = frozenset({"_filter", "_query"})

# Search parameters whose values are codes or paging controls, never PHI: kept.
# Every other parameter no rule above names is scrubbed as free text (dates as dates).
PLAIN_SEARCH_PARAMETERS: Final = frozenset(
    {
        "_count",
        "_sort",
        "_include",
        "_revinclude",
        "_summary",
        "_elements",
        "_format",
        "_total",
        "_offset",
        "_getpages",
        "_getpagesoffset",
        "_pretty",
        "_type",
        "_profile",
        "_security",
        "_tag",
        "_contained",
        "_containedtype",
        "status",
        "category",
        "code",
        "type",
        "intent",
        "priority",
        "clinical-status",
        "verification-status",
        "gender",
        "active",
        "language",
    }
)

# Attachments their resource requires (1..1): when the policy drops one (a photo, a
# binary), a masked shell stays so the resource is still valid FHIR.
REQUIRED_ATTACHMENTS: Final = frozenset({"Media.content", "DocumentReference.content.attachment"})
# The data-absent-reason extension that marks such a shell.
EXT_DATA_ABSENT_REASON: Final = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"

# Resource types a Reference.display names as a person, and whose person it is.
PERSON_REFERENCE_ROLES: Final[dict[str, Role]] = {
    "Patient": Role.PATIENT,
    "RelatedPerson": Role.RELATIVE,
    "Person": Role.PATIENT,
    "Practitioner": Role.PROVIDER,
    "PractitionerRole": Role.PROVIDER,
}

# Reference elements whose bare display (no reference, no type) names the patient.
PATIENT_REFERENCE_KEYS: Final = frozenset(
    {"subject", "patient", "beneficiary", "subscriber", "policyHolder"}
)

# HL7 v3 ObservationValue security labels for what was done (meta.security).
SECURITY_SYSTEM: Final = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"
SECURITY_LABELS: Final[dict[str, tuple[str, str]]] = {
    "redact": ("REDACTED", "redacted"),
    "drop": ("REDACTED", "redacted"),
    "mask": ("MASKED", "masked"),
    "pseudonymize": ("PSEUDED", "pseudonymized"),
    "date_shift": ("PSEUDED", "pseudonymized"),
    "generalize": ("ABSTRED", "abstracted"),
    "scrub": ("REDACTED", "redacted"),
}
POLICY_TAG_SYSTEM: Final = "https://phi-scrub.dev/fhir/policy"
