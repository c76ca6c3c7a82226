"""A stop that always ends.

SIGTERM (a service manager stopping or restarting the product) or Ctrl-C stops `serve` and
`runingest` cleanly, normally in a second or two. Should something hold that stop (a
connection's handler that ignores its cancellation, a thread waiting on a database that does
not answer), the process would wait until the service manager kills it, and say nothing of
why. So once the stop begins a deadline runs: STOP_SECONDS later, a process still running logs
what held it (each thread's stack, each pending task's) and exits with status 1. Ending there is
as safe as being killed: ingest resumes from what the database holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from types import FrameType

log = logging.getLogger("wallboard")

# From the signal to the exit, at most: a clean stop takes a second or two; the README's
# service units give 20 s before their kill, which says nothing of why.
STOP_SECONDS = 15.0
DEPTH = 12  # frames shown of each thread and task, the innermost


class Deadline:
    """Started once the stop begins; ends the process STOP_SECONDS later if it still runs."""

    def __init__(self, loop: asyncio.AbstractEventLoop, exit: Callable[[int], object] = os._exit):
        self.loop = loop
        self._exit = exit
        self._timer: threading.Timer | None = None

    def start(self) -> None:
        if self._timer is None:
            # A daemon thread: a stop that ends in time is not held by it.
            self._timer = threading.Timer(STOP_SECONDS, self._expire)
            self._timer.daemon = True
            self._timer.start()

    def _expire(self) -> None:
        log.error(
            "did not stop within %.0f s of being told to; exiting. What held the stop:\n%s",
            STOP_SECONDS,
            what_runs(self.loop),
        )
        for handler in logging.getLogger().handlers:
            with contextlib.suppress(Exception):
                handler.flush()
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        self._exit(1)


def stop_on_signals(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> Deadline:
    """SIGINT and SIGTERM set `stop` and start the deadline."""
    deadline = Deadline(loop)

    def stopping() -> None:
        stop.set()
        deadline.start()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping)
    return deadline


def what_runs(loop: asyncio.AbstractEventLoop) -> str:
    """Each other thread's stack and each of the loop's pending tasks' (innermost last)."""
    parts = []
    frames = sys._current_frames()
    for thread in threading.enumerate():
        frame = frames.get(thread.ident or -1)
        if frame is not None and thread is not threading.current_thread():
            stack = traceback.extract_stack(frame, limit=DEPTH)  # its innermost frames
            parts.append(f"thread {thread.name}:\n{''.join(stack.format())}")
    try:  # read from another thread: the loop is idle when a stop hangs, but guard anyway
        tasks = list(asyncio.all_tasks(loop))
        parts.extend(f"task {t.get_name()}:\n{_awaiting(t.get_coro())}" for t in tasks)
    except Exception as exc:
        parts.append(f"(the tasks could not be read: {exc!r})")
    return "\n".join(parts)


def _awaiting(coro: object) -> str:
    """A suspended coroutine's chain of awaits, outermost first (the frames a task's
    get_stack() leaves out), and what the innermost awaits where it has a repr of use."""
    frames: list[FrameType] = []
    while coro is not None:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is None:
            break
        frames.append(frame)
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
    stack = traceback.StackSummary.extract((f, f.f_lineno) for f in frames[-DEPTH:])
    return "".join(stack.format()) + (f"  awaiting {coro!r:.200}\n" if coro is not None else "")
