"""Reference data, models and plans loaded before the worker takes a record.

The scrubbers read hl7apy's reference data and fhir.resources' model metadata
on first use and build their per-version and per-type plans lazily. Left to
the first records, that cost lands on them: the first Synthea Bundle took
2.5 s cold against 0.14 s warm, the first HL7v2 message of a version 20-80 ms
more. :func:`warm_up` pays it at start-up instead, before Faust starts and
before the start-up heap is frozen out of the garbage collector (so the loaded
data is never scanned again) and before ``/readyz`` can say ready.

What is loaded: every segment of every supported HL7v2 version; the FHIR
models of the resource types clinical feeds carry (:data:`COMMON_FHIR_TYPES`)
and every datatype they reach, about 230 models (1.7 s, about 50 MB); then one
synthetic message per HL7v2 version and one synthetic Bundle go through the
record processor, scrubber and verifier alike. Other FHIR types still load on
first use: all 400 R4B and R5 models would take 6.6 s and 180 MB. The
synthetic records hold invented values only and are never sent anywhere.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Final

import orjson

from parsers.fhir import types as fhir_types
from parsers.hl7v2 import reference
from streams.pipeline import RecordProcessor, Routing, SourceRecord

COMMON_FHIR_TYPES: Final = (
    "Bundle",
    "Patient",
    "RelatedPerson",
    "Encounter",
    "Condition",
    "Observation",
    "Procedure",
    "MedicationRequest",
    "MedicationAdministration",
    "MedicationStatement",
    "Medication",
    "Immunization",
    "DiagnosticReport",
    "DocumentReference",
    "AllergyIntolerance",
    "CarePlan",
    "CareTeam",
    "Goal",
    "ServiceRequest",
    "Claim",
    "ExplanationOfBenefit",
    "Coverage",
    "Practitioner",
    "PractitionerRole",
    "Organization",
    "Location",
    "Device",
    "ImagingStudy",
    "Provenance",
    "Specimen",
    "FamilyMemberHistory",
    "Appointment",
    "Consent",
    "Communication",
    "QuestionnaireResponse",
)

_HL7: Final = (
    "MSH|^~\\&|STARTUP|PHI-SCRUB|STARTUP|PHI-SCRUB|20240101000000||ADT^A01|S{n}|P|{version}\r"
    "EVN|A01|20240101000000\r"
    "PID|1||QY0001^^^PHI-SCRUB^MR||QUENNELL^YSOLDE||19700101|U|||"
    "7 Orchard Vale^^Tamsworth^ZZ^00000||(000)555-0000\r"
    "NK1|1|QUENNELL^ORRIN|SPO\r"
    "PV1|1|I|WARD^1^1||||0000^HALLORAN^BEDE\r"
    "OBX|1|TX|NOTE^Note||Seen: Ysolde Quennell, call (000) 555-0000.||||||F\r"
    "NTE|1||Comment\r"
    "AL1|1||ALLERGEN^None\r"
    "DG1|1||Z00^Examination\r"
    "IN1|1|PLAN|PAYER|Payer\r"
    "GT1|1||QUENNELL^ORRIN\r"
)


@dataclass(frozen=True, slots=True)
class WarmUp:
    hl7_segments: int
    fhir_models: int
    records: int
    failed: int  # synthetic records that did not come out de-identified (should be 0)
    seconds: float


def _bundle() -> bytes:
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "identifier": [{"system": "urn:phi-scrub:startup", "value": "QY0001"}],
        "name": [{"family": "Quennell", "given": ["Ysolde"]}],
        "telecom": [{"system": "phone", "value": "000-555-0000"}],
        "birthDate": "1970-01-01",
        "address": [{"line": ["7 Orchard Vale"], "city": "Tamsworth", "postalCode": "00000"}],
    }
    observation = {
        "resourceType": "Observation",
        "id": "o1",
        "status": "final",
        "code": {"text": "Note"},
        "subject": {"reference": "urn:uuid:p1"},
        "effectiveDateTime": "2024-01-01T00:00:00Z",
        "valueString": "Seen: Ysolde Quennell, call 000-555-0000.",
    }
    entries = [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in (patient, observation)]
    return orjson.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries})


def warm_up(processor: RecordProcessor) -> WarmUp:
    """Load what the first records would otherwise load (see the module docstring)."""
    started = time.perf_counter()
    segments = reference.preload()
    models = fhir_types.preload(COMMON_FHIR_TYPES)
    # A processor of its own (the worker's routing may name other topics) sharing
    # the worker's scrubbers, whose per-version and per-type plans it fills.
    own = RecordProcessor(
        processor.scrubber,
        Routing(
            {"warmup.hl7": "warmup.out", "warmup.fhir": "warmup.out"},
            {"warmup.hl7": "hl7v2", "warmup.fhir": "fhir"},
            "warmup.quarantine",
        ),
        processor.max_bytes,
    )
    own.hl7, own.fhir = processor.hl7, processor.fhir
    records = [
        ("warmup.hl7", _HL7.format(n=n, version=version).encode())
        for n, version in enumerate(reference.SUPPORTED)
    ]
    records.append(("warmup.fhir", _bundle()))
    failed = 0
    for offset, (topic, value) in enumerate(records):
        failed += own.process(SourceRecord(topic, 0, offset, None, value)).quarantined
    return WarmUp(segments, models, len(records), failed, time.perf_counter() - started)
