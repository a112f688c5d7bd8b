"""Tell HL7v2 ER7 from FHIR JSON by the first bytes of an input."""

from __future__ import annotations

from typing import Final, Literal

Format = Literal["hl7v2", "fhir", "unknown"]
_LEADING: Final = b"\xef\xbb\xbf\x0b \t\r\n"  # BOM, MLLP start block, whitespace


def detect_format(data: bytes) -> Format:
    """``hl7v2`` for ER7 (MSH/FHS/BHS first, MLLP-framed or not), ``fhir`` for JSON."""
    head = data[:512].lstrip(_LEADING)
    if head[:3] in (b"MSH", b"FHS", b"BHS"):
        return "hl7v2"
    if head[:1] in (b"{", b"["):
        return "fhir"
    return "unknown"
