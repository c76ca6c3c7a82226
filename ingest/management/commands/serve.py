"""manage.py serve: web server and ingest in one process (a small site, no Redis needed)."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ingest.management.commands.demo import run_ingest
from wallboard.dbcheck import ensure_migrated
from wallboard.oneprocess import serve


class Command(BaseCommand):
    help = "Run the web server and ingest together in one process, on one event loop."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--host",
            default="127.0.0.1",
            help="address to listen on; 0.0.0.0 for every address (list the names the screens "
            "use in ALLOWED_HOSTS)",
        )
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_migrated()
        host, port = options["host"], options["port"]

        def ready() -> None:
            self.stdout.write(f"Serving on http://{host}:{port}/ with ingest. Ctrl-C stops.")
            sys.stdout.flush()

        if not serve(host, port, [run_ingest], ready):
            raise CommandError("stopped after an error (logged above)")
