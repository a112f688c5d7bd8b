"""Worker configuration: 12-factor environment variables, with an optional YAML file.

Every setting has an environment variable; ``PHI_SCRUB_CONFIG`` may name a
YAML file with the same settings, keyed by the names ``phi-scrub config show``
prints or by the variable names in lower case, which the environment
overrides. Values are type-checked at load (a list or null where one value
belongs is refused). Secrets (SASL password, key material) are
never printed: ``phi-scrub config show`` masks them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml

from scrubbers.keys import KEY_VERSION_ENV, KeyRing

SECRET_FIELDS: Final = frozenset({"sasl_password"})  # the key is never a setting: KeyRing reads it
# Room for the key, headers and batch framing around a value of a given size.
RECORD_OVERHEAD_BYTES: Final = 64 * 1024
GUARANTEES: Final = ("at_least_once", "exactly_once")
SECURITY_PROTOCOLS: Final = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
SASL_MECHANISMS: Final = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")


class ConfigError(ValueError):
    """A setting is missing or invalid; the message names the variable."""


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    bootstrap_servers: str
    hl7_topics: list[str] = field(default_factory=lambda: ["raw.hl7v2"])
    fhir_topics: list[str] = field(default_factory=lambda: ["raw.fhir"])
    # Regular expressions (matched against whole topic names) for raw topics beyond
    # the named ones: one feed topic per site or interface ("raw\.hl7v2\..+").
    # Resolved when the worker starts (streams.topic_patterns); Faust's own pattern
    # subscription silently subscribes to nothing (faust-streaming issue #62).
    hl7_topic_pattern: str = ""
    fhir_topic_pattern: str = ""
    # How often the worker lists the cluster's topics for new pattern matches; a
    # new one makes it stop gracefully (drain, commit, exit 0) so that its restart
    # subscribes to it. 0: never.
    topic_refresh_s: float = 60.0
    hl7_output: str = "deid.hl7v2"
    fhir_output: str = "deid.fhir"
    quarantine_topic: str = "phi.quarantine"
    group_id: str = "phi-scrub"
    policy: str = "safe-harbor"
    # Where the key ring is (a file path, never the key itself: PHI_SCRUB_KEY is
    # read from the environment only) and which version signs new pseudonyms.
    key_file: str = ""
    key_version: str = ""
    processing_guarantee: str = "at_least_once"
    max_in_flight: int = 1000  # outputs awaiting the broker's ack before fetching pauses
    # ... and the bytes they hold (input plus output), so that a run of multi-megabyte
    # records cannot hold a thousand of each in memory (one record may exceed it alone).
    max_in_flight_bytes: int = 128 * 1024 * 1024
    # How long the producer waits to fill a batch (Kafka 4.0's default): one produce
    # request per output cost the worker about 15% of its throughput (bench).
    producer_linger_ms: int = 5
    record_timeout_s: float = 10.0  # a record's processing budget; past it, quarantined
    # /healthz turns 503 when outputs have awaited the broker this long with none
    # settling (a wedged producer): Kubernetes restarts the pod, inputs come back.
    stall_timeout_s: float = 300.0
    max_record_bytes: int = 4 * 1024 * 1024  # larger records are quarantined unscrubbed
    # The largest raw record a quarantine record carries whole; larger ones are
    # quarantined without their payload. Also sizes the consumer's per-partition
    # fetch, the producer's request limit and the quarantine topic's max.message.bytes.
    quarantine_max_bytes: int = 32 * 1024 * 1024
    http_port: int = 6066
    http_host: str = "0.0.0.0"  # noqa: S104 - probes and Prometheus reach the pod's IP
    header_allowlist: list[str] = field(default_factory=lambda: ["traceparent"])
    session_timeout_ms: int = 30_000  # how long a dead worker holds its partitions
    topic_replication: int = -1  # -1: the broker's default
    topic_retention_ms: int = -1
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str = ""
    sasl_username: str = ""
    sasl_password: str = ""
    ssl_cafile: str = ""
    ssl_certfile: str = ""
    ssl_keyfile: str = ""

    @property
    def raw_topics(self) -> list[str]:
        return [*self.hl7_topics, *self.fhir_topics]

    def show(self) -> dict[str, Any]:
        """The effective settings, secrets masked."""
        shown = asdict(self)
        for name in SECRET_FIELDS & shown.keys():
            if shown[name]:
                shown[name] = "***"
        return shown


_ENV: Final[dict[str, str]] = {
    "bootstrap_servers": "KAFKA_BOOTSTRAP_SERVERS",
    "hl7_topics": "PHI_SCRUB_HL7_TOPICS",
    "fhir_topics": "PHI_SCRUB_FHIR_TOPICS",
    "hl7_topic_pattern": "PHI_SCRUB_HL7_TOPIC_PATTERN",
    "fhir_topic_pattern": "PHI_SCRUB_FHIR_TOPIC_PATTERN",
    "topic_refresh_s": "PHI_SCRUB_TOPIC_REFRESH_S",
    "hl7_output": "PHI_SCRUB_HL7_OUTPUT",
    "fhir_output": "PHI_SCRUB_FHIR_OUTPUT",
    "quarantine_topic": "PHI_SCRUB_QUARANTINE_TOPIC",
    "group_id": "PHI_SCRUB_GROUP_ID",
    "policy": "PHI_SCRUB_POLICY",
    "key_file": "PHI_SCRUB_KEY_FILE",
    "key_version": "PHI_SCRUB_KEY_VERSION",
    "processing_guarantee": "PHI_SCRUB_PROCESSING_GUARANTEE",
    "max_record_bytes": "PHI_SCRUB_MAX_RECORD_BYTES",
    "max_in_flight": "PHI_SCRUB_MAX_IN_FLIGHT",
    "max_in_flight_bytes": "PHI_SCRUB_MAX_IN_FLIGHT_BYTES",
    "producer_linger_ms": "PHI_SCRUB_PRODUCER_LINGER_MS",
    "record_timeout_s": "PHI_SCRUB_RECORD_TIMEOUT_S",
    "stall_timeout_s": "PHI_SCRUB_STALL_TIMEOUT_S",
    "quarantine_max_bytes": "PHI_SCRUB_QUARANTINE_MAX_BYTES",
    "http_port": "PHI_SCRUB_HTTP_PORT",
    "http_host": "PHI_SCRUB_HTTP_HOST",
    "header_allowlist": "PHI_SCRUB_HEADER_ALLOWLIST",
    "session_timeout_ms": "PHI_SCRUB_SESSION_TIMEOUT_MS",
    "topic_replication": "PHI_SCRUB_TOPIC_REPLICATION",
    "topic_retention_ms": "PHI_SCRUB_TOPIC_RETENTION_MS",
    "security_protocol": "KAFKA_SECURITY_PROTOCOL",
    "sasl_mechanism": "KAFKA_SASL_MECHANISM",
    "sasl_username": "KAFKA_SASL_USERNAME",
    "sasl_password": "KAFKA_SASL_PASSWORD",
    "ssl_cafile": "KAFKA_SSL_CAFILE",
    "ssl_certfile": "KAFKA_SSL_CERTFILE",
    "ssl_keyfile": "KAFKA_SSL_KEYFILE",
}
_FILE_KEYS: Final = {variable.lower(): name for name, variable in _ENV.items()}
_LISTS: Final = frozenset({"hl7_topics", "fhir_topics", "header_allowlist"})
_FLOATS: Final = frozenset({"record_timeout_s", "stall_timeout_s", "topic_refresh_s"})
_INTS: Final = frozenset(
    {
        "max_record_bytes",
        "max_in_flight",
        "max_in_flight_bytes",
        "producer_linger_ms",
        "quarantine_max_bytes",
        "http_port",
        "topic_replication",
        "topic_retention_ms",
        "session_timeout_ms",
    }
)


def load_config(env: Mapping[str, str] | None = None) -> WorkerConfig:
    """Settings from ``PHI_SCRUB_CONFIG`` (optional YAML), overridden by the environment."""
    environ = os.environ if env is None else env
    values: dict[str, Any] = {}
    file = environ.get("PHI_SCRUB_CONFIG")
    if file:
        try:
            loaded = yaml.safe_load(Path(file).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(
                f"PHI_SCRUB_CONFIG={file}: cannot read it ({type(exc).__name__})"
            ) from None
        if not isinstance(loaded, dict):
            raise ConfigError(f"PHI_SCRUB_CONFIG={file}: expected a mapping of settings")
        # Keys: the variable names in lower case ("kafka_bootstrap_servers") or the
        # setting names `phi-scrub config show` prints ("bootstrap_servers").
        settings = {_FILE_KEYS.get(str(key), str(key)): value for key, value in loaded.items()}
        unknown = set(settings) - set(_ENV)
        if unknown:
            raise ConfigError(f"PHI_SCRUB_CONFIG={file}: unknown setting {sorted(unknown)[0]!r}")
        values.update(settings)
    for name, variable in _ENV.items():
        if variable in environ:
            values[name] = environ[variable]
    for name, value in values.items():
        # YAML gives any type: a list where a string belongs, a null, a mapping.
        if name in _LISTS:
            if isinstance(value, str):
                values[name] = _split(value)
            elif not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise ConfigError(f"{_ENV[name]} must be a list of names")
        elif isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ConfigError(f"{_ENV[name]} must be a single value")
        elif name not in _INTS and name not in _FLOATS:
            values[name] = str(value)
    for name in _FLOATS & values.keys():
        try:
            values[name] = float(values[name])
        except (TypeError, ValueError):
            raise ConfigError(f"{_ENV[name]} must be a number") from None
    for name in _INTS & values.keys():
        try:
            values[name] = int(values[name])
        except (TypeError, ValueError):
            raise ConfigError(f"{_ENV[name]} must be an integer") from None
    if not values.get("bootstrap_servers"):
        raise ConfigError("KAFKA_BOOTSTRAP_SERVERS is required (host:port[,host:port])")
    for fmt in ("hl7", "fhir"):
        # A pattern without names: the feed's topics are the ones it matches, not
        # the default name as well.
        if values.get(f"{fmt}_topic_pattern") and f"{fmt}_topics" not in values:
            values[f"{fmt}_topics"] = []
    for name in ("security_protocol", "sasl_mechanism"):
        if name in values:  # the worker always took them in any case; the admin client did not
            values[name] = values[name].strip().upper()
    config = WorkerConfig(**values)
    if config.processing_guarantee not in GUARANTEES:
        raise ConfigError(f"PHI_SCRUB_PROCESSING_GUARANTEE must be one of {', '.join(GUARANTEES)}")
    if not 1 <= config.http_port <= 65535:
        raise ConfigError("PHI_SCRUB_HTTP_PORT must be a port number (1-65535)")
    if config.max_in_flight < 1:
        raise ConfigError("PHI_SCRUB_MAX_IN_FLIGHT must be at least 1")
    if config.stall_timeout_s < 0:
        raise ConfigError("PHI_SCRUB_STALL_TIMEOUT_S must be at least 0")
    if config.session_timeout_ms < 1000:
        # The heartbeat interval is a tenth of it, at least 0.5 s (streams/app.py).
        raise ConfigError("PHI_SCRUB_SESSION_TIMEOUT_MS must be at least 1000")
    if config.max_in_flight_bytes < 1:
        raise ConfigError("PHI_SCRUB_MAX_IN_FLIGHT_BYTES must be at least 1")
    if config.producer_linger_ms < 0:
        raise ConfigError("PHI_SCRUB_PRODUCER_LINGER_MS must be at least 0")
    if config.max_record_bytes < 1:
        raise ConfigError("PHI_SCRUB_MAX_RECORD_BYTES must be at least 1")
    if config.quarantine_max_bytes < config.max_record_bytes:
        raise ConfigError(
            "PHI_SCRUB_QUARANTINE_MAX_BYTES must be at least PHI_SCRUB_MAX_RECORD_BYTES "
            "(every record the worker tries to scrub must fit in quarantine)"
        )
    for name in ("hl7_topic_pattern", "fhir_topic_pattern"):
        try:
            re.compile(getattr(config, name))
        except re.error as exc:
            raise ConfigError(f"{_ENV[name]} is not a regular expression ({exc})") from None
    # Checked here rather than left to the clients: aiokafka answers an unknown
    # protocol with "Unable to bootstrap", as if the broker were down.
    if config.security_protocol not in SECURITY_PROTOCOLS:
        raise ConfigError(f"KAFKA_SECURITY_PROTOCOL must be one of {', '.join(SECURITY_PROTOCOLS)}")
    if config.sasl_mechanism and config.sasl_mechanism not in SASL_MECHANISMS:
        raise ConfigError(f"KAFKA_SASL_MECHANISM must be one of {', '.join(SASL_MECHANISMS)}")
    if config.sasl_mechanism and not config.security_protocol.startswith("SASL_"):
        raise ConfigError(
            f"KAFKA_SASL_MECHANISM is set but KAFKA_SECURITY_PROTOCOL is "
            f"{config.security_protocol}: use SASL_SSL (or SASL_PLAINTEXT)"
        )
    for name in ("topic_replication", "topic_retention_ms"):
        # -1 means the broker's default; 0 would be refused by the broker (replication)
        # or, for retention, silently mean the broker's default too.
        if getattr(config, name) == 0 or getattr(config, name) < -1:
            raise ConfigError(f"{_ENV[name]} must be -1 (the broker's default) or at least 1")
    if config.topic_refresh_s < 0:
        raise ConfigError("PHI_SCRUB_TOPIC_REFRESH_S must be at least 0")
    if not (config.raw_topics or config.hl7_topic_pattern or config.fhir_topic_pattern):
        raise ConfigError("no raw topics: name some (PHI_SCRUB_HL7_TOPICS...) or set a pattern")
    if set(config.hl7_topics) & set(config.fhir_topics):
        raise ConfigError("a raw topic cannot be both an HL7v2 and a FHIR topic")
    outputs = {config.hl7_output, config.fhir_output, config.quarantine_topic}
    if outputs & set(config.raw_topics):
        raise ConfigError("output and quarantine topics must differ from the raw topics")
    if config.quarantine_topic in (config.hl7_output, config.fhir_output):
        # Quarantine holds raw PHI: it must never be a topic analytics reads.
        raise ConfigError("PHI_SCRUB_QUARANTINE_TOPIC must differ from the de-identified topics")
    return config


def key_ring(config: WorkerConfig, environ: Mapping[str, str] | None = None) -> KeyRing:
    """The worker's key ring: ``PHI_SCRUB_KEY_FILE`` / ``key_file`` (environment
    over YAML), else the ``PHI_SCRUB_KEY`` secret (environment only), with the
    configured active version. Raises KeyConfigError (the message has no key)."""
    env = dict(os.environ if environ is None else environ)
    if config.key_version:
        env[KEY_VERSION_ENV] = config.key_version
    return KeyRing.from_environment(key_file=config.key_file or None, env=env)


def kafka_python_security(config: WorkerConfig) -> dict[str, Any]:
    """kafka-python client keyword arguments for the configured security."""
    options: dict[str, Any] = {"security_protocol": config.security_protocol}
    if config.sasl_mechanism:
        options.update(
            sasl_mechanism=config.sasl_mechanism,
            sasl_plain_username=config.sasl_username,
            sasl_plain_password=config.sasl_password,
        )
    if config.ssl_cafile:
        options["ssl_cafile"] = config.ssl_cafile
    if config.ssl_certfile:
        options["ssl_certfile"] = config.ssl_certfile
    if config.ssl_keyfile:
        options["ssl_keyfile"] = config.ssl_keyfile
    return options
