"""Tags and spending limits through unmodified boto3."""

from __future__ import annotations

import datetime as dt

import boto3
import pytest

from tests.fixtures import FORTE1 as QPU
from tests.fixtures import create_task as create


def test_tag_untag_list_on_a_task(cloud_env, results_bucket):
    braket = boto3.client("braket")
    arn = create(braket, results_bucket, tags={"a": "1"})
    braket.tag_resource(resourceArn=arn, tags={"b": "2", "a": "one"})
    assert braket.list_tags_for_resource(resourceArn=arn)["tags"] == {"a": "one", "b": "2"}
    braket.untag_resource(resourceArn=arn, tagKeys=["a"])
    assert braket.list_tags_for_resource(resourceArn=arn)["tags"] == {"b": "2"}
    assert braket.get_quantum_task(quantumTaskArn=arn)["tags"] == {"b": "2"}
    with pytest.raises(braket.exceptions.ValidationException, match="tags"):
        braket.tag_resource(resourceArn=arn, tags={"k" * 129: "v"})


def test_spending_limit_lifecycle(cloud_env):
    braket = boto3.client("braket")
    start = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    arn = braket.create_spending_limit(
        clientToken="limit-token-1", deviceArn=QPU, spendingLimit="12.50",
        timePeriod={"startAt": start, "endAt": start + dt.timedelta(days=30)},
        tags={"owner": "me"},
    )["spendingLimitArn"]  # fmt: skip
    again = braket.create_spending_limit(
        clientToken="limit-token-1", deviceArn=QPU, spendingLimit="12.50",
        timePeriod={"startAt": start, "endAt": start + dt.timedelta(days=30)},
        tags={"owner": "me"},
    )["spendingLimitArn"]  # fmt: skip
    assert again == arn
    found = braket.search_spending_limits(
        filters=[{"name": "deviceArn", "operator": "EQUAL", "values": [QPU]}]
    )["spendingLimits"]
    (limit,) = [s for s in found if s["spendingLimitArn"] == arn]
    assert limit["spendingLimit"] == "12.50"
    assert limit["timePeriod"]["startAt"] == start
    assert limit["tags"] == {"owner": "me"}
    braket.update_spending_limit(spendingLimitArn=arn, clientToken="u1", spendingLimit="20")
    found = braket.search_spending_limits()["spendingLimits"]
    assert [s["spendingLimit"] for s in found if s["spendingLimitArn"] == arn] == ["20"]
    assert braket.list_tags_for_resource(resourceArn=arn)["tags"] == {"owner": "me"}
    braket.delete_spending_limit(spendingLimitArn=arn)
    assert arn not in [
        s["spendingLimitArn"] for s in braket.search_spending_limits()["spendingLimits"]
    ]
    with pytest.raises(braket.exceptions.ResourceNotFoundException):
        braket.update_spending_limit(spendingLimitArn=arn, clientToken="u2", spendingLimit="1")


def test_bad_spending_limit_values(cloud_env):
    braket = boto3.client("braket")
    with pytest.raises(braket.exceptions.ValidationException, match="spendingLimit"):
        braket.create_spending_limit(deviceArn=QPU, spendingLimit="ten dollars")
    now = dt.datetime.now(dt.UTC)
    with pytest.raises(braket.exceptions.ValidationException, match="endAt"):
        braket.create_spending_limit(
            deviceArn=QPU, spendingLimit="1",
            timePeriod={"startAt": now, "endAt": now - dt.timedelta(days=1)},
        )  # fmt: skip


def test_exhausted_spending_limit_blocks_new_tasks(cloud_env, results_bucket):
    braket = boto3.client("braket")
    arn = braket.create_spending_limit(deviceArn=QPU, spendingLimit="0.00")["spendingLimitArn"]
    try:
        with pytest.raises(braket.exceptions.ValidationException, match="over the spending limit"):
            create(braket, results_bucket, deviceArn=QPU)
    finally:
        braket.delete_spending_limit(spendingLimitArn=arn)
