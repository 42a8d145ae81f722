"""Session max_time strings parse exactly as qiskit-ibm-provider's hms_to_seconds does."""

from __future__ import annotations

import warnings

import pytest

from pulumi_quantum.durations import DurationError, parse_duration


@pytest.mark.parametrize(
    "text", ["2h 30m 40s", "1h", "45m", "300s", "1d", "2h30m", " 1h  5s ", "1h 1h", "0h 300s"]
)
def test_same_result_as_qiskit_hms_to_seconds(text):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from qiskit_ibm_provider.utils.converters import hms_to_seconds
    assert parse_duration(text) == hms_to_seconds(text)


def test_ints_and_digit_strings_are_seconds():
    assert parse_duration(900) == 900
    assert parse_duration("900") == 900
    assert parse_duration(900.0) == 900


@pytest.mark.parametrize("bad", ["2 hours", "1h and 5m", "", "h", True, 1.5, None, [1]])
def test_anything_else_is_an_error_with_the_fix(bad):
    with pytest.raises(DurationError, match="2h 30m 40s"):
        parse_duration(bad)
