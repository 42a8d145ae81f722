"""SigV4 auth, fault knobs and cancellation against the local Braket."""

from __future__ import annotations

import time
import uuid

import boto3
import pytest
import requests
from botocore import UNSIGNED
from botocore.config import Config

from .test_braket_tasks import SV1, create, status_of

NO_RETRY = Config(retries={"max_attempts": 1, "mode": "standard"})


@pytest.fixture
def knobs(local_cloud):
    """Set fault knobs / pause the runner through the admin endpoints; always reset after."""
    url = local_cloud.endpoints["braket"]

    def set_faults(**values):
        r = requests.post(f"{url}/_local/faults", json=values, timeout=5)
        r.raise_for_status()
        return r.json()

    def pause(paused: bool):
        requests.post(f"{url}/_local/runner", json={"paused": paused}, timeout=5).raise_for_status()

    yield set_faults, pause
    set_faults(throttle_rate=0.0, latency_ms=0, max_concurrent_tasks=0, error_rate=0.0)
    pause(False)


def test_unsigned_request_is_denied(cloud_env):
    braket = boto3.client("braket", config=Config(signature_version=UNSIGNED))
    with pytest.raises(braket.exceptions.AccessDeniedException) as info:
        braket.get_device(deviceArn=SV1)
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_unknown_access_key_is_denied(cloud_env):
    braket = boto3.client(
        "braket", aws_access_key_id="AKIAUNKNOWN000000000", aws_secret_access_key="whatever"
    )
    with pytest.raises(braket.exceptions.AccessDeniedException, match="unknown access key"):
        braket.get_device(deviceArn=SV1)


def test_wrong_secret_is_denied_and_not_echoed(cloud_env):
    braket = boto3.client(
        "braket",
        aws_access_key_id=cloud_env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key="not-the-secret-key",
    )
    with pytest.raises(braket.exceptions.AccessDeniedException, match="signature") as info:
        braket.get_device(deviceArn=SV1)
    assert cloud_env["AWS_SECRET_ACCESS_KEY"] not in str(info.value.response)


def test_plain_http_without_signature_gets_modelled_error(local_cloud):
    r = requests.get(f"{local_cloud.endpoints['braket']}/device/x", timeout=5)
    assert r.status_code == 403
    assert r.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    assert "Signature Version 4" in r.json()["message"]


def test_throttling_is_http_400_throttling_exception(cloud_env, knobs):
    set_faults, _ = knobs
    set_faults(throttle_rate=1.0)
    braket = boto3.client("braket", config=NO_RETRY)
    with pytest.raises(braket.exceptions.ThrottlingException) as info:
        braket.get_device(deviceArn=SV1)
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_throttling_is_retried_by_botocore(cloud_env, knobs):
    set_faults, _ = knobs
    set_faults(throttle_rate=0.5)
    braket = boto3.client("braket", config=Config(retries={"max_attempts": 20, "mode": "standard"}))
    for _ in range(2):  # each call eventually succeeds although half the requests are throttled
        assert braket.get_device(deviceArn=SV1)["deviceName"] == "SV1"


def test_internal_errors(cloud_env, knobs):
    set_faults, _ = knobs
    set_faults(error_rate=1.0)
    braket = boto3.client("braket", config=NO_RETRY)
    with pytest.raises(braket.exceptions.InternalServiceException) as info:
        braket.get_device(deviceArn=SV1)
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500


def test_added_latency(cloud_env, knobs):
    set_faults, _ = knobs
    braket = boto3.client("braket")
    braket.get_device(deviceArn=SV1)
    set_faults(latency_ms=300)
    started = time.monotonic()
    braket.get_device(deviceArn=SV1)
    assert time.monotonic() - started >= 0.3


def test_concurrent_task_quota(cloud_env, results_bucket, knobs, wait_until):
    set_faults, pause = knobs
    braket = boto3.client("braket", config=NO_RETRY)
    active = [{"name": "status", "operator": "EQUAL",
               "values": ["CREATED", "QUEUED", "RUNNING", "CANCELLING"]}]  # fmt: skip
    wait_until(lambda: not braket.search_quantum_tasks(filters=active)["quantumTasks"])
    pause(True)
    set_faults(max_concurrent_tasks=2)
    arns = [create(braket, results_bucket), create(braket, results_bucket)]
    with pytest.raises(braket.exceptions.ServiceQuotaExceededException, match="quota of 2"):
        create(braket, results_bucket)
    pause(False)
    wait_until(lambda: all(status_of(braket, a) == "COMPLETED" for a in arns))
    create(braket, results_bucket)  # capacity is back


def test_cancel_running_and_queued_tasks(cloud_env, results_bucket, knobs, wait_until):
    _, pause = knobs
    braket = boto3.client("braket")
    pause(True)
    arns = [create(braket, results_bucket) for _ in range(4)]  # 2 workers: 2 RUNNING, 2 QUEUED
    wait_until(lambda: sorted(status_of(braket, a) for a in arns).count("RUNNING") == 2)
    running = next(a for a in arns if status_of(braket, a) == "RUNNING")
    queued = next(a for a in arns if status_of(braket, a) == "QUEUED")
    token = str(uuid.uuid4())
    assert (
        braket.cancel_quantum_task(quantumTaskArn=running, clientToken=token)["cancellationStatus"]
        == "CANCELLING"
    )
    assert status_of(braket, running) == "CANCELLING"
    assert (
        braket.cancel_quantum_task(quantumTaskArn=queued, clientToken=str(uuid.uuid4()))[
            "cancellationStatus"
        ]
        == "CANCELLED"
    )
    pause(False)
    wait_until(lambda: status_of(braket, running) == "CANCELLED")
    assert status_of(braket, queued) == "CANCELLED"
    others = [a for a in arns if a not in (running, queued)]
    wait_until(lambda: all(status_of(braket, a) == "COMPLETED" for a in others))
    listed = boto3.client("s3").list_objects_v2(Bucket=results_bucket)
    keys = {o["Key"] for o in listed.get("Contents", [])}
    assert not any(running.rsplit("/", 1)[1] in k or queued.rsplit("/", 1)[1] in k for k in keys)
