import pytest

from integrations.base import OVERFLOW, UNKNOWN
from integrations.optimus.records import count, duration, parse_agent, parse_queue


def fields(line: str) -> list[str]:
    return line.split("|")


def test_it_reads_a_queue_record_into_a_queue_row() -> None:
    row = parse_queue(fields("3|100|Myynti|12|0:45|3|152|140|4|9|1|"))
    assert row.kind == "queue"
    assert row.number == "100"
    assert row.name == "Myynti"
    assert row.calls_waiting == 3
    assert row.oldest_wait_seconds == 45
    assert (row.offered, row.answered, row.abandoned) == (152, 140, 9)
    assert row.counters == "day"
    assert row.extra == {"avg_wait_seconds": 12, "returned": 4, "transferred_to_default": 1}
    assert row.agents_staffed is None and row.asa_seconds is None


def test_it_reads_an_agent_record_with_an_unknown_state() -> None:
    row = parse_agent(fields("4|5002|44|1|43|2|7|0|3|1:02:03"))
    assert row.agent_id == "5002"
    assert row.state == UNKNOWN
    assert row.vendor_state == ""
    assert row.extra == {
        "offered": 44,
        "returned": 1,
        "answered": 43,
        "direct_incoming": 2,
        "external_outgoing": 7,
        "internal_outgoing": 0,
        "calls_waiting": 3,
        "not_ready_seconds": 3723,
    }


def test_it_accepts_a_queue_record_without_its_trailing_pipe() -> None:
    row = parse_queue(fields("3|100|Myynti|12|0:45|3|152|140|4|9|1"))
    assert row.extra["transferred_to_default"] == 1


def test_it_accepts_an_agent_record_with_a_trailing_pipe() -> None:
    row = parse_agent(fields("4|5000|31|2|29|4|3|1|3|1468|"))
    assert row.extra["not_ready_seconds"] == 1468


@pytest.mark.parametrize(
    "line",
    [
        "3|100|Myynti|12|0:45|3|152|140|4|9|1|7",  # a value after the trailing pipe
        "3|100|Myynti|12|0:45|3|152|140|4|9",  # cut short
        "4|5000|31|2|29|4|3|1|3|1468|9",
        "4|5000|31|2|29|4|3|1|3",
    ],
)
def test_it_rejects_a_record_with_the_wrong_number_of_fields(line: str) -> None:
    parse = parse_queue if line.startswith("3") else parse_agent
    with pytest.raises(ValueError, match="fields"):
        parse(fields(line))


def test_it_rejects_a_queue_record_without_a_code() -> None:
    with pytest.raises(ValueError, match="code"):
        parse_queue(fields("3| |Myynti|12|0:45|3|152|140|4|9|1|"))


def test_it_rejects_an_agent_record_with_a_word_for_a_count() -> None:
    with pytest.raises(ValueError, match="count"):
        parse_agent(fields("4|5000|many|2|29|4|3|1|3|1468"))


def test_it_keeps_a_blank_average_wait_as_null() -> None:
    row = parse_queue(fields("3|101|Asiakaspalvelu||||0|0|0|0|0|"))
    assert row.extra["avg_wait_seconds"] is None
    assert row.oldest_wait_seconds is None
    assert row.calls_waiting is None
    assert row.offered == 0


def test_it_keeps_asterisks_as_overflow() -> None:
    row = parse_queue(fields("3|102|Tekninen tuki|***|*****|*****|310|281|11|25|4|"))
    assert row.calls_waiting == OVERFLOW
    assert row.oldest_wait_seconds == OVERFLOW
    assert row.extra["avg_wait_seconds"] == OVERFLOW


@pytest.mark.parametrize(
    ("wire", "seconds"),
    [
        ("75", 75),
        ("0", 0),
        ("1:15", 75),  # m:ss
        ("01:15", 75),  # mm:ss
        ("12:05", 725),
        ("125:00", 7500),  # a wait past 99 minutes still reads as minutes
        ("1:02:03", 3723),  # h:mm:ss
        ("10:00:00", 36000),
        (" 1:15 ", 75),
        ("2.5", 3),  # decimal seconds round half up
        ("2.49", 2),
        (".7", 1),
    ],
)
def test_it_reads_a_duration_in_any_of_the_guides_formats(wire: str, seconds: int) -> None:
    assert duration(wire) == seconds


@pytest.mark.parametrize(
    "wire", ["1:5", "1:60", "1:2:3:4", ":30", "1:xx", "-5", "5s", "1.5.2", "1.", "1:-5"]
)
def test_it_rejects_a_duration_it_cannot_read(wire: str) -> None:
    with pytest.raises(ValueError):
        duration(wire)


@pytest.mark.parametrize("wire", ["", " ", "\t"])
def test_it_keeps_a_blank_figure_as_null(wire: str) -> None:
    assert count(wire) is None
    assert duration(wire) is None


@pytest.mark.parametrize("wire", ["*", "*****", " ** "])
def test_it_reads_any_run_of_asterisks_as_overflow(wire: str) -> None:
    assert count(wire) == OVERFLOW
    assert duration(wire) == OVERFLOW


def test_it_treats_a_number_too_wide_to_store_as_overflow() -> None:
    assert count("999999999") == 999_999_999
    assert count("1000000000") == OVERFLOW
    assert duration("300000000:00") == OVERFLOW


def test_it_reads_a_count_with_leading_zeros_or_padding() -> None:
    assert count("0007") == 7
    assert count(" 12 ") == 12


def test_it_rejects_a_duration_style_value_as_a_count() -> None:
    with pytest.raises(ValueError):
        count("1:15")
