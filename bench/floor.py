"""The least a keyed-pseudonym scrubber written in Python must do per record.

Read the record, write it back, and compute the keyed digests (HMAC-SHA256) that
phi-scrub computes for it on first sight (its pseudonyms, its patient's identity
and date shift), with the service's own precomputed-state HMAC
(``scrubbers.keys.Key.digest``, the fastest this interpreter offers). Nothing
else: no policy decision, no date arithmetic, no free-text search, no verifier.
A throughput target above this floor is out of reach of any implementation of
the same policy in Python, however it is organized; only native code doing the
per-value work would pass it. Measured beside phi-scrub in the same run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from scrubbers.engine import Scrubber


def digests_per_record(
    engine: Scrubber, scrub: Callable[[bytes], object], records: Sequence[bytes]
) -> dict[bytes, int]:
    """How many keyed digests scrubbing each record computes, memos cleared first."""
    counts = {}
    for record in records:
        engine.clear_caches()
        scrub(record)
        counts[record] = engine.memoized_digests
    engine.clear_caches()
    return counts


def keyed_floor(
    engine: Scrubber, round_trip: Callable[[bytes], object], digests: dict[bytes, int]
) -> Callable[[bytes], object]:
    """Work that reads and writes a record and computes its number of digests."""
    digest = engine.keys.active.digest
    inputs = [b"floor\x1f%d" % i for i in range(max(digests.values(), default=0))]

    def work(record: bytes) -> object:
        output = round_trip(record)
        for message in inputs[: digests[record]]:
            digest(message)
        return output

    return work
