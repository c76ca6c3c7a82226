"""wallboard.jsontext: the same text json.dumps gives (compact), for rows, tile values and the
board states written every batch."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wallboard.jsontext import CompactEncoder, compact

PLAIN: Any = lambda value: json.dumps(value, separators=(",", ":"))  # noqa: E731

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


@given(values)
def test_compact_text_is_what_json_dumps_gives(value: Any) -> None:
    assert compact(value) == PLAIN(value)


@given(values)
def test_a_field_with_the_compact_encoder_stores_that_text(value: Any) -> None:
    assert json.dumps(value, cls=CompactEncoder) == PLAIN(value)


def test_asked_for_indented_sorted_or_unicode_text_the_encoder_gives_it() -> None:
    value = {"b": ["Zoë"], "a": 1}
    for options in ({"indent": 2}, {"sort_keys": True}, {"ensure_ascii": False}):
        assert json.dumps(value, cls=CompactEncoder, **options) == json.dumps(value, **options)


def test_what_json_cannot_encode_is_refused_as_json_refuses_it() -> None:
    with pytest.raises(TypeError):
        compact({"at": object()})


@pytest.mark.django_db
def test_a_board_state_is_stored_compact_and_reads_back_the_same() -> None:
    from django.db import connection

    from wallboard.models import Board, BoardState

    board = Board.objects.create(title="Floor", slug="floor")
    tiles = {"values": {"1": {"agents": [{"id": "10001", "since": 1796624976155}]}}, "alarms": {}}
    BoardState.objects.create(board=board, seq=3, tiles=tiles)
    assert BoardState.objects.get(board=board).tiles == tiles
    with connection.cursor() as cursor:
        cursor.execute("SELECT tiles FROM wallboard_boardstate WHERE board_id = %s", [board.pk])
        stored = cursor.fetchone()[0]
    if connection.vendor == "sqlite":  # (PostgreSQL's jsonb keeps no text of its own)
        assert stored == PLAIN(tiles)
