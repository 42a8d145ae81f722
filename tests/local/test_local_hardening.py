"""The local cloud refuses bad requests cleanly: S3 authentication, size and depth limits,
paging numbers, fault-knob validation, S3's XML, and S3 honouring the shared fault knobs.

Signed requests go through unmodified boto3 (or botocore's own SigV4 signer for the bodies boto3
would never send); unsigned and malformed ones through plain HTTP, as an attacker would.
"""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import pytest
import requests
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from pulumi_quantum.local.limits import MAX_JSON_BODY, MAX_JSON_DEPTH, MAX_S3_BODY
from tests.fixtures import s3_client

GARBAGE_AUTH = {"Authorization": "AWS4-HMAC-SHA256 garbage", "x-amz-content-sha256": "x"}


def s3(env: dict[str, str], **overrides: str):
    return s3_client(
        env,
        aws_access_key_id=overrides.get("key", env["AWS_ACCESS_KEY_ID"]),
        aws_secret_access_key=overrides.get("secret", env["AWS_SECRET_ACCESS_KEY"]),
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


def signed(env: dict[str, str], method: str, url: str, body: bytes = b"") -> requests.Response:
    """A correctly signed S3 request with a body boto3 would never build."""
    request = AWSRequest(method=method, url=url, data=body)
    request.headers["x-amz-content-sha256"] = __import__("hashlib").sha256(body).hexdigest()
    credentials = Credentials(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"])
    S3SigV4Auth(credentials, "s3", "us-east-1").add_auth(request)
    return requests.request(method, url, data=body, headers=dict(request.headers), timeout=30)


def code_of(response: requests.Response) -> str:
    text = response.text
    return text.split("<Code>", 1)[1].split("</Code>", 1)[0] if "<Code>" in text else text


@pytest.fixture
def env(local_cloud):
    return local_cloud.client_env()


@pytest.fixture
def bucket(env):
    import uuid

    name = f"hardening-{uuid.uuid4().hex[:10]}"
    s3(env).create_bucket(Bucket=name)
    s3(env).put_object(Bucket=name, Key="task/results.json", Body=b'{"real": true}')
    return name


# ------------------------------------------------------------------------------ S3 auth
def test_s3_refuses_garbage_and_anonymous_requests_and_nothing_changes(env, bucket):
    base = env["AWS_ENDPOINT_URL_S3"]
    url = f"{base}/{bucket}/task/results.json"
    for method, data in (("GET", None), ("PUT", b'{"forged": true}'), ("DELETE", None)):
        answer = requests.request(method, url, data=data, headers=GARBAGE_AUTH, timeout=30)
        assert answer.status_code == 403, (method, answer.text)
        assert code_of(answer) == "AccessDenied"
    anonymous = requests.put(f"{base}/anonymous-bucket-{bucket}", timeout=30)
    assert anonymous.status_code == 403 and code_of(anonymous) == "AccessDenied"

    client = s3(env)
    body = client.get_object(Bucket=bucket, Key="task/results.json")["Body"].read()
    assert body == b'{"real": true}'  # not overwritten, not deleted
    with pytest.raises(ClientError) as caught:
        client.head_bucket(Bucket=f"anonymous-bucket-{bucket}")
    assert caught.value.response["Error"]["Code"] == "404"  # not created


def test_s3_wrong_secret_and_unknown_key_get_s3s_error_codes(env, bucket):
    for overrides, code in (
        ({"secret": "not-the-secret"}, "SignatureDoesNotMatch"),
        ({"key": "AKIAUNKNOWN000000000"}, "InvalidAccessKeyId"),
    ):
        with pytest.raises(ClientError) as caught:
            s3(env, **overrides).get_object(Bucket=bucket, Key="task/results.json")
        assert caught.value.response["Error"]["Code"] == code
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_s3_signed_requests_work_for_awkward_keys(env, bucket):
    client = s3(env)
    for key in ("with space/and+plus.json", "unicode/é.json", "deep/a/b/c.json"):
        client.put_object(Bucket=bucket, Key=key, Body=key.encode())
        assert client.get_object(Bucket=bucket, Key=key)["Body"].read() == key.encode()


def test_s3_body_must_match_the_signed_hash(env, bucket):
    url = f"{env['AWS_ENDPOINT_URL_S3']}/{bucket}/task/results.json"
    request = AWSRequest(method="PUT", url=url, data=b"signed")  # the signer hashes this body
    credentials = Credentials(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"])
    S3SigV4Auth(credentials, "s3", "us-east-1").add_auth(request)
    answer = requests.put(url, data=b"forged body", headers=dict(request.headers), timeout=30)
    assert answer.status_code == 400 and code_of(answer) == "XAmzContentSHA256Mismatch"
    body = s3(env).get_object(Bucket=bucket, Key="task/results.json")["Body"].read()
    assert body == b'{"real": true}'


# ----------------------------------------------------------------------------- S3 XML
def test_s3_malformed_xml_billion_laughs_and_patch_are_s3_errors(env):
    base = env["AWS_ENDPOINT_URL_S3"]
    malformed = signed(env, "PUT", f"{base}/malformed-xml-bucket", b"<CreateBucketConfiguration>")
    assert malformed.status_code == 400 and code_of(malformed) == "MalformedXML"
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b"<CreateBucketConfiguration><LocationConstraint>&lol2;</LocationConstraint>"
        b"</CreateBucketConfiguration>"
    )
    answer = signed(env, "PUT", f"{base}/laughs-bucket", laughs)
    assert answer.status_code == 400 and code_of(answer) == "MalformedXML"
    patch = signed(env, "PATCH", f"{base}/laughs-bucket")
    assert patch.status_code == 405 and code_of(patch) == "MethodNotAllowed"
    assert "xml" in patch.headers["Content-Type"]
    with pytest.raises(ClientError):
        s3(env).head_bucket(Bucket="malformed-xml-bucket")  # nothing half-created


# ------------------------------------------------------------------ size, depth, paging
def _headers_only(url: str, method: str, path: str, length: int) -> tuple[int, bytes]:
    """Announce a huge body and send none: the answer must come before any body is read."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.putrequest(method, path)
        conn.putheader("Content-Length", str(length))
        conn.putheader("Content-Type", "application/json")
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_oversized_bodies_get_413_before_authentication(env):
    for service, path, limit in (
        ("AWS_ENDPOINT_URL_BRAKET", "/quantum-task", MAX_JSON_BODY),
        ("QISKIT_IBM_URL", "/users/loginWithToken", MAX_JSON_BODY),
        ("AWS_ENDPOINT_URL_S3", "/some-bucket/big-object", MAX_S3_BODY),
    ):
        status, body = _headers_only(
            env[service], "POST" if "S3" not in service else "PUT", path, limit + 1
        )
        assert status == 413, (service, body[:200])
        assert str(limit).encode() in body


def test_deeply_nested_json_is_a_400_naming_the_limit(env):
    nested = "[" * 5000 + "]" * 5000
    braket = requests.post(
        f"{env['AWS_ENDPOINT_URL_BRAKET']}/quantum-task", data=nested, timeout=30
    )
    assert braket.status_code == 400
    assert braket.headers["x-amzn-ErrorType"] == "ValidationException"
    assert f"deeper than {MAX_JSON_DEPTH}" in braket.json()["message"]
    ibm = requests.post(f"{env['QISKIT_IBM_URL']}/users/loginWithToken", data=nested, timeout=30)
    assert ibm.status_code == 400 and f"deeper than {MAX_JSON_DEPTH}" in ibm.text
    # A nested string is not nesting.
    fine = requests.post(
        f"{env['QISKIT_IBM_URL']}/users/loginWithToken",
        json={"apiToken": "[" * 500},
        timeout=30,
    )
    assert fine.status_code in (401, 403), fine.text


def test_huge_paging_numbers_are_a_400_naming_the_parameter(env):
    answer = requests.get(
        f"{env['QISKIT_IBM_URL']}/programs?offset=99999999999999999999999", timeout=30
    )
    assert answer.status_code == 400 and "offset" in answer.text


# --------------------------------------------------------------------------- fault knobs
@pytest.mark.parametrize(
    "service", ["AWS_ENDPOINT_URL_BRAKET", "AWS_ENDPOINT_URL_S3", "QISKIT_IBM_URL"]
)
def test_bad_fault_knobs_are_refused_and_change_nothing(env, service):
    url = f"{env[service]}/_local/faults"
    before = requests.get(url, timeout=30).json()
    for bad in (
        {"latency_ms": "abc"},
        {"throttle_rate": 2},
        {"error_rate": 0.5, "nope": 1},
        {"latency_ms": -1},
        [1, 2],
    ):
        answer = requests.post(url, json=bad, timeout=30)
        assert answer.status_code == 400, (bad, answer.text)
    assert requests.get(url, timeout=30).json() == before
    assert requests.get(f"{env[service]}/_local/health", timeout=30).status_code == 200


def test_s3_honours_the_shared_fault_knobs(env, bucket, local_cloud):
    requests.post(
        f"{env['AWS_ENDPOINT_URL_BRAKET']}/_local/faults", json={"error_rate": 1.0}, timeout=30
    )
    try:
        with pytest.raises(ClientError) as caught:
            s3(env).get_object(Bucket=bucket, Key="task/results.json")
        assert caught.value.response["Error"]["Code"] == "InternalError"
    finally:
        local_cloud.faults.update({"error_rate": 0.0})
    assert s3(env).get_object(Bucket=bucket, Key="task/results.json")["Body"].read()
    assert (
        json.loads(requests.get(f"{env['AWS_ENDPOINT_URL_S3']}/_local/faults", timeout=30).text)[
            "error_rate"
        ]
        == 0.0
    )
