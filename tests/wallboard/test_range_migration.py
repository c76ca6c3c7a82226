"""Ranges saved before codes had to be written in quotes: the migration puts each saved bare
code in quotes, so a range matches what it matched before and passes today's checks."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from wallboard.lib.ranges import IdRange, validate_range

MIGRATION = "0005_ranges_quoted_codes_threshold_rule"
BEFORE = ("wallboard", "0004_interval_accounting")
AFTER = ("wallboard", MIGRATION)
migration = importlib.import_module(f"wallboard.migrations.{MIGRATION}")


@pytest.mark.parametrize(
    ("saved", "now", "codes"),
    [
        ("", "", []),
        ("1-99, 200-299, 310", "1-99, 200-299, 310", []),
        ("SALES", "'SALES'", ["SALES"]),
        ("SALES, 100-199;SUPPORT_2\n7", "'SALES', 100-199;'SUPPORT_2'\n7", ["SALES", "SUPPORT_2"]),
        ("all", "'all'", ["all"]),
        ("1..5", "'1..5'", ["1..5"]),
        ("  x1 ,  2", "  'x1' ,  2", ["x1"]),
        ("9-1", "9-1", []),  # refused before as now: left for the checks to name
    ],
)
def test_bare_codes_are_put_in_quotes_and_nothing_else_changes(
    saved: str, now: str, codes: list[str]
) -> None:
    assert migration.quote_codes(saved) == (now, codes)
    assert migration.unquote_codes(now) == saved
    if saved != "9-1":
        assert validate_range(now) is None
        assert all(code in IdRange(now) for code in codes)  # matched literally, as before


@pytest.mark.django_db(transaction=True)
def test_the_migration_rewrites_saved_sources_and_tiles(capsys: Any) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    try:
        old = executor.loader.project_state([BEFORE]).apps
        source = old.get_model("wallboard", "Source").objects.create(
            name="optimus-1",
            vendor="optimus",
            connect="10.0.0.8:5501",
            queue_range="SALES, 100-199",
            agent_range="all",
        )
        board = old.get_model("wallboard", "Board").objects.create(title="B", slug="b")
        tile = old.get_model("wallboard", "Tile").objects.create(
            board=board, kind="queue_kpi", title="Sales", queue_range="1..5", agent_range="5-9"
        )
        executor = MigrationExecutor(connection)
        executor.migrate([AFTER])
        new = executor.loader.project_state([AFTER]).apps
        saved = new.get_model("wallboard", "Source").objects.get(pk=source.pk)
        assert (saved.queue_range, saved.agent_range) == ("'SALES', 100-199", "'all'")
        shown = new.get_model("wallboard", "Tile").objects.get(pk=tile.pk)
        assert (shown.queue_range, shown.agent_range) == ("'1..5'", "5-9")
        said = capsys.readouterr().out
        assert "optimus-1 agent_range: all kept as codes" in said
        assert "leave the range blank for everything" in said
        executor = MigrationExecutor(connection)
        executor.migrate([BEFORE])  # and back, as the old parser took them
        back = executor.loader.project_state([BEFORE]).apps
        saved = back.get_model("wallboard", "Source").objects.get(pk=source.pk)
        assert (saved.queue_range, saved.agent_range) == ("SALES, 100-199", "all")
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
