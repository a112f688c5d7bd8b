"""A no-op Faust passthrough: the end-to-end benchmark's baseline (bench only, never deployed).

Same shape as the phi-scrub worker (one agent, raw bytes, an input acked only
once the broker acknowledged its output, up to the worker's default 1,000
outputs in flight, the same Worker class and log level) but copies values unchanged, so the
difference between the two is the cost of scrubbing and verification.

Usage: python bench/passthrough_app.py BOOTSTRAP INPUT_TOPIC OUTPUT_TOPIC GROUP
"""

from __future__ import annotations

import asyncio
import functools
import os
import sys
import tempfile
from typing import Any, cast

import faust

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from streams.worker_cli import ServiceWorker

MAX_IN_FLIGHT = 1000  # the worker's default PHI_SCRUB_MAX_IN_FLIGHT


def main() -> None:
    bootstrap, source, target, group = sys.argv[1:5]
    app = faust.App(
        group,
        broker=f"kafka://{bootstrap}",
        topic_allow_declare=False,
        topic_disable_leader=True,
        autodiscover=False,
        store="memory://",
        datadir=os.path.join(tempfile.gettempdir(), f"{group}-data"),
        web_enabled=False,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        producer_linger_ms=5,  # the worker's default (PHI_SCRUB_PRODUCER_LINGER_MS)
    )
    raw = app.topic(source, key_serializer="raw", value_serializer="raw", allow_empty=True)
    out = app.topic(target, key_serializer="raw", value_serializer="raw")

    @app.agent(raw, concurrency=1)
    async def copy(stream: Any) -> None:
        window = asyncio.Semaphore(MAX_IN_FLIGHT)

        def settled(event: Any, delivery: Any) -> None:
            window.release()
            if not delivery.cancelled() and delivery.exception() is None:
                event.ack()

        async for event in stream.noack().events():
            await window.acquire()
            delivery = await out.send(
                key=event.message.key,
                value=event.message.value,
                headers=list(event.message.headers or []),
            )
            cast(asyncio.Future[Any], delivery).add_done_callback(functools.partial(settled, event))

    del copy
    ServiceWorker(app, loglevel="WARNING", quiet=True).execute_from_commandline()


if __name__ == "__main__":
    main()
