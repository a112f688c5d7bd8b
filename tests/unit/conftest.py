"""Fixtures for broker-free tests. All PHI here is invented."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scrubbers.engine import Scrubber
from scrubbers.keys import KeyRing
from scrubbers.policy import load_policy

TEST_SECRET = "test-only-secret-0123456789abcdef-not-for-production"
OTHER_SECRET = "another-test-secret-fedcba9876543210-not-for-prod"


@pytest.fixture
def keys() -> KeyRing:
    return KeyRing.single(TEST_SECRET, "t1")


@pytest.fixture
def make_scrubber(keys: KeyRing) -> Callable[..., Scrubber]:
    def make(policy: str = "safe-harbor", key: KeyRing | None = None) -> Scrubber:
        return Scrubber(load_policy(policy), key or keys)

    return make
