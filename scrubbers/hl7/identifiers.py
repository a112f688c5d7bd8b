"""The patient's identifiers in an HL7v2 message (PID-3, then PID-2), for identity resolution."""

from __future__ import annotations

from parsers.hl7v2 import er7
from parsers.hl7v2.er7 import Delimiters, Message
from scrubbers.identity import PatientIdentifier


def patient_identifiers(message: Message) -> list[PatientIdentifier]:
    """Candidate patient identifiers from PID-3 then PID-2 (CX)."""
    d = message.delimiters
    pid = next((s for s in message.segments if s.name == "PID"), None)
    if pid is None:
        return []
    fields = pid.text.split(d.field)
    out = []
    for number in (3, 2):
        if number >= len(fields):
            continue
        for rep in fields[number].split(d.repetition):
            comps = rep.split(d.component)
            if not comps or not comps[0]:
                continue
            out.append(
                PatientIdentifier(
                    value=er7.unescape(comps[0], d),
                    type_code=comps[4].strip().upper() if len(comps) > 4 else "",
                    authority=authority(comps[3], d) if len(comps) > 3 else "",
                )
            )
    return out


def authority(hd: str, d: Delimiters) -> str:
    """The assigning authority of a CX: HD namespace id, else its universal id."""
    parts = er7.unescape(hd, d).split(d.subcomponent)
    return next((p.strip() for p in parts[:2] if p.strip()), "")
