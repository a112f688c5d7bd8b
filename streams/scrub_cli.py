"""``phi-scrub scrub``: de-identify files or stdin with the same engine the worker uses.

Contract::

    phi-scrub scrub [--policy NAME|FILE] [--format auto|hl7v2|fhir] [--out-dir DIR]
                    [--report FILE] [--key-file FILE] [PATH ...]

* No PATH, or ``-``: stdin to stdout. PATHs may be files or directories
  (walked recursively, in sorted order; a link to a directory is not
  followed, and it, a broken link, a pipe or a socket found there fails by
  name rather than being skipped). With ``--out-dir`` each input is
  written under its path relative to the argument it came from (a plain file
  argument lands as ``DIR/<basename>``); without it, outputs go to stdout,
  one after another, with a line break between two when the first does not
  end with one (no message or document runs into the next).
* The key comes from ``PHI_SCRUB_KEY`` / ``PHI_SCRUB_KEY_FILE`` or
  ``--key-file``; without one the command exits 2 and says how to set it.
* Exit 0 when every input was scrubbed; 1 when some failed (each failure on
  stderr with file, message index and reason, never a value; the other
  inputs are still written) or the ``--report`` file cannot be written; 2 on
  usage errors.
* Fail closed per input: an input with any message that cannot be scrubbed
  produces no output at all. NDJSON is the exception: each line is its own
  document, so a bad line fails (named by its line number) and the other
  lines are written, one resource per line as they came.
* Every output passes the same independent verifier as the worker's before it
  is written: one still holding input PHI fails (kinds named, never values).
* Output files keep their input's relative path and name, as the contract
  says; name inputs so that their paths carry no PHI (Synthea's do).
* A gzip-compressed input (known by its magic bytes: an archived feed, a bulk
  FHIR export's ``.ndjson.gz``) is decompressed, at most ``--max-bytes`` of it
  (a larger one fails rather than filling memory), and its output is written
  gzip-compressed under the same name (to stdout, as text). A gzip stream that
  does not decompress fails with that reason.
"""

from __future__ import annotations

import gzip
import io
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import click
import orjson

from parsers.detect import detect_format
from parsers.fhir import json_io
from scrubbers.engine import Scrubber
from scrubbers.fhir.scrub import FHIRScrubber
from scrubbers.hl7.scrub import DocumentResult, HL7Scrubber
from scrubbers.keys import KeyConfigError, KeyRing
from scrubbers.policy import DEFAULT_PRESET, load_policy
from scrubbers.policy_yaml import PolicyError
from scrubbers.report import ScrubReport
from scrubbers.verify import UnreadableInputError, Verifier
from streams.pipeline import WIDE_TEXT, wide_text

DEFAULT_MAX_BYTES = 16 * 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"
FORMATS = ("auto", "hl7v2", "fhir")


class UsageError(click.UsageError):
    """Exit code 2 with a one-line reason."""


@dataclass(slots=True)
class Input:
    label: str  # what error messages and the report call it
    path: Path | None  # None for stdin
    destination: Path | None  # None: stdout
    unread: str | None = None  # why it is not read (a failure of its own)


@dataclass(slots=True)
class RunTotals:
    inputs: int = 0
    scrubbed: int = 0
    messages: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)
    report: ScrubReport | None = None

    def add(self, result: ScrubReport) -> None:
        if self.report is None:
            self.report = ScrubReport(
                result.policy_id, result.policy_version, result.policy_hash, result.key_version, ""
            )
        self.report.merge(result)

    def to_dict(self) -> dict[str, Any]:
        summary = self.report.to_dict() if self.report else {}
        summary.pop("identity_source", None)
        return {
            **summary,
            "inputs": self.inputs,
            "scrubbed": self.scrubbed,
            "messages": self.messages,
            "failures": self.failures,
        }


def iter_inputs(paths: tuple[str, ...], out_dir: Path | None) -> Iterator[Input]:
    if not paths or paths == ("-",):
        yield Input("<stdin>", None, None)
        return
    for argument in paths:
        if argument == "-":
            raise UsageError("'-' (stdin) cannot be mixed with file arguments")
        root = Path(argument)
        if root.is_dir():
            for file in sorted(root.rglob("*")):
                destination = out_dir / file.relative_to(root) if out_dir else None
                unread = _not_a_file(file)
                if unread != "":  # a directory it walks into is no input
                    yield Input(str(file), file, destination, unread)
        else:
            # A file, or a path that does not exist: that input then fails alone
            # ("cannot read"), exit 1, and the other inputs are still written.
            yield Input(str(root), root, out_dir / root.name if out_dir else None)


def _not_a_file(path: Path) -> str | None:
    """Why an entry of a directory argument is not read; None for a file (or a link
    to one), "" for a directory the walk enters. Never skipped in silence: a link
    to a directory (not followed: it may loop), a broken link, a pipe or a socket
    fails like an unreadable file, so exit 0 still means the whole tree."""
    if path.is_file():
        return None
    if path.is_symlink():
        if path.is_dir():
            return "a link to a directory; not followed"
        return "a broken link; not read"
    if path.is_dir():
        return ""
    return "not a regular file; not read"


class Stdout:
    """Standard output for outputs written one after another.

    Two outputs never run into each other: after one that does not end with a
    line break (an HL7 message without its final segment terminator, a JSON
    document), the next is preceded by one (``\n``: a segment break to HL7
    readers, a line break between JSON documents). A single output is written
    byte for byte.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.open_line = False  # the last output did not end with \r or \n

    def write(self, data: bytes) -> None:
        if not data:
            return
        if self.open_line:
            self.stream.write(b"\n")
        self.stream.write(data)
        self.open_line = data[-1:] not in (b"\r", b"\n")


class _TooLargeError(Exception):
    """A gzip input that decompresses to more than the size limit."""


def _gunzip(data: bytes, max_bytes: int) -> bytes:
    """A gzip input's content (every member), read no further than ``max_bytes``
    and one: a small file that inflates to gigabytes is refused, not expanded.
    Raises _TooLargeError, or OSError/EOFError/zlib.error for a broken stream."""
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
        content = stream.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise _TooLargeError
    return content


def _write(destination: Path | None, data: bytes, stdout: Stdout, compressed: bool = False) -> None:
    """``data`` to its file, gzip-compressed when its input was (the same name, the
    same encoding), or to stdout as text: outputs there follow one another with
    line breaks between them, which would corrupt a stream of gzip members."""
    if destination is None:
        stdout.write(data)
        return
    if compressed:
        data = gzip.compress(data, mtime=0)
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_bytes(data)


@click.command("scrub")
@click.option(
    "--policy",
    "policy_spec",
    default=DEFAULT_PRESET,
    show_default=True,
    metavar="NAME|FILE",
    help="A preset name or a policy file.",
)
@click.option(
    "--format",
    "input_format",
    type=click.Choice(FORMATS),
    default="auto",
    show_default=True,
    help="Input format (auto-detected per input).",
)
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write each input under DIR (default: stdout).",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write JSON totals per identifier kind and method, and failures.",
)
@click.option(
    "--key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File holding the pseudonymization key (else PHI_SCRUB_KEY).",
)
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_BYTES,
    show_default=True,
    help="Reject inputs larger than this.",
)
@click.argument("paths", nargs=-1, metavar="[PATH ...]")
def scrub_command(
    policy_spec: str,
    input_format: str,
    out_dir: Path | None,
    report_path: Path | None,
    key_file: Path | None,
    max_bytes: int,
    paths: tuple[str, ...],
) -> None:
    """De-identify HL7v2 and FHIR (JSON, NDJSON) files, directories or stdin under a policy."""
    try:
        keys = KeyRing.from_environment(key_file=key_file)
    except KeyConfigError as exc:
        raise UsageError(str(exc)) from None
    try:
        policy = load_policy(policy_spec)
    except PolicyError as exc:
        raise UsageError(str(exc)) from None
    engine = Scrubber(policy, keys)
    scrubbers = _Scrubbers(HL7Scrubber(engine), FHIRScrubber(engine), Verifier(policy))
    inputs = list(iter_inputs(paths, out_dir))
    totals = RunTotals()
    stdout = Stdout(click.get_binary_stream("stdout"))
    clashes = _clashing_destinations(inputs)  # input index -> why it is not written
    show_progress = len(inputs) > 1 and sys.stderr.isatty()
    with click.progressbar(
        inputs, label="scrubbing", file=sys.stderr, hidden=not show_progress
    ) as progress:
        for index, item in enumerate(progress):
            totals.inputs += 1
            if item.unread is not None:
                _fail(totals, item.label, None, item.unread)
                continue
            clash = clashes.get(index)
            if clash is not None:
                _fail(totals, item.label, None, clash)
                continue
            _scrub_one(item, scrubbers, input_format, max_bytes, totals, stdout)
    if report_path is not None:
        try:
            report_path.parent.mkdir(parents=True, exist_ok=True)
            report_path.write_bytes(orjson.dumps(totals.to_dict(), option=orjson.OPT_INDENT_2))
        except OSError as exc:  # the outputs are written: say so in one line, exit 1
            reason = exc.strerror or type(exc).__name__
            click.echo(f"phi-scrub: {report_path}: cannot write the report: {reason}", err=True)
            raise SystemExit(1) from None
    if totals.failures:
        raise SystemExit(1)


def _clashing_destinations(inputs: list[Input]) -> dict[int, str]:
    """Inputs that must not be written (by index), and why: their output path is
    an earlier input's (``--out-dir o a/x.hl7 b/x.hl7``), or an input file itself
    (``--out-dir data data``: the raw files would be overwritten)."""
    sources = {item.path.resolve() for item in inputs if item.path is not None}
    claimed: dict[Path, str] = {}
    clashes: dict[int, str] = {}
    for index, item in enumerate(inputs):
        if item.destination is None or item.unread is not None:  # nothing written for it
            continue
        target = item.destination.resolve()
        if target in sources:
            clashes[index] = "output path is an input file; not written"
        elif target in claimed:
            clashes[index] = f"output path already written for {claimed[target]}; not written"
        else:
            claimed[target] = item.label
    return clashes


def _fail(totals: RunTotals, label: str, index: int | None, reason: str) -> None:
    where = f"{label}" + (f" message {index + 1}" if index is not None else "")
    click.echo(f"phi-scrub: {where}: {reason}", err=True)
    totals.failures.append(
        {"input": label, "message": None if index is None else index + 1, "reason": reason}
    )


@dataclass(frozen=True, slots=True)
class _Scrubbers:
    hl7: HL7Scrubber
    fhir: FHIRScrubber
    verifier: Verifier


def _unverified(scrubbers: _Scrubbers, source: bytes, output: bytes, fmt: str) -> str | None:
    """Why ``output`` must not be written (the verifier's kinds), or None when clean."""
    try:
        findings = scrubbers.verifier.findings(source, output, fmt)
    except UnreadableInputError as exc:
        return f"verification failed: {exc}"
    except Exception as exc:  # fail closed: an output that cannot be checked is not written
        return f"verification failed: internal error ({type(exc).__name__})"
    if not findings:
        return None
    return f"output still holds input PHI ({', '.join(sorted(findings))}); not written"


def _scrub_one(
    item: Input,
    scrubbers: _Scrubbers,
    input_format: str,
    max_bytes: int,
    totals: RunTotals,
    stdout: Stdout,
) -> None:
    try:
        if item.path is None:
            data = click.get_binary_stream("stdin").read(max_bytes + 1)
        else:
            if item.path.stat().st_size > max_bytes:
                _fail(totals, item.label, None, f"input larger than {max_bytes} bytes")
                return
            data = item.path.read_bytes()
    except OSError as exc:
        _fail(totals, item.label, None, f"cannot read: {exc.strerror}")
        return
    if len(data) > max_bytes:
        _fail(totals, item.label, None, f"input larger than {max_bytes} bytes")
        return
    compressed = data.startswith(GZIP_MAGIC)
    if compressed:
        try:
            data = _gunzip(data, max_bytes)
        except _TooLargeError:
            _fail(
                totals, item.label, None, f"gzip input decompresses to more than {max_bytes} bytes"
            )
            return
        except (OSError, EOFError, zlib.error):
            _fail(totals, item.label, None, "gzip input does not decompress")
            return
    if not data.strip():  # whatever the format: not "no MSH segment" nor "invalid JSON"
        _fail(totals, item.label, None, "empty input")
        return
    if wide_text(data):
        _fail(totals, item.label, None, WIDE_TEXT)
        return
    detected = detect_format(data) if input_format == "auto" else input_format
    if detected == "fhir":
        _scrub_fhir(item, scrubbers, data, totals, stdout, compressed)
        return
    if detected == "unknown":
        _fail(totals, item.label, None, "not HL7v2 ER7 (no MSH, FHS or BHS segment at the start)")
        return
    try:
        result: DocumentResult = scrubbers.hl7.scrub_bytes(data)
    except Exception as exc:
        _fail(totals, item.label, None, f"internal error ({type(exc).__name__})")
        return
    for message in result.messages:
        if message.error is not None:
            _fail(totals, item.label, message.index, message.error)
        elif message.report is not None:
            totals.messages += 1
            totals.add(message.report)
    if result.output is None or not result.ok:
        return
    refusal = _unverified(scrubbers, data, result.output, "hl7v2")
    if refusal is not None:
        _fail(totals, item.label, None, refusal)
        return
    try:
        _write(item.destination, result.output, stdout, compressed)
    except OSError as exc:
        _fail(totals, item.label, None, f"cannot write output: {exc.strerror}")
        return
    totals.scrubbed += 1


def _scrub_fhir(
    item: Input,
    scrubbers: _Scrubbers,
    data: bytes,
    totals: RunTotals,
    stdout: Stdout,
    compressed: bool = False,
) -> None:
    try:
        results = scrubbers.fhir.scrub_bytes(data)
    except Exception as exc:
        _fail(totals, item.label, None, f"internal error ({type(exc).__name__})")
        return
    lines = dict(json_io.ndjson_lines(data)) if results and results[0].line is not None else {}
    outputs = []
    for result in results:
        where = f" line {result.line}" if result.line is not None else ""
        if result.error is not None or result.output is None:
            _fail(totals, item.label + where, None, result.error or "not scrubbed")
            continue
        source = data if result.line is None else lines[result.line]
        refusal = _unverified(scrubbers, source, result.output, "fhir")
        if refusal is not None:
            _fail(totals, item.label + where, None, refusal)
            continue
        totals.messages += 1
        if result.report is not None:
            totals.add(result.report)
        outputs.append(result.output)
    if not outputs:
        return
    ndjson = results[0].line is not None
    body = b"\n".join(outputs) + (b"\n" if ndjson else b"")
    try:
        _write(item.destination, body, stdout, compressed)
    except OSError as exc:
        _fail(totals, item.label, None, f"cannot write output: {exc.strerror}")
        return
    totals.scrubbed += 1
