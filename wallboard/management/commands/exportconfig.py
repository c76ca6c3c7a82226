"""manage.py exportconfig [FILE]: sources, ranges, targets, boards and tiles as JSON."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from wallboard.configio import export_config
from wallboard.dbcheck import ensure_migrated


class Command(BaseCommand):
    help = "Write the configuration (sources, pass-through targets, boards, tiles) as JSON."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", nargs="?", help="output file (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_migrated()
        text = json.dumps(export_config(), indent=2) + "\n"
        if options.get("file"):
            with open(options["file"], "w", encoding="utf-8") as f:
                f.write(text)
            self.stderr.write(f"Wrote {options['file']}")
        else:
            self.stdout.write(text, ending="")
