"""Format knowledge: HL7v2 ER7 and FHIR JSON parsing and serialization.

Nothing here knows about privacy policy or Kafka; ``scrubbers`` builds on
this package and ``streams`` builds on both.
"""
