"""Ingest's database work: one thread per kind of work, a healthy connection per unit of work.

Ingest runs on asyncio; the ORM is synchronous. Every query and write is a function handed to a
DbThread, which runs it on its own thread after dropping a connection that died or aged out.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import close_old_connections, connection

from .pacing import lower_thread_priority


def _unit(fn: Any, args: tuple[Any, ...]) -> Any:
    """One unit of database work: drop a connection that died or aged out first.

    A SQLite connection is kept for the thread's next unit (as CONN_MAX_AGE keeps PostgreSQL's):
    a local file does not age out, and opening one per unit cost every batch its set-up and its
    page cache. One that saw an error and is no longer usable is still dropped."""
    close_old_connections()
    try:
        return fn(*args)
    finally:
        if connection.vendor == "sqlite" and connection.connection is not None:
            connection.close_at = None


class DbThread:
    """All of ingest's database work, on one thread: a healthy connection per unit of work and
    a single writer (SQLite needs no more; PostgreSQL's bulk statements are quick).

    A background one (the writes of batches, intervals and board states, which nobody waits
    for) runs at a lower priority."""

    def __init__(self, background: bool = False) -> None:
        self.executor = ThreadPoolExecutor(
            max_workers=1,
            thread_name_prefix="ingest-background-db" if background else "ingest-db",
            initializer=lower_thread_priority if background else None,
        )

    async def __call__(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, _unit, fn, args)

    def close(self) -> None:
        from django.db import connections

        def close_all() -> None:
            connections.close_all()

        self.executor.submit(close_all).result(timeout=10)
        self.executor.shutdown(wait=True)
