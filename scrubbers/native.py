"""Which per-record modules this installation runs compiled (mypyc).

The container image compiles the hot path (see setup.py); a source checkout
runs the same modules interpreted. Nothing behaves differently, only faster:
this module says which build is loaded, for ``phi-scrub --version``, the
worker's start-up log, and the compiled test run (which must fail rather than
quietly test the sources). ``python -m scrubbers.native --require`` exits 1
unless every hot-path module is compiled.
"""

from __future__ import annotations

import importlib
import sys
from typing import Final

# Keep in step with HOT_PATH in setup.py (a unit test compares them).
HOT_PATH_MODULES: Final = (
    "parsers.hl7v2.er7",
    "scrubbers.dates",
    "scrubbers.detectors",
    "scrubbers.engine",
    "scrubbers.fhir.document",
    "scrubbers.fhir.output",
    "scrubbers.fhir.scrub",
    "scrubbers.fhir.shape",
    "scrubbers.fhir.values",
    "scrubbers.hl7.free_text",
    "scrubbers.hl7.identifiers",
    "scrubbers.hl7.names",
    "scrubbers.hl7.scrub",
    "scrubbers.hl7.shapes",
    "scrubbers.hl7.walk",
    "scrubbers.labels",
    "scrubbers.number_hints",
    "scrubbers.text",
    "scrubbers.verify",
)


def compiled_modules() -> list[str]:
    """The hot-path modules loaded from extension modules rather than sources."""
    return [
        name
        for name in HOT_PATH_MODULES
        if not str(getattr(importlib.import_module(name), "__file__", "")).endswith(".py")
    ]


def build_kind() -> str:
    """``compiled``, ``interpreted``, or ``partly compiled`` (a broken build)."""
    count = len(compiled_modules())
    if count == len(HOT_PATH_MODULES):
        return "compiled"
    return "partly compiled" if count else "interpreted"


def main(argv: list[str]) -> int:
    kind = build_kind()
    print(f"hot path: {kind}")
    return 1 if "--require" in argv and kind != "compiled" else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
