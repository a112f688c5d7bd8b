"""Secret keys for keyed pseudonyms and date shifts.

Pseudonyms are HMAC-SHA256 under a secret key, never plain hashes: a plain
hash of an MRN or SSN can be reversed by hashing every candidate value. There
is deliberately no built-in default key: a service that silently used one
would publish pseudonyms anybody could recompute.

Keys are versioned so they can be rotated: one version is active (used for
everything written now) and older versions stay loadable, for example to
re-derive pseudonyms published under them. Key material never appears in
``repr``, ``str``, errors, logs or metrics; only the version does.

Sources, in order: ``--key-file`` / ``PHI_SCRUB_KEY_FILE`` (a file holding
either the raw secret or a YAML key ring), then ``PHI_SCRUB_KEY``.
Secrets are given as ``base64:...``, ``hex:...`` or plain text, and must be
at least 32 bytes with at least 8 distinct byte values (no placeholders).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import yaml

KEY_ENV: Final = "PHI_SCRUB_KEY"
KEY_FILE_ENV: Final = "PHI_SCRUB_KEY_FILE"
KEY_VERSION_ENV: Final = "PHI_SCRUB_KEY_VERSION"
DEFAULT_KEY_VERSION: Final = "v1"
MIN_KEY_BYTES: Final = 32
MIN_DISTINCT_KEY_BYTES: Final = 8
_SHA256_BLOCK: Final = 64
_IPAD: Final = bytes(b ^ 0x36 for b in range(256))
_OPAD: Final = bytes(b ^ 0x5C for b in range(256))

HOW_TO_PROVIDE_A_KEY: Final = (
    f"set {KEY_ENV} to a secret of at least {MIN_KEY_BYTES} bytes "
    f"(for example: export {KEY_ENV}=base64:$(head -c 32 /dev/urandom | base64)) "
    f"or point {KEY_FILE_ENV} (or `phi-scrub scrub --key-file`) at a file holding it; "
    f"{KEY_VERSION_ENV} names its version (default {DEFAULT_KEY_VERSION})"
)


class KeyConfigError(Exception):
    """Base for key problems. Messages name sources and versions, never material."""


class MissingKeyError(KeyConfigError):
    """No key was configured: the service refuses to run without one."""

    def __init__(self) -> None:
        super().__init__(f"no pseudonymization key configured: {HOW_TO_PROVIDE_A_KEY}")


class InvalidKeyError(KeyConfigError):
    """A key was configured but cannot be used."""


class Key:
    """One versioned secret. ``repr`` shows the version only.

    :meth:`digest` is HMAC-SHA256 (RFC 2104) computed from precomputed inner
    and outer SHA-256 states: with OpenSSL 3 each hash object costs about a
    microsecond to create, so copying prepared states roughly halves the cost
    of ``hmac.new(...)`` per value. Equality with :func:`hmac.digest` is tested.
    """

    __slots__ = ("_inner", "_outer", "version")

    def __init__(self, version: str, material: bytes) -> None:
        self.version = version
        block = material if len(material) <= _SHA256_BLOCK else hashlib.sha256(material).digest()
        block = block.ljust(_SHA256_BLOCK, b"\0")
        self._inner = hashlib.sha256(block.translate(_IPAD))
        self._outer = hashlib.sha256(block.translate(_OPAD))

    def __repr__(self) -> str:
        return f"Key(version={self.version!r}, material=<hidden>)"

    __str__ = __repr__

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("keys cannot be pickled")

    def digest(self, message: bytes) -> bytes:
        """HMAC-SHA256 of ``message`` under this key."""
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()


@dataclass(frozen=True, slots=True)
class KeyRing:
    """The configured key versions, one of them active for writing."""

    active: Key
    others: Mapping[str, Key] = field(default_factory=dict)

    def get(self, version: str) -> Key:
        if version == self.active.version:
            return self.active
        try:
            return self.others[version]
        except KeyError:
            raise InvalidKeyError(f"key version {version!r} is not configured") from None

    @property
    def versions(self) -> tuple[str, ...]:
        return (self.active.version, *sorted(self.others))

    def __repr__(self) -> str:
        return f"KeyRing(active={self.active.version!r}, versions={list(self.versions)!r})"

    __str__ = __repr__

    @classmethod
    def single(cls, secret: str | bytes, version: str = DEFAULT_KEY_VERSION) -> KeyRing:
        return cls(active=Key(_checked_version(version), _decode_secret(secret, version)))

    @classmethod
    def from_mapping(cls, data: object, source: str) -> KeyRing:
        """Build from ``{"active": VERSION, "keys": {VERSION: SECRET, ...}}``."""
        if not isinstance(data, Mapping) or set(data) - {"active", "keys"}:
            raise InvalidKeyError(f"{source}: a key ring needs exactly 'active' and 'keys'")
        keys = data.get("keys")
        active = data.get("active")
        if not isinstance(keys, Mapping) or not keys:
            raise InvalidKeyError(f"{source}: 'keys' must map versions to secrets")
        if not isinstance(active, str) or active not in keys:
            raise InvalidKeyError(f"{source}: 'active' must name one of the versions in 'keys'")
        ring = {
            str(version): Key(_checked_version(str(version)), _decode_secret(secret, str(version)))
            for version, secret in keys.items()
        }
        return cls(active=ring.pop(active), others=ring)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], version: str | None = None) -> KeyRing:
        """A file holding the raw secret (a mounted Kubernetes Secret) or a YAML ring."""
        file = Path(path)
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise InvalidKeyError(f"cannot read key file {file}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise InvalidKeyError(f"key file {file} is not UTF-8 text") from None
        stripped = text.strip()
        if stripped.startswith(("active:", "keys:")):
            try:
                data = yaml.safe_load(stripped)
            except yaml.YAMLError:
                # The parser's message would quote the offending line: a secret.
                raise InvalidKeyError(f"key file {file} is not valid YAML") from None
            ring = cls.from_mapping(data, str(file))
            if version is not None and version != ring.active.version:
                # Two sources naming the active key: refuse rather than pick one silently.
                raise InvalidKeyError(
                    f"{KEY_VERSION_ENV}={version} but key file {file} is a key ring whose "
                    f"active version is {ring.active.version!r}; unset {KEY_VERSION_ENV} "
                    "(the ring's 'active' decides)"
                )
            return ring
        try:
            return cls.single(stripped, version or DEFAULT_KEY_VERSION)
        except InvalidKeyError as exc:
            raise InvalidKeyError(f"key file {file}: {exc}") from None

    @classmethod
    def from_environment(
        cls, key_file: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None
    ) -> KeyRing:
        """The service's key ring; raises :class:`MissingKeyError` if none is set."""
        environ = os.environ if env is None else env
        version = environ.get(KEY_VERSION_ENV) or None
        file = key_file or environ.get(KEY_FILE_ENV)
        if file:
            return cls.from_file(file, version)
        secret = environ.get(KEY_ENV)
        if secret:
            try:
                return cls.single(secret, version or DEFAULT_KEY_VERSION)
            except InvalidKeyError as exc:  # say which setting: the worker reads several
                raise InvalidKeyError(f"{KEY_ENV}: {exc}") from None
        raise MissingKeyError


def _checked_version(version: str) -> str:
    if not version or len(version) > 32 or not all(c.isalnum() or c in "-_." for c in version):
        raise InvalidKeyError("key versions are 1-32 characters of letters, digits, '-', '_', '.'")
    return version


def _decode_secret(secret: object, version: str) -> bytes:
    if isinstance(secret, bytes):
        material = secret
    elif isinstance(secret, str):
        text = secret.strip()
        try:
            if text.startswith("base64:"):
                material = base64.b64decode(text[len("base64:") :], validate=True)
            elif text.startswith("hex:"):
                material = bytes.fromhex(text[len("hex:") :])
            else:
                material = text.encode("utf-8")
        except (binascii.Error, ValueError):
            raise InvalidKeyError(f"key version {version!r} is not valid base64/hex") from None
    else:
        raise InvalidKeyError(f"key version {version!r} must be a string")
    if len(material) < MIN_KEY_BYTES:
        raise InvalidKeyError(
            f"key version {version!r} is {len(material)} bytes; at least {MIN_KEY_BYTES} are "
            "required"
        )
    if len(set(material)) < MIN_DISTINCT_KEY_BYTES:
        # "a" * 32, "changeme" * 4: a placeholder someone forgot, not a secret.
        raise InvalidKeyError(
            f"key version {version!r} repeats too few distinct bytes to be a secret; "
            "generate one, e.g. base64:$(head -c 32 /dev/urandom | base64)"
        )
    return material
