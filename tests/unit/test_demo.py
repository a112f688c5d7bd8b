"""``make demo`` (streams.demo) leaves nothing behind and invents its own key."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from streams.demo import quarantined_samples, worker_env


def test_the_demo_worker_keeps_its_faust_data_in_the_demo_run_dir(tmp_path: Path) -> None:
    """Faust's data dir defaulted to <tmp>/phi-scrub-data, shared with any worker of
    the default group on the machine and left behind when the demo ended."""
    env = worker_env("127.0.0.1:9", 6066, tmp_path)
    assert Path(env["APP_DATADIR"]).parent == tmp_path


def test_the_demo_key_is_new_for_each_run_and_the_worker_listens_on_loopback(
    tmp_path: Path,
) -> None:
    first, second = worker_env("b:1", 1, tmp_path), worker_env("b:1", 1, tmp_path)
    assert first["PHI_SCRUB_KEY"].startswith("hex:")
    assert first["PHI_SCRUB_KEY"] != second["PHI_SCRUB_KEY"]
    assert first["PHI_SCRUB_HTTP_HOST"] == "127.0.0.1"


def test_the_demo_tells_a_quarantined_sample_from_its_poison_records() -> None:
    """A sample quarantined (say, RecordTimeout on a loaded machine) was only a count
    in the totals, beside the poison records meant to end there."""

    def quarantine_record(record_id: str, error_class: str) -> SimpleNamespace:
        headers = [
            ("phi-scrub.record-id", record_id.encode()),
            ("phi-scrub.error-class", error_class.encode()),
        ]
        return SimpleNamespace(headers=headers)

    sent = {"a": b"MSH|^~", "b": b"{...bundle...}"}
    records = [quarantine_record("a", "ScrubError"), quarantine_record("b", "RecordTimeout")]
    assert quarantined_samples(records, sent, {b"MSH|^~"}) == {"RecordTimeout": 1}
    assert not quarantined_samples(records[:1], sent, {b"MSH|^~"})
