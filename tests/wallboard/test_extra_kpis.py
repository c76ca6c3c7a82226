"""A feed's other figures as KPIs where the vendor sends them: Avaya's expected wait times,
Optimus's returned and overflowed calls, and Optimus's average wait before answer as ASA."""

from __future__ import annotations

from ingest.intervals import queue_counters
from integrations.base import OVERFLOW, QueueRow
from wallboard.engine.kpis import EXTRA_KPIS, KPIS
from wallboard.engine.maths import kpi_value


def avaya(number: str, high: object, low: object = 5) -> QueueRow:
    return QueueRow(
        "skill", number, extra={"ewt_high_seconds": high, "ewt_medium_seconds": 9,
                                "ewt_low_seconds": low},
    )  # fmt: skip


def optimus(number: str, answered: int, wait: object, returned: int = 1) -> QueueRow:
    return QueueRow(
        "queue", number, answered=answered, counters="day",
        extra={"avg_wait_seconds": wait, "returned": returned, "transferred_to_default": 2},
    )  # fmt: skip


def test_every_extra_kpi_is_in_the_catalogue() -> None:
    assert set(EXTRA_KPIS) <= set(KPIS)


def test_expected_wait_times_one_queue_and_the_longest_of_several() -> None:
    assert kpi_value("ewt_high_seconds", [avaya("1", 30)], [], {}) == (30, False)
    assert kpi_value("ewt_high_seconds", [avaya("1", 30), avaya("2", 45)], [], {}) == (45, True)
    assert kpi_value("ewt_high_seconds", [avaya("1", OVERFLOW), avaya("2", 45)], [], {})[0] == (
        OVERFLOW
    )
    assert kpi_value("ewt_low_seconds", [avaya("1", 30, None)], [], {}) == (None, False)
    assert kpi_value("ewt_high_seconds", [optimus("A", 1, 3)], [], {}) == (None, False)  # none


def test_returned_and_overflowed_calls_are_summed() -> None:
    queues = [optimus("A", 10, 12, returned=3), optimus("B", 30, 20, returned=4)]
    assert kpi_value("returned", queues, [], {}) == (7, True)
    assert kpi_value("transferred_to_default", queues[:1], [], {}) == (2, False)
    assert kpi_value("returned", [avaya("1", 30)], [], {}) == (None, False)


def test_optimus_average_wait_shows_as_asa_and_books_answer_waits() -> None:
    assert kpi_value("asa_seconds", [optimus("A", 10, 12)], [], {}) == (12, False)
    both = [optimus("A", 10, 12), optimus("B", 30, 20)]
    assert kpi_value("asa_seconds", both, [], {}) == (18, True)  # weighted by answered
    assert queue_counters(optimus("A", 10, 12))[4] == 120  # sum of answer waits: ASA today
    assert kpi_value("asa_seconds", [QueueRow("skill", "1", asa_seconds=7)], [], {}) == (7, False)
