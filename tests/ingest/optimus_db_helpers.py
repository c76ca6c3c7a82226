"""The Optimus database source's tests: the fixture database (a SQLite file by default; a
database `optimus_fixture` on the test run's PostgreSQL server when DATABASE_URL names one),
the source that polls it, and what ingest stored."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from integrations.optimus_db.simulator import OptimusFixture
from wallboard.models import Call, Source

POSTGRES_FIXTURE = "optimus_fixture"


def now_local() -> datetime:
    """Optimus' clock (the source is told the zone is UTC), to the second."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def ago(seconds: float) -> datetime:
    return now_local() - timedelta(seconds=seconds)


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    scheme, _, rest = url.partition("://")
    if not rest or scheme.split("+")[0] not in ("postgres", "postgresql", "pgsql"):
        return None
    server = make_url(f"postgresql+psycopg://{rest}")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        # A fresh database for each test: one that failed half-way (a table made a view by the
        # slow-query test) leaves nothing behind for the next.
        conn.execute(text(f"DROP DATABASE IF EXISTS {POSTGRES_FIXTURE} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {POSTGRES_FIXTURE}"))
    admin.dispose()
    return server.set(database=POSTGRES_FIXTURE).render_as_string(hide_password=False)


@pytest.fixture
def optimus_db(tmp_path: Path) -> Iterator[tuple[OptimusFixture, str, str]]:
    """(the fixture, the source's `database` URL without the password, the password)."""
    url = _postgres_url()
    if url is None:
        path = tmp_path / "optimus.db"
        url = f"sqlite:///{path}"
        source_url = f"sqlite:///file:{path}?mode=ro&uri=true"
    else:
        # The source's URL names no password (it is a credential, stored apart); set(password=
        # None) would keep it, so the URL is made again without one.
        server = make_url(url)
        source_url = URL.create(
            server.drivername,
            username=server.username,
            host=server.host,
            port=server.port,
            database=server.database,
            query=server.query,
        ).render_as_string(hide_password=False)
    fixture = OptimusFixture(url)
    fixture.drop()
    fixture = OptimusFixture(url)
    fixture.queues({10: "Sales", 11: "Support"}, {10: [7, 8, 0], 11: [8, -1]})
    try:
        yield fixture, source_url, make_url(url).password or ""
    finally:
        fixture.close()


def make_poll_source(database: str, password: str = "", **options: Any) -> Source:
    source = Source(
        name="optimus-db",
        vendor="optimus_db",
        layout="stat",
        refresh_seconds=1,
        options={"database": database, "time_zone": "UTC", "query_timeout_seconds": 2, **options},
    )
    source.full_clean()
    if password:
        source.set_secrets({"password": password})
    source.save()
    return source


@sync_to_async
def stored_calls(source: Source) -> dict[str, Call]:
    return {c.call_id: c for c in Call.objects.filter(source=source)}


@sync_to_async
def queue_totals(source: Source, number: str = "10") -> dict[str, int]:
    """The queue's interval figures summed over the day (what the wall's today shows)."""
    from wallboard.models import QueueInterval

    totals = {"offered": 0, "answered": 0, "abandoned": 0}
    for row in QueueInterval.objects.filter(source=source, number=number):
        for name in totals:
            totals[name] += getattr(row, name) or 0
    return totals


def sqlite_path(fixture: OptimusFixture) -> Path | None:
    url = make_url(fixture.url)
    return Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None
