"""The display registry over real websockets against the running product (daphne): a display
that connects is listed in the admin as live with its board, address and version; one that
closes is gone at once; one that goes quiet without a goodbye goes stale, then gone; its
last-seen time is written at most every DISPLAY_SEEN_SECONDS, not on each ping."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from typing import Any

import pytest

from tests.product import Product, free_port
from tests.wallboard.screens import (
    AdminSession,
    boards_config,
    clock_board,
    display_socket,
    make_supervisor,
    receive_type,
    wait_until,
    web_server,
)

pytestmark = [pytest.mark.slow]

# Pings every 0.5 s, last seen written at most every 0.5 s: stale after 2 s, gone after 3 s.
QUICK = {"DISPLAY_PING_SECONDS": "0.5", "DISPLAY_SEEN_SECONDS": "0.5"}


def last_seen(product: Product, ident: str) -> str | None:
    with sqlite3.connect(product.db) as db:
        row = db.execute(
            "SELECT last_seen FROM wallboard_display WHERE ident = ?", (ident,)
        ).fetchone()
    return None if row is None else str(row[0])


def test_a_display_is_listed_live_then_gone_when_it_closes(product: Product) -> None:
    product.configure(boards_config(clock_board("Service desk", "desk")))
    make_supervisor(product)
    port = free_port()
    with web_server(product, port, **QUICK):
        admin = AdminSession(f"http://localhost:{port}")
        assert "abcdef0123456789" not in admin.displays()
        with display_socket(
            port, "desk", product.display_key("desk"), "abcdef0123456789", "v1"
        ) as ws:
            receive_type(ws, "snapshot")
            row = wait_until(lambda: admin.row_of("abcdef0123456789"), what="the display listed")
            assert "live" in row and "board Service desk" in row and "127.0.0.1" in row
            assert "v1 (old: reload it)" in row  # not the server's display files
        row = wait_until(
            lambda: "gone" in (r := admin.row_of("abcdef0123456789")) and r, what="gone"
        )
        assert "live" not in row


def test_a_display_that_goes_quiet_without_a_goodbye_goes_stale_then_gone(
    product: Product,
) -> None:
    product.configure(boards_config(clock_board("Service desk", "desk")))
    make_supervisor(product)
    port = free_port()
    with web_server(product, port, **QUICK):
        admin = AdminSession(f"http://localhost:{port}")
        # Its link stays open but nothing more comes: a half-open connection after a network
        # drop, or a frozen browser. It never pings.
        with display_socket(port, "desk", product.display_key("desk"), "quiet0123456789") as ws:
            receive_type(ws, "snapshot")
            wait_until(lambda: "live" in admin.row_of("quiet0123456789"), what="live")
            wait_until(lambda: "stale" in admin.row_of("quiet0123456789"), 10, "stale")
            wait_until(lambda: "gone" in admin.row_of("quiet0123456789"), 10, "gone")


def test_last_seen_is_written_at_most_every_so_often_not_on_each_ping(product: Product) -> None:
    product.configure(boards_config(clock_board("Service desk", "desk")))
    port = free_port()
    with (
        web_server(product, port, DISPLAY_PING_SECONDS="0.5", DISPLAY_SEEN_SECONDS="3"),
        contextlib.ExitStack() as stack,
    ):
        ws = display_socket(port, "desk", product.display_key("desk"), "pinger0123456789")
        stack.enter_context(ws)
        receive_type(ws, "snapshot")
        first = wait_until(lambda: last_seen(product, "pinger0123456789"), what="registered")
        started = time.monotonic()
        pongs = 0
        while time.monotonic() - started < 2.0:  # 20 pings in 2 s: none may write
            ws.send('{"type": "ping"}')
            receive_type(ws, "pong")
            pongs += 1
            time.sleep(0.1)
        assert pongs >= 10
        assert last_seen(product, "pinger0123456789") == first

        def written() -> Any:
            ws.send('{"type": "ping"}')
            receive_type(ws, "pong")
            return last_seen(product, "pinger0123456789") != first

        wait_until(written, 10, "a ping after DISPLAY_SEEN_SECONDS to write last-seen")


def connected_since(product: Product, ident: str) -> str:
    with sqlite3.connect(product.db) as db:
        return str(
            db.execute(
                "SELECT connected_since FROM wallboard_display WHERE ident = ?", (ident,)
            ).fetchone()[0]
        )


def test_a_rotation_is_one_display_across_its_boards(product: Product) -> None:
    loop = {
        "name": "Lobby loop",
        "slug": "loop",
        "boards": [{"board": "desk", "seconds": 30}, {"board": "lobby", "seconds": 30}],
    }
    product.configure(
        boards_config(
            clock_board("Service desk", "desk"), clock_board("Lobby", "lobby"), rotations=[loop]
        )
    )
    make_supervisor(product)
    with sqlite3.connect(product.db) as db:
        key = str(db.execute("SELECT display_key FROM wallboard_rotation").fetchone()[0])
    port = free_port()
    with web_server(product, port, **QUICK):
        admin = AdminSession(f"http://localhost:{port}")
        with display_socket(port, "desk", key, "turning012345678", rotation="loop") as ws:
            receive_type(ws, "snapshot")
            row = wait_until(lambda: admin.row_of("turning012345678"), what="listed")
            assert "rotation Lobby loop" in row and " desk " in row
            since = connected_since(product, "turning012345678")
        # The rotation's next board: the page closes one socket and opens the next.
        with display_socket(port, "lobby", key, "turning012345678", rotation="loop") as ws:
            receive_type(ws, "snapshot")
            row = wait_until(
                lambda: " lobby " in (r := admin.row_of("turning012345678")) and r, what="lobby"
            )
            assert "live" in row and "rotation Lobby loop" in row
            assert admin.displays().count("turning0") == 1  # one row, not one per board
            assert connected_since(product, "turning012345678") == since
