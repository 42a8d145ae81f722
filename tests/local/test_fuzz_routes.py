"""A table fuzz over every route of the local cloud: malformed input never earns a 5xx.

The routes are not listed here: they come from where each service is defined - botocore's
Braket, S3 and STS models (every operation, its method and URI) and the IBM server's one route
table (legacy runtime, platform API, IAM and catalog) - plus the admin endpoints. Every route
gets every malformed body of its kind (JSON or XML: broken, wrong type, deep, non-finite, not
UTF-8, the right root with junk inside; per model member a wrong type, and JSON text nested
3,000 deep in members that hold JSON) and a query of malformed paging/part/upload parameters,
correctly authenticated so the input reaches the handlers. A 5xx anywhere fails with the list of
(method, path, body) that caused it. A table rather than random generation: deterministic,
a few thousand requests in ~20 s, and a failure names its input.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest
import requests
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from pulumi_quantum.local.ibm.accounts import local_crn

DEEP_JSON = ("[" * 3000 + "]" * 3000).encode()
JSON_BODIES = [
    b"",
    b"{nope",
    b"[]",
    b"null",
    b'"text"',
    b"1e400",
    b'{"a": Infinity, "b": NaN}',
    DEEP_JSON,
    b'{"s": "' + b'{"a":' * 3000 + b'"}',
    b"\xff\xfe\x00",
]
XML_BODIES = [
    b"<unclosed>",
    b"<Nope/>",
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
    b"{}",
    b"\xff\xfe\x00",
]
BAD_QUERY = "limit=abc&offset=-1&maxResults=1e9&partNumber=abc&uploadId=zz&nextToken=%00"
LABEL_VALUES = ("x", "..", "%00", "a" * 300)


def _model(name: str) -> Any:
    return botocore.session.get_session().get_service_model(name)


def _fill(uri: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\+?\}", lambda m: values.get(m.group(1), "x"), uri)


class Sender:
    """Sends the table's requests with the right credentials; collects every 5xx."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.http = requests.Session()
        self.credentials = Credentials(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"])
        self.failures: list[tuple[str, str, bytes, int, str]] = []
        self.count = 0

    def send(self, method: str, url: str, body: bytes, headers: dict[str, str]) -> None:
        answer = self.http.request(method, url, data=body, headers=headers, timeout=60)
        self.count += 1
        if answer.status_code >= 500:
            self.failures.append((method, url[:160], body[:80], answer.status_code,
                                  answer.text[:200]))  # fmt: skip

    def aws(self, service: str, method: str, url: str, body: bytes) -> None:
        request = AWSRequest(method=method, url=url, data=body)
        if service == "s3":
            request.headers["x-amz-content-sha256"] = hashlib.sha256(body).hexdigest()
            S3SigV4Auth(self.credentials, "s3", "us-east-1").add_auth(request)
        else:
            request.headers["Content-Type"] = "application/json"
            SigV4Auth(self.credentials, service, "us-east-1").add_auth(request)
        self.send(method, url, body, dict(request.headers))


@pytest.fixture
def sender(local_cloud: Any) -> Iterator[Sender]:
    sender = Sender(local_cloud.client_env())
    yield sender
    sender.http.close()


def _member_bodies(shape: Any) -> list[bytes]:
    """Per body member of an input shape: a wrong type, and for a member holding JSON text
    (``action``, ``deviceParameters``...) that text nested 3,000 deep."""
    if shape is None:
        return []
    bodies = []
    for name, member in shape.members.items():
        if member.serialization.get("location"):
            continue
        bodies.append(json.dumps({name: [[]]}).encode())
        if member.serialization.get("jsonvalue"):
            bodies.append(json.dumps({name: DEEP_JSON.decode()}).encode())
    return bodies


def _braket_requests() -> Iterator[tuple[str, str, bytes]]:
    model = _model("braket")
    for name in model.operation_names:
        operation = model.operation_model(name)
        http = operation.http
        for label in LABEL_VALUES:
            uri = _fill(http["requestUri"], {})
            uri = re.sub(r"/x(?=/|$)", f"/{label}", uri)
            if label == "x":  # the query alone (paging is refused before the body is read)
                yield http["method"], f"{uri}?{BAD_QUERY}", b"{}"
            bodies = JSON_BODIES + _member_bodies(operation.input_shape)
            for body in bodies if label == "x" else JSON_BODIES[:3]:
                yield http["method"], uri, body


def test_every_braket_operation_refuses_malformed_input_without_a_5xx(sender: Sender) -> None:
    base = sender.env["AWS_ENDPOINT_URL_BRAKET"]
    for method, path, body in _braket_requests():
        sender.aws("braket", method, f"{base}{path}", body)
    for body in (b"Action=AssumeRole&RoleArn=%00&DurationSeconds=abc", b"Action=%ff", b"{nope"):
        for action in ("", "?Action=GetCallerIdentity"):
            request = AWSRequest(method="POST", url=f"{base}/{action}", data=body)
            request.headers["Content-Type"] = "application/x-www-form-urlencoded"
            SigV4Auth(sender.credentials, "sts", "us-east-1").add_auth(request)
            sender.send("POST", f"{base}/{action}", body, dict(request.headers))
    assert sender.failures == [], sender.failures[:20]


def _s3_operations() -> Iterator[tuple[str, str, str | None]]:
    """(method, request URI template, XML root of its payload or None) of every operation."""
    from pulumi_quantum.local import s3_rules

    model = _model("s3")
    roots = {(p.input_shape.name): p.root for p in s3_rules._payloads().values()}
    for name in model.operation_names:
        operation = model.operation_model(name)
        shape = operation.input_shape
        root = roots.get(shape.name) if shape is not None else None
        yield operation.http["method"], operation.http["requestUri"], root


def test_every_s3_operation_refuses_malformed_input_without_a_5xx(sender: Sender) -> None:
    import boto3

    base = sender.env["AWS_ENDPOINT_URL_S3"]
    bucket = f"fuzz-{uuid.uuid4().hex[:10]}"
    client = boto3.client(
        "s3",
        endpoint_url=base,
        region_name="us-east-1",
        aws_access_key_id=sender.env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=sender.env["AWS_SECRET_ACCESS_KEY"],
    )
    client.create_bucket(Bucket=bucket)
    client.put_object(Bucket=bucket, Key="keep", Body=b"keep")  # DeleteBucket must fail
    upload = client.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    for method, uri, root in _s3_operations():
        path, _, query = _fill(uri, {"Bucket": bucket, "Key": "k"}).partition("?")
        bodies = [b""]
        if method in ("PUT", "POST"):
            bodies = [*XML_BODIES, *JSON_BODIES[:4]]
            if root:
                bodies += [f"<{root}/>".encode(), f"<{root}><Junk>1</Junk></{root}>".encode()]
        queries = [query, f"{query}&{BAD_QUERY}".lstrip("&"), f"{query}&uploadId={upload}"]
        for q in queries:
            for body in bodies:
                sender.aws("s3", method, f"{base}{path}?{q}" if q else f"{base}{path}", body)
    assert sender.failures == [], sender.failures[:20]
    assert client.get_object(Bucket=bucket, Key="keep")["Body"].read() == b"keep"


def _ibm_rules() -> Iterator[tuple[str, str, dict[str, str]]]:
    """(method, path, headers kind) of every IBM route, from the server's one route table
    (legacy runtime, platform API, IAM and catalog alike)."""
    from pulumi_quantum.local.ibm.routes import CLOUD_HOSTS, LOCAL_APIS, ROUTES, Auth

    kinds = {
        Auth.NONE: "none",
        Auth.ACCESS_TOKEN: "legacy",
        Auth.IAM: "platform",
        Auth.IAM_INSTANCE: "platform",
    }
    for route in ROUTES:
        kind = {"auth": kinds[route.auth]}
        if route.api not in LOCAL_APIS:  # served under an IBM Cloud host name only
            prefix = next(p for p, apis in CLOUD_HOSTS.items() if route.api in apis)
            kind["host"] = f"{prefix}cloud.ibm.com"
        yield route.method, route.path, kind


def test_every_ibm_route_refuses_malformed_input_without_a_5xx(sender: Sender) -> None:
    base = sender.env["QISKIT_IBM_URL"]
    login = sender.http.post(
        f"{base}/users/loginWithToken", json={"apiToken": sender.env["QISKIT_IBM_TOKEN"]}
    )
    headers = {
        "none": {},
        "legacy": {"X-Access-Token": login.json()["id"]},
        "platform": {
            "Authorization": "apikey local-ibm-apikey-alice",
            "Service-CRN": local_crn("alice"),
        },
    }
    for method, rule, kind in _ibm_rules():
        sent = dict(headers[kind["auth"]], **({"Host": kind["host"]} if "host" in kind else {}))
        for label in LABEL_VALUES:
            path = re.sub(r"<(?:\w+:)?\w+>", label, rule)
            bodies = JSON_BODIES if method in ("POST", "PUT", "PATCH") else [b""]
            for body in bodies:
                sender.send(method, f"{base}{path}", body, sent)
            if label == "x":
                sender.send(method, f"{base}{path}?{BAD_QUERY}", b"", sent)
    assert sender.failures == [], sender.failures[:20]


@pytest.mark.parametrize(
    "service", ["AWS_ENDPOINT_URL_BRAKET", "AWS_ENDPOINT_URL_S3", "QISKIT_IBM_URL"]
)
def test_every_admin_endpoint_refuses_malformed_input_without_a_5xx(
    sender: Sender, service: str
) -> None:
    base = sender.env[service]
    for path in ("/_local/faults", "/_local/health", "/_local/reservations", "/_local/runner"):
        for body in JSON_BODIES:
            if body in (b"", b"null"):
                continue  # an empty POST to /_local/runner resumes it: fine, but not malformed
            sender.send("POST", f"{base}{path}", body, {"Content-Type": "application/json"})
        sender.send("GET", f"{base}{path}?{BAD_QUERY}", b"", {})
    assert sender.failures == [], sender.failures[:20]
    assert sender.count > 0


MULTIPART_BODIES = [
    b'--b\r\nContent-Disposition: form-data; name="title"\r\n\r\nx\r\n--b--\r\n',
    b'--b\r\nContent-Disposition: form-data; name="artifact"; filename="a.tar"\r\n\r\n'
    b'not a tar\r\n--b\r\nContent-Disposition: form-data; name="title"\r\n\r\nt\r\n'
    b'--b\r\nContent-Disposition: form-data; name="entrypoint"\r\n\r\nmain.py\r\n--b--\r\n',
    b"--b\r\nunterminated",
]


def test_every_gateway_route_refuses_malformed_input_without_a_5xx(sender: Sender) -> None:
    from pulumi_quantum.local.gateway import app

    base = sender.env["ENV_GATEWAY_PROVIDER_HOST"]
    user = {"Authorization": "Bearer local-ibm-apikey-alice", "Service-CRN": local_crn("alice")}
    headers = {"none": {}, "user": user, "provider": user, "job": {"Authorization": "Bearer x"}}
    for method, rule, _name, auth in app._RULES:
        for label in LABEL_VALUES:
            path = re.sub(r"<(?:\w+:)?\w+>", label, rule)
            bodies = JSON_BODIES if method in ("POST", "PUT", "PATCH") else [b""]
            for body in bodies:
                sender.send(method, f"{base}{path}", body, headers[auth])
            if method == "POST":
                multipart = {**headers[auth], "Content-Type": "multipart/form-data; boundary=b"}
                for body in MULTIPART_BODIES:
                    sender.send(method, f"{base}{path}", body, multipart)
            if label == "x":
                sender.send(method, f"{base}{path}?{BAD_QUERY}", b"", headers[auth])
                query = "function=x&provider=..&file=../../etc/passwd&with_result=%00"
                sender.send(method, f"{base}{path}?{query}", b"", headers[auth])
    assert sender.failures == [], sender.failures[:20]
    assert sender.count > 0
