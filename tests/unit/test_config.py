"""Worker configuration from the environment and an optional YAML file."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.config import ConfigError, load_config


def test_defaults_and_secret_masking() -> None:
    config = load_config(
        {
            "KAFKA_BOOTSTRAP_SERVERS": "k:9092",
            "KAFKA_SASL_PASSWORD": "s3cret-pw",
            "PHI_SCRUB_HL7_TOPICS": "a, b",
            "PHI_SCRUB_HTTP_PORT": "7000",
        }
    )
    assert config.hl7_topics == ["a", "b"]
    assert config.http_port == 7000
    assert config.max_record_bytes == 4 * 1024 * 1024
    assert config.quarantine_max_bytes == 32 * 1024 * 1024
    assert config.producer_linger_ms == 5
    shown = config.show()
    assert shown["sasl_password"] == "***"
    assert "s3cret-pw" not in repr(shown)


def test_yaml_file_then_environment(tmp_path: Path) -> None:
    file = tmp_path / "worker.yaml"
    file.write_text("bootstrap_servers: k:9092\npolicy: pseudonymized\nhttp_port: 7001\n")
    config = load_config({"PHI_SCRUB_CONFIG": str(file), "PHI_SCRUB_HTTP_PORT": "7002"})
    assert config.policy == "pseudonymized"
    assert config.http_port == 7002


def test_yaml_file_keys_may_be_the_variable_names_in_lower_case(tmp_path: Path) -> None:
    file = tmp_path / "worker.yaml"
    file.write_text(
        "kafka_bootstrap_servers: k:9092\nphi_scrub_hl7_topics: [a, b]\nphi_scrub_log_x: 1\n"
    )
    with pytest.raises(ConfigError, match="unknown setting 'phi_scrub_log_x'"):
        load_config({"PHI_SCRUB_CONFIG": str(file)})
    file.write_text("kafka_bootstrap_servers: k:9092\nphi_scrub_hl7_topics: [a, b]\n")
    config = load_config({"PHI_SCRUB_CONFIG": str(file)})
    assert config.bootstrap_servers == "k:9092"
    assert config.hl7_topics == ["a", "b"]


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({}, "KAFKA_BOOTSTRAP_SERVERS is required"),
        ({"KAFKA_BOOTSTRAP_SERVERS": "k:1", "PHI_SCRUB_HTTP_PORT": "x"}, "PHI_SCRUB_HTTP_PORT"),
        (
            {"KAFKA_BOOTSTRAP_SERVERS": "k:1", "PHI_SCRUB_PROCESSING_GUARANTEE": "maybe"},
            "PHI_SCRUB_PROCESSING_GUARANTEE",
        ),
        ({"KAFKA_BOOTSTRAP_SERVERS": "k:1", "PHI_SCRUB_HL7_OUTPUT": "raw.hl7v2"}, "must differ"),
        (
            {"KAFKA_BOOTSTRAP_SERVERS": "k:1", "PHI_SCRUB_QUARANTINE_TOPIC": "deid.hl7v2"},
            "PHI_SCRUB_QUARANTINE_TOPIC must differ from the de-identified topics",
        ),
        (
            {
                "KAFKA_BOOTSTRAP_SERVERS": "k:1",
                "PHI_SCRUB_FHIR_OUTPUT": "q",
                "PHI_SCRUB_QUARANTINE_TOPIC": "q",
            },
            "PHI_SCRUB_QUARANTINE_TOPIC must differ from the de-identified topics",
        ),
        ({"KAFKA_BOOTSTRAP_SERVERS": "k:1", "PHI_SCRUB_MAX_IN_FLIGHT": "0"}, "at least 1"),
        (
            {"KAFKA_BOOTSTRAP_SERVERS": "k:1", "PHI_SCRUB_PRODUCER_LINGER_MS": "-1"},
            "PHI_SCRUB_PRODUCER_LINGER_MS must be at least 0",
        ),
        ({"KAFKA_BOOTSTRAP_SERVERS": "k:1", "PHI_SCRUB_RECORD_TIMEOUT_S": "soon"}, "a number"),
        (
            {"KAFKA_BOOTSTRAP_SERVERS": "k:1", "PHI_SCRUB_QUARANTINE_MAX_BYTES": "1048576"},
            "PHI_SCRUB_QUARANTINE_MAX_BYTES must be at least PHI_SCRUB_MAX_RECORD_BYTES",
        ),
        ({"KAFKA_BOOTSTRAP_SERVERS": "k:1", "PHI_SCRUB_MAX_RECORD_BYTES": "0"}, "at least 1"),
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str], fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        load_config(env)
