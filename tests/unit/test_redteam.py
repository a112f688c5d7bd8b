"""Red-team findings: realistic inputs that leaked PHI or were falsely quarantined.

All PHI here is invented.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import pytest

from scrubbers.engine import MessageContext, Scrubber
from scrubbers.identity import PatientIdentifier
from scrubbers.keys import KeyRing
from scrubbers.policy import load_policy
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
PATIENT: dict[str, Any] = {
    "resourceType": "Patient",
    "id": "pat-1",
    "identifier": [{"system": "https://gh.example.org/mrn", "value": "TST0042"}],
    "name": [{"family": "Quillfeather", "given": ["Zephyrina"]}],
    "birthDate": "1961-06-15",
}


def processor(preset: str = "safe-harbor") -> RecordProcessor:
    scrubber = Scrubber(load_policy(preset), KeyRing.single(TEST_SECRET))
    return RecordProcessor(scrubber, ROUTING, max_bytes=1 << 20, header_allowlist=[])


def process(
    value: bytes | str, topic: str = "raw.hl7", preset: str = "safe-harbor"
) -> OutputRecord:
    raw = value.encode() if isinstance(value, str) else value
    out = processor(preset).process(SourceRecord(topic, 0, 1, b"k", raw, []))
    assert not out.quarantined, dict(out.headers)
    return out


def bundle(*resources: dict[str, Any]) -> bytes:
    return orjson.dumps(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {"fullUrl": f"urn:uuid:00000000-0000-0000-0000-00000000000{i}", "resource": r}
                for i, r in enumerate(resources)
            ],
        }
    )


@pytest.fixture
def ctx(make_scrubber: Callable[..., Scrubber]) -> MessageContext:
    context = make_scrubber().message(
        [PatientIdentifier("TST0042", "MR", "GH")], reference_year=2026
    )
    context.text.add_name("Quillfeather", "Zephyrina", "", "[NAME]")
    return context


# --- underscores: markdown emphasis and snake_case are word breaks ------------------


@pytest.mark.parametrize(
    "text", ["**Quillfeather**, _Zephyrina_", "__QUILLFEATHER__", "file Zephyrina_Quillfeather.pdf"]
)
def test_names_between_underscores_are_replaced(ctx: MessageContext, text: str) -> None:
    out = ctx.scrub_text(text)
    assert "uillfeather" not in out.lower() and "ephyrina" not in out.lower(), out


def test_markdown_emphasis_around_a_name_is_not_quarantined() -> None:
    plan: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": "c1",
        "status": "active",
        "intent": "plan",
        "subject": {"reference": "Patient/pat-1"},
        "description": "**Quillfeather**, _Zephyrina_ to call back",
    }
    out = process(bundle(PATIENT, plan), "raw.fhir")
    assert b"uillfeather" not in out.value.lower()


def test_hl7_note_with_underscored_name_is_not_quarantined() -> None:
    out = process(MSH + PID + "OBX|1|TX|X^note||Pt _Zephyrina_ seen||||||F\r")
    assert b"ephyrina" not in out.value.lower()
