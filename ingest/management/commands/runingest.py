"""manage.py runingest: receive every enabled source's feed until SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from wallboard.dbcheck import ensure_migrated
from wallboard.lib.stopping import stop_on_signals

log = logging.getLogger("ingest")


class Command(BaseCommand):
    help = "Receive the phone systems' real-time feeds (all enabled sources, or --source NAME)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--source",
            action="append",
            dest="sources",
            metavar="NAME",
            help="Run only this source (repeatable). Default: every enabled source.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_migrated()
        for db in settings.DATABASES.values():
            if db["ENGINE"].endswith("postgresql"):
                db.setdefault("OPTIONS", {})["application_name"] = "runingest"
        asyncio.run(run_ingest(options.get("sources") or None))


async def run_ingest(names: list[str] | None) -> None:
    from ingest.runner import run_until

    stop = asyncio.Event()
    stop_on_signals(asyncio.get_running_loop(), stop)
    log.info("ingest starting (sources: %s)", ", ".join(names) if names else "all enabled")
    await run_until(stop, names)
