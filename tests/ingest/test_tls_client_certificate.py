"""A phone system that asks for a client certificate gets the source's (certificate and key
files of the site's CA), over a real TLS server on loopback that requires one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.ingest.action_peer import ActionPeer, example_vendor, live_example_source
from tests.ingest.throwaway_ca import Pki, make_pki

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["example_vendor"]


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return make_pki(tmp_path / "site")


@pytest.fixture
async def strict_peer(pki: Pki) -> AsyncIterator[ActionPeer]:
    peer = ActionPeer(context=pki.server_context(client_certificates=True))
    await peer.start()
    yield peer
    await peer.stop()


async def test_the_source_presents_its_client_certificate(
    example_vendor: None, pki: Pki, strict_peer: ActionPeer, make_source: Any, runner: Any
) -> None:
    await live_example_source(
        make_source,
        runner,
        strict_peer,
        tls=True,
        tls_ca_file=str(pki.ca_file),
        tls_cert_file=str(pki.client_cert_file),
        tls_key_file=str(pki.client_key_file),
    )
    peer_cert = strict_peer.writers[0].get_extra_info("peercert")
    assert dict(field[0] for field in peer_cert["subject"])["commonName"] == "wallboard ingest"
