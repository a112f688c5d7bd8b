"""Worker configuration from the environment and an optional YAML file."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.config import ConfigError, key_ring, load_config
from streams.topics import plan


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
        (
            {"KAFKA_BOOTSTRAP_SERVERS": "k:1", "PHI_SCRUB_SESSION_TIMEOUT_MS": "500"},
            "PHI_SCRUB_SESSION_TIMEOUT_MS must be at least 1000",
        ),
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str], fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        load_config(env)


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"KAFKA_SECURITY_PROTOCOL": "SASL_SSLX"}, "KAFKA_SECURITY_PROTOCOL must be one of"),
        ({"KAFKA_SECURITY_PROTOCOL": "TLS"}, "KAFKA_SECURITY_PROTOCOL must be one of"),
        (
            {"KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_MECHANISM": "GSSAPI"},
            "KAFKA_SASL_MECHANISM must be one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512",
        ),
        (
            {"KAFKA_SASL_MECHANISM": "PLAIN"},
            "KAFKA_SASL_MECHANISM is set but KAFKA_SECURITY_PROTOCOL is PLAINTEXT",
        ),
        ({"PHI_SCRUB_TOPIC_REPLICATION": "0"}, "PHI_SCRUB_TOPIC_REPLICATION must be -1"),
        ({"PHI_SCRUB_TOPIC_REPLICATION": "-3"}, "PHI_SCRUB_TOPIC_REPLICATION must be -1"),
        ({"PHI_SCRUB_TOPIC_RETENTION_MS": "0"}, "PHI_SCRUB_TOPIC_RETENTION_MS must be -1"),
    ],
)
def test_security_and_topic_settings_the_clients_or_broker_would_refuse_late(
    env: dict[str, str], fragment: str
) -> None:
    """An unknown protocol reached aiokafka, which reported it as "Unable to bootstrap"
    (as if the broker were down); a mechanism without a SASL protocol was ignored, so
    the worker connected unauthenticated; replication 0 failed only in the broker."""
    with pytest.raises(ConfigError, match=fragment):
        load_config({"KAFKA_BOOTSTRAP_SERVERS": "k:1", **env})


def test_security_names_are_read_in_any_case() -> None:
    config = load_config(
        {
            "KAFKA_BOOTSTRAP_SERVERS": "k:1",
            "KAFKA_SECURITY_PROTOCOL": "sasl_ssl",
            "KAFKA_SASL_MECHANISM": "scram-sha-512",
            "PHI_SCRUB_TOPIC_REPLICATION": "3",
        }
    )
    assert (config.security_protocol, config.sasl_mechanism) == ("SASL_SSL", "SCRAM-SHA-512")
    assert config.topic_replication == 3


@pytest.mark.parametrize(
    ("yaml_text", "fragment"),
    [
        ("bootstrap_servers: [a:9092, b:9092]\n", "KAFKA_BOOTSTRAP_SERVERS must be a single value"),
        ("bootstrap_servers: k:1\nquarantine_topic: null\n", "PHI_SCRUB_QUARANTINE_TOPIC must be"),
        ("bootstrap_servers: k:1\nhl7_topics: {a: 1}\n", "PHI_SCRUB_HL7_TOPICS must be a list"),
        ("bootstrap_servers: k:1\nhttp_port: 99999\n", "PHI_SCRUB_HTTP_PORT must be a port"),
    ],
)
def test_yaml_values_of_the_wrong_type_are_refused_at_load(
    tmp_path: Path, yaml_text: str, fragment: str
) -> None:
    file = tmp_path / "worker.yaml"
    file.write_text(yaml_text)
    with pytest.raises(ConfigError, match=fragment):
        load_config({"PHI_SCRUB_CONFIG": str(file)})


def test_yaml_numbers_where_names_belong_are_read_as_names(tmp_path: Path) -> None:
    file = tmp_path / "worker.yaml"
    file.write_text("bootstrap_servers: k:1\ngroup_id: 2024\n")
    assert load_config({"PHI_SCRUB_CONFIG": str(file)}).group_id == "2024"


def test_one_deidentified_topic_for_both_formats_is_planned_once() -> None:
    class Admin:
        def describe_topics(self, names: list[str]) -> list[dict[str, object]]:
            sizes = {"raw.hl7v2": 3, "raw.fhir": 6}
            return [
                {"name": n, "error_code": 0, "partitions": [{}] * sizes[n]}
                for n in names
                if n in sizes
            ]

    config = load_config({"KAFKA_BOOTSTRAP_SERVERS": "k:1", "PHI_SCRUB_FHIR_OUTPUT": "deid.hl7v2"})
    plans = plan(config, Admin())
    assert [(p.name, p.partitions) for p in plans] == [("deid.hl7v2", 6), ("phi.quarantine", 6)]


def test_the_key_file_and_version_may_come_from_yaml_the_key_itself_never(
    tmp_path: Path,
) -> None:
    """Issue 6 lists the key file among the settings a YAML file may hold; the
    secret itself stays an environment variable (or the file's content)."""
    secret = tmp_path / "phi-key"
    secret.write_text("yaml-file-secret-0123456789abcdef\n")
    file = tmp_path / "worker.yaml"
    file.write_text(f"bootstrap_servers: k:9092\nkey_file: {secret}\nkey_version: '2025-01'\n")
    config = load_config({"PHI_SCRUB_CONFIG": str(file)})
    assert config.show()["key_file"] == str(secret) and config.key_version == "2025-01"
    assert key_ring(config, environ={}).active.version == "2025-01"
    overridden = load_config({"PHI_SCRUB_CONFIG": str(file), "PHI_SCRUB_KEY_VERSION": "2026-01"})
    assert key_ring(overridden, environ={}).active.version == "2026-01"
    file.write_text("bootstrap_servers: k:9092\nphi_scrub_key: not-here-0123456789abcdef\n")
    with pytest.raises(ConfigError, match="unknown setting 'phi_scrub_key'"):
        load_config({"PHI_SCRUB_CONFIG": str(file)})
