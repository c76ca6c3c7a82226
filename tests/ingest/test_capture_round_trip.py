"""Raw capture and replay round trip, for every vendor and layout in the registry: a simulator's
bytes go over real TCP into a running ingest whose source takes a capture; `manage.py replay
FILE --source NAME` then decodes the capture to the same rows ingest stored. A new vendor is
covered by registering it."""

from __future__ import annotations

import asyncio
import io
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.core.management import call_command

from ingest.capture import read_capture
from integrations import VENDORS, simulator, vendor_info
from integrations.simnet import send_as_client, write_chunks
from tests.conftest import free_port, wait_for
from wallboard.models import Agent, Queue, SourceCapture

pytestmark = pytest.mark.django_db(transaction=True)

CHUNKS = 12
FIGURES = [
    "calls_waiting",
    "oldest_wait_seconds",
    "agents_staffed",
    "agents_available",
    "agents_on_call",
    "agents_wrap_up",
    "agents_not_ready",
    "offered",
    "answered",
    "abandoned",
    "asa_seconds",
    "service_level_pct",
]
AGENT_FIELDS = ["state", "vendor_state", "reason_code", "extension"]


def only_sends(vendor: str, layout: str) -> bool:
    """A feed whose simulator only sends chunks; a CTI session's answers requests (CSTA: its
    round trip is test_capture_round_trip_csta.py)."""
    return hasattr(simulator(vendor).make_producer({"layout": layout}), "next_chunk")


# A polled source (a database) reads no bytes: there is nothing of it to capture.
CASES = [
    (vendor, layout)
    for vendor in sorted(VENDORS)
    if vendor_info(vendor).transport != "poll"
    for layout in vendor_info(vendor).layouts
    if only_sends(vendor, layout)
]


class Recorded:
    """A small, quick, seeded feed of a vendor's simulator (each takes the options it knows),
    keeping every byte it gave."""

    def __init__(self, vendor: str, layout: str) -> None:
        options = {"layout": layout, "seed": 11, "interval": 0.2, "agents": 12, "skills": 4}
        more = {"queues": 4, "vdns": 3, "activity": 0.5}
        self.feed = simulator(vendor).make_producer({**options, **more})
        self.interval = 0.2
        self.sent = bytearray()

    def next_chunk(self) -> bytes:
        chunk: bytes = self.feed.next_chunk()
        self.sent += chunk
        return chunk


def figure(value: Any) -> Any:
    return value if value is None or isinstance(value, int | float) else str(value)


@sync_to_async
def stored(source_id: int) -> dict[str, Any]:
    queues = {
        f"{q.kind} {q.number}": [
            "overflow" if f in q.overflow else figure(getattr(q, f)) for f in FIGURES
        ]
        for q in Queue.objects.filter(source_id=source_id, gone=False)
    }
    agents = {
        a.agent_id: [getattr(a, f) for f in AGENT_FIELDS]
        for a in Agent.objects.filter(source_id=source_id, gone=False)
    }
    return {"queues": queues, "agents": agents}


@sync_to_async
def replayed(path: str, source: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("replay", path, "--source", source, "--json", stdout=out)
    result = json.loads(out.getvalue())
    return {
        "queues": {
            f"{q['kind']} {q['number']}": [
                "overflow" if isinstance(q[f], dict | str) else q[f] for f in FIGURES
            ]
            for q in result["queues"]
        },
        "agents": {a["agent_id"]: [a[f] for f in AGENT_FIELDS] for a in result["agents"]},
    }


@pytest.mark.parametrize(("vendor", "layout"), CASES)
async def test_a_capture_replays_to_the_rows_ingest_stored(
    vendor: str, layout: str, make_source: Any, settings: Any, tmp_path: Path, runner: Any
) -> None:
    settings.CAPTURE_DIR = tmp_path
    feed = Recorded(vendor, layout)
    dials_us = vendor_info(vendor).transport == "listen"
    sent, stop = asyncio.Event(), asyncio.Event()

    async def phone_system(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await write_chunks(writer, feed, count=CHUNKS)
        sent.set()
        await stop.wait()
        writer.close()

    server = None
    address = f"127.0.0.1:{free_port()}"
    if not dials_us:
        server = await asyncio.start_server(phone_system, "127.0.0.1", int(address.split(":")[1]))
    source = await sync_to_async(make_source)(
        f"{vendor}-{layout}".replace("_", "-"),
        vendor=vendor,
        layout=layout,
        listen=address if dials_us else "",
        connect="" if dials_us else address,
        refresh_seconds=1,
        enabled=False,
    )
    capture = await SourceCapture.objects.acreate(source=source, limit_seconds=300)
    source.enabled = True  # the capture was asked for first: it sees every byte
    await sync_to_async(source.save)()

    async def running() -> SourceCapture | None:
        await capture.arefresh_from_db()
        return capture if capture.status == SourceCapture.RUNNING else None

    await wait_for(running, what="ingest to take the capture up")
    if dials_us:
        await wait_for(lambda: source.pk in runner.workers, what="the source to listen")
        await send_as_client(
            "127.0.0.1", int(address.split(":")[1]), feed, count=CHUNKS, reconnect=False
        )
    else:
        await asyncio.wait_for(sent.wait(), 30)

    async def same_rows() -> dict[str, Any] | None:
        rows = await stored(source.pk)
        again = await replayed(capture.file_path, source.name)
        return rows if rows == again and (rows["queues"] or rows["agents"]) else None

    try:
        rows = await wait_for(same_rows, timeout=20, what="the replay to give the stored rows")
    finally:
        stop.set()
        if server is not None:
            server.close()
    assert len(rows["queues"]) + len(rows["agents"]) > 1
    assert Path(capture.file_path).parent == tmp_path
    header, reads = read_capture(capture.file_path)
    assert (header.vendor, header.layout, header.source) == (vendor, layout, source.name)
    assert b"".join(r.data for r in reads) == bytes(feed.sent)  # every byte, as sent, in order
    assert all(a.at <= b.at for a, b in itertools.pairwise(reads))
