"""`manage.py demo --host 0.0.0.0` opens the demo to the LAN: a browser that reaches it by this
machine's address gets the login page, not "Bad Request (400)", though ALLOWED_HOSTS lists only
localhost; and the demo prints that address's URL."""

from __future__ import annotations

import signal
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.system.test_demo import free_base, manage
from tests.system.test_install_recipe import lan_address

pytestmark = pytest.mark.slow


def test_the_demo_on_every_address_answers_by_the_machines_address(tmp_path: Path) -> None:
    address, port, base = lan_address(), free_port(), free_base()
    if address == "127.0.0.2":
        pytest.skip("this machine has no address but loopback")
    demo = manage(
        tmp_path, "demo", "--host", "0.0.0.0", "--port", str(port), "--feed-port-base", str(base)
    )
    try:
        assert demo.stdout is not None
        said = ""
        while "Press Ctrl-C to stop." not in said:
            line = demo.stdout.readline()
            assert line, f"the demo ended before it was ready:\n{said}"
            said += line
        assert f"On the LAN: http://{address}:{port}/" in said
        with urllib.request.urlopen(f"http://{address}:{port}/admin/login/", timeout=10) as page:
            assert page.status == 200 and b"Wallboard" in page.read()
        demo.send_signal(signal.SIGINT)
        demo.communicate(timeout=30)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
