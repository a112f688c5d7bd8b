"""Bad input, fuzzed: what cannot be parsed, scrubbed or verified is quarantined (or, in
``phi-scrub scrub``, fails alone with a reason), nothing else is lost, and no planted
PHI value reaches an error message, a header, a log line, a metric or the report.

Seeds are valid messages carrying invented PHI (``Brackenwhistle``, ``QX7731904``);
hypothesis truncates them, flips and inserts bytes, re-encodes them, nests them
deeply, and throws binary junk. Examples are derandomized and bounded so the run is
repeatable in CI and takes a few seconds. All PHI here is invented.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import time
from pathlib import Path
from types import FrameType
from typing import Any

import orjson
import pytest
import structlog
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import generate_latest

from parsers.fhir import json_io
from parsers.hl7v2 import ER7Error, parse
from scrubbers.engine import Scrubber
from scrubbers.keys import KeyRing
from scrubbers.policy import load_policy
from streams import deadline
from streams.app import _account
from streams.cli import cli
from streams.logs import configure_logging
from streams.metrics import WorkerMetrics
from streams.pipeline import (
    HEADER_PREFIX,
    WIDE_TEXT,
    OutputRecord,
    RecordProcessor,
    Routing,
    SourceRecord,
)

from .conftest import TEST_SECRET

FAMILY, GIVEN, MRN = "Brackenwhistle", "Orsolya", "QX7731904"
# What must never show outside a de-identified payload: the values, in any case, and
# the MRN's digits (a reason quoting "7731904" would be as bad as the whole MRN).
PLANTED = (FAMILY.lower(), GIVEN.lower(), MRN.lower(), "7731904", "harrowgate")

HL7 = (
    "MSH|^~\\&|REG|GENHOSP|ADT|GENHOSP|20240305083000||ADT^A01^ADT_A01|MSG0001|P|2.5.1\r"
    "EVN|A01|20240305083000\r"
    f"PID|1||{MRN}^^^GENHOSP^MR||{FAMILY.upper()}^{GIVEN.upper()}^T||19580214|F|||"
    "17 Harrowgate Lane^^Elmsworth^VT^05401||(802)555-0199\r"
    "PV1|1|I|WARD^101^A\r"
    f"NTE|1||Seen today; {GIVEN} {FAMILY} reports pain.\r"
    f"ZQX|1|{FAMILY} custom segment|{MRN}\r"
).encode()
PATIENT: dict[str, Any] = {
    "resourceType": "Patient",
    "id": "pt-77",
    "identifier": [{"system": "https://genhosp.example.org/mrn", "value": MRN}],
    "name": [{"family": FAMILY, "given": [GIVEN]}],
    "birthDate": "1958-02-14",
    "address": [{"line": ["17 Harrowgate Lane"], "city": "Elmsworth", "postalCode": "05401"}],
}
OBSERVATION: dict[str, Any] = {
    "resourceType": "Observation",
    "id": "obs-1",
    "status": "final",
    "code": {"text": "pain score"},
    "subject": {"reference": "Patient/pt-77", "display": f"{GIVEN} {FAMILY}"},
    "note": [{"text": f"{FAMILY} says it hurts"}],
}
FHIR = orjson.dumps(PATIENT)
NDJSON = orjson.dumps(PATIENT) + b"\n" + orjson.dumps(OBSERVATION) + b"\n"

ROUTING = Routing(
    outputs={"raw.hl7": "deid.hl7", "raw.fhir": "deid.fhir", "raw.any": "deid.any"},
    formats={"raw.hl7": "hl7v2", "raw.fhir": "fhir", "raw.any": "auto"},
    quarantine="phi.quarantine",
)
TOPICS = ("raw.hl7", "raw.fhir", "raw.any")
MAX_BYTES = 16 * 1024
PROCESSOR = RecordProcessor(
    Scrubber(load_policy("safe-harbor"), KeyRing.single(TEST_SECRET)),
    ROUTING,
    max_bytes=MAX_BYTES,
    header_allowlist=["traceparent"],
    quarantine_max_bytes=8 * 1024,
)
# Derandomized and bounded: the same examples on every run, a few seconds in all.
FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def nested(depth: int, kind: str) -> bytes:
    """A Patient whose extension (or an unknown element) nests ``depth`` levels."""
    if kind == "extension":
        link = '{"url":"https://x.example.org/e","extension":['
        inner = '{"url":"https://x.example.org/e","valueString":"' + FAMILY + '"}'
        extension = link * (depth // 2) + inner + "]}" * (depth // 2)
        return FHIR[:-1] + b',"extension":[' + extension.encode() + b"]}"
    head = '{"resourceType":"Patient","id":"pt-77","name":[{"family":"' + FAMILY + '"}],"zz":'
    return (head + '{"a":' * depth + f'"{MRN}"' + "}" * depth + "}").encode()


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A seed broken one or more of the ways senders and networks break records."""
    seed = draw(st.sampled_from([HL7, FHIR, NDJSON]))
    how = draw(
        st.sampled_from(
            [
                "truncate",
                "flip",
                "insert",
                "encoding",
                "nest",
                "duplicate",
                "shape",
                "oversize",
                "junk",
            ]
        )
    )
    if how == "truncate":
        return seed[: draw(st.integers(0, len(seed)))]
    if how == "flip":
        data = bytearray(seed)
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    if how == "insert":
        at = draw(st.integers(0, len(seed)))
        return seed[:at] + draw(st.binary(min_size=1, max_size=16)) + seed[at:]
    if how == "encoding":
        text = seed.decode().replace("Elmsworth", "Élmswörth")
        codec = draw(st.sampled_from(["utf-16", "utf-16-le", "utf-16-be", "latin-1", "utf-8-sig"]))
        body = text.encode(codec)
        if codec == "latin-1" and seed is HL7:  # declared UTF-8, sent latin-1
            body = body.replace(b"|P|2.5.1\r", b"|P|2.5.1|||||UNICODE UTF-8\r", 1)
        return body
    if how == "nest":
        return nested(
            draw(st.sampled_from([180, 260, 400, 990, 1100, 3000])),
            draw(st.sampled_from(["extension", "unknown"])),
        )
    if how == "duplicate":
        return FHIR[:-1] + b',"name":[{"family":"Other"}],"id":"x"}'
    if how == "shape":
        return draw(
            st.sampled_from(
                [
                    b"[" + FHIR + b"]",
                    b'"' + FAMILY.encode() + b'"',
                    b"42",
                    b"null",
                    FHIR.replace(b'"Patient"', b'"Brackenwhistle"'),
                    FHIR.replace(b'"Patient"', b'"Not A Type"'),
                    FHIR.replace(b'"resourceType":"Patient",', b""),
                    FHIR[:-1] + b',"multipleBirthInteger":' + b"7" * 4400 + b"}",
                    FHIR[:-1] + b',"multipleBirthInteger":1e99999}',
                    HL7.replace(b"ZQX|", b"zqx|"),
                    HL7.replace(b"EVN|", b"E\x00N|"),
                    HL7.replace(b"\r", b"\n"),
                    HL7.replace(b"\r", b"\r\n"),
                    b"\r\n".join([orjson.dumps(PATIENT), b"", b"{oops " + MRN.encode(), b"  "])
                    + b"\r\n"
                    + orjson.dumps(OBSERVATION),
                    b"\xef\xbb\xbf" + NDJSON,
                    b" \n\t\r\n",
                    b"",
                ]
            )
        )
    if how == "oversize":  # past the quarantine ceiling (8 KiB), or the size limit (16 KiB)
        filler = FAMILY.encode() * draw(st.sampled_from([600, 1200]))
        return seed.replace(b"reports pain", filler) if seed is HL7 else seed + b" " * len(filler)
    return draw(st.binary(max_size=300))


def leaked(text: str | bytes) -> list[str]:
    blob = (text.decode("utf-8", "replace") if isinstance(text, bytes) else text).lower()
    return [value for value in PLANTED if value in blob]


def header(out: OutputRecord, name: str) -> bytes:
    return dict(out.headers)[HEADER_PREFIX + name]


@pytest.mark.parametrize(
    ("topic", "value"),
    [
        ("raw.hl7", b"  " + HL7),  # an indented first segment
        ("raw.any", b"\r\n\t" + HL7 + b"\r\n  \r\n"),  # lines of only whitespace
        ("raw.hl7", HL7 + b"\r\n\x1a"),  # a DOS end-of-file mark (Windows tools)
        ("raw.fhir", b"\xef\xbb\xbf" + FHIR),  # a UTF-8 byte order mark (Windows tools)
        ("raw.any", b"\xef\xbb\xbf" + FHIR),
        ("raw.fhir", b"\xef\xbb\xbf\r\n" + FHIR + b"\r\n"),
    ],
    ids=[
        "hl7-indented",
        "hl7-blank-lines",
        "hl7-ctrl-z",
        "fhir-bom",
        "fhir-bom-detected",
        "fhir-bom-newline",
    ],
)
def test_stray_whitespace_and_a_byte_order_mark_are_no_reason_to_quarantine(
    topic: str, value: bytes
) -> None:
    """What integration engines and editors add around a message is read past: the
    record is de-identified, and the verifier read it (its PHI is gone)."""
    out = PROCESSOR.process(SourceRecord(topic, 0, 7, None, value))
    assert not out.quarantined, out.reason
    assert not leaked(out.value or b"")
    if topic == "raw.fhir":
        assert orjson.loads(out.value or b"")["resourceType"] == "Patient"  # no BOM out


@FUZZ
@given(value=mutated(), topic=st.sampled_from(TOPICS), offset=st.integers(0, 2**40))
def test_every_bad_record_ends_as_one_output_or_one_value_free_quarantine(
    value: bytes, topic: str, offset: int
) -> None:
    # A header off the allowlist is never copied, whatever it holds.
    record = SourceRecord(topic, 3, offset, b"raw-key", value, [("patient", FAMILY.encode())])
    out = PROCESSOR.process_within(record, 0)
    assert out.quarantined == (out.topic == ROUTING.quarantine)
    names = [name for name, _ in out.headers]
    assert len(names) == len(set(names))  # no header twice
    # No planted value in any header (quarantine or de-identified) nor in the
    # de-identified key; a quarantine record's reason names no value either.
    for name, header_value in out.headers:
        assert not leaked(header_value), (name, header_value)
    assert not leaked(out.reason) and not leaked(out.stage)
    if out.quarantined:
        assert header(out, "reason") and header(out, "error-class")
        assert header(out, "source-offset") == str(offset).encode()
        assert header(out, "source-topic") == topic.encode()
        if header(out, "payload") == b"raw":  # nothing lost: the raw record, for replay
            assert out.value == value and out.key == b"raw-key"
        else:
            assert len(value) > 8 * 1024 and out.value == b"" and out.key is None
        # Every bad input has a reason of its own: none is a library's exception.
        assert not header(out, "reason").startswith(b"internal error"), out.reason
    else:
        assert out.topic == ROUTING.outputs[topic]
        assert not leaked(out.key or b"")
        assert header(out, "record-id") == record.record_id.encode()


@st.composite
def hl7_as_sent(draw: st.DrawFn) -> bytes:
    """The HL7 seed with a few bytes flipped, inserted or cut, behind what senders
    put before a message (whitespace, a byte order mark, an MLLP start block)."""
    data = bytearray(HL7)
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(data) - 1))
        data[at : at + draw(st.integers(0, 2))] = draw(st.binary(min_size=0, max_size=3))
    lead = draw(st.sampled_from([b"", b"  ", b"\t\r\n", b"\xef\xbb\xbf", b"\x0b", b"\r\n \x0b"]))
    return lead + bytes(data)


@FUZZ
@given(value=hl7_as_sent())
def test_what_the_parser_reads_as_a_patient_name_the_verifier_reads_too(value: bytes) -> None:
    """Differential, fail closed: wherever the ER7 parser reads a PID-5 family name,
    the verifier, handed the input unchanged as the output, flags a name. An input
    shape only the parser reads would have its output checked against nothing."""
    try:
        document = parse(value)
    except ER7Error:
        return
    pid5 = [
        segment.text.split(message.delimiters.field)[5].split(message.delimiters.component)[0]
        for message in document.messages
        for segment in message.segments
        if segment.name == "PID" and segment.text.count(message.delimiters.field) >= 5
    ]
    if not any(name.strip() == FAMILY.upper() for name in pid5):
        return
    findings = PROCESSOR.verifier.findings(value, value, "hl7v2")
    assert "name" in findings, (value[:80], dict(findings))


@st.composite
def fhir_as_sent(draw: st.DrawFn) -> bytes:
    """The FHIR seed with a few bytes flipped, inserted or cut, behind whitespace or a
    byte order mark."""
    data = bytearray(FHIR)
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(data) - 1))
        data[at : at + draw(st.integers(0, 2))] = draw(st.binary(min_size=0, max_size=3))
    lead = draw(st.sampled_from([b"", b" \r\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\n"]))
    return lead + bytes(data)


@FUZZ
@given(value=fhir_as_sent())
def test_what_the_fhir_reader_reads_as_a_patient_name_the_verifier_reads_too(
    value: bytes,
) -> None:
    """The FHIR counterpart: wherever the scrubber scrubs a document holding the
    planted family name, the verifier, handed the input unchanged, flags a name
    (whatever the resource type became: a type no model knows is read as a person's)."""
    if [r.output is not None for r in PROCESSOR.fhir.scrub_bytes(value)] != [True]:
        return
    document = json_io.loads(value)
    names = document.get("name")
    if not (isinstance(names, list) and names and isinstance(names[0], dict)):
        return
    if names[0].get("family") != FAMILY:
        return
    findings = PROCESSOR.verifier.findings(value, value, "fhir")
    assert "name" in findings, (value[:80], dict(findings))


@FUZZ
@given(values=st.lists(mutated(), min_size=1, max_size=6))
def test_quarantine_logs_and_metrics_name_no_value(values: list[bytes]) -> None:
    buffer = io.StringIO()
    configure_logging("json", level="DEBUG", stream=buffer)
    metrics = WorkerMetrics()
    try:
        for offset, value in enumerate(values):
            record = SourceRecord("raw.any", 0, offset, FAMILY.encode(), value)
            _account(metrics, record, PROCESSOR.process_within(record, 0))
    finally:
        structlog.reset_defaults()
    logged = buffer.getvalue()
    assert len(logged.splitlines()) == len(values)  # one line per record
    assert not leaked(logged), logged
    assert not leaked(generate_latest(metrics.registry))


# --- the CLI --------------------------------------------------------------------------

_FAILURE = re.compile(r"phi-scrub: (?P<input>\S+?)(?: line (?P<line>\d+))?(?: message \d+)?: .+")


@pytest.fixture(scope="module")
def cli_env() -> dict[str, str]:
    return {"PHI_SCRUB_KEY": TEST_SECRET, "PHI_SCRUB_KEY_FILE": ""}


@settings(
    FUZZ,
    max_examples=25,
    suppress_health_check=[*FUZZ.suppress_health_check, HealthCheck.function_scoped_fixture],
)
@given(values=st.lists(mutated(), min_size=1, max_size=8))
def test_cli_fails_each_bad_input_alone_and_names_no_value(
    values: list[bytes], tmp_path_factory: pytest.TempPathFactory, cli_env: dict[str, str]
) -> None:
    root = tmp_path_factory.mktemp("fuzz")
    source, out, report = root / "in", root / "out", root / "report.json"
    source.mkdir()
    for index, value in enumerate(values):
        (source / f"{index:03}.dat").write_bytes(value)
    result = CliRunner(env=cli_env).invoke(
        cli,
        [
            "scrub",
            "--out-dir",
            str(out),
            "--report",
            str(report),
            "--max-bytes",
            str(MAX_BYTES),
            str(source),
        ],
    )
    assert result.exit_code in (0, 1), (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not leaked(result.stderr), result.stderr
    assert "internal error" not in result.stderr  # each failure has a reason of its own
    assert not leaked(report.read_bytes())
    totals = json.loads(report.read_bytes())
    assert totals["inputs"] == len(values)
    failed_lines = [line for line in result.stderr.splitlines() if line.startswith("phi-scrub: ")]
    assert len(failed_lines) == len(totals["failures"])
    assert (result.exit_code == 1) == bool(failed_lines)
    for line in failed_lines:
        match = _FAILURE.fullmatch(line)
        assert match, line
    failed = {Path(f["input"].split(" line ")[0]).name for f in totals["failures"]}
    for index in range(len(values)):
        name = f"{index:03}.dat"
        # Every input is written, or failed (or both: NDJSON writes its good lines).
        assert (out / name).is_file() or name in failed, name
    assert totals["scrubbed"] == sum((out / f"{i:03}.dat").is_file() for i in range(len(values)))


# --- one focused test per defect found (by the fuzzing above, or reading the code) ----


def test_an_error_no_stage_expected_is_quarantined_not_raised_into_the_stream(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Raised into the worker's loop, the record would have no output, and a later
    record's acknowledgement could commit past it: it is quarantined instead."""

    def broken(*args: object) -> list[tuple[str, bytes]]:
        raise KeyError(FAMILY)  # a library error quoting the data

    monkeypatch.setattr(RecordProcessor, "_output_headers", broken)
    for call in (PROCESSOR.process, lambda r: PROCESSOR.process_within(r, 5)):
        out = call(SourceRecord("raw.hl7", 0, 9, b"k", HL7))
        assert out.quarantined and out.value == HL7
        assert header(out, "error-class") == b"KeyError"
        assert header(out, "reason") == b"internal error"
        assert not any(leaked(value) for _, value in out.headers)


def test_the_time_budget_takes_sigalrm_back_from_another_handler() -> None:
    """A library or test harness that installs its own SIGALRM handler after the
    worker's first record must not turn a record's budget into its handler's call
    (the default action of SIGALRM ends the process)."""

    class ForeignAlarmError(Exception):
        pass

    def foreign(signum: int, frame: FrameType | None) -> None:
        raise ForeignAlarmError

    original = signal.getsignal(signal.SIGALRM)
    try:
        with deadline.within(5):  # the first record installs the worker's handler
            pass
        signal.signal(signal.SIGALRM, foreign)
        with pytest.raises(deadline.RecordTimeout), deadline.within(0.05):
            time.sleep(30)
    finally:
        signal.signal(signal.SIGALRM, original)


@pytest.mark.parametrize(
    ("data", "ndjson"),
    [
        (NDJSON, True),
        (orjson.dumps(PATIENT)[:40] + b"\n" + NDJSON, True),  # first line cut short
        (b"[1, 2]\r\n" + NDJSON, True),  # first line an array
        (b"\xef\xbb\xbf" + NDJSON, True),  # a BOM before the first line is read past
        (b"\xef\xbb\xbf\r\n" + FHIR + b"\r\n", False),  # ... and is no line of its own
        (orjson.dumps(PATIENT, option=orjson.OPT_INDENT_2), False),  # pretty-printed
        (b'{"resourceType":"Basic","code":\n{"text":"pain"}}', False),  # JSON over 2 lines
        # ... cut short: no JSON, so lines, each failing alone (no resourceType on line 2)
        (b'{"resourceType":"Basic","code":\n{"text":"pain"}', True),
        (FHIR + b"\n", False),
    ],
)
def test_a_broken_first_line_does_not_hide_the_ndjson_lines_after_it(
    data: bytes, ndjson: bool
) -> None:
    assert json_io.is_ndjson(data) is ndjson


def test_cli_writes_the_good_lines_of_ndjson_whose_first_line_is_broken(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    source = tmp_path / "export.ndjson"
    source.write_bytes(orjson.dumps(PATIENT)[:60] + b"\n" + NDJSON)
    result = CliRunner(env=cli_env).invoke(
        cli, ["scrub", "--out-dir", str(tmp_path / "o"), str(source)]
    )
    assert result.exit_code == 1
    assert re.fullmatch(
        f"phi-scrub: {source} line 1: invalid JSON at line 1 column \\d+\n", result.stderr
    )
    written = (tmp_path / "o" / "export.ndjson").read_bytes().splitlines()
    assert [orjson.loads(line)["resourceType"] for line in written] == ["Patient", "Observation"]
    assert not leaked(b"".join(written))


def test_cli_says_in_one_line_when_the_report_cannot_be_written(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    (tmp_path / "in.hl7").write_bytes(HL7)
    (tmp_path / "not-a-dir").write_text("")
    report = tmp_path / "not-a-dir" / "report.json"
    result = CliRunner(env=cli_env).invoke(
        cli,
        [
            "scrub",
            "--out-dir",
            str(tmp_path / "o"),
            "--report",
            str(report),
            str(tmp_path / "in.hl7"),
        ],
    )
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert re.fullmatch(f"phi-scrub: {report}: cannot write the report: [^\\n]+\\n", result.stderr)
    assert (tmp_path / "o" / "in.hl7").is_file()  # the outputs are written all the same


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le"])
@pytest.mark.parametrize("seed", [HL7, FHIR], ids=["hl7v2", "fhir"])
def test_utf16_and_utf32_inputs_are_named_as_such(
    seed: bytes, codec: str, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    """A Windows "Unicode" export is neither format; the reason says why, not "no MSH
    segment" or "invalid JSON at line 1 column 2"."""
    wide = seed.decode().encode(codec)
    for topic in TOPICS:
        out = PROCESSOR.process(SourceRecord(topic, 0, 1, None, wide))
        assert out.quarantined and header(out, "reason") == WIDE_TEXT.encode()
    (tmp_path / "in.dat").write_bytes(wide)
    result = CliRunner(env=cli_env).invoke(cli, ["scrub", str(tmp_path / "in.dat")])
    assert result.exit_code == 1
    assert result.stderr == f"phi-scrub: {tmp_path / 'in.dat'}: {WIDE_TEXT}\n"


@pytest.mark.parametrize("junk", [b"%PDF-1.7 \x00\x01", b"\x00\x01\x02\xff" * 20, b"\x00"])
def test_junk_of_no_known_format_keeps_its_reason(junk: bytes) -> None:
    out = PROCESSOR.process(SourceRecord("raw.any", 0, 1, None, junk))
    assert header(out, "reason") == b"neither HL7v2 ER7 nor FHIR JSON"


@pytest.mark.parametrize("input_format", ["auto", "hl7v2", "fhir"])
@pytest.mark.parametrize("data", [b"", b" \r\n\t\n"])
def test_cli_names_an_empty_input_as_such(
    data: bytes, input_format: str, cli_env: dict[str, str]
) -> None:
    result = CliRunner(env=cli_env).invoke(cli, ["scrub", "--format", input_format], input=data)
    assert result.exit_code == 1
    assert result.stderr == "phi-scrub: <stdin>: empty input\n"
    assert result.stdout == ""


@pytest.mark.parametrize("depth", [260, 600, 2000])
def test_each_ndjson_line_nested_too_deep_fails_alone(
    depth: int, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    """Deeper than the walk takes (200 levels, orjson writes 255) but readable, or
    deeper than the reader takes: that line fails with its reason, the others are
    scrubbed (docs/fhir.md's Limitations still say the whole input failed with
    ``internal error (TypeError)``; it no longer does)."""
    deep = nested(depth, "unknown")
    lines = [orjson.dumps(PATIENT), deep, orjson.dumps(OBSERVATION), nested(depth, "extension")]
    source = tmp_path / "export.ndjson"
    source.write_bytes(b"\n".join(lines) + b"\n")
    result = CliRunner(env=cli_env).invoke(
        cli, ["scrub", "--out-dir", str(tmp_path / "o"), str(source)]
    )
    assert result.exit_code == 1
    reason = "nested too deep to read" if depth > 1000 else "nesting too deep"
    assert result.stderr == "".join(
        f"phi-scrub: {source} line {line}: {reason}\n" for line in (2, 4)
    )
    written = (tmp_path / "o" / "export.ndjson").read_bytes().splitlines()
    assert [orjson.loads(line)["resourceType"] for line in written] == ["Patient", "Observation"]
    out = PROCESSOR.process(SourceRecord("raw.fhir", 0, 1, None, deep))  # one per record
    assert out.quarantined and header(out, "reason").startswith(reason.encode())


def test_the_quarantine_reason_of_a_batch_names_the_message_that_failed() -> None:
    """As ``phi-scrub scrub`` does ("message 2: ..."); a lone message's reason is as it was."""
    bad = (
        HL7.replace(b"MSG0001", b"MSG0002")
        + b"OBX|1|ED|11492-6^History^LN||^TEXT^PLAIN^Base64^@@\r"
    )
    error = b"OBX-5 ED base64 text payload cannot be decoded"
    for value, reason in [
        (bad, error),
        (HL7 + bad, b"message 2: " + error),
        (b"BHS|^~\\&|GENHOSP\r" + HL7 + bad + b"BTS|2\r", b"message 2: " + error),
        (HL7 + bad.replace(b"EVN|", b"evn|"), b"message 2: segment 8 does not start with a"),
    ]:
        out = PROCESSOR.process(SourceRecord("raw.hl7", 0, 1, None, value))
        assert out.quarantined and header(out, "reason").startswith(reason), header(out, "reason")


def test_cli_names_what_a_directory_holds_besides_files(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    """A broken link, a link to a directory (not followed: it may loop) or a pipe in a
    directory argument fails by name; before, it was skipped and the run exited 0,
    saying the whole tree was scrubbed."""
    tree = tmp_path / "in"
    (tree / "site").mkdir(parents=True)
    (tree / "site" / "a.hl7").write_bytes(HL7)
    (tree / "broken.hl7").symlink_to(tmp_path / "missing.hl7")
    (tree / "linked").symlink_to(tree / "site", target_is_directory=True)
    (tree / "via-link.hl7").symlink_to(tree / "site" / "a.hl7")  # a link to a file is read
    os.mkfifo(tree / "pipe.hl7")
    out = tmp_path / "out"
    result = CliRunner(env=cli_env).invoke(cli, ["scrub", "--out-dir", str(out), str(tree)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"phi-scrub: {tree / 'broken.hl7'}: a broken link; not read",
        f"phi-scrub: {tree / 'linked'}: a link to a directory; not followed",
        f"phi-scrub: {tree / 'pipe.hl7'}: not a regular file; not read",
    ]
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "site/a.hl7",
        "via-link.hl7",
    ]


def test_a_budget_spent_while_checking_copied_headers_quarantines_the_record(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The header check's verifier run is the record's last work: a timeout there is a
    timeout (quarantine), not a header check that failed (headers dropped, record sent)."""
    processor = RecordProcessor(
        PROCESSOR.scrubber, ROUTING, max_bytes=MAX_BYTES, header_allowlist=["x-ward"]
    )
    real = processor.verifier

    class Stalling:  # stands in for the verifier (a compiled class takes no patches)
        def findings(self, source: bytes, output: bytes, fmt: str) -> Any:
            if output == b"ward-7b":  # the header check
                raise deadline.RecordTimeout
            return real.findings(source, output, fmt)

    monkeypatch.setattr(processor, "verifier", Stalling())
    record = SourceRecord("raw.hl7", 0, 1, None, HL7, [("x-ward", b"ward-7b")])
    out = processor.process_within(record, 5)
    assert out.quarantined and header(out, "error-class") == b"RecordTimeout"
    assert out.stage == "scrub" and out.value == HL7


@pytest.mark.parametrize("number", [b"9" * 5000, b"-1e99999", b"9" * 400 + b".5"])
def test_a_number_too_large_to_read_fails_its_document_alone(
    number: bytes, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    """Python reads at most 4,300 digits into an int: such a number raised ValueError
    past the FHIR reader, an internal error for the whole input, NDJSON included.
    One beyond a double was read (as infinity, its text kept) and written, and the
    verifier then failed on it (internal error, ValueError); orjson refuses both."""
    huge = orjson.dumps({**OBSERVATION, "valueInteger": 0}).replace(b"0}", number + b"}")
    out = PROCESSOR.process(SourceRecord("raw.fhir", 0, 1, None, huge))
    assert out.quarantined and header(out, "error-class") == b"ScrubError"
    assert header(out, "reason") == b"a JSON number too large to read"
    source = tmp_path / "export.ndjson"
    source.write_bytes(b"\n".join([orjson.dumps(PATIENT), huge, orjson.dumps(OBSERVATION)]))
    result = CliRunner(env=cli_env).invoke(
        cli, ["scrub", "--out-dir", str(tmp_path / "o"), str(source)]
    )
    assert result.stderr == f"phi-scrub: {source} line 2: a JSON number too large to read\n"
    written = (tmp_path / "o" / "export.ndjson").read_bytes().splitlines()
    assert [orjson.loads(line)["resourceType"] for line in written] == ["Patient", "Observation"]


def test_a_document_that_trips_the_fhir_walk_fails_alone(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    """``"meta": null`` raised AttributeError out of the FHIR scrubber: an internal
    error for the whole input, so an NDJSON export lost every line. Each document
    now fails alone, and the shape check names the null element."""
    odd = orjson.dumps({**PATIENT, "meta": None})
    source = tmp_path / "export.ndjson"
    source.write_bytes(b"\n".join([orjson.dumps(PATIENT), odd, orjson.dumps(OBSERVATION)]))
    result = CliRunner(env=cli_env).invoke(
        cli, ["scrub", "--out-dir", str(tmp_path / "o"), str(source)]
    )
    assert result.exit_code == 1
    assert result.stderr == f"phi-scrub: {source} line 2: Patient.meta: null is not a FHIR value\n"
    written = (tmp_path / "o" / "export.ndjson").read_bytes().splitlines()
    assert [orjson.loads(line)["resourceType"] for line in written] == ["Patient", "Observation"]


def test_cli_outputs_on_stdout_never_run_into_each_other(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    """Two inputs to stdout, the first without a final segment terminator (or a JSON
    document, which has none): the second's MSH ran into the first's last field
    (``...^[NAME]MSH|^~\\&|...``), JSON documents into ``}{``."""
    hl7, fhir = tmp_path / "a.hl7", tmp_path / "b.json"
    hl7.write_bytes(HL7.rstrip(b"\r"))
    fhir.write_bytes(FHIR)
    args = ["scrub", str(hl7), str(hl7), str(fhir), str(fhir)]
    result = CliRunner(env=cli_env).invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    parts = result.stdout_bytes.split(b"\n")
    assert [part[:4] for part in parts] == [b"MSH|", b"MSH|", b'{"re', b'{"re']
    assert all(orjson.loads(part)["resourceType"] == "Patient" for part in parts[2:])
    single = CliRunner(env=cli_env).invoke(cli, ["scrub", str(fhir)])
    assert single.stdout_bytes.endswith(b"}")  # one output: byte for byte, as before
