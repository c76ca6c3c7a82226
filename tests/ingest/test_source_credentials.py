"""Ingest merges a source's stored credentials into its options only to make the decoder: the
phone system gets the password over the link, and no log line nor the health report shows it."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from tests.conftest import wait_for
from tests.ingest.action_peer import ActionPeer, action_peer, example_vendor, live_example_source
from wallboard.models import Source, SourceHealth

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["action_peer", "example_vendor"]

PASSWORD = "s3cret-Link-pw"


async def test_the_decoder_gets_the_credential_and_no_log_shows_it(
    example_vendor: None,
    action_peer: ActionPeer,
    make_source: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from tests.conftest import running_ingest

    caplog.set_level(logging.DEBUG)

    def with_password() -> Source:
        source: Source = make_source(
            "pbx-cti", vendor="example", layout="", connect=f"127.0.0.1:{action_peer.port}"
        )
        source.set_secrets({"password": PASSWORD})
        source.save()
        return source

    source = await sync_to_async(with_password)()
    async with running_ingest() as runner:
        await wait_for(lambda: action_peer.heard, what="ingest to speak first")
        assert action_peer.heard[0] == f"AUTH|{PASSWORD}"
        await wait_for(
            lambda: SourceHealth.objects.filter(source=source, connected=True).aexists(),
            what="the health report",
        )
        worker = runner.workers[source.pk]
        assert PASSWORD not in repr(worker.config)
        assert PASSWORD not in repr(worker.health())
        health = await SourceHealth.objects.aget(source=source)
        assert PASSWORD not in repr(health.__dict__)
    assert caplog.records, "ingest logged nothing: the check below would prove nothing"
    assert PASSWORD not in caplog.text


async def test_a_changed_credential_reconnects_with_the_new_one(
    example_vendor: None, action_peer: ActionPeer, make_source: Any, runner: Any
) -> None:
    source = await live_example_source(make_source, runner, action_peer)

    def change() -> None:
        stored = Source.objects.get(pk=source.pk)
        stored.set_secrets({"password": "rotated"})
        stored.save()

    await sync_to_async(change)()
    await wait_for(lambda: "AUTH|rotated" in action_peer.heard, what="a link with the new one")
