"""Stat.CallsStat's EndType codes (101-109, the guide's table) become the call's end: who
released it and its outcome, as the call ledger records them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from ingest.calls import CallLedger
from integrations.optimus_db.records import Clock, call_events

T0 = datetime(2026, 12, 7, 9, 0, 0)


def at(seconds: int) -> datetime:
    return T0.replace(second=seconds)


def ledger_end(row: dict[str, Any]) -> tuple[str, str, str, str]:
    booked: list[tuple[Any, float, dict[str, float]]] = []
    ledger = CallLedger(lambda q, t, f: booked.append((q, t, f)), lambda q: 20.0)
    events = [e for _, e in call_events({"CallID": 5, "CallType": 1, **row}, Clock("UTC"))]
    (call,) = ledger.apply(events)
    return call.state, call.outcome, call.released_by, call.cause


QUEUED = {"OfferedTS": at(0), "FirstQueuedTS": at(1), "InitialQueue": 10}
ANSWERED = {**QUEUED, "AnsweredTS": at(5), "Agent": 7, "AgentExtension": 207}


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({**ANSWERED, "EndedTS": at(30), "EndType": 101}, ("ended", "answered", "", "101")),
        ({**QUEUED, "AbandonedTS": at(9), "EndType": 102}, ("ended", "abandoned", "caller", "102")),
        ({**QUEUED, "AbandonedTS": at(9), "EndType": 103}, ("ended", "abandoned", "caller", "103")),
        (
            {**QUEUED, "Transferred2ExtTS": at(40), "TransferDestination": "0399", "EndType": 104},
            ("ended", "failed", "system", "104"),
        ),
        (
            {"OfferedTS": at(0), "CallType": 2, "Agent": 7, "EndType": 107},
            ("ended", "failed", "agent", "107"),
        ),
        ({**QUEUED, "EndedTS": at(20), "EndType": 108}, ("ended", "failed", "system", "108")),
        ({"OfferedTS": at(0), "EndType": 109}, ("ended", "failed", "agent", "109")),
        (QUEUED, ("queued", "", "", "")),
        (ANSWERED, ("active", "", "", "")),
    ],
    ids=["101", "102", "103", "104", "107", "108", "109", "open-queued", "open-answered"],
)
def test_each_end_type_gives_its_outcome_and_who_released(
    row: dict[str, Any], expected: tuple[str, str, str, str]
) -> None:
    assert ledger_end(row) == expected


def test_a_call_transferred_to_an_external_number_names_it() -> None:
    row = {**QUEUED, "Transferred2ExtTS": at(40), "TransferDestination": "0399", "EndType": 104}
    steps = dict(call_events({"CallID": 5, "CallType": 1, **row}, Clock("UTC")))
    assert steps["transferred"].target == "0399"
    assert steps["ended"].extra == {"end_type": 104, "end_type_text": "transferred to external"}


def test_an_end_without_its_own_time_is_not_placed_before_what_the_call_did() -> None:
    row = {**ANSWERED, "EndType": 101}  # EndedTS missing
    steps = dict(call_events({"CallID": 5, "CallType": 1, **row}, Clock("UTC")))
    assert steps["ended"].at == steps["answered"].at


def test_internal_agents_are_not_named_on_calls_unless_asked_for() -> None:
    row = {"CallID": 5, "CallType": 1, **ANSWERED, "Agent": 0}
    assert dict(call_events(row, Clock("UTC")))["answered"].agent_id == ""
    assert dict(call_events(row, Clock("UTC"), include_internal=True))["answered"].agent_id == "0"
