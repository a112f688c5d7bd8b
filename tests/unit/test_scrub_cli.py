"""The `phi-scrub scrub` contract: inputs, outputs, exit codes, report, no PHI on stderr."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from scrubbers.fhir.scrub import FHIRResult, FHIRScrubber
from scrubbers.hl7.scrub import DocumentResult, HL7Scrubber, MessageResult
from streams.cli import cli

from .conftest import TEST_SECRET
from .test_fhir import PATIENT
from .test_hl7_scrub import ADT

CORPUS = Path(__file__).resolve().parents[1] / "data" / "hl7v2" / "fhir-converter"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("PHI_SCRUB_KEY", TEST_SECRET)
    monkeypatch.delenv("PHI_SCRUB_KEY_FILE", raising=False)
    return CliRunner()


def test_stdin_to_stdout(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["scrub"], input=ADT.encode())
    assert result.exit_code == 0, result.output
    assert "PID|1||MRN-" in result.stdout
    assert "QUILLFEATHER" not in result.stdout


def test_directory_with_good_and_bad_inputs(runner: CliRunner, tmp_path: Path) -> None:
    source = tmp_path / "in"
    (source / "sub").mkdir(parents=True)
    (source / "sub" / "good.hl7").write_text(ADT)
    (source / "junk.bin").write_bytes(b"\x00\xff" * 50)
    (source / "broken.hl7").write_text(ADT + "lowercase|QUILLFEATHER\r")
    (tmp_path / "single.hl7").write_text(ADT)
    out = tmp_path / "out"
    report = tmp_path / "report.json"
    result = runner.invoke(
        cli,
        [
            "scrub",
            "--out-dir",
            str(out),
            "--report",
            str(report),
            str(source),
            str(tmp_path / "single.hl7"),
        ],
    )
    assert result.exit_code == 1
    assert (out / "sub" / "good.hl7").is_file()  # relative to its directory argument
    assert (out / "single.hl7").is_file()  # a file argument lands as DIR/<basename>
    assert not (out / "broken.hl7").exists()  # fail closed: no partial output
    assert (
        "broken.hl7 message 1: segment 9 does not start with a segment id "
        "(segment 9 of its message)" in result.stderr
    )
    assert "junk.bin" in result.stderr
    assert "QUILLFEATHER" not in result.stderr
    summary = json.loads(report.read_text())
    assert summary["inputs"] == 4 and summary["scrubbed"] == 2
    assert summary["identifiers"]["name"]["mask"] > 0
    assert {f["input"].rsplit("/", 1)[-1] for f in summary["failures"]} == {
        "junk.bin",
        "broken.hl7",
    }
    assert "QUILLFEATHER" not in report.read_text()


def test_whole_corpus(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["scrub", "--out-dir", str(tmp_path), str(CORPUS)])
    # LICENSE is not HL7: the only failure, and the other 139 inputs are written.
    assert result.exit_code == 1
    assert result.stderr.count("phi-scrub:") == 1 and "LICENSE" in result.stderr
    assert len(list(tmp_path.glob("*.hl7"))) == 139


def test_missing_key_exits_2_and_says_how(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PHI_SCRUB_KEY", raising=False)
    monkeypatch.delenv("PHI_SCRUB_KEY_FILE", raising=False)
    result = CliRunner().invoke(cli, ["scrub"], input=ADT.encode())
    assert result.exit_code == 2
    assert "PHI_SCRUB_KEY" in result.stderr


def test_key_file_and_usage_errors(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PHI_SCRUB_KEY")
    key = tmp_path / "key"
    key.write_text(TEST_SECRET)
    (tmp_path / "in.hl7").write_text(ADT)
    result = runner.invoke(cli, ["scrub", "--key-file", str(key)], input=ADT.encode())
    assert result.exit_code == 0
    missing = runner.invoke(
        cli,
        [
            "scrub",
            "--key-file",
            str(key),
            "--out-dir",
            str(tmp_path / "o"),
            "/nonexistent",
            str(key.parent / "in.hl7"),
        ],
    )
    assert missing.exit_code == 1  # an input that fails alone: the others are written
    assert "/nonexistent: cannot read: No such file or directory" in missing.stderr
    assert (tmp_path / "o" / "in.hl7").is_file()
    assert runner.invoke(cli, ["scrub", "--key-file", str(key), "--policy", "nope"]).exit_code == 2
    assert runner.invoke(cli, ["scrub", "--key-file", str(key), "--format", "xml"]).exit_code == 2


def test_oversized_input(runner: CliRunner, tmp_path: Path) -> None:
    big = tmp_path / "big.hl7"
    big.write_text(ADT * 10)
    result = runner.invoke(cli, ["scrub", "--max-bytes", "1000", str(big)])
    assert result.exit_code == 1
    assert "larger than 1000 bytes" in result.stderr


def test_gzip_inputs_are_read_and_written_compressed(runner: CliRunner, tmp_path: Path) -> None:
    """An archived feed or a bulk export's .ndjson.gz: decompressed, scrubbed and
    verified, written gzip-compressed under its own name. A stream that does not
    decompress, or inflates past --max-bytes, fails by name and nothing is written."""
    source = tmp_path / "in"
    source.mkdir()
    (source / "adt.hl7.gz").write_bytes(gzip.compress(ADT.encode()))
    ndjson = orjson.dumps(PATIENT) + b"\n" + orjson.dumps(PATIENT) + b"\n"
    (source / "export.ndjson.gz").write_bytes(gzip.compress(ndjson))
    (source / "broken.gz").write_bytes(gzip.compress(ADT.encode())[:-12])
    out = tmp_path / "out"
    result = runner.invoke(cli, ["scrub", "--out-dir", str(out), str(source)])
    assert result.exit_code == 1
    assert "broken.gz: gzip input does not decompress" in result.stderr
    assert not (out / "broken.gz").exists()
    adt = gzip.decompress((out / "adt.hl7.gz").read_bytes()).decode()
    assert adt.startswith("MSH|") and "PID|1||MRN-" in adt and "QUILLFEATHER" not in adt
    lines = gzip.decompress((out / "export.ndjson.gz").read_bytes()).splitlines()
    assert len(lines) == 2 and all(
        orjson.loads(line)["resourceType"] == "Patient" for line in lines
    )
    assert b"Quillfeather" not in b"".join(lines)
    bomb = tmp_path / "bomb.hl7.gz"
    bomb.write_bytes(gzip.compress(ADT.encode() * 50))
    assert bomb.stat().st_size < 2000
    result = runner.invoke(cli, ["scrub", "--max-bytes", "2000", str(bomb)])
    assert result.exit_code == 1
    assert "gzip input decompresses to more than 2000 bytes" in result.stderr
    assert result.stdout == ""
    piped = runner.invoke(cli, ["scrub"], input=gzip.compress(ADT.encode()))
    assert piped.exit_code == 0, piped.output
    assert piped.stdout.startswith("MSH|") and "QUILLFEATHER" not in piped.stdout  # text


def test_fhir_json_and_ndjson_keep_their_form(runner: CliRunner, tmp_path: Path) -> None:
    patient = (
        '{"resourceType":"Patient","id":"p1","name":[{"family":"Quillfeather",'
        '"given":["Zephyrina"]}],"birthDate":"1961-06-15"}'
    )
    observation = (
        '{"resourceType":"Observation","status":"final","code":{"text":"x"},'
        '"subject":{"reference":"Patient/p1"},"valueString":"Zephyrina Quillfeather is well"}'
    )
    source = tmp_path / "in"
    source.mkdir()
    (source / "bundle.json").write_text(
        '{"resourceType":"Bundle","type":"collection","entry":[{"resource":' + patient + "}]}"
    )
    (source / "export.ndjson").write_text(patient + "\n" + "{not json\n" + observation + "\n")
    out = tmp_path / "out"
    result = runner.invoke(cli, ["scrub", "--out-dir", str(out), str(source)])
    assert result.exit_code == 1  # the bad NDJSON line
    assert "export.ndjson line 2: invalid JSON" in result.stderr
    lines = (out / "export.ndjson").read_text().splitlines()
    assert len(lines) == 2  # the good lines are written, one resource per line
    assert all(json.loads(line)["resourceType"] for line in lines)
    assert "Quillfeather" not in (out / "export.ndjson").read_text()
    bundle = json.loads((out / "bundle.json").read_text())
    assert bundle["entry"][0]["resource"]["name"][0]["family"] == "[NAME]"


@pytest.mark.interpreted_only
def test_outputs_pass_the_verifier_before_they_are_written(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI runs the worker's independent verifier: a scrubber bug that lets a
    name through fails the input (kinds named, no value) and writes nothing."""

    def leaky(self: HL7Scrubber, data: bytes) -> DocumentResult:
        return DocumentResult(data, [MessageResult(0, self.scrubber.message().report)])

    def leaky_fhir(self: FHIRScrubber, data: bytes) -> list[FHIRResult]:
        lines = enumerate(data.split(b"\n"), start=1)
        return [FHIRResult(line, line=number) for number, line in lines if line]

    monkeypatch.setattr(HL7Scrubber, "scrub_bytes", leaky)
    monkeypatch.setattr(FHIRScrubber, "scrub_bytes", leaky_fhir)
    (tmp_path / "a.hl7").write_text(ADT)
    patient = {**PATIENT, "id": "p1"}
    (tmp_path / "b.ndjson").write_bytes(
        orjson.dumps({"resourceType": "Basic", "id": "b1"}) + b"\n" + orjson.dumps(patient) + b"\n"
    )
    out = tmp_path / "out"
    result = runner.invoke(
        cli, ["scrub", "--out-dir", str(out), str(tmp_path / "a.hl7"), str(tmp_path / "b.ndjson")]
    )
    assert result.exit_code == 1
    assert not (out / "a.hl7").exists()
    assert "a.hl7: output still holds input PHI (" in result.stderr
    assert "b.ndjson line 2: output still holds input PHI (" in result.stderr
    assert (out / "b.ndjson").read_bytes().count(b"\n") == 1  # the clean line is written
    assert "QUILLFEATHER" not in result.stderr.upper()


def test_an_output_path_is_never_written_twice_nor_over_an_input(
    runner: CliRunner, tmp_path: Path
) -> None:
    """Two file arguments with one basename both land as DIR/<basename>: the second
    fails (exit 1) instead of silently replacing the first's output; an --out-dir
    that is the input directory would overwrite the raw files: those fail too."""
    for site in ("a", "b"):
        (tmp_path / site).mkdir()
        (tmp_path / site / "x.hl7").write_text(ADT.replace("TST0042", f"TST004{site}"))
    out = tmp_path / "out"
    result = runner.invoke(
        cli, ["scrub", "--out-dir", str(out), str(tmp_path / "a/x.hl7"), str(tmp_path / "b/x.hl7")]
    )
    assert result.exit_code == 1
    assert f"{tmp_path / 'b/x.hl7'}: output path already written for" in result.stderr
    assert "MRN-" in (out / "x.hl7").read_text()  # the first input's output, kept
    before = (tmp_path / "a" / "x.hl7").read_bytes()
    result = runner.invoke(cli, ["scrub", "--out-dir", str(tmp_path / "a"), str(tmp_path / "a")])
    assert result.exit_code == 1 and "output path is an input file" in result.stderr
    assert (tmp_path / "a" / "x.hl7").read_bytes() == before
    assert "TST004" not in result.stderr  # reasons name paths, never values


def test_a_parse_error_names_its_message_in_a_multi_message_file(
    runner: CliRunner, tmp_path: Path
) -> None:
    """Issue 4: each failure names the file, the message index and the reason."""
    second = ADT.replace("MSG0001", "MSG0002") + "lowercase|QUILLFEATHER\r"
    (tmp_path / "multi.hl7").write_text(ADT + second + ADT.replace("MSG0001", "MSG0003"))
    report = tmp_path / "report.json"
    result = runner.invoke(cli, ["scrub", "--report", str(report), str(tmp_path / "multi.hl7")])
    assert result.exit_code == 1
    assert "multi.hl7 message 2: segment" in result.stderr
    assert "of its message)" in result.stderr and "QUILLFEATHER" not in result.stderr
    [failure] = json.loads(report.read_text())["failures"]
    assert failure["message"] == 2


def test_the_corpus_comes_out_the_same_in_every_process(tmp_path: Path) -> None:
    """Two worker replicas (or a re-drive) must write an input the same way. Python
    seeds its string hashes per process, so any choice that follows a set's order
    differs between processes: the HL7v2 corpus and a FHIR Patient, scrubbed under
    two hash seeds, give the same bytes."""
    root = Path(__file__).resolve().parents[2]
    patient = tmp_path / "patient.json"
    patient.write_bytes(orjson.dumps(PATIENT))
    inputs = [*map(str, sorted(CORPUS.glob("*.hl7"))), str(patient)]
    env = {**os.environ, "PYTHONPATH": str(root), "PHI_SCRUB_KEY": TEST_SECRET}
    runs = [  # side by side: two processes, one per core
        subprocess.Popen(
            [sys.executable, "-m", "streams.cli", "scrub", *inputs],
            env=env | {"PYTHONHASHSEED": seed},
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        for seed in ("1", "2")
    ]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0]
    assert len(outputs[0]) > 100_000
    assert outputs[0] == outputs[1]
