"""Numbers are written as the data contract says a briefing writes them."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from dashboard.numbers import (
    UNKNOWN,
    brief_number,
    brief_percent,
    brief_score,
    format_count,
    format_date,
    format_hours,
    format_month,
    format_percent,
    format_score,
    inventory_number,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "0"),
        (82, "82"),
        (99, "99"),
        (100, "100"),
        (109, "100余"),
        (110, "110"),
        (318, "310余"),
        (999, "990余"),
        (1000, "1000"),
        (3121, "3100余"),
        (9999, "9900余"),
        (10000, "1万"),
        (10999, "1万余"),
        (11000, "1.1万"),
        (56234, "5.6万余"),
        (90000, "9万"),
        (99999, "9.9万余"),
        (100000, "10万"),
        (250123, "25万余"),
        (99999999, "9999.9万余"),
        (100000000, "1亿"),
        (123456789, "1.2亿余"),
        (1_230_000_000, "12.3亿"),
    ],
)
def test_brief_number_rounds_down_and_says_so(value, expected):
    assert brief_number(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (37.56, "37.5"),
        (37.0, "37"),
        (37.04, "37"),
        (0.5, "0.5"),
        (99.96, "99.9"),
        (Decimal("37.56"), "37.5"),
    ],
)
def test_brief_number_keeps_one_decimal_under_100_without_yu(value, expected):
    assert brief_number(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (310.0, "310"),
        (310.5, "310余"),
        (318.9, "310余"),
        (100.01, "100余"),
        (10000.5, "1万余"),
    ],
)
def test_brief_number_floors_a_non_integer_from_100_and_counts_the_fraction_as_dropped(
    value, expected
):
    assert brief_number(value) == expected


def test_numbers_are_floored_as_written_not_as_binary_floats():
    # The float 37.3 is 37.29999…, which a binary floor would write 37.2;
    # 0.29 * 100 is 28.999999999999996 in floats, which would be written 28.9%.
    assert brief_number(37.3) == "37.3"
    assert brief_percent(0.29) == "29%"
    assert format_percent(0.29) == "29.0%"


@pytest.mark.parametrize("value", [-1, -0.5, Decimal("-100")])
def test_brief_number_refuses_a_negative_flow(value):
    with pytest.raises(ValueError):
        brief_number(value)


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_brief_number_refuses_a_non_finite_value(value):
    with pytest.raises(ValueError):
        brief_number(value)


@pytest.mark.parametrize(
    ("fraction", "expected"),
    [
        (0.8756, "87.5%"),
        (0.9996, "99.9%"),
        (0.99999, "99.9%"),
        (1, "100%"),
        (1.0, "100%"),
        (0.5, "50%"),
        (0, "0%"),
        (0.0004, "0%"),
        (1.2345, "123.4%"),
        (-0.0506, "-5%"),
    ],
)
def test_brief_percent_keeps_one_decimal_rounded_down(fraction, expected):
    assert brief_percent(fraction) == expected


@pytest.mark.parametrize(
    ("mean", "expected"),
    [(4.62, "4.62分"), (4.625, "4.62分"), (4.629, "4.62分"), (5, "5.00分"), (3.1, "3.10分")],
)
def test_brief_score_keeps_two_decimals_rounded_down(mean, expected):
    assert brief_score(mean) == expected


@pytest.mark.parametrize(("n", "expected"), [(0, "0"), (221, "221"), (12345, "12345")])
def test_inventory_number_is_exact(n, expected):
    assert inventory_number(n) == expected


@pytest.mark.parametrize("n", [-1, 2.5])
def test_inventory_number_refuses_a_part_or_negative_count(n):
    with pytest.raises(ValueError):
        inventory_number(n)


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "0"),
        (82, "82"),
        (12345, "12,345"),
        (99999, "99,999"),
        (100000, "10.0万"),
        (123456, "12.3万"),
        (99999999, "9999.9万"),
        (100000000, "1.0亿"),
        (123456789, "1.2亿"),
        (-1234, "-1,234"),
    ],
)
def test_format_count_writes_thousands_then_wan(n, expected):
    assert format_count(n) == expected


@pytest.mark.parametrize(
    ("hours", "expected"),
    [(37.56, "37.5"), (120, "120.0"), (1234.56, "1,234.5"), (123456.7, "12.3万")],
)
def test_format_hours_keeps_one_decimal_rounded_down(hours, expected):
    assert format_hours(hours) == expected


@pytest.mark.parametrize(
    ("fraction", "expected"),
    [(0.8756, "87.5%"), (0.9996, "99.9%"), (1, "100.0%"), (0.5, "50.0%"), (-0.0004, "0.0%")],
)
def test_format_percent_always_shows_one_decimal(fraction, expected):
    assert format_percent(fraction) == expected


@pytest.mark.parametrize(("mean", "expected"), [(4.62, "4.62"), (4.625, "4.62"), (5, "5.00")])
def test_format_score_keeps_two_decimals(mean, expected):
    assert format_score(mean) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2025, 3, 5), "2025年3月"),
        (datetime(2025, 12, 31, 14, 30), "2025年12月"),
        ("2025-03", "2025年3月"),
        ("2025-03-05", "2025年3月"),
    ],
)
def test_format_month_writes_year_and_month_in_chinese(value, expected):
    assert format_month(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2025, 3, 5), "2025年3月5日"),
        (datetime(2025, 10, 15, 14, 30), "2025年10月15日"),
        ("2025-03-05", "2025年3月5日"),
    ],
)
def test_format_date_writes_year_month_day_in_chinese(value, expected):
    assert format_date(value) == expected


@pytest.mark.parametrize(
    "formatter",
    [
        brief_number,
        brief_percent,
        brief_score,
        inventory_number,
        format_count,
        format_hours,
        format_percent,
        format_score,
        format_month,
        format_date,
    ],
)
def test_every_formatter_writes_an_unknown_figure_as_a_dash(formatter):
    assert formatter(None) == UNKNOWN == "—"
