"""Model fields of the product's own."""

from __future__ import annotations

from typing import Any

from django.db import models


class RowJSONField(models.JSONField):
    """A JSONField of the rows ingest writes in bulk (live and interval rows): the same column,
    without SQLite's per-row `JSON_VALID` check.

    SQLite evaluates a column's CHECK on each INSERT, and an upsert of a stored row evaluates
    it twice (the INSERT tried, then the UPDATE); with two to four JSON columns a row, that was
    a fifth of an agent row's upsert in SQLite itself, 10-15 % of a batch's live rows' write
    through ingest (docs/performance.md, seventh round). What goes in is always encoded by
    Python's json (ingest's bulk writes, the ORM's own get_prep_value), so the check could
    never fail. PostgreSQL stores `jsonb`, which its type checks: nothing changes there.
    """

    def db_check(self, connection: Any) -> str | None:
        return None
