"""manage.py purgecalls: delete ended calls past the retention period (runingest also does it
every hour); see ingest.retention."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ingest import retention
from wallboard.dbcheck import ensure_migrated


class Command(BaseCommand):
    help = (
        "Delete ended calls (and their segments) that ended more than CALL_RETENTION_DAYS "
        "(or --days) ago, in small batches. Open calls are never deleted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            help="Keep calls that ended within this many days (default: CALL_RETENTION_DAYS).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only count what would be deleted.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_migrated()
        days = options.get("days")
        if days is not None and days < 1:
            raise CommandError(f"--days must be at least 1, not {days}")
        if options.get("dry_run"):
            found = retention.count_expired(days)
            self.stdout.write(
                f"Would purge {found.calls} ended calls and {found.segments} segments "
                f"(ended before {found.before.isoformat(timespec='seconds')})."
            )
            return
        purged = retention.purge_calls(days)
        retention.purge_screen_pops(purged.before)
        retention.report(purged)
        self.stdout.write(
            f"Purged {purged.calls} ended calls and {purged.segments} segments "
            f"(ended before {purged.before.isoformat(timespec='seconds')})."
        )
