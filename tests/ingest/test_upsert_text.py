"""ingest.upsert's row values: the same text and instants as the plain encoders give."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from ingest.store import queue_tuple
from ingest.upsert import epoch_to_db, json_small, json_text
from integrations.base import OVERFLOW, QueueRow

PLAIN = json.JSONEncoder(separators=(",", ":")).encode

VALUES: list[Any] = [
    {},
    [],
    None,
    0,
    1.5,
    "text",
    'Zoë \u2603 "quoted" \\ /',
    {"day": {"offered": 3, "answered": None}, "h1": {"offered": 1}, "offered": 7},
    {"base": [0, 0, 0], "last": [None, 2, 3], "reset_at": 1736150400.25, "day": "2025-01-06"},
    {"not_ready": {"Lunch": 60, "Training": 5}, "nan": float("nan"), "big": 10**30},
    [["a", 1], {"b": True, "c": False}],
    ("tuple", 1),
]


@pytest.mark.parametrize("value", VALUES)
def test_json_text_is_the_plain_encoders_text(value: Any) -> None:
    assert json_text(value) == PLAIN(value)


def test_json_text_refuses_what_json_refuses() -> None:
    with pytest.raises(TypeError):
        json_text({"at": datetime(2025, 1, 6, tzinfo=UTC)})


def test_json_small_is_the_plain_encoders_text() -> None:
    assert json_small({"a": 1}) == PLAIN({"a": 1})
    assert json_small(("s1", "s2")) == PLAIN(["s1", "s2"])


@pytest.mark.django_db
def test_epoch_to_db_gives_the_same_value_for_repeats() -> None:
    when = epoch_to_db()
    first = when(1_736_150_400.5)
    assert when(1_736_150_400.5) == first
    assert when(1_736_150_401.0) != first
    other = epoch_to_db()(1_736_150_400.5)
    assert other == first


def test_queue_tuple_lists_overflowed_figures_and_nulls_them() -> None:
    row = QueueRow(
        kind="skill", number="1", calls_waiting=OVERFLOW, oldest_wait_seconds=OVERFLOW, offered=4
    )
    values = queue_tuple(1, row, {"offered": 4}, {"counters": None}, "at")
    assert values[4:6] == (None, None)
    assert json.loads(values[-6]) == ["calls_waiting", "oldest_wait_seconds"]
    plain = queue_tuple(1, QueueRow(kind="skill", number="2", offered=4), None, {}, "at")
    assert plain[-6] == "[]" and plain[-5] == "{}"
