"""agent_tv report rows to neutral agent rows: column map, state map, one row per split."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from integrations.avaya_cms import make_decoder
from integrations.base import OVERFLOW, AgentRow

pytestmark = pytest.mark.usefixtures("agent_lookup")  # with the C speed-up and without

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "avaya_cms"
EXAMPLE = (FIXTURES / "agent_tv_example.txt").read_bytes()
WORK_MODES = (FIXTURES / "agent_tv_work_modes.txt").read_bytes()


def decode(
    data: bytes, options: dict[str, Any] | None = None
) -> tuple[dict[str, AgentRow], list[str]]:
    decoder = make_decoder("agent_tv", options or {})
    batches = decoder.feed(data)
    assert len(batches) == 1 and batches[0].snapshot
    return {a.agent_id: a for a in batches[0].agents}, [e.reason for e in decoder.errors]


def agents(data: bytes, options: dict[str, Any] | None = None) -> dict[str, AgentRow]:
    found, errors = decode(data, options)
    assert errors == []
    return found


def test_it_maps_every_default_column_of_an_agent_row() -> None:
    assert agents(EXAMPLE)["10001"] == AgentRow(
        agent_id="10001",
        state="available",
        vendor_state="AVAIL",
        name="Ann Adams",
        extension="40001",
        reason_code="",
        state_seconds=12,
        skills=("1",),
        extra={"direction": None},
    )


def test_it_lists_a_multi_split_agent_once_with_every_split_in_order() -> None:
    found = agents(EXAMPLE)
    assert list(found) == [f"1000{n}" for n in range(1, 9)]  # order of first appearance
    assert found["10002"].skills == ("1", "2")
    assert found["10003"].skills == ("1", "3")
    assert found["10003"].reason_code == "7"
    assert found["10002"].extra == {"direction": "IN"}


def test_it_counts_every_wire_row_of_a_merged_agent_as_a_record() -> None:
    decoder = make_decoder("agent_tv", {})
    (batch,) = decoder.feed(EXAMPLE)
    assert batch.records == 10
    assert len(batch.agents) == 8


def test_the_first_rows_state_wins_for_a_multi_split_agent() -> None:
    data = b"F1|7|A|1|AUX||1|3|:05\nF1|7|A|1|AVAIL||2||:07\nF3|END_OF_RECORDS\n"
    agent = agents(data)["7"]
    assert (agent.state, agent.reason_code, agent.state_seconds) == ("not_ready", "3", 5)
    assert agent.skills == ("1", "2")


def test_it_does_not_repeat_a_split_listed_twice() -> None:
    data = b"F1|7|A|1|AUX||1||:05\nF1|7|A|1|AUX||001||:05\nF3|END_OF_RECORDS\n"
    assert agents(data)["7"].skills == ("1",)


@pytest.mark.parametrize(
    ("agent", "state", "seconds"),
    [
        ("10002", "on_call", 138),
        ("10003", "not_ready", 725),
        ("10004", "wrap_up", 40),
        ("10005", "ringing", 3),
        ("10006", "other", 0),
        ("10007", "on_call", 3723),
        ("10008", "unknown", None),
    ],
)
def test_it_maps_cms_state_words_and_time_in_state(
    agent: str, state: str, seconds: int | None
) -> None:
    found = agents(EXAMPLE)[agent]
    assert (found.state, found.state_seconds) == (state, seconds)


@pytest.mark.parametrize(
    ("agent", "code", "state"),
    [
        ("10001", "20", "available"),
        ("10002", "30", "on_call"),
        ("10003", "50", "not_ready"),
        ("10004", "40", "wrap_up"),
        ("10005", "80", "ringing"),
        ("10006", "10", "logged_out"),
        ("10007", "61", "on_call"),
        ("10008", "72", "wrap_up"),
        ("10009", "31", "on_call"),
    ],
)
def test_it_maps_numeric_work_modes(agent: str, code: str, state: str) -> None:
    found = agents(WORK_MODES)[agent]
    assert (found.vendor_state, found.state) == (code, state)


def test_it_maps_state_words_case_insensitively() -> None:
    assert agents(b"F1|7|A|1| avail ||1||:05\nF3\n")["7"].state == "available"


def test_an_unmapped_state_word_is_unknown_but_kept_and_not_an_error() -> None:
    agent = agents(b"F1|7|A|1|BREAK||1||:05\nF3|END_OF_RECORDS\n")["7"]
    assert (agent.state, agent.vendor_state) == ("unknown", "BREAK")


def test_a_site_can_rename_state_words_through_options() -> None:
    options = {"state_map": {"Bereit": "available", "PAUSE": "not_ready", "ACD": "other"}}
    data = b"F1|7|A|1|BEREIT||1||:05\nF1|8|B|2|Pause||1|4|:05\nF1|9|C|3|ACD||1||:05\nF3\n"
    found = agents(data, options)
    assert [found[a].state for a in "789"] == ["available", "not_ready", "other"]
    # the rest of the default map still applies
    assert agents(b"F1|7|A|1|ACW||1||:05\nF3\n", options)["7"].state == "wrap_up"


def test_a_site_can_map_its_own_column_list_and_keep_unknown_columns_in_extra() -> None:
    options = {"columns": ["SPLIT", "LOGID", "STATE", "TIME_IN_STATE", "Skill_Level", "AUXREASON"]}
    data = b"F1| 5|10001|AUX  | 3:00|  1|  4\nF1| 6|10001|AUX  | 3:00|  2|  4\nF3\n"
    agent = agents(data, options)["10001"]
    assert agent == AgentRow(
        agent_id="10001",
        state="not_ready",
        vendor_state="AUX",
        reason_code="4",
        state_seconds=180,
        skills=("5", "6"),
        extra={"skill_level": "1"},
    )


def test_a_column_list_without_name_or_split_leaves_them_blank() -> None:
    agent = agents(b"F1|10001|ACD\nF3\n", {"columns": ["LOGID", "STATE"]})["10001"]
    assert (agent.name, agent.extension, agent.skills, agent.state_seconds) == ("", "", (), None)


def test_it_reads_unpadded_rows_with_a_trailing_bar_and_crlf() -> None:
    padded = agents(EXAMPLE)
    unpadded = b"".join(
        b"|".join(f.strip() for f in line.split(b"|")) + b"|\r\n"
        for line in EXAMPLE.splitlines()
        if line.startswith(b"F1")
    )
    assert agents(unpadded + b"F3|END_OF_RECORDS\r\n") == padded


def test_it_keeps_a_bar_typed_inside_a_name() -> None:
    agent = agents(b"F1|7|Smith | Jones|4001|AVAIL||1||:05\nF3\n")["7"]
    assert (agent.name, agent.extension, agent.skills) == ("Smith | Jones", "4001", ("1",))


def test_an_overflowed_time_in_state_is_null_with_overflow_in_extra() -> None:
    agent = agents(b"F1|7|A|1|AUX||1|2|********\nF3\n")["7"]
    assert agent.state_seconds is None
    assert agent.extra["time_in_state"] == OVERFLOW


def test_rows_with_the_same_direction_share_one_extra_and_an_overflow_has_its_own() -> None:
    found = agents(
        b"F1|7|A|1|ACD|IN|1||:05\n"  # (the first row with a time is read by the Python path,
        b"F1|8|B|2|ACD|IN|1||:05\n"  # the next with that time by the C speed-up, if built)
        b"F1|9|C|3|AVAIL||1||:07\n"
        b"F1|10|D|4|AVAIL||1||:07\n"
        b"F1|11|E|5|ACD|IN|1||********\n"
        b"F3\n"
    )
    assert found["7"].extra is found["8"].extra  # 30,000 rows hold a few dicts, not 30,000
    assert found["9"].extra is found["10"].extra == {"direction": None}
    assert found["11"].extra == {"direction": "IN", "time_in_state": OVERFLOW}
    assert found["7"].extra == {"direction": "IN"}  # the shared one is never written to


def test_bad_rows_are_counted_and_skipped_while_the_rest_of_the_batch_survives() -> None:
    lines = EXAMPLE.split(b"\n")
    bad = [
        b"F1| 10009|Ines Ito|40009|AVAIL",  # too few fields
        b"F1|      |Nobody|40010|AVAIL|   |  1|  |  :10",  # no LOGID
        b"F1| 10011|Jon Jones|40011|AVAIL|   |  1|  |  1:xx",  # garbled time
    ]
    found, errors = decode(b"\n".join([lines[0], *bad, *lines[1:]]))
    assert len(errors) == 3
    assert found == agents(EXAMPLE)


def test_a_later_row_of_an_agent_whose_first_row_was_bad_still_counts() -> None:
    data = b"F1|7|A|1|AUX||1||9:9\nF1|7|A|1|AUX||2||:09\nF3\n"
    found, errors = decode(data)
    assert len(errors) == 1
    assert found["7"].skills == ("2",) and found["7"].state_seconds == 9
