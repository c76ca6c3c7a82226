from wallboard.lib.privacy import mask_number


def test_it_keeps_only_the_last_digits_and_the_length() -> None:
    assert mask_number("01632960123", 4) == "•••••••0123"


def test_it_keeps_signs_and_spaces_where_they_stand() -> None:
    assert mask_number("+44 1632 960123", 3) == "+•• •••• •••123"


def test_minus_one_shows_the_number_whole_and_zero_hides_every_digit() -> None:
    assert mask_number("0123", -1) == "0123"
    assert mask_number("0123", 0) == "••••"


def test_a_number_shorter_than_the_visible_digits_is_shown_as_is() -> None:
    assert mask_number("42", 4) == "42"
    assert mask_number("", 4) == ""
