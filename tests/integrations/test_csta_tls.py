"""The AES simulator over TLS (as on port 4722), verified against a throwaway CA made here with
the openssl CLI: the decoder's session, monitors and a call go through the encrypted link."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import subprocess
import time
from pathlib import Path

import pytest

from integrations.base import CallEvent
from integrations.csta import make_decoder
from integrations.csta.decoder import DmccDecoder
from integrations.csta.simulator import AesSimulator
from tests.conftest import wait_for

OPTIONS = {
    "switch_name": "CM1",
    "username": "wallboard",
    "password": "secret",
    "stations": "5001-5002",
    "splits": "301",
    "vdns": "7001",
}


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA, and a certificate for localhost signed by it."""
    where = tmp_path_factory.mktemp("pki")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=Test CA",
            "-keyout", "ca.key", "-out", "ca.pem", cwd=where)  # fmt: skip
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
            "-keyout", "aes.key", "-out", "aes.csr", cwd=where)  # fmt: skip
    (where / "san.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "aes.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "1", "-extfile", "san.ext", "-out", "aes.pem",
            cwd=where)  # fmt: skip
    return where


async def test_a_session_and_a_call_over_tls(certificates: Path) -> None:
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(certificates / "aes.pem", certificates / "aes.key")
    sim = AesSimulator(
        stations=["5001", "5002"],
        splits=["301"],
        vdns=["7001"],
        rate=0,
        activity=0,
        interval=0.05,
        seed=1,
        ssl_context=server_context,
    )
    stop = asyncio.Event()
    ready: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    server = asyncio.create_task(sim.serve("127.0.0.1", 0, stop=stop, ready=ready))
    port = await ready
    client_context = ssl.create_default_context(cafile=str(certificates / "ca.pem"))
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", port, ssl=client_context, server_hostname="localhost"
    )
    decoder: DmccDecoder = make_decoder("events", OPTIONS)
    steps: list[CallEvent] = []

    async def pump() -> None:
        decoder.connected()
        while True:
            writer.write(b"".join(decoder.outbox))
            decoder.outbox.clear()
            await writer.drain()
            data = await reader.read(65536)
            if not data:
                return
            for batch in decoder.feed(data) + decoder.flush(time.monotonic()):
                steps.extend(batch.calls)

    pumping = asyncio.create_task(pump())
    try:
        await wait_for(lambda: decoder.state == "up", what="the session over TLS")
        assert writer.get_extra_info("ssl_object") is not None
        call = sim.offer("7001")
        sim.ring(call, "3102")
        sim.answer(call)
        await wait_for(lambda: len(steps) >= 4, what="the call's steps over TLS")
        assert [s.step for s in steps] == ["offered", "queued", "ringing", "answered"]
        assert not decoder.errors
    finally:
        pumping.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pumping
        writer.close()
        stop.set()
        await server


async def test_a_client_that_does_not_trust_the_certificate_is_refused(certificates: Path) -> None:
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(certificates / "aes.pem", certificates / "aes.key")
    sim = AesSimulator(stations=["5001"], splits=["301"], vdns=["7001"], ssl_context=server_context)
    stop = asyncio.Event()
    ready: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    server = asyncio.create_task(sim.serve("127.0.0.1", 0, stop=stop, ready=ready))
    port = await ready
    try:
        with pytest.raises(ssl.SSLCertVerificationError):
            await asyncio.open_connection(
                "127.0.0.1", port, ssl=ssl.create_default_context(), server_hostname="localhost"
            )
    finally:
        stop.set()
        await server
