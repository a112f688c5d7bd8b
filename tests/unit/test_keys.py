"""Keys: required, versioned, never shown."""

from __future__ import annotations

import base64
import hmac
import pickle
from pathlib import Path

import pytest

from scrubbers.keys import InvalidKeyError, KeyRing, MissingKeyError

SECRET = "s3cr3t-material-that-must-never-leak-0123456789"


def test_no_default_key_and_the_error_says_how_to_set_one() -> None:
    with pytest.raises(MissingKeyError) as err:
        KeyRing.from_environment(env={})
    assert "PHI_SCRUB_KEY" in str(err.value)
    assert "PHI_SCRUB_KEY_FILE" in str(err.value)
    assert "phi-scrub scrub --key-file" in str(err.value)  # the worker has no such flag


def test_a_weak_key_error_names_where_the_key_came_from(tmp_path: Path) -> None:
    with pytest.raises(InvalidKeyError, match=r"^PHI_SCRUB_KEY: key version 'v1' is 8 bytes"):
        KeyRing.from_environment(env={"PHI_SCRUB_KEY": "tooshort"})
    file = tmp_path / "key"
    file.write_text("tooshort\n")
    with pytest.raises(InvalidKeyError, match=f"^key file {file}: key version 'v1' is 8"):
        KeyRing.from_environment(key_file=file, env={})


def test_environment_key_and_version() -> None:
    ring = KeyRing.from_environment(
        env={"PHI_SCRUB_KEY": SECRET, "PHI_SCRUB_KEY_VERSION": "2026-11"}
    )
    assert ring.active.version == "2026-11"


def test_key_material_never_in_repr_str_or_errors() -> None:
    ring = KeyRing.single(SECRET, "v7")
    for text in (repr(ring), str(ring), repr(ring.active), str(ring.active)):
        assert SECRET not in text
        assert "v7" in text
    with pytest.raises(InvalidKeyError) as err:
        KeyRing.single("short-secret")
    assert "short-secret" not in str(err.value)
    assert "at least 32" in str(err.value)
    with pytest.raises(InvalidKeyError) as err:
        KeyRing.single("base64:!!not*base64!!")
    assert "not*base64" not in str(err.value)


def test_encoded_secrets() -> None:
    hex_ring = KeyRing.single("hex:" + bytes(range(32)).hex())
    b64_ring = KeyRing.single("base64:" + base64.b64encode(bytes(range(1, 33))).decode())
    assert hex_ring.active.digest(b"m") != b64_ring.active.digest(b"m")


def test_raw_key_file(tmp_path: Path) -> None:
    file = tmp_path / "key"
    file.write_text(SECRET + "\n")
    ring = KeyRing.from_environment(key_file=file, env={"PHI_SCRUB_KEY_VERSION": "k9"})
    assert ring.active.version == "k9"
    assert ring.active.digest(b"m") == KeyRing.single(SECRET).active.digest(b"m")


def test_key_ring_file_for_rotation(tmp_path: Path) -> None:
    file = tmp_path / "ring.yaml"
    file.write_text(f"active: v2\nkeys:\n  v1: {SECRET}-old\n  v2: {SECRET}-new\n")
    ring = KeyRing.from_environment(env={"PHI_SCRUB_KEY_FILE": str(file)})
    assert ring.active.version == "v2"
    assert ring.versions == ("v2", "v1")
    assert ring.get("v1").version == "v1"
    with pytest.raises(InvalidKeyError, match="not configured"):
        ring.get("v3")


def test_a_key_version_variable_must_agree_with_a_key_ring(tmp_path: Path) -> None:
    file = tmp_path / "ring.yaml"
    file.write_text(f"active: v2\nkeys:\n  v1: {SECRET}-old\n  v2: {SECRET}-new\n")
    env = {"PHI_SCRUB_KEY_FILE": str(file), "PHI_SCRUB_KEY_VERSION": "v1"}
    with pytest.raises(InvalidKeyError, match="active version is 'v2'") as err:
        KeyRing.from_environment(env=env)
    assert SECRET not in str(err.value)
    env["PHI_SCRUB_KEY_VERSION"] = "v2"
    assert KeyRing.from_environment(env=env).active.version == "v2"


@pytest.mark.parametrize(
    "placeholder", ["a" * 32, "changeme" * 4, "hex:" + "ab" * 32, "base64:" + "q" * 44]
)
def test_placeholder_keys_are_refused(placeholder: str) -> None:
    with pytest.raises(InvalidKeyError, match="too few distinct bytes") as err:
        KeyRing.single(placeholder)
    assert placeholder not in str(err.value)


def test_key_ring_active_must_exist(tmp_path: Path) -> None:
    file = tmp_path / "ring.yaml"
    file.write_text(f"active: v3\nkeys:\n  v1: {SECRET}\n")
    with pytest.raises(InvalidKeyError, match="'active'") as err:
        KeyRing.from_file(file)
    assert SECRET not in str(err.value)


def test_unreadable_key_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidKeyError, match="cannot read key file"):
        KeyRing.from_file(tmp_path / "missing")


@pytest.mark.parametrize("size", [32, 64, 65, 200])
def test_digest_is_standard_hmac_sha256(size: int) -> None:
    material = bytes(range(256))[:size] if size <= 256 else b""
    key = KeyRing.single(material).active
    for message in (b"", b"mrn\x1fGH\x1fPATID1234", b"x" * 1000):
        assert key.digest(message) == hmac.digest(material, message, "sha256")


def test_keys_cannot_be_pickled() -> None:
    with pytest.raises(TypeError):
        pickle.dumps(KeyRing.single(SECRET).active)
