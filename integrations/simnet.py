"""The network half of every feed simulator: play a vendor's byte stream as a real TCP peer.

A vendor's simulator module supplies a FeedProducer (what bytes, how often); these coroutines
supply the socket side, either as the client (Avaya CMS connects to the wallboard) or as the
server (a Mitel PBX that the wallboard connects to). Nothing here knows a vendor.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from typing import Protocol

log = logging.getLogger(__name__)


class FeedProducer(Protocol):
    interval: float  # seconds between chunks

    def next_chunk(self) -> bytes:
        """The wire bytes of the next batch or burst of records."""
        ...


def split_for_wire(data: bytes, rng: random.Random, fragment: bool) -> list[bytes]:
    """Cut data into the TCP segments to write: whole, or at random points (1..97 bytes)."""
    if not fragment or not data:
        return [data]
    pieces, i = [], 0
    while i < len(data):
        n = rng.randint(1, 97)
        pieces.append(data[i : i + n])
        i += n
    return pieces


async def write_chunks(
    writer: asyncio.StreamWriter,
    producer: FeedProducer,
    *,
    count: int | None,
    fragment: bool = False,
    coalesce: bool = False,
    rng: random.Random | None = None,
    stop: asyncio.Event | None = None,
) -> int:
    """Write `count` chunks (None: until stopped) `interval` apart; returns chunks written."""
    rng = rng or random.Random()
    sent = 0
    while count is None or sent < count:
        data = producer.next_chunk()
        sent += 1
        if coalesce and (count is None or sent < count):
            data += producer.next_chunk()  # two batches in one segment
            sent += 1
        for piece in split_for_wire(data, rng, fragment):
            writer.write(piece)
            await writer.drain()
            if fragment:
                await asyncio.sleep(0)
        if count is not None and sent >= count:
            break
        if stop is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), producer.interval)
            if stop.is_set():
                break
        else:
            await asyncio.sleep(producer.interval)
    return sent


async def send_as_client(
    host: str,
    port: int,
    producer: FeedProducer,
    *,
    count: int | None = None,
    fragment: bool = False,
    coalesce: bool = False,
    reconnect: bool = True,
    stop: asyncio.Event | None = None,
) -> None:
    """Connect to host:port and stream; reconnect (1-5 s backoff) while reconnect is set."""
    delay = 1.0
    while stop is None or not stop.is_set():
        try:
            _, writer = await asyncio.open_connection(host, port)
        except OSError as exc:
            if not reconnect:
                raise
            log.info(
                "simulator: cannot connect to %s:%s (%s); retrying in %.0f s",
                host,
                port,
                exc,
                delay,
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
            continue
        delay = 1.0
        log.info("simulator: connected to %s:%s", host, port)
        try:
            await write_chunks(
                writer, producer, count=count, fragment=fragment, coalesce=coalesce, stop=stop
            )
            if count is not None:
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
                return
        except (ConnectionError, OSError) as exc:
            log.info("simulator: connection to %s:%s lost (%s)", host, port, exc)
            if not reconnect:
                raise
        finally:
            writer.close()
        await asyncio.sleep(delay)


async def serve(
    host: str,
    port: int,
    producer: FeedProducer,
    *,
    fragment: bool = False,
    coalesce: bool = False,
    stop: asyncio.Event | None = None,
    ready: asyncio.Future[int] | None = None,
) -> None:
    """Listen on host:port (0 = any free port, reported through `ready`) and stream the same
    chunks to every connected peer, as a PBX does to each reader."""
    peers: set[asyncio.StreamWriter] = set()

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        log.info("simulator: %s connected", writer.get_extra_info("peername"))
        peers.add(writer)
        with contextlib.suppress(ConnectionError, OSError):
            await reader.read()  # readers never write; this returns when they leave
        peers.discard(writer)
        writer.close()

    server = await asyncio.start_server(on_connect, host, port)
    bound = server.sockets[0].getsockname()[1]
    log.info("simulator: listening on %s:%s", host, bound)
    if ready is not None and not ready.done():
        ready.set_result(bound)
    rng = random.Random()
    try:
        while stop is None or not stop.is_set():
            data = producer.next_chunk()
            if coalesce:
                data += producer.next_chunk()
            for writer in list(peers):
                try:
                    for piece in split_for_wire(data, rng, fragment):
                        writer.write(piece)
                        await writer.drain()
                except (ConnectionError, OSError):
                    peers.discard(writer)
            if stop is not None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), producer.interval)
            else:
                await asyncio.sleep(producer.interval)
    finally:
        server.close()
        for writer in peers:
            writer.close()
