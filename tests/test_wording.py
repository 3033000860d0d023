"""Counts and rates in messages read as a person would write them."""

from __future__ import annotations

from civility.wording import plural, rate


def test_counts_take_the_singular_for_one_and_thousands_separators():
    assert plural(1, "comment") == "1 comment"
    assert plural(0, "line") == "0 lines"
    assert plural(12_345, "comment") == "12,345 comments"
    assert plural(2, "identical copy", "identical copies") == "2 identical copies"


def test_a_slow_small_run_gets_a_rate_that_is_not_zero():
    assert rate(3, 7.9, "comments") == "0.38 comments/s"
    assert rate(1, 1000, "comments") == "< 0.01 comments/s"
    assert rate(150, 7.9, "comments") == "19.0 comments/s"
    assert rate(10_000, 9.4, "comments") == "1,064 comments/s"
    assert rate(0, 7.9, "comments") is None and rate(5, 0.0, "comments") is None
