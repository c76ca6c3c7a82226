"""A raw capture of an AES (CSTA) session: the simulated AES serves over real TCP, ingest's
`csta` source (its password a secret) takes a capture from its first byte, the switch is
scripted (agents log on, go not ready, a call is answered at one); `manage.py replay FILE
--source NAME` then decodes the capture to the agents ingest stored. Only what the AES sent is
in the file, never the wallboard's requests with the password. (The generic round trip of
test_capture_round_trip.py plays a feed that only sends; a CTI session answers requests.)"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.core.management import call_command

from ingest.capture import read_capture
from integrations.csta.simulator import AesSimulator
from tests.conftest import free_port, wait_for
from wallboard.models import Agent, SourceCapture

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "capture-test-password"
AGENT_FIELDS = ["state", "vendor_state", "reason_code", "extension"]


@sync_to_async
def stored(source_id: int) -> dict[str, list[Any]]:
    return {
        a.agent_id: [getattr(a, f) for f in AGENT_FIELDS]
        for a in Agent.objects.filter(source_id=source_id, gone=False)
    }


@sync_to_async
def replayed(path: str, source: str) -> dict[str, list[Any]]:
    out = io.StringIO()
    call_command("replay", path, "--source", source, "--json", stdout=out)
    result = json.loads(out.getvalue())
    return {a["agent_id"]: [a[f] for f in AGENT_FIELDS] for a in result["agents"]}


async def test_a_capture_of_an_aes_session_replays_to_the_agents_ingest_stored(
    make_source: Any, settings: Any, tmp_path: Path, runner: Any
) -> None:
    settings.CAPTURE_DIR = tmp_path
    sim = AesSimulator(
        stations=["5001", "5002", "5003"],
        splits=["301"],
        vdns=["7001"],
        password=PASSWORD,
        rate=0,
        activity=0,
        interval=3600,  # one burst (the agents log in before any session), then the script
        seed=5,
    )
    port = free_port()
    stop = asyncio.Event()
    ready: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    serving = asyncio.create_task(sim.serve("127.0.0.1", port, stop=stop, ready=ready))
    await ready
    try:
        source = await sync_to_async(make_source)(
            "aes-1",
            vendor="csta",
            layout="events",
            connect=f"127.0.0.1:{port}",
            refresh_seconds=10,
            options={
                "switch_name": "CM1",
                "username": "wallboard",
                "agents": "3101-3103@5001-5003",
                "splits": "301",
                "vdns": "7001",
                "agent_states": "events",
            },
            enabled=False,
        )
        source.set_secrets({"password": PASSWORD})
        await sync_to_async(source.save)()
        capture = await SourceCapture.objects.acreate(source=source, limit_seconds=300)
        source.enabled = True  # the capture was asked for first: it sees every byte
        await sync_to_async(source.save)()

        async def running() -> bool:
            await capture.arefresh_from_db()
            return capture.status == SourceCapture.RUNNING

        await wait_for(running, what="ingest to take the capture up")
        await wait_for(lambda: sim.heard.count("MonitorStart") == 5, what="the monitors")
        for agent in ("3101", "3102", "3103"):  # agent events, which a replay can read
            sim.log_off(agent)
            sim.log_on(agent)
        sim.not_ready("3103", "4")
        call = sim.offer("7001")
        sim.ring(call, "3101")
        sim.answer(call)

        async def same_agents() -> dict[str, list[Any]] | None:
            rows = await stored(source.pk)
            if rows.get("3101", [""])[0] != "on_call" or rows.get("3103", [""])[0] != "not_ready":
                return None
            return rows if rows == await replayed(capture.file_path, source.name) else None

        rows = await wait_for(same_agents, timeout=20, what="the replay to give the stored rows")
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await serving
    assert rows["3102"][0] == "available" and rows["3103"][2] == "4"
    header, reads = read_capture(capture.file_path)
    assert (header.vendor, header.source) == ("csta", "aes-1")
    sent = b"".join(r.data for r in reads)
    assert b"StartApplicationSessionPosResponse" in sent  # from its first byte
    assert PASSWORD.encode() not in sent and b"<StartApplicationSession " not in sent
