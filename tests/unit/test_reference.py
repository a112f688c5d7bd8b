"""hl7apy's reference data as phi-scrub reads it (parsers/hl7v2/reference.py)."""

from __future__ import annotations

import hl7apy

from parsers.hl7v2.reference import SUPPORTED, segment_fields
from scrubbers.engine import Scrubber
from scrubbers.hl7.scrub import HL7Scrubber
from scrubbers.keys import KeyRing
from scrubbers.policy import load_policy

from .conftest import TEST_SECRET


def test_every_segment_of_every_supported_version_reads_or_is_unknown() -> None:
    """hl7apy defines v2.1's ORO segment like a datatype: reading it raised
    IndexError, so every v2.1 order message carrying an ORO failed to scrub."""
    for version in SUPPORTED:
        for segment in hl7apy.load_library(version).SEGMENTS:
            fields = segment_fields(version, segment)
            assert fields is None or all(f.number >= 1 and f.datatype for f in fields)


def test_a_v21_order_with_an_oro_segment_scrubs() -> None:
    message = (
        b"MSH|^~\\&|OE|GENHOSP|LAB|GENHOSP|198707011200||ORM|MSG0001|P|2.1\r"
        b"PID|1||TST0042||QUILLFEATHER^ZEPHYRINA||19610615|F\r"
        b"ORC|NW|ORD1\r"
        b"ORO|CBC^COMPLETE BLOOD COUNT||||N\r"
    )
    scrubber = HL7Scrubber(Scrubber(load_policy("safe-harbor"), KeyRing.single(TEST_SECRET)))
    result = scrubber.scrub_bytes(message)
    assert result.output is not None and not [m.error for m in result.messages if m.error]
    assert b"QUILLFEATHER" not in result.output and b"\rORO|CBC" in result.output
