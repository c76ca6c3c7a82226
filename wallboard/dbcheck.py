"""Commands that need the schema say so clearly instead of failing on a missing table."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor


def ensure_migrated(alias: str = DEFAULT_DB_ALIAS) -> None:
    connection = connections[alias]
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        raise CommandError(f"Cannot reach the database ({exc}). Check DATABASE_URL.") from exc
    if plan:
        raise CommandError(
            f"The database is missing {len(plan)} migration(s). Run: ./dev migrate "
            "(or manage.py migrate) first."
        )
