"""Two web servers (daphne processes) behind one database and one Redis, as a scaled-out site
runs them: a display connected to one is listed by the other's admin, and a command sent from
the other's admin reaches it (through the display's own channel-layer group)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator

import pytest

from tests.product import Product, free_port
from tests.wallboard.screens import (
    AdminSession,
    boards_config,
    clock_board,
    display_socket,
    listening,
    make_supervisor,
    receive_type,
    wait_until,
    web_server,
)

pytestmark = [pytest.mark.slow]


@pytest.fixture
def redis_port() -> Iterator[int]:
    """A Redis of this test's own, on a free port, keeping nothing on disk."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is missing (apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: listening(port), 15, "redis to listen")
        yield port
    finally:
        process.terminate()
        process.wait(10)


def test_a_command_from_one_servers_admin_reaches_a_display_on_the_other(
    product: Product, redis_port: int
) -> None:
    product.configure(boards_config(clock_board("Service desk", "desk")))
    make_supervisor(product)
    layer = {"CHANNELS_URL": f"redis+pubsub://127.0.0.1:{redis_port}/0"}
    walls, offices = free_port(), free_port()
    with web_server(product, walls, **layer), web_server(product, offices, **layer):
        key = product.display_key("desk")
        with display_socket(walls, "desk", key, "far0123456789abc") as ws:
            receive_type(ws, "snapshot")
            admin = AdminSession(f"http://localhost:{offices}")
            row = wait_until(lambda: admin.row_of("far0123456789abc"), what="listed")
            assert "live" in row
            pk = admin.get("/admin/wallboard/display/").split('name="_selected_action" value="')
            assert len(pk) == 2, "one display listed"
            page = admin.act("identify", [int(pk[1].split('"')[0])])
            assert "Identify: sent to 1 display(s)." in page
            command = receive_type(ws, "command")
            assert command["command"] == "identify" and command["ident"] == "far01234"
            assert command["seconds"] == 10
        wait_until(lambda: "gone" in admin.row_of("far0123456789abc"), what="gone")
