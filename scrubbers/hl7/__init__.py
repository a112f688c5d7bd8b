"""HL7v2 scrubbing: field classification by datatype and path, and the message scrubber."""
