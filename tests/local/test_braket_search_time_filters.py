"""SearchQuantumTasks' and SearchJobs' time filters (one implementation: local/braket/search.py),
through unmodified boto3: every operator Braket documents, and a clear 400 for bad values."""

from __future__ import annotations

import datetime as dt
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.fixtures import create_task

HOUR = dt.timedelta(hours=1)


def stamp(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def tagged(marker: str) -> dict:
    return {"name": "tag:marker", "operator": "EQUAL", "values": [marker]}


def found(braket, marker: str, operator: str, *values: dt.datetime) -> bool:
    created = {"name": "createdAt", "operator": operator, "values": [stamp(v) for v in values]}
    filters = [tagged(marker), created]
    return bool(braket.search_quantum_tasks(filters=filters)["quantumTasks"])


def test_created_at_filters_of_tasks_take_every_operator(cloud_env, results_bucket):
    braket = boto3.client("braket")
    marker = uuid.uuid4().hex[:10]
    create_task(braket, results_bucket, tags={"marker": marker})
    now = dt.datetime.now(dt.UTC)
    assert found(braket, marker, "BETWEEN", now - HOUR, now + HOUR)
    assert not found(braket, marker, "BETWEEN", now + HOUR, now + 2 * HOUR)
    assert found(braket, marker, "GT", now - HOUR) and found(braket, marker, "GTE", now - HOUR)
    assert found(braket, marker, "LT", now + HOUR) and found(braket, marker, "LTE", now + HOUR)
    assert not found(braket, marker, "LT", now - HOUR)
    assert not found(braket, marker, "EQUAL", now - HOUR)


@pytest.mark.parametrize("search", ["search_quantum_tasks", "search_jobs"])
def test_a_between_filter_needs_two_values(cloud_env, search):
    now = stamp(dt.datetime.now(dt.UTC))
    filters = [{"name": "createdAt", "operator": "BETWEEN", "values": [now]}]
    with pytest.raises(ClientError, match="BETWEEN on createdAt needs 2 values") as raised:
        getattr(boto3.client("braket"), search)(filters=filters)
    assert raised.value.response["Error"]["Code"] == "ValidationException"


def test_jobs_created_at_filter_finds_nothing_before_any_job(cloud_env):
    long_ago = dt.datetime(2001, 1, 1, tzinfo=dt.UTC)
    filters = [{"name": "createdAt", "operator": "LT", "values": [stamp(long_ago)]}]
    assert boto3.client("braket").search_jobs(filters=filters)["jobs"] == []
