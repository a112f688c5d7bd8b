"""Optional native build of the hot path with mypyc (``PHI_SCRUB_COMPILE=1``).

Everything else about the package is declared in pyproject.toml. A plain
``pip install .`` (or the editable install of ``make venv``) stays pure
Python; the container image and ``make compiled`` set ``PHI_SCRUB_COMPILE=1``
and compile the per-record modules below to C extensions, which run the same
code 1.3-1.7x faster (numbers in README.md). Compiling needs mypy (which
ships mypyc) and a C compiler at build time only.
"""

from __future__ import annotations

import os

from setuptools import setup

# The per-record path: parse, scrub, verify. Modules outside it (CLI, policy
# loading, Kafka) gain nothing from compilation and stay interpreted.
HOT_PATH = [
    "parsers/hl7v2/er7.py",
    "scrubbers/dates.py",
    "scrubbers/detectors.py",
    "scrubbers/engine.py",
    "scrubbers/fhir/document.py",
    "scrubbers/fhir/output.py",
    "scrubbers/fhir/scrub.py",
    "scrubbers/fhir/shape.py",
    "scrubbers/fhir/values.py",
    "scrubbers/hl7/free_text.py",
    "scrubbers/hl7/identifiers.py",
    "scrubbers/hl7/names.py",
    "scrubbers/hl7/scrub.py",
    "scrubbers/hl7/shapes.py",
    "scrubbers/hl7/walk.py",
    "scrubbers/labels.py",
    "scrubbers/number_hints.py",
    "scrubbers/text.py",
    "scrubbers/verify.py",
]

ext_modules = []
if os.environ.get("PHI_SCRUB_COMPILE") == "1":
    from mypyc.build import mypycify

    ext_modules = mypycify(HOT_PATH, opt_level="3", group_name="phi_scrub_native")

setup(ext_modules=ext_modules)
