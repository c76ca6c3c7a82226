"""manage.py importconfig FILE: read configuration JSON (idempotent; all or nothing)."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from wallboard.alertsio import without_credentials
from wallboard.configio import ConfigError, import_config
from wallboard.dbcheck import ensure_migrated


class Command(BaseCommand):
    help = "Create or update sources, targets, boards and tiles from JSON ('-' reads stdin)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_migrated()
        try:
            if options["file"] == "-":
                data = json.load(sys.stdin)
            else:
                with open(options["file"], encoding="utf-8") as f:
                    data = json.load(f)
        except (OSError, json.JSONDecodeError) as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc}") from exc
        try:
            counts = import_config(data)
        except ConfigError as exc:
            raise CommandError(f"Nothing imported: {exc}") from exc
        self.stdout.write(
            f"Imported {counts['sources']} sources, {counts['boards']} boards, "
            f"{counts['rotations']} rotations."
        )
        if "alert_channels" in counts or "alert_rules" in counts:
            self.stdout.write(
                f"Imported {counts.get('alert_channels', 0)} alert channels, "
                f"{counts.get('alert_rules', 0)} alert rules."
            )
        if "recorders" in counts:
            self.stdout.write(f"Imported {counts['recorders']} recorders.")
        if counts.get("recorders_without_token"):  # tokens are never imported
            self.stdout.write(
                f"{counts['recorders_without_token']} new recorder(s) have no token: type it in "
                "the admin (Recorders) if the recorder asks for one."
            )
        waiting = without_credentials()
        if waiting:  # credentials are never imported: say which channels cannot send yet
            self.stdout.write(
                "Switched off until their secret or URL is typed in the admin (Alert channels): "
                + ", ".join(waiting)
            )
