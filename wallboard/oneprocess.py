"""Web server and ingest in one process, on one event loop (the demo and small sites).

Daphne runs no ASGI lifespan hooks, so rather than hoping the server starts our background
work, we start daphne's Server ourselves with the asyncio reactor and run ingest (and, for the
demo, the feed simulators) as tasks on that same loop. Ctrl-C or SIGTERM stops them cleanly,
within wallboard.lib.stopping's deadline whatever holds the stop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from wallboard.lib.stopping import stop_on_signals

log = logging.getLogger("wallboard")

Background = Callable[[asyncio.Event], Awaitable[None]]


def serve(host: str, port: int, background: list[Background], on_ready: Callable[[], None]) -> bool:
    """Run until Ctrl-C or SIGTERM. False when it could not run on: the web server could not
    listen, or a background task failed (each logged)."""
    from daphne.server import Server, twisted_loop  # installs the asyncio reactor first
    from twisted.internet import reactor

    from wallboard.asgi import application

    interface = host.replace(":", r"\:")
    server = Server(
        application,
        endpoints=[f"tcp:port={port}:interface={interface}"],
        signal_handlers=False,
        verbosity=0,
    )

    failed = False

    async def main() -> None:
        nonlocal failed
        stop = asyncio.Event()
        deadline = stop_on_signals(twisted_loop, stop)
        tasks = [asyncio.ensure_future(job(stop)) for job in background]
        await asyncio.sleep(0.5)
        if not server.listening_addresses:
            stop.set()  # told below, after the server stopped
        else:
            on_ready()
        done_early = asyncio.ensure_future(asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION))
        await asyncio.wait(
            [done_early, asyncio.ensure_future(stop.wait())], return_when=asyncio.FIRST_COMPLETED
        )
        for task in tasks:
            if task.done() and not task.cancelled() and task.exception():
                log.error("background task failed: %r", task.exception())
                failed = True
        stop.set()
        deadline.start()  # however the stop began: ingest's, then daphne's connections' ends
        await asyncio.gather(*tasks, return_exceptions=True)
        # Twisted types the reactor as zope Interfaces, whose methods have no self (mypy needs
        # the mypy-zope plugin to read them).
        reactor.stop()  # type: ignore[misc]

    reactor.callWhenRunning(lambda: twisted_loop.create_task(main()))
    server.run()
    if not server.listening_addresses:  # never listened (daphne may have stopped by itself)
        log.error("the web server could not listen on %s:%s (in use?)", host, port)
        failed = True
    return not failed
