"""SigV4 auth, fault knobs and cancellation against the local Braket."""

from __future__ import annotations

import datetime as dt
import re
import time
import uuid
from urllib.parse import quote

import boto3
import pytest
import requests
from botocore import UNSIGNED
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tests.fixtures import SV1, pause_local_runner
from tests.fixtures import create_task as create
from tests.fixtures import task_status as status_of

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
        pause_local_runner(url, paused)

    yield set_faults, pause
    set_faults(throttle_rate=0.0, latency_ms=0, max_concurrent_tasks=0, error_rate=0.0)
    pause(False)


def auth_error(call) -> dict:
    """The error response of a call that must fail authentication (not modelled: ClientError)."""
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response


def test_unsigned_request_is_missing_authentication_token(cloud_env):
    braket = boto3.client("braket", config=Config(signature_version=UNSIGNED))
    error = auth_error(lambda: braket.get_device(deviceArn=SV1))
    assert error["Error"] == {
        "Code": "MissingAuthenticationTokenException",
        "Message": "Missing Authentication Token",
    }
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_unknown_access_key_is_unrecognized_client(cloud_env):
    braket = boto3.client(
        "braket", aws_access_key_id="AKIAUNKNOWN000000000", aws_secret_access_key="whatever"
    )
    error = auth_error(lambda: braket.get_device(deviceArn=SV1))
    assert error["Error"]["Code"] == "UnrecognizedClientException"
    assert error["Error"]["Message"] == "The security token included in the request is invalid."
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_session_token_not_issued_here_is_unrecognized(cloud_env):
    braket = boto3.client(
        "braket",
        aws_access_key_id=cloud_env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=cloud_env["AWS_SECRET_ACCESS_KEY"],
        aws_session_token="FwoGZXIvYXdzEBogus",
    )
    error = auth_error(lambda: braket.get_device(deviceArn=SV1))
    assert error["Error"]["Code"] == "UnrecognizedClientException"


def test_wrong_secret_is_invalid_signature_and_not_echoed(cloud_env):
    braket = boto3.client(
        "braket",
        aws_access_key_id=cloud_env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key="not-the-secret-key",
    )
    error = auth_error(lambda: braket.get_device(deviceArn=SV1))
    assert error["Error"]["Code"] == "InvalidSignatureException"
    assert error["Error"]["Message"].startswith(
        "The request signature we calculated does not match the signature you provided."
    )
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert cloud_env["AWS_SECRET_ACCESS_KEY"] not in str(error)


def _signed_at(cloud_env, url: str, when: dt.datetime) -> requests.Response:
    """A GET signed with botocore's own SigV4 signer by a client whose clock says ``when``."""
    signer = SigV4Auth(
        Credentials(cloud_env["AWS_ACCESS_KEY_ID"], cloud_env["AWS_SECRET_ACCESS_KEY"]),
        "braket",
        "us-east-1",
    )
    request = AWSRequest(method="GET", url=url)
    request.context["timestamp"] = when.strftime("%Y%m%dT%H%M%SZ")
    request.headers["X-Amz-Date"] = request.context["timestamp"]
    canonical = signer.canonical_request(request)
    signature = signer.signature(signer.string_to_sign(request, canonical), request)
    signed = signer.signed_headers(signer.headers_to_sign(request))
    request.headers["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={signer.scope(request)}, "
        f"SignedHeaders={signed}, Signature={signature}"
    )
    return requests.get(url, headers=dict(request.headers.items()), timeout=5)


def test_clock_skew_is_signature_expired(cloud_env, local_cloud):
    url = f"{local_cloud.endpoints['braket']}/device/{quote(SV1, safe='')}"
    now = dt.datetime.now(dt.UTC)
    assert _signed_at(cloud_env, url, now - dt.timedelta(minutes=1)).status_code == 200
    late = _signed_at(cloud_env, url, now - dt.timedelta(minutes=6))
    assert late.status_code == 403
    assert late.headers["x-amzn-ErrorType"] == "InvalidSignatureException"
    assert re.fullmatch(
        r"Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z "
        r"\(\d{8}T\d{6}Z - 5 min\.\)",
        late.json()["message"],
    )
    early = _signed_at(cloud_env, url, now + dt.timedelta(minutes=6))
    assert early.status_code == 403 and "Signature not yet current" in early.json()["message"]


def test_malformed_authorization_is_incomplete_signature(local_cloud):
    r = requests.get(
        f"{local_cloud.endpoints['braket']}/device/x",
        headers={"Authorization": "AWS4-HMAC-SHA256 Credential=AKIA/20300101/us-east-1/braket"},
        timeout=5,
    )
    assert r.status_code == 403
    assert r.headers["x-amzn-ErrorType"] == "IncompleteSignatureException"
    assert "Authorization header requires 'Signature' parameter." in r.json()["message"]
    assert "Authorization header requires 'SignedHeaders' parameter." in r.json()["message"]


def test_plain_http_without_signature_gets_aws_error(local_cloud):
    r = requests.get(f"{local_cloud.endpoints['braket']}/device/x", timeout=5)
    assert r.status_code == 403
    assert r.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert r.json() == {"message": "Missing Authentication Token"}


@pytest.mark.parametrize("mode", ["legacy", "standard", "adaptive"])
def test_signature_errors_are_not_retried_by_any_retry_mode(cloud_env, mode):
    braket = boto3.client(
        "braket",
        aws_access_key_id=cloud_env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key="not-the-secret-key",
        config=Config(retries={"total_max_attempts": 5, "mode": mode}),
    )
    sent = []
    braket.meta.events.register("before-send.braket.GetDevice", lambda **kw: sent.append(1))
    error = auth_error(lambda: braket.get_device(deviceArn=SV1))
    assert error["Error"]["Code"] == "InvalidSignatureException"
    assert error["ResponseMetadata"]["RetryAttempts"] == 0 and len(sent) == 1


@pytest.mark.parametrize("mode", ["legacy", "standard", "adaptive"])
def test_throttling_is_http_429_and_retried_by_every_retry_mode(cloud_env, knobs, mode):
    set_faults, _ = knobs
    set_faults(throttle_rate=1.0)
    braket = boto3.client("braket", config=Config(retries={"total_max_attempts": 3, "mode": mode}))
    sent = []
    braket.meta.events.register("before-send.braket.GetDevice", lambda **kw: sent.append(1))
    with pytest.raises(braket.exceptions.ThrottlingException) as info:
        braket.get_device(deviceArn=SV1)
    meta = info.value.response["ResponseMetadata"]
    assert meta["HTTPStatusCode"] == 429
    assert info.value.response["Error"]["Message"] == "Rate exceeded"
    assert meta["RetryAttempts"] == 2 and len(sent) == 3


def test_throttling_is_http_429_throttling_exception(cloud_env, knobs):
    set_faults, _ = knobs
    set_faults(throttle_rate=1.0)
    braket = boto3.client("braket", config=NO_RETRY)
    with pytest.raises(braket.exceptions.ThrottlingException) as info:
        braket.get_device(deviceArn=SV1)
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429


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
