"""Mutational fuzzing of the HL7v2 and FHIR scrubbers (a development tool, not CI).

Mutates the sample documents (tests/data, plus any --extra directory) and
checks, for every mutant:

* no exception escapes ``scrub_bytes`` and no result is an ``internal error``
  (a bad input gets a reason naming the element, never a bare exception class);
* HL7v2 under a keep-everything policy comes back byte for byte;
* the verifier never raises on what the scrubber wrote.

HL7v2 mutants move field values between segments and positions, change OBX-2
and MSH-12, add escapes and stray bytes; FHIR mutants change JSON types, move
values between elements and rename resources. Verifier findings on mutants are
counted, not failures: a value moved into a code field is kept by design and
quarantined by the verifier (fail closed). Inputs that fail a check are saved
under --out for a regression test. Exit status 1 when any check failed.

Usage: python scripts/fuzz.py [--seconds 60] [--seed 1] [--format both]
       [--preset safe-harbor] [--extra DIR ...] [--out .fuzz]
"""

from __future__ import annotations

import argparse
import collections
import copy
import gzip
import random
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scrubbers.engine import Scrubber  # noqa: E402
from scrubbers.fhir.scrub import FHIRScrubber  # noqa: E402
from scrubbers.hl7.scrub import HL7Scrubber  # noqa: E402
from scrubbers.keys import KeyRing  # noqa: E402
from scrubbers.policy import load_policy, parse_policy  # noqa: E402
from scrubbers.verify import Verifier  # noqa: E402

KEEP_ALL = "id: keep-all\nversion: 1\nrules:\n  - match: {}\n    method: keep\n"
FUZZ_SECRET = "fuzzing-only-secret-not-for-any-data-0123456789"  # noqa: S105
HL7_VERSIONS = [b"2.1", b"2.2", b"2.3", b"2.3.1", b"2.4", b"2.5", b"2.5.1", b"2.6", b"2.8", b"x"]
OBX_TYPES = [b"TX", b"FT", b"ST", b"CE", b"CWE", b"ED", b"RP", b"NM", b"SN", b"DT", b"XPN", b""]
SEGMENT_IDS = [b"ZPI", b"NK1", b"GT1", b"IN1", b"NTE", b"OBX", b"PID", b"PV1", b"TXA", b"PRT"]
INSERTS = [b"\\.br\\", b"\\X0D\\", b"\\F\\", b"\\S\\", b"\\E\\", b"~", b"^", b"&", b"\x0b", b"\xc3"]
# Invented values only: a name, an SSN, markup, base64 and references.
STRINGS: list[Any] = [
    "",
    " ",
    "Quillon Ashgrove, 42 Lantern Row",
    "SSN 778-12-3400",
    '<div xmlns="http://www.w3.org/1999/xhtml"><p>Seen with Quillon Ashgrove</p></div>',
    "SGVsbG8gUXVpbGxvbg==",
    "Patient/123",
    "2024-02-30",
    "\u202e",
    "a" * 3000,
    "http://x/Patient?name=Ashgrove",
]
SHAPES: list[Any] = [None, 0, -1, 1e308, True, [], {}]
KEYS = ["resourceType", "div", "data", "contentType", "reference", "value", "extension", "url"]


class Campaign:
    """One format's mutants, checks and counts."""

    def __init__(self, rnd: random.Random, out: Path) -> None:
        self.rnd = rnd
        self.out = out
        self.counts: collections.Counter[str] = collections.Counter()
        self.failures = 0

    def fail(self, check: str, data: bytes, detail: str) -> None:
        self.failures += 1
        self.counts[check] += 1
        if self.counts[check] <= 5:
            self.out.mkdir(parents=True, exist_ok=True)
            path = self.out / f"{check}-{self.counts[check]}.bin"
            path.write_bytes(data)
            print(f"{check}: {path}: {detail}")


def mutate_hl7(rnd: random.Random, message: bytes) -> bytes:
    """Fields moved between segments and positions, types and versions changed."""
    separator = b"\r" if b"\r" in message else b"\n"
    lines = [line for line in message.split(separator) if line]
    if not lines or not lines[0].startswith(b"MSH") or len(lines[0]) < 4:
        return message
    bar = lines[0][3:4]
    rows = [line.split(bar) for line in lines]
    for _ in range(rnd.randint(1, 5)):
        i = rnd.randrange(len(rows))
        row = rows[i]
        protected = 3 if i == 0 else 1  # MSH-1 and MSH-2 stay
        choice = rnd.random()
        if choice < 0.35:
            source = rows[rnd.randrange(len(rows))]
            if len(source) > 1:
                position = rnd.randrange(protected, len(row) + 3)
                row.extend([b""] * (position + 1 - len(row)))
                row[position] = source[rnd.randrange(1, len(source))]
        elif choice < 0.45 and row[0] == b"OBX" and len(row) > 2:
            row[2] = rnd.choice(OBX_TYPES)
        elif choice < 0.5 and len(rows[0]) > 11:
            rows[0][11] = rnd.choice(HL7_VERSIONS)
        elif choice < 0.6:
            rows.insert(rnd.randrange(1, len(rows) + 1), list(rnd.choice(rows)))
        elif choice < 0.7 and len(rows) > 2:
            del rows[rnd.randrange(1, len(rows))]
        elif choice < 0.85 and len(row) > protected:
            k = rnd.randrange(protected, len(row))
            cut = rnd.randrange(len(row[k]) + 1)
            row[k] = row[k][:cut] + rnd.choice(INSERTS) + row[k][cut:]
        elif i > 0:
            row[0] = rnd.choice(SEGMENT_IDS)
    return separator.join(bar.join(row) for row in rows) + separator


def mutate_json(rnd: random.Random, document: Any) -> Any:
    """JSON types changed, values moved between elements, keys added and removed."""
    document = copy.deepcopy(document)
    nodes: list[tuple[Any, Any, Any]] = []  # (parent, key, value)
    stack: list[tuple[Any, Any, Any]] = [(None, None, document)]
    while stack:
        parent, key, value = stack.pop()
        nodes.append((parent, key, value))
        if isinstance(value, dict):
            stack.extend((value, k, v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((value, n, v) for n, v in enumerate(value))
    for _ in range(rnd.randint(1, 4)):
        parent, key, value = rnd.choice(nodes)
        if parent is None:
            continue
        choice = rnd.random()
        if choice < 0.25:
            parent[key] = rnd.choice(STRINGS)
        elif choice < 0.4:
            parent[key] = rnd.choice([*SHAPES, [value], {"x": value}])
        elif choice < 0.55:
            parent[key] = copy.deepcopy(rnd.choice(nodes)[2])
        elif choice < 0.7 and isinstance(value, dict):
            value[rnd.choice(KEYS)] = rnd.choice([*STRINGS, [], {}])
        elif choice < 0.8 and isinstance(value, list) and value:
            value.append(copy.deepcopy(rnd.choice(value)))
        elif isinstance(parent, dict):
            parent.pop(key, None)
    return document


def run_hl7(campaign: Campaign, inputs: list[bytes], preset: str, until: float) -> None:
    keys = KeyRing.single(FUZZ_SECRET)
    scrubber = HL7Scrubber(Scrubber(load_policy(preset), keys))
    keep = HL7Scrubber(Scrubber(parse_policy(KEEP_ALL), keys))
    verifier = Verifier(load_policy(preset))
    rnd = campaign.rnd
    while time.monotonic() < until:
        data = mutate_hl7(rnd, rnd.choice(inputs))
        campaign.counts["hl7v2 mutants"] += 1
        try:
            result = scrubber.scrub_bytes(data)
            kept = keep.scrub_bytes(data)
        except Exception:  # the check: nothing may escape
            campaign.fail("hl7v2-raised", data, traceback.format_exc(limit=-2))
            continue
        errors = [m.error for m in result.messages if m.error]
        if any(error.startswith("internal error") for error in errors):
            campaign.fail("hl7v2-internal-error", data, next(e for e in errors if e))
        if kept.ok and kept.output != data:
            campaign.fail("hl7v2-keep-all-changed", data, "keep-all output differs")
        if result.output is not None and result.ok:
            check(campaign, verifier, data, result.output, "hl7v2")


def run_fhir(campaign: Campaign, inputs: list[Any], preset: str, until: float) -> None:
    scrubber = FHIRScrubber(Scrubber(load_policy(preset), KeyRing.single(FUZZ_SECRET)))
    verifier = Verifier(load_policy(preset))
    rnd = campaign.rnd
    while time.monotonic() < until:
        try:
            data = orjson.dumps(mutate_json(rnd, rnd.choice(inputs)))
        except TypeError:  # a mutation made a key that is no string
            continue
        campaign.counts["fhir mutants"] += 1
        try:
            results = scrubber.scrub_bytes(data)
        except Exception:  # the check: nothing may escape
            campaign.fail("fhir-raised", data, traceback.format_exc(limit=-2))
            continue
        for result in results:
            if result.error is not None and result.error.startswith("internal error"):
                campaign.fail("fhir-internal-error", data, result.error)
            if result.output is not None:
                check(campaign, verifier, data, result.output, "fhir")


def check(campaign: Campaign, verifier: Verifier, data: bytes, output: bytes, fmt: str) -> None:
    try:
        if verifier.findings(data, output, fmt):
            campaign.counts[f"{fmt} quarantined by the verifier"] += 1
    except Exception:  # the check: the verifier must not raise
        campaign.fail(f"{fmt}-verifier-raised", data, traceback.format_exc(limit=-2))


def _read(paths: list[Path], suffixes: tuple[str, ...], parse: Callable[[bytes], Any]) -> list[Any]:
    found = []
    for path in paths:
        for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if not file.name.endswith(suffixes):
                continue
            data = file.read_bytes()
            try:
                found.append(parse(gzip.decompress(data) if file.suffix == ".gz" else data))
            except ValueError:
                continue
    return found


def _fhir_inputs(documents: list[Any]) -> list[Any]:
    """Small documents to mutate: each Bundle's resources alone, and its first
    entries as a small Bundle (a whole Synthea Bundle is slow to mutate)."""
    inputs: list[Any] = []
    for document in documents:
        entries = document.get("entry") if isinstance(document, dict) else None
        if not isinstance(entries, list):
            inputs.append(document)
            continue
        inputs.append({**document, "entry": entries[:6]})
        inputs.extend(
            e["resource"] for e in entries[:200] if isinstance(e, dict) and "resource" in e
        )
    return inputs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="per format")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--format", choices=["hl7v2", "fhir", "both"], default="both")
    parser.add_argument("--preset", default="safe-harbor")
    parser.add_argument("--extra", type=Path, action="append", default=[])
    parser.add_argument("--out", type=Path, default=ROOT / ".fuzz")
    args = parser.parse_args()
    campaign = Campaign(random.Random(args.seed), args.out)  # noqa: S311 - not crypto
    if args.format in ("hl7v2", "both"):
        sources = [ROOT / "tests/data/hl7v2", *args.extra]
        messages = _read(sources, (".hl7", ".txt", ".er7"), bytes)
        run_hl7(campaign, messages, args.preset, time.monotonic() + args.seconds)
    if args.format in ("fhir", "both"):
        sources = [ROOT / "tests/data/fhir", *args.extra]
        documents = _fhir_inputs(_read(sources, (".json", ".json.gz"), orjson.loads))
        run_fhir(campaign, documents, args.preset, time.monotonic() + args.seconds)
    for name, count in sorted(campaign.counts.items()):
        print(f"{count:8d}  {name}")
    print(f"{campaign.failures} failed checks")
    return 1 if campaign.failures else 0


if __name__ == "__main__":
    sys.exit(main())
