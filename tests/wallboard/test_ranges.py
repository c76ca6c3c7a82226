"""ID ranges as a supervisor types them: `1-99, 200-299, 310`, blank = everything, and a
queue or agent code that is not a number (Optimus) in quotes: `'SALES'`. Anything else is an
error naming the entry, never a word kept as a code that silently matches nothing."""

from __future__ import annotations

import pytest

from wallboard.lib.ranges import IdRange, RangeError, validate_range


def test_it_keeps_numbers_inside_any_of_the_spans_and_drops_the_rest() -> None:
    r = IdRange("1-99, 200-299, 310")
    for inside in ("1", "50", "99", "200", "299", "310"):
        assert inside in r, inside
    for outside in ("0", "100", "199", "300", "309", "311", "1000"):
        assert outside not in r, outside
    assert not r.everything


def test_it_tolerates_spaces_around_numbers_dashes_and_commas() -> None:
    r = IdRange("  1 - 5 ,   7,10-  12  ")
    assert [k for k in ("1", "3", "5", "6", "7", "8", "10", "12", "13") if k in r] == [
        "1",
        "3",
        "5",
        "7",
        "10",
        "12",
    ]
    assert r.text == "1 - 5 ,   7,10-  12"


def test_it_accepts_semicolons_and_new_lines_as_separators() -> None:
    r = IdRange("1-3;7\n9")
    assert [k for k in map(str, range(11)) if k in r] == ["1", "2", "3", "7", "9"]


def test_it_merges_overlapping_spans() -> None:
    r = IdRange("1-10, 5-20")
    assert all(str(n) in r for n in range(1, 21))
    assert "21" not in r
    assert "0" not in r


def test_a_span_inside_a_wider_one_does_not_shorten_it() -> None:
    r = IdRange("1-100, 5-10")
    assert "50" in r
    assert "100" in r
    assert "101" not in r


def test_it_merges_adjacent_spans_without_admitting_what_lies_beyond() -> None:
    r = IdRange("6-10, 1-5, 12")
    assert all(str(n) in r for n in range(1, 11))
    assert "11" not in r
    assert "12" in r


def test_a_single_number_matches_only_itself() -> None:
    r = IdRange("310")
    assert "310" in r
    assert "309" not in r
    assert "311" not in r


def test_a_code_in_quotes_matches_only_that_code_literally() -> None:
    r = IdRange("'SALES', \"SUPPORT_2\", 12, 'EU-WEST'")
    assert "SALES" in r
    assert "SUPPORT_2" in r
    assert "EU-WEST" in r  # a dash inside quotes is part of the code
    assert "12" in r
    assert "sales" not in r  # codes are case-sensitive
    assert "SAL" not in r
    assert "'SALES'" not in r  # the quotes are not part of the code
    assert "BILLING" not in r
    assert "11" not in r


def test_a_range_of_codes_only_does_not_match_numbers() -> None:
    r = IdRange("'SALES'")
    assert not r.everything
    assert "1" not in r


def test_a_number_in_quotes_is_a_code_matched_as_written() -> None:
    r = IdRange("'007'")
    assert "007" in r
    assert "7" not in r


@pytest.mark.parametrize("word", ["all", "ALL", "any", "everything", "*"])
def test_a_word_for_everything_is_refused_saying_to_leave_the_range_blank(word: str) -> None:
    with pytest.raises(RangeError) as exc:
        IdRange(f"1-9, {word}")
    assert f"'{word}'" in str(exc.value)
    assert "blank" in str(exc.value)


@pytest.mark.parametrize("word", ["abc", "SALES", "SUPPORT_2", "x1"])
def test_a_bare_word_is_refused_saying_how_to_write_a_code(word: str) -> None:
    with pytest.raises(RangeError) as exc:
        IdRange(f"{word}, 7")
    message = str(exc.value)
    assert f"'{word}'" in message
    assert "not a number" in message
    assert f'"{word}"' in message  # the way to write it, if it is a code


@pytest.mark.parametrize(
    ("part", "fix"), [("1..5", "1-5"), ("10...20", "10-20"), ("3 .. 4", "3-4")]
)
def test_a_range_with_dots_is_refused_showing_it_with_a_dash(part: str, fix: str) -> None:
    with pytest.raises(RangeError) as exc:
        IdRange(part)
    assert f"'{part}'" in str(exc.value)
    assert fix in str(exc.value)


def test_numbers_without_commas_are_refused_showing_them_with_commas() -> None:
    with pytest.raises(RangeError) as exc:
        IdRange("1-9, 12 14")
    assert "'12 14'" in str(exc.value)
    assert "12, 14" in str(exc.value)


@pytest.mark.parametrize("part", ["''", '""', "'SALES", "SALES'", "'SALES\"", "'SA LES'", "'a,b'"])
def test_a_badly_quoted_code_is_refused_naming_it(part: str) -> None:
    with pytest.raises(RangeError) as exc:
        IdRange(f"7; {part}")
    assert part.split(",")[0] in str(exc.value)


@pytest.mark.parametrize("text", ["", "   ", " , ;\n"])
def test_a_blank_range_keeps_everything(text: str) -> None:
    r = IdRange(text)
    assert r.everything
    for key in ("1", "0", "99999", "SALES", "", "anything at all"):
        assert key in r


def test_the_default_range_is_blank_and_keeps_everything() -> None:
    assert IdRange().everything


def test_an_id_with_leading_zeros_counts_as_its_number() -> None:
    r = IdRange("1-10")
    assert "007" in r
    assert "0010" in r
    assert "011" not in r


def test_an_id_with_surrounding_whitespace_counts_as_its_number() -> None:
    r = IdRange("1-10")
    assert " 7 " in r
    assert "7\t" in r


def test_a_range_entry_with_leading_zeros_is_its_number() -> None:
    r = IdRange("007, 010-012")
    assert "7" in r
    assert "11" in r
    assert "8" not in r


@pytest.mark.parametrize("key", ["", "-7", "7a", "7.0", "1-5", "SALES"])
def test_an_id_that_is_not_a_number_is_outside_a_numeric_range(key: str) -> None:
    assert key not in IdRange("1-10")


def test_asking_twice_gives_the_same_answer() -> None:
    r = IdRange("1-10")
    assert "5" in r
    assert "5" in r
    assert "50" not in r
    assert "50" not in r


def test_two_ranges_from_the_same_text_are_equal() -> None:
    assert IdRange(" 1-5 ") == IdRange("1-5")
    assert hash(IdRange(" 1-5 ")) == hash(IdRange("1-5"))
    assert IdRange("1-5") != IdRange("1-6")
    assert IdRange("1-5") != "1-5"


def test_a_backwards_range_is_refused_with_the_fix_in_the_message() -> None:
    with pytest.raises(RangeError) as exc:
        IdRange("1-9, 99-10")
    assert "'99-10'" in str(exc.value)
    assert "backwards" in str(exc.value)
    assert "10-99" in str(exc.value)


@pytest.mark.parametrize("part", ["1-", "-5", "a-b", "1-b", "1-2-3", "SALES-SUPPORT"])
def test_a_range_without_a_number_on_each_side_is_refused(part: str) -> None:
    with pytest.raises(RangeError) as exc:
        IdRange(f"1-9, {part}")
    assert f"'{part}'" in str(exc.value)
    assert "a number on each side" in str(exc.value)


@pytest.mark.parametrize("part", ["1$", "SA LES", "10/20", "5+", "a'b", "<b>"])
def test_junk_characters_are_refused_naming_the_entry(part: str) -> None:
    with pytest.raises(RangeError) as exc:
        IdRange(f"{part}, 7")
    assert f"'{part}'" in str(exc.value)
    assert "neither a number" in str(exc.value)


def test_a_range_error_is_a_value_error() -> None:
    assert issubclass(RangeError, ValueError)


def test_validate_range_says_nothing_about_a_good_range() -> None:
    assert validate_range("1-99, 200-299, 310") is None
    assert validate_range("") is None
    assert validate_range("'SALES', 12") is None


@pytest.mark.parametrize("text", ["all", "abc", "1..5"])
def test_validate_range_names_a_word_as_the_problem(text: str) -> None:
    problem = validate_range(f"1-9, {text}")
    assert problem is not None and f"'{text}'" in problem


def test_validate_range_returns_the_problem_of_a_bad_range() -> None:
    problem = validate_range("1-99, 20-2")
    assert problem is not None
    assert "'20-2'" in problem
    assert "backwards" in problem


def test_an_id_with_a_superscript_digit_is_simply_outside_the_range() -> None:
    # Latin-1 0xB2 in an agent ID: the ingest hot path must answer, not raise.
    assert "5²" not in IdRange("1-10")
    assert "²" not in IdRange("1-10")
    assert "٣" not in IdRange("1-10")  # other scripts' digits are not IDs either


def test_a_superscript_digit_in_a_range_is_no_number() -> None:
    # '²' passes str.isdigit() but int() refuses it: it must never reach int().
    problem = validate_range("1-9, ²")
    assert problem is not None and "'²'" in problem
    r = IdRange("1-9, '²'")  # as a code, in quotes
    assert "²" in r
    assert "2" in r  # from 1-9
    assert "12" not in r


def test_a_range_with_superscript_digits_on_a_dash_is_refused() -> None:
    with pytest.raises(RangeError, match="a number on each side"):
        IdRange("1-9²")
