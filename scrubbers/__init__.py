"""Privacy knowledge: the de-identification policy, its methods and detectors.

Format-agnostic: it reasons about identifier *kinds* and *methods*; format
adapters in this package use ``parsers`` to reach the values.
"""
