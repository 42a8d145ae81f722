"""A Session's or Batch's ``max_time`` against its instance's remaining usage (ibm/usage.py).

The rules, with the usage given as IBM's ``GetUsageResponse`` would give it; the read itself
against the local IBM Quantum Platform is tests/local/test_ibm_usage_provider.py.
"""

from __future__ import annotations

import pytest

from pulumi_quantum.ibm import usage
from pulumi_quantum.ibm.session import BatchProvider, SessionProvider
from pulumi_quantum.values import UNKNOWN

CRN = "crn:v1:bluemix:public:quantum-computing:us-east:a/acct:inst-1::"
PLANNED = {"backend": "ibm_x", "instance": CRN, "max_time": 1800, "mode": "dedicated"}


def reading(consumed: int, limit: int | None, reached: bool | None = None) -> usage.Reading:
    body = {"instance_id": CRN, "usage_consumed_seconds": consumed}
    if limit is not None:
        body["usage_limit_seconds"] = limit
    if reached is not None:
        body["usage_limit_reached"] = reached
    return usage.parse(CRN, body)


def test_parse_reads_ibms_usage_response_and_computes_what_is_left():
    left = reading(100, 600, False)
    assert (left.consumed, left.limit, left.remaining, left.reached) == (100, 600, 500, False)
    assert left.output() == {
        "instance": CRN,
        "consumed_seconds": 100,
        "limit_seconds": 600,
        "remaining_seconds": 500,
        "limit_reached": False,
    }
    assert reading(10, None).remaining is None and reading(10, None).reached is False
    assert reading(700, 600).remaining == 0 and reading(700, 600).reached is True
    with pytest.raises(ValueError, match="usage_consumed_seconds"):
        usage.parse(CRN, {"usage_consumed_seconds": "lots"})


def test_max_time_beyond_the_remaining_usage_warns_naming_instance_remaining_and_max_time():
    verdict = usage.judge(reading(100, 600, False), "Session", "ibm_x", 1800)
    assert verdict.failure is None
    (warning,) = verdict.warnings
    assert CRN in warning and "500 s of usage" in warning and "max_time 1800 s" in warning
    assert "100 s used of its 600 s limit" in warning and "raise the instance's usage" in warning
    assert verdict.output["remaining_seconds"] == 500


def test_within_the_remaining_usage_or_without_a_limit_nothing_is_said():
    assert usage.judge(reading(100, 600, False), "Session", "b", 300).warnings == ()
    assert usage.judge(reading(100, 600, False), "Session", "b", 500).warnings == ()  # all of it
    unlimited = usage.judge(reading(10**6, None), "Batch", "b", 28800)
    assert unlimited.warnings == () and unlimited.failure is None
    assert unlimited.output["limit_seconds"] is None


def test_an_unset_max_time_is_compared_as_the_system_maximum():
    (warning,) = usage.judge(reading(0, 3600, False), "Batch", "b", None).warnings
    assert "max_time (unset: 28800 s)" in warning and "ibm.Batch" in warning


def test_a_limit_already_met_fails_naming_the_fix():
    verdict = usage.judge(reading(601, 600, True), "Session", "ibm_x", 300)
    assert verdict.warnings == ()
    assert f"instance {CRN} has met its usage limit" in verdict.failure
    assert "601 s used of its 600 s limit" in verdict.failure and "4317" in verdict.failure
    assert "instance_limit" in verdict.failure and "another instance" in verdict.failure


def test_an_unreadable_usage_warns_and_never_fails():
    def unreachable(_instance):
        raise ConnectionError("cannot reach the IBM Quantum Platform at http://127.0.0.1:9")

    verdict = usage.at_preview("Session", {}, PLANNED, reader=unreachable)
    assert verdict.failure is None and verdict.output is None
    (warning,) = verdict.warnings
    assert f"could not read the usage of instance {CRN}" in warning
    assert "cannot reach" in warning and "was not compared" in warning


def test_only_a_session_about_to_be_opened_is_judged():
    def must_not_read(_instance):
        raise AssertionError("read the usage of a session that is not being opened")

    held = {**PLANNED, "on_delete": "close", "instance_usage": {"consumed_seconds": 3}}
    same = usage.at_preview("Session", held, {**PLANNED, "on_delete": "cancel"}, must_not_read)
    assert same.output == {"consumed_seconds": 3} and same.warnings == ()  # kept as read then
    unknown = usage.at_preview("Session", {}, {**PLANNED, "backend": UNKNOWN}, must_not_read)
    assert unknown.output is None
    adopted = usage.at_preview("Session", {}, {**PLANNED, "import_id": "s1"}, must_not_read)
    assert adopted.output is None
    seen = []
    changed = usage.at_preview(
        "Session",
        held,
        {**PLANNED, "max_time": 3600},
        lambda instance: seen.append(instance) or reading(0, 600, False),
    )
    assert seen == [CRN] and "max_time 3600 s" in changed.warnings[0]  # a replacement: judged
    assert usage.at_preview("Session", {}, PLANNED, lambda _i: None).output is None  # legacy


@pytest.mark.parametrize("provider", [SessionProvider, BatchProvider])
def test_check_warns_or_fails_with_the_usage_it_reads(provider, monkeypatch):
    warned: list[str] = []
    monkeypatch.setattr("pulumi.log.warn", lambda message, *a, **k: warned.append(message))
    monkeypatch.setattr(usage, "read", lambda instance: reading(100, 600, False))
    news = {"backend": "ibm_x", "instance": CRN, "max_time": "30m"}
    result = provider().check({}, news)
    assert result.failures == []
    assert result.inputs["instance_usage"]["remaining_seconds"] == 500
    assert len(warned) == 1 and "max_time 1800 s" in warned[0] and CRN in warned[0]

    monkeypatch.setattr(usage, "read", lambda instance: reading(600, 600, True))
    failed = provider().check({}, news)
    assert [f.property for f in failed.failures] == ["instance"]
    assert "has met its usage limit" in failed.failures[0].reason
