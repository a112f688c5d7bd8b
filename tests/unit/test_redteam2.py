"""Second red-team pass: realistic sender behaviour that leaked PHI or was falsely quarantined.

All PHI here is invented.
"""

from __future__ import annotations

import orjson
import pytest

from scrubbers.engine import Scrubber
from scrubbers.keys import KeyRing
from scrubbers.policy import load_policy
from scrubbers.verify import Verifier
from streams.pipeline import OutputRecord, RecordProcessor, Routing, SourceRecord

from .conftest import TEST_SECRET

ROUTING = Routing(
    outputs={"raw.hl7": "deid.hl7", "raw.fhir": "deid.fhir"},
    formats={"raw.hl7": "hl7v2", "raw.fhir": "fhir"},
    quarantine="phi.quarantine",
)
MSH = "MSH|^~\\&|REG|GENHOSP|ADT|GENHOSP|20240305083000||ADT^A01^ADT_A01|MSG0001|P|2.5.1\r"
PID = (
    "PID|1||TST0042^^^GENHOSP^MR||QUILLFEATHER^ZEPHYRINA^M||19610615|F|||"
    "42 Lantern Row^^Brookvale^MA^02139||(617)555-0142\r"
)


def process(
    value: bytes | str, topic: str = "raw.hl7", preset: str = "safe-harbor"
) -> OutputRecord:
    raw = value.encode() if isinstance(value, str) else value
    scrubber = Scrubber(load_policy(preset), KeyRing.single(TEST_SECRET))
    processor = RecordProcessor(scrubber, ROUTING, max_bytes=1 << 20, header_allowlist=[])
    out = processor.process(SourceRecord(topic, 0, 1, b"k", raw, []))
    assert not out.quarantined, dict(out.headers)
    return out


# --- a Z-segment that repeats PID's layout: Family^Given^Middle -----------------------


@pytest.mark.parametrize("preset", ["safe-harbor", "limited-data-set", "pseudonymized"])
def test_z_segment_name_in_xpn_layout_after_a_known_family_name(preset: str) -> None:
    zpi = "ZPI|1||TST0042^^^GENHOSP^MR||QUILLFEATHER^OSWIN^BARTHOLOMEW||19580704\r"
    out = process(MSH + PID + zpi + "NTE|1||Oswin phoned\r", preset=preset)
    assert b"oswin" not in out.value.lower(), out.value
    assert b"bartholomew" not in out.value.lower(), out.value


def test_z_segment_words_after_an_unknown_first_component_are_kept() -> None:
    out = process(MSH + PID + "ZPI|1|WARD^East^Wing\r")
    assert b"WARD^East^Wing" in out.value


def test_verifier_finds_a_given_name_in_a_z_segment_after_the_patients_family_name() -> None:
    verifier = Verifier(load_policy("safe-harbor"))
    source = (MSH + PID + "ZPI|1|QUILLFEATHER^OSWIN\r").encode()
    clean = MSH + "PID|1||MRN-1^^^GENHOSP^MR\r"
    assert not verifier.findings(source, (clean + "ZPI|1|[NAME]^[NAME]\r").encode(), "hl7v2")
    leaked = (clean + "ZPI|1|[NAME]^OSWIN\r").encode()
    assert verifier.findings(source, leaked, "hl7v2")["name"]


# --- OBX whose observation name says what PHI its text value is ----------------------


@pytest.mark.parametrize(
    ("obx", "phi"),
    [
        (
            "OBX|1|ST|56799-0^Emergency contact name^LN||Barnaby Vanterpool",
            ["barnaby", "vanterpool"],
        ),
        ("OBX|1|TX|X1^Mother's maiden name^L||HESKETH", ["hesketh"]),
        ("OBX|1|ST|X2^Contact's name^L||VANTERPOOL^BARNABY", ["barnaby", "vanterpool"]),
        ("OBX|1|ST|X3^^L^^Home address||Mossbank Farm", ["mossbank"]),
        ("OBX|1|ST|X4^Contact phone^L||6175550177", ["6175550177"]),
        ("OBX|1|NM|X4^Cell phone number^L||6175550177", ["6175550177"]),
    ],
)
@pytest.mark.parametrize("preset", ["safe-harbor", "pseudonymized"])
def test_obx_text_value_labelled_as_phi_is_that_phi(obx: str, phi: list[str], preset: str) -> None:
    out = process(MSH + PID + obx + "||||||F\r", preset=preset)
    for value in phi:
        assert value.encode() not in out.value.lower(), out.value


def test_obx_labelled_name_is_replaced_in_the_messages_notes_too() -> None:
    obx = "OBX|1|ST|56799-0^Emergency contact name^LN||Barnaby Vanterpool||||||F\r"
    out = process(MSH + PID + "NTE|1||Barnaby called back\r" + obx)
    assert b"barnaby" not in out.value.lower(), out.value


def test_obx_text_without_a_phi_label_is_kept() -> None:
    obx = "OBX|1|ST|X9^Name of medication^L||Amoxicillin||||||F\r"
    assert b"Amoxicillin" in process(MSH + PID + obx).value


def test_obx_labelled_city_is_removed_under_safe_harbor() -> None:
    out = process(MSH + PID + "OBX|1|ST|X5^City of residence^L||Ellerby||||||F\r")
    assert b"ellerby" not in out.value.lower(), out.value


# --- a person's extension value that is a bare number: a phone, an SSN, an id --------

PATIENT = {
    "resourceType": "Patient",
    "id": "pat-1",
    "identifier": [{"system": "https://gh.example.org/mrn", "value": "TST0042"}],
    "name": [{"family": "Quillfeather", "given": ["Zephyrina"]}],
    "birthDate": "1961-06-15",
}


@pytest.mark.parametrize("number", ["6175550199", "(617) 555 0199", "987654329", "55012345"])
@pytest.mark.parametrize("preset", ["safe-harbor", "limited-data-set", "pseudonymized"])
def test_person_extension_string_that_is_a_bare_number_is_an_identifier(
    number: str, preset: str
) -> None:
    extension = {"url": "https://example.org/fhir/StructureDefinition/alt", "valueString": number}
    out = process(orjson.dumps({**PATIENT, "extension": [extension]}), "raw.fhir", preset)
    digits = "".join(c for c in number if c.isdigit())
    assert digits[-4:].encode() not in out.value, out.value


def test_person_extension_dates_and_words_keep_their_own_rules() -> None:
    extensions = [
        {"url": "https://example.org/a", "valueString": "2019-04-02"},
        {"url": "https://example.org/b", "valueString": "prefers 2 pm"},
    ]
    out = orjson.loads(
        process(orjson.dumps({**PATIENT, "extension": extensions}), "raw.fhir").value
    )
    assert [e["valueString"] for e in out["extension"]] == ["2019", "prefers 2 pm"]


def test_verifier_finds_a_bare_number_string_in_a_persons_extension() -> None:
    verifier = Verifier(load_policy("safe-harbor"))
    extension = {"url": "https://example.org/alt", "valueString": "(617) 555-0199"}
    source = orjson.dumps({**PATIENT, "extension": [extension]})
    assert verifier.findings(source, b'{"note": "call 6175550199"}', "fhir")
    assert not verifier.findings(source, b'{"note": "call [PHONE]"}', "fhir")
