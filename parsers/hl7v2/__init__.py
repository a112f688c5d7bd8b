"""HL7v2 ER7: a faithful hot-path parser and per-version reference data."""

from parsers.hl7v2.er7 import Delimiters, Document, ER7Error, Message, Segment, parse, serialize

__all__ = ["Delimiters", "Document", "ER7Error", "Message", "Segment", "parse", "serialize"]
