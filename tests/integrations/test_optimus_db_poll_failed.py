"""A database the poller cannot reach is a PollFailed that says why and never carries the
password; the next poll tries again with a fresh connection."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from integrations.base import PollFailed
from integrations.optimus_db import make_poller


def refused_port() -> int:
    with socket.socket() as s:  # bound, never listening: a connection is refused
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_server_fails_the_poll_without_the_password() -> None:
    port = refused_port()
    poller = make_poller(
        "stat",
        {
            "database": f"postgresql+psycopg://OPTEXTRNL@127.0.0.1:{port}/Optimus",
            "password": "s3cret-pw",
            "query_timeout_seconds": 2,
        },
    )
    for _ in range(2):  # and again, from a fresh engine
        with pytest.raises(PollFailed) as failed:
            poller.poll(0.0)
        message = str(failed.value)
        assert message.startswith("database unreachable: OperationalError")
        assert "s3cret-pw" not in message
    assert "s3cret-pw" not in str(poller.facts)
    assert poller.position is None  # nothing read, nothing moved on


def test_a_missing_sqlite_file_is_not_created_but_fails(tmp_path: Path) -> None:
    path = tmp_path / "absent.db"
    poller = make_poller("stat", {"database": f"sqlite:///file:{path}?mode=ro&uri=true"})
    with pytest.raises(PollFailed, match="database unreachable"):
        poller.poll(0.0)
    assert not path.exists()
