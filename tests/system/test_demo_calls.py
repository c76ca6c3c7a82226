"""The demo's CTI link: `manage.py demo` runs a simulated Avaya AES; its `csta` source connects
with the password kept as the source's secret (never among its options), calls reach the Call
table, the Calls board shows callers waiting, and the demo user's agent menu is answered by
the simulated switch."""

from __future__ import annotations

import http.cookiejar
import json
import re
import signal
import sqlite3
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port
from tests.product import wait_until
from tests.system.test_demo import free_base, manage, start_demo, wait_ready

pytestmark = pytest.mark.slow


class Staff:
    """A browser's session of the demo user: logged in through the admin's login form."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def csrf(self) -> str:
        return next(c.value or "" for c in self.jar if c.name == "csrftoken")

    def log_in(self, username: str, password: str) -> None:
        form = self.opener.open(f"{self.url}/admin/login/", timeout=10).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
        assert token, form[:500]
        fields = {"username": username, "password": password, "next": "/admin/"}
        body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token.group(1)})
        self.opener.open(
            urllib.request.Request(
                f"{self.url}/admin/login/",
                data=body.encode(),
                headers={"Referer": f"{self.url}/admin/login/"},
            ),
            timeout=10,
        )
        assert any(c.name == "sessionid" for c in self.jar), "the demo login was refused"

    def get(self, path: str) -> Any:
        with self.opener.open(f"{self.url}{path}", timeout=10) as answer:
            return json.load(answer)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=json.dumps(body).encode(),
            headers={
                "Content-Type": "application/json",
                "X-CSRFToken": self.csrf(),
                "Referer": f"{self.url}/",
            },
        )
        with self.opener.open(request, timeout=10) as answer:
            return json.load(answer)


def query(db: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, args).fetchall()


def test_the_demo_s_aes_feeds_the_calls_board_and_answers_the_agent_menu(
    tmp_path: Path,
) -> None:
    port, base = free_port(), free_base()
    db = tmp_path / "demo.sqlite3"
    demo = start_demo(tmp_path, port, base, SECURE_COOKIES="false")
    try:
        said = wait_ready(demo)
        assert f"127.0.0.1:{base + 1}-{base + 6}" in said
        [(options, secrets)] = query(
            db, "SELECT options, secrets FROM wallboard_source WHERE vendor = 'csta'"
        )
        assert "password" not in json.loads(options) and secrets  # sealed apart

        def calls_stored() -> list[tuple[Any, ...]]:
            return query(
                db,
                "SELECT c.call_id, c.vdn, c.state FROM wallboard_call c "
                "JOIN wallboard_source s ON s.id = c.source_id WHERE s.vendor = 'csta'",
            )

        stored = wait_until(calls_stored, 60, "the AES's calls in the Call table", 0.5)
        assert {vdn for _, vdn, _ in stored} <= {"7001", "7002"}

        staff = Staff(f"http://127.0.0.1:{port}")
        staff.log_in("demo", "wallboard-demo")

        def waiting_callers() -> list[dict[str, Any]]:
            snapshot = staff.get("/api/v1/boards/calls/")
            tile = next(t for t in snapshot["board"]["tiles"] if t["kind"] == "waiting_callers")
            return list(snapshot["values"][str(tile["id"])].get("rows", []))

        rows = wait_until(waiting_callers, 60, "a caller waiting on the Calls board", 0.5)
        assert rows[0]["queue"] in ("Customer care", "Orders")  # the names directory's
        assert rows[0]["calling"].startswith("•")  # masked on the wall

        # The agent menu (log out / not ready / ready) against the simulated switch.
        [(source_id,)] = query(db, "SELECT id FROM wallboard_source WHERE vendor = 'csta'")

        def idle_agent() -> str:
            found = query(
                db,
                "SELECT agent_id FROM wallboard_agent WHERE source_id = ? AND state IN "
                "('available', 'wrap_up') ORDER BY agent_id",
                source_id,
            )
            return str(found[0][0]) if found else ""

        def not_ready(agent: str) -> dict[str, Any]:
            asked = staff.post(
                "/actions/agents/",
                {"source": source_id, "agent_id": agent, "action": "not_ready", "reason_code": "3"},
            )

            def answered() -> dict[str, Any]:
                row = staff.get(f"/actions/agents/{asked['id']}/")
                return dict(row) if row["status"] not in ("pending", "sent") else {}

            return dict(wait_until(answered, 30, "the AES's answer to SetAgentState", 0.5))

        # The simulated floor goes on meanwhile: an agent may log out just before the request
        # reaches the switch, which then refuses it (invalidAgentState), as CM would.
        answers = []
        for _ in range(3):
            answers.append(not_ready(wait_until(idle_agent, 60, "an agent off a call", 0.5)))
            if answers[-1]["status"] != "refused":
                break
        assert answers[-1]["status"] == "ok", answers
        demo.send_signal(signal.SIGINT)
        rest, _ = demo.communicate(timeout=30)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    assert demo.returncode == 0, rest


def test_the_demo_will_not_loop_a_capture_in_place_of_its_aes(tmp_path: Path) -> None:
    """A capture cannot answer the wallboard's requests (session, monitors, actions)."""
    capture = tmp_path / "aes.wbcap"
    capture.write_bytes(b"")
    port, base = free_port(), free_base()
    refused = manage(
        tmp_path, "demo", "--port", str(port), "--feed-port-base", str(base),
        "--replay", f"aes-1={capture}",
    )  # fmt: skip
    said, _ = refused.communicate(timeout=60)
    assert refused.returncode != 0
    assert f"--replay aes-1={capture}: give SOURCE=FILE, SOURCE one of" in said
    assert "'aes-1'" not in said and "'pbx-1'" in said and "Traceback" not in said
