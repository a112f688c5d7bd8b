"""FHIR JSON: orjson reading and writing, NDJSON, and per-element datatypes."""
