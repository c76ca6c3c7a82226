"""A connect source with TLS: ingest checks the phone system's certificate against the site's
CA and the address it dials, over a real TLS server on loopback. A certificate from another CA
is refused, said plainly on the health page, and retried with backoff (a CA file fixed on disk
is read at the next attempt)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from tests.conftest import wait_for
from tests.ingest.action_peer import ActionPeer, example_vendor, live_example_source
from tests.ingest.supervisor import ask, supervisor
from tests.ingest.throwaway_ca import Pki, make_pki
from wallboard.models import Source, SourceHealth

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["example_vendor", "supervisor"]


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return make_pki(tmp_path / "site")


@pytest.fixture
async def tls_peer(pki: Pki) -> AsyncIterator[ActionPeer]:
    peer = ActionPeer(context=pki.server_context())
    await peer.start()
    yield peer
    await peer.stop()


async def test_a_tls_link_checked_against_the_sites_ca_carries_the_feed_and_requests(
    example_vendor: None,
    pki: Pki,
    tls_peer: ActionPeer,
    make_source: Any,
    runner: Any,
    supervisor: Any,
) -> None:
    source = await live_example_source(
        make_source, runner, tls_peer, tls=True, tls_ca_file=str(pki.ca_file)
    )
    assert tls_peer.heard[:1] == ["HELLO"]  # the greeting came over TLS
    made = (await ask(supervisor, source.pk, "1001", "ready")).json()
    await wait_for(lambda: tls_peer.sets() == [f"SET|{made['id']}|1001|ready|"], what="the SET")


async def test_a_certificate_from_another_ca_is_refused_and_retried(
    example_vendor: None,
    pki: Pki,
    tls_peer: ActionPeer,
    make_source: Any,
    runner: Any,
    tmp_path: Path,
) -> None:
    other = make_pki(tmp_path / "other", label="other")
    trusted = tmp_path / "trusted.pem"
    shutil.copy(other.ca_file, trusted)  # the wrong CA, for now
    source: Source = await sync_to_async(make_source)(
        "pbx-tls",
        vendor="example",
        layout="",
        connect=f"127.0.0.1:{tls_peer.port}",
        refresh_seconds=60,
        tls=True,
        tls_ca_file=str(trusted),
    )

    async def refused() -> str:
        health = await SourceHealth.objects.filter(source=source).afirst()
        return health.last_error if health and "certificate" in health.last_error else ""

    error = await wait_for(refused, what="the refusal on the health page")
    assert "TLS: the phone system's certificate was not accepted" in error
    assert tls_peer.heard == [] and not runner.workers[source.pk].connected

    shutil.copy(pki.ca_file, trusted)  # the site fixes its CA file: the next attempt takes it
    await wait_for(
        lambda: runner.workers[source.pk].connected, timeout=20, what="the retry to connect"
    )
    await wait_for(lambda: tls_peer.heard, what="the greeting over TLS")
