"""A wall-clock budget for one record's CPU-bound work, so a poison record cannot stall
its partition.

Scrubbing is pure Python on the event loop's thread: nothing can cancel it
cooperatively. :func:`within` arms a real-time interval timer (``SIGALRM``)
whose handler raises :class:`RecordTimeout` inside whatever Python code is
running, and disarms it on the way out. The handler only raises while armed,
and the caller catches the exception around the whole block, so a late
signal can never escape into the stream loop. The service owns ``SIGALRM``:
the handler is (re)installed whenever another one took its place (a library,
a test harness), since the default action of ``SIGALRM`` ends the process;
only the timer is set per record.
Only the main thread may use it (a signal rule); elsewhere, and on platforms
without ``setitimer``, the budget is not enforced.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class RecordTimeout(Exception):  # noqa: N818 - reads as the event, like TimeoutError
    """The record's work ran past its budget."""


_armed = False


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    if _armed:
        raise RecordTimeout


def enforceable() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Raise :class:`RecordTimeout` in the block if it runs longer than ``seconds``."""
    global _armed  # noqa: PLW0603 - one timer per process, like the signal it uses
    if seconds <= 0 or not enforceable():
        yield
        return
    if signal.getsignal(signal.SIGALRM) is not _on_alarm:  # it does nothing while disarmed
        signal.signal(signal.SIGALRM, _on_alarm)
    _armed = True
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        _armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
