"""The Helm chart (charts/phi-scrub) renders secure, correctly wired manifests.

Runs ``helm template``; helm comes from ``scripts/install-tools.sh`` (found at
``$PHI_SCRUB_TOOLS_BIN/helm``, the tools cache dir, or on PATH). The tests are
skipped only when no helm binary is found at all.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from streams import worker_cli
from streams.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "phi-scrub"
CI_VALUES = sorted((CHART / "ci").glob("*-values.yaml"))
KEY_DIR = "/var/run/secrets/phi-scrub/key"
TLS_DIR = "/var/run/secrets/phi-scrub/kafka-tls"

Manifest = dict[str, Any]


def _find_helm() -> str | None:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    candidates = [cache / "phi-scrub" / "bin" / "helm"]
    if os.environ.get("PHI_SCRUB_TOOLS_BIN"):
        candidates.insert(0, Path(os.environ["PHI_SCRUB_TOOLS_BIN"]) / "helm")
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which("helm")


HELM = _find_helm()
pytestmark = pytest.mark.skipif(
    HELM is None, reason="helm not installed: run scripts/install-tools.sh (CI does)"
)


def _helm_template(*args: str) -> subprocess.CompletedProcess[str]:
    assert HELM is not None
    return subprocess.run(
        [HELM, "template", "phi-scrub", str(CHART), "--namespace", "phi", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def render(*values: Path, **sets: str) -> list[Manifest]:
    args = [arg for path in values for arg in ("-f", str(path))]
    args += [arg for name, value in sets.items() for arg in ("--set", f"{name}={value}")]
    result = _helm_template(*args)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def render_error(*values: Path, **sets: str) -> str:
    args = [arg for path in values for arg in ("-f", str(path))]
    args += [arg for name, value in sets.items() for arg in ("--set", f"{name}={value}")]
    result = _helm_template(*args)
    assert result.returncode != 0, "rendering was expected to fail"
    return result.stderr


def one(manifests: list[Manifest], kind: str) -> Manifest:
    found = [m for m in manifests if m["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def worker(manifests: list[Manifest]) -> Manifest:
    containers: list[Manifest] = one(manifests, "Deployment")["spec"]["template"]["spec"][
        "containers"
    ]
    assert [c["name"] for c in containers] == ["worker"]
    return containers[0]


def env_of(container: Manifest) -> dict[str, Manifest]:
    return {item["name"]: item for item in container.get("env", [])}


def config_data(manifests: list[Manifest]) -> dict[str, str]:
    (env_config,) = [
        m
        for m in manifests
        if m["kind"] == "ConfigMap" and not m["metadata"]["name"].endswith("-policy")
    ]
    data: dict[str, str] = env_config["data"]
    return data


MINIMAL = CHART / "ci" / "minimal-values.yaml"
TLS_SASL = CHART / "ci" / "tls-sasl-values.yaml"
KEDA = CHART / "ci" / "keda-values.yaml"
NETPOL = CHART / "ci" / "networkpolicy-values.yaml"


@pytest.mark.parametrize("values", CI_VALUES, ids=lambda p: p.name)
def test_every_example_renders_a_hardened_pod(values: Path) -> None:
    manifests = render(values)
    pod = one(manifests, "Deployment")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    context = worker(manifests)["securityContext"]
    assert context["runAsNonRoot"] is True
    assert context["runAsUser"] == 10001
    assert context["readOnlyRootFilesystem"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["capabilities"] == {"drop": ["ALL"]}
    assert context["seccompProfile"] == {"type": "RuntimeDefault"}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in volumes["tmp"]
    mounts = {m["name"]: m["mountPath"] for m in worker(manifests)["volumeMounts"]}
    assert mounts["tmp"] == "/" + "tmp"  # the only writable path


def test_probes_hit_healthz_and_readyz_on_the_http_port() -> None:
    container = worker(render(MINIMAL))
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["ports"] == [{"name": "http", "containerPort": 6066, "protocol": "TCP"}]
    assert container["resources"]["requests"]["cpu"]
    assert container["resources"]["limits"]["memory"]


def test_key_is_a_file_mounted_from_the_existing_secret() -> None:
    manifests = render(MINIMAL, **{"key.secretKey": "material"})
    pod = one(manifests, "Deployment")["spec"]["template"]["spec"]
    key_volume = next(v for v in pod["volumes"] if v["name"] == "key")
    assert key_volume["secret"]["secretName"] == "phi-scrub-key"
    assert key_volume["secret"]["items"] == [{"key": "material", "path": "material"}]
    mount = next(m for m in worker(manifests)["volumeMounts"] if m["name"] == "key")
    assert mount == {"name": "key", "mountPath": KEY_DIR, "readOnly": True}
    assert config_data(manifests)["PHI_SCRUB_KEY_FILE"] == f"{KEY_DIR}/material"
    # The key is never passed as a value: no PHI_SCRUB_KEY anywhere, no Secret rendered.
    assert "PHI_SCRUB_KEY" not in config_data(manifests)
    assert "PHI_SCRUB_KEY" not in env_of(worker(manifests))
    assert not [m for m in manifests if m["kind"] == "Secret"]


def test_rendering_without_a_key_secret_fails_with_a_clear_message() -> None:
    error = render_error(**{"kafka.bootstrapServers": "kafka:9092"})
    assert "key.existingSecret is required" in error
    assert "no default pseudonymization key" in error


def test_rendering_refuses_more_replicas_than_raw_partitions() -> None:
    error = render_error(MINIMAL, **{"topics.rawPartitions": "2", "replicaCount": "3"})
    assert "replicaCount (3) exceeds topics.rawPartitions (2)" in error


@pytest.mark.parametrize(
    ("sets", "fragment"),
    [
        ({"topics.quarantine": "deid.fhir"}, "topics.quarantine must differ"),
        ({"topics.hl7Output": "raw.fhir"}, "raw topic raw.fhir is also an output"),
        ({"topics.quarantine": "raw.hl7v2"}, "raw topic raw.hl7v2 is also an output"),
    ],
)
def test_rendering_refuses_a_quarantine_or_output_topic_that_collides(
    sets: dict[str, str], fragment: str
) -> None:
    """Quarantine holds raw PHI: it must never share a topic with analytics' inputs."""
    assert fragment in render_error(MINIMAL, **sets)


def test_sasl_credentials_come_from_a_secret_and_tls_files_from_a_secret() -> None:
    manifests = render(TLS_SASL)
    env = env_of(worker(manifests))
    for name, key in (("KAFKA_SASL_USERNAME", "username"), ("KAFKA_SASL_PASSWORD", "password")):
        assert "value" not in env[name]
        assert env[name]["valueFrom"]["secretKeyRef"] == {
            "name": "phi-scrub-kafka-sasl",
            "key": key,
        }
    data = config_data(manifests)
    assert data["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert data["KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
    assert "KAFKA_SASL_PASSWORD" not in data
    assert data["KAFKA_SSL_CAFILE"] == f"{TLS_DIR}/ca.crt"
    assert data["KAFKA_SSL_CERTFILE"] == f"{TLS_DIR}/tls.crt"
    assert data["KAFKA_SSL_KEYFILE"] == f"{TLS_DIR}/tls.key"
    pod = one(manifests, "Deployment")["spec"]["template"]["spec"]
    tls = next(v for v in pod["volumes"] if v["name"] == "kafka-tls")
    assert tls["secret"]["secretName"] == "phi-scrub-kafka-tls"


def test_sasl_without_a_secret_is_refused() -> None:
    error = render_error(
        MINIMAL,
        **{"kafka.securityProtocol": "SASL_SSL", "kafka.sasl.mechanism": "PLAIN"},
    )
    assert "kafka.sasl.existingSecret is required" in error


def test_inline_policy_is_mounted_as_a_file() -> None:
    manifests = render(TLS_SASL)
    policy = next(m for m in manifests if m["metadata"]["name"] == "phi-scrub-policy")
    assert yaml.safe_load(policy["data"]["policy.yaml"])["id"] == "acme-research"
    assert config_data(manifests)["PHI_SCRUB_POLICY"] == "/etc/phi-scrub/policy/policy.yaml"
    assert config_data(render(MINIMAL))["PHI_SCRUB_POLICY"] == "safe-harbor"


def test_hpa_max_replicas_follows_the_value_and_the_partition_count() -> None:
    manifests = render(TLS_SASL, **{"autoscaling.maxReplicas": "7"})
    hpa = one(manifests, "HorizontalPodAutoscaler")
    assert hpa["spec"]["maxReplicas"] == 7
    assert hpa["spec"]["minReplicas"] == 2
    assert "replicas" not in one(manifests, "Deployment")["spec"]
    error = render_error(TLS_SASL, **{"autoscaling.maxReplicas": "13"})
    assert "autoscaling.maxReplicas (13) exceeds topics.rawPartitions (12)" in error


def test_keda_scales_on_consumer_group_lag_with_secret_auth() -> None:
    manifests = render(KEDA)
    scaled = one(manifests, "ScaledObject")
    assert scaled["spec"]["maxReplicaCount"] == 6
    triggers = scaled["spec"]["triggers"]
    assert {t["metadata"]["topic"] for t in triggers} == {"raw.hl7v2", "raw.fhir"}
    for trigger in triggers:
        assert trigger["type"] == "kafka"
        assert trigger["metadata"]["consumerGroup"] == "phi-scrub"
        assert trigger["metadata"]["sasl"] == "scram_sha256"
    auth = one(manifests, "TriggerAuthentication")
    refs = {r["parameter"]: r["name"] for r in auth["spec"]["secretTargetRef"]}
    assert refs == {
        "username": "phi-scrub-kafka-sasl",
        "password": "phi-scrub-kafka-sasl",
        "ca": "phi-scrub-kafka-tls",
    }
    assert not [m for m in manifests if m["kind"] == "HorizontalPodAutoscaler"]
    assert "both would drive" in render_error(KEDA, **{"autoscaling.enabled": "true"})


def test_network_policy_allows_only_kafka_and_dns_egress() -> None:
    policy = one(render(NETPOL), "NetworkPolicy")["spec"]
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    kafka, dns = policy["egress"]
    assert kafka["ports"] == [{"port": 9092, "protocol": "TCP"}]
    assert kafka["to"][0]["namespaceSelector"]["matchLabels"] == {
        "kubernetes.io/metadata.name": "kafka"
    }
    assert {p["port"] for p in dns["ports"]} == {53}
    assert "NetworkPolicy" not in {m["kind"] for m in render(MINIMAL)}


def test_topic_patterns_reach_the_worker_and_the_config_loads(tmp_path: Path) -> None:
    default = config_data(render(MINIMAL))
    assert "PHI_SCRUB_HL7_TOPIC_PATTERN" not in default
    assert default["PHI_SCRUB_TOPIC_REFRESH_S"] == "60"
    pattern_only = tmp_path / "pattern.yaml"
    pattern_only.write_text("topics:\n  hl7: []\n  hl7Pattern: 'raw\\.hl7v2\\..+'\n")
    data = config_data(render(MINIMAL, pattern_only))
    assert data["PHI_SCRUB_HL7_TOPIC_PATTERN"] == r"raw\.hl7v2\..+"
    config = load_config(data)
    assert config.hl7_topics == [] and config.hl7_topic_pattern == r"raw\.hl7v2\..+"


def test_session_timeout_reaches_the_worker_and_the_config_loads(tmp_path: Path) -> None:
    assert load_config(config_data(render(MINIMAL))).session_timeout_ms == 30_000
    faster = tmp_path / "failover.yaml"
    faster.write_text("sessionTimeoutMs: 10000\n")
    data = config_data(render(MINIMAL, faster))
    assert data["PHI_SCRUB_SESSION_TIMEOUT_MS"] == "10000"
    assert load_config(data).session_timeout_ms == 10_000


@pytest.mark.parametrize(
    ("values_yaml", "fragment"),
    [
        (
            "maxRecordBytes: 8388608\nquarantineMaxBytes: 4194304\n",
            "quarantineMaxBytes (4194304) must be at least maxRecordBytes (8388608)",
        ),
        ("topics:\n  hl7: []\n  fhir: []\n", "no raw topics"),
        (
            "topics:\n  hl7: [feed]\n  fhir: [feed]\n",
            "raw topic feed is in both topics.hl7 and topics.fhir",
        ),
        ("topics:\n  replication: 0\n", "topics.replication"),
    ],
)
def test_rendering_refuses_values_the_worker_refuses_at_start(
    values_yaml: str, fragment: str, tmp_path: Path
) -> None:
    """Each of these rendered, and the pod then crash-looped on a ConfigError."""
    values = tmp_path / "values.yaml"
    values.write_text(values_yaml)
    assert fragment in render_error(MINIMAL, values)
    # ...and the worker does refuse them (the chart does not refuse more than it must).
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": "k:9092",
        "PHI_SCRUB_HL7_TOPICS": "",
        "PHI_SCRUB_FHIR_TOPICS": "",
    }
    sample = yaml.safe_load(values_yaml)
    topics = sample.get("topics", {})
    env["PHI_SCRUB_HL7_TOPICS"] = ",".join(topics.get("hl7", ["raw.hl7v2"]))
    env["PHI_SCRUB_FHIR_TOPICS"] = ",".join(topics.get("fhir", ["raw.fhir"]))
    for key, variable in (
        ("maxRecordBytes", "PHI_SCRUB_MAX_RECORD_BYTES"),
        ("quarantineMaxBytes", "PHI_SCRUB_QUARANTINE_MAX_BYTES"),
    ):
        if key in sample:
            env[variable] = str(sample[key])
    if "replication" in topics:
        env["PHI_SCRUB_TOPIC_REPLICATION"] = str(topics["replication"])
    with pytest.raises(ConfigError):
        load_config(env)


def test_keda_with_a_topic_pattern_scales_on_the_whole_group_lag(tmp_path: Path) -> None:
    """Topics a pattern matches are unknown when rendering: a pattern-only feed got a
    ScaledObject with no trigger at all, and a mixed one ignored the matched topics'
    lag. Without a topic, KEDA's kafka scaler sums the lag of the group's topics."""
    values = tmp_path / "pattern.yaml"
    values.write_text("topics:\n  hl7: []\n  hl7Pattern: 'raw\\.hl7v2\\..+'\n")
    triggers = one(render(KEDA, values), "ScaledObject")["spec"]["triggers"]
    assert len(triggers) == 1
    assert "topic" not in triggers[0]["metadata"]
    assert triggers[0]["metadata"]["consumerGroup"] == "phi-scrub"
    assert triggers[0]["authenticationRef"] == {"name": "phi-scrub-kafka"}


def render_notes(tmp_path: Path, *values: Path) -> str:
    """NOTES.txt as `helm install` prints it (`helm template` skips it): rendered
    with `tpl` from a copy of the chart, so its named templates are in scope."""
    chart = tmp_path / "chart"
    shutil.copytree(CHART, chart)
    shutil.copy(chart / "templates" / "NOTES.txt", chart / "notes.txt")
    (chart / "templates" / "notes-under-test.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: notes}\n"
        'data:\n  notes: {{ tpl (.Files.Get "notes.txt") . | quote }}\n'
    )
    assert HELM is not None
    args = [arg for path in values for arg in ("-f", str(path))]
    result = subprocess.run(
        [HELM, "template", "phi-scrub", str(chart), "--namespace", "phi", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    docs = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    notes: str = next(d for d in docs if d["metadata"]["name"] == "notes")["data"]["notes"]
    return notes


def test_the_printed_topics_pod_mounts_what_the_configmap_points_at(tmp_path: Path) -> None:
    """The one-off `topics ensure` pod NOTES.txt prints read the worker's ConfigMap,
    whose KAFKA_SSL_CAFILE names a file only the worker mounted: on a TLS cluster it
    failed, and SASL credentials were left to the reader to add."""
    notes = render_notes(tmp_path, TLS_SASL)
    overrides = json.loads(notes.split("--overrides='", 1)[1].split("'", 1)[0])
    spec = overrides["spec"]
    (container,) = spec["containers"]
    assert container["args"] == ["topics", "ensure"]
    assert container["envFrom"] == [{"configMapRef": {"name": "phi-scrub"}}]
    env = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"]}
    assert env["KAFKA_SASL_PASSWORD"] == {"name": "phi-scrub-kafka-sasl", "key": "password"}
    assert container["volumeMounts"] == [
        {"name": "kafka-tls", "mountPath": TLS_DIR, "readOnly": True}
    ]
    (volume,) = spec["volumes"]
    assert volume["secret"]["secretName"] == "phi-scrub-kafka-tls"
    assert {i["key"] for i in volume["secret"]["items"]} == {"ca.crt", "tls.crt", "tls.key"}
    assert container["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    # No key: topics need none, and the key Secret stays mounted in the worker only.
    assert [v["name"] for v in spec["volumes"]] == ["kafka-tls"]
    assert "phi-scrub-key" not in json.dumps(overrides)
    plain = json.loads(
        render_notes(tmp_path / "plain", MINIMAL).split("--overrides='")[1].split("'")[0]
    )
    assert "volumes" not in plain["spec"] and "env" not in plain["spec"]["containers"][0]


def test_rendering_refuses_an_autoscaling_minimum_above_its_maximum() -> None:
    """Rendered, the HorizontalPodAutoscaler was refused only by the API server at
    install (and KEDA's ScaledObject by KEDA, after install)."""
    error = render_error(
        TLS_SASL, **{"autoscaling.minReplicas": "9", "autoscaling.maxReplicas": "4"}
    )
    assert "autoscaling.minReplicas (9) exceeds autoscaling.maxReplicas (4)" in error
    error = render_error(KEDA, **{"keda.minReplicaCount": "5", "keda.maxReplicaCount": "2"})
    assert "keda.minReplicaCount (5) exceeds keda.maxReplicaCount (2)" in error


def test_log_level_is_taken_in_any_case_as_the_worker_takes_it() -> None:
    """The worker's --log-level is case-insensitive; the schema refused `info`."""
    container = worker(render(MINIMAL, logLevel="debug"))
    assert container["args"] == ["worker", "--log-level", "debug"]
    assert (
        worker_cli.worker_command.make_context("worker", container["args"][1:]).params["log_level"]
        == "DEBUG"
    )
