"""FHIR scrubbing: type-driven rules over resources, Bundles and NDJSON."""
