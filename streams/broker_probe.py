"""Ask a Kafka broker for cluster metadata using only the standard library.

Why a hand-written probe: ``make kafka-up`` must be able to tell "the broker
answers" from "the port is open" before any virtualenv exists, and the test
fixtures need a check with a hard deadline that names the address when it
fails. A TCP connect is not enough (a KRaft broker accepts connections before
its quorum is formed); a real Metadata request is.

Runnable as a script: ``python3 streams/broker_probe.py HOST:PORT [TIMEOUT]``
exits 0 once the broker lists at least one live broker, 1 on timeout.
"""

from __future__ import annotations

import socket
import struct
import sys
import time

_METADATA_API_KEY = 3
_METADATA_API_VERSION = 1  # v1: an empty topic array means "no topics", brokers only
_CLIENT_ID = b"phi-scrub-probe"


class BrokerUnavailableError(ConnectionError):
    """The broker did not answer a metadata request before the deadline."""


def _metadata_request(correlation_id: int) -> bytes:
    header = struct.pack(
        ">hhih", _METADATA_API_KEY, _METADATA_API_VERSION, correlation_id, len(_CLIENT_ID)
    )
    body = struct.pack(">i", 0)  # empty topics array: ask for brokers only
    payload = header + _CLIENT_ID + body
    return struct.pack(">i", len(payload)) + payload


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            raise ConnectionError("connection closed by broker")
        chunks.extend(chunk)
    return bytes(chunks)


def _broker_count(response: bytes, correlation_id: int) -> int:
    (got_correlation, n_brokers) = struct.unpack_from(">ii", response, 0)
    if got_correlation != correlation_id:
        raise ConnectionError("unexpected correlation id in metadata response")
    return int(n_brokers)


def split_address(address: str) -> tuple[str, int]:
    """Split ``host:port`` (the first entry of a comma-separated bootstrap list)."""
    first = address.split(",", maxsplit=1)[0].strip()
    host, _, port = first.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"bootstrap address must look like host:port, got {first!r}")
    return host.strip("[]"), int(port)


def broker_answers(address: str, timeout: float = 2.0) -> bool:
    """Return True if the broker at ``address`` answers one metadata request."""
    host, port = split_address(address)
    correlation_id = int(time.monotonic_ns() & 0x7FFFFFFF)
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(_metadata_request(correlation_id))
            (size,) = struct.unpack(">i", _recv_exact(sock, 4))
            return _broker_count(_recv_exact(sock, size), correlation_id) > 0
    except (OSError, struct.error):
        return False


def wait_for_broker(address: str, timeout: float = 60.0, interval: float = 0.5) -> None:
    """Block until the broker answers, or raise :class:`BrokerUnavailableError`."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if broker_answers(address, timeout=max(0.1, min(2.0, remaining))):
            return
        if time.monotonic() >= deadline:
            raise BrokerUnavailableError(
                f"Kafka broker at {address} did not answer a metadata request within {timeout:.0f}s"
            )
        time.sleep(interval)


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print("usage: broker_probe.py HOST:PORT [TIMEOUT_SECONDS]", file=sys.stderr)
        return 2
    timeout = float(argv[2]) if len(argv) == 3 else 60.0
    try:
        wait_for_broker(argv[1], timeout=timeout)
    except BrokerUnavailableError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
