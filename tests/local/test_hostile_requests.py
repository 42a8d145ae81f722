"""Issue 28, points 3 and 4: every probe that reached a 500 answers the vendor's own 4xx, and
the auth details (S3's payload hash, keys with dot segments) behave as on AWS.

Signed requests go through unmodified boto3 where boto3 can send them, else through botocore's
own SigV4 signer (bodies boto3 would never build); admin endpoints through plain HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tests.local.test_local_hardening import code_of, s3, signed

SERVICES = ("AWS_ENDPOINT_URL_BRAKET", "AWS_ENDPOINT_URL_S3", "QISKIT_IBM_URL")
SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"


@pytest.fixture
def env(local_cloud):
    return local_cloud.client_env()


@pytest.fixture
def bucket(env):
    name = f"hostile-{uuid.uuid4().hex[:10]}"
    s3(env).create_bucket(Bucket=name)
    s3(env).put_object(Bucket=name, Key="kept", Body=b"kept")
    return name


def _nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


# ------------------------------------------------------------------------------ Braket
@pytest.mark.parametrize("field", ["action", "deviceParameters"])
def test_braket_json_nested_inside_a_string_field_is_a_validation_error(env, bucket, field):
    braket = boto3.client(
        "braket",
        endpoint_url=env["AWS_ENDPOINT_URL_BRAKET"],
        region_name="us-east-1",
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )
    action = {
        "braketSchemaHeader": {"name": "braket.ir.openqasm.program", "version": "1"},
        "source": "OPENQASM 3; qubit[1] q; h q[0];",
    }
    fields = {"action": json.dumps(action), "deviceParameters": "{}"}
    fields[field] = _nested(5000)  # the outer body is flat: only the string nests
    with pytest.raises(ClientError) as caught:
        braket.create_quantum_task(
            deviceArn=SV1,
            shots=10,
            outputS3Bucket=bucket,
            outputS3KeyPrefix="nested",
            **fields,
        )
    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Code"] == "ValidationException"
    assert field in error["Error"]["Message"] and "nest" in error["Error"]["Message"]


# ------------------------------------------------------------------------ admin endpoints
@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize(
    "body",
    [
        b'{"latency_ms": Infinity}',
        b'{"error_rate": NaN}',
        b'{"latency_ms": 1e400}',
        b'{"latency_ms": 1' + b"0" * 400 + b"}",
        b'{"seed": 1' + b"0" * 30 + b"}",
        ("[" * 5000 + "]" * 5000).encode(),
        b"\xff\xfe not utf-8",
    ],
    ids=["Infinity", "NaN", "1e400", "10^400", "huge-seed", "deep", "not-utf8"],
)
def test_admin_fault_knobs_refuse_non_finite_and_deep_json(env, service, body):
    url = f"{env[service]}/_local/faults"
    before = requests.get(url, timeout=30).json()
    answer = requests.post(url, data=body, timeout=30)
    assert answer.status_code == 400, answer.text[:300]
    assert answer.headers["Content-Type"].startswith("application/json")  # never HTML
    assert requests.get(url, timeout=30).json() == before


@pytest.mark.parametrize("path", ["/_local/reservations", "/_local/runner"])
@pytest.mark.parametrize("body", [b"[1]", b"{nope", ("[" * 5000 + "]" * 5000).encode()])
def test_braket_admin_objects_refuse_bad_json(env, path, body):
    answer = requests.post(f"{env['AWS_ENDPOINT_URL_BRAKET']}{path}", data=body, timeout=30)
    assert answer.status_code == 400, answer.text[:300]
    assert "message" in answer.json()


# --------------------------------------------------------------------------------- IBM
def test_ibm_program_whose_source_exhausts_the_compiler_is_a_400(env):
    """``-`` x 100,000 makes CPython's parser raise MemoryError: the program's fault."""
    url = env["QISKIT_IBM_URL"]
    login = requests.post(
        f"{url}/users/loginWithToken", json={"apiToken": env["QISKIT_IBM_TOKEN"]}, timeout=30
    )
    headers = {"X-Access-Token": login.json()["id"]}
    source = ("-" * 100_000 + "1\n").encode()
    body = {"name": "pathological", "data": base64.b64encode(source).decode(), "cost": 60}
    answer = requests.post(f"{url}/programs", json=body, headers=headers, timeout=60)
    assert answer.status_code == 400, answer.text[:300]
    message = answer.json()["error"]["message"]
    assert "data" in message and "does not compile" in message
    listed = requests.get(f"{url}/programs", headers=headers, timeout=30).json()
    assert "pathological" not in json.dumps(listed)  # nothing half-created


# ---------------------------------------------------------------------------------- S3
def test_s3_malformed_bucket_policy_is_refused_and_the_bucket_stays_usable(env, bucket):
    client = s3(env)
    for policy, message in (
        ("{nope", "Policies must be valid JSON"),
        ("[]", "Policies must be valid JSON"),
        ("{}", "Missing required field Statement"),
        ('{"Statement": [{"Effect": "Maybe"}]}', "Invalid effect"),
    ):
        with pytest.raises(ClientError) as caught:
            client.put_bucket_policy(Bucket=bucket, Policy=policy)
        error = caught.value.response
        assert error["Error"]["Code"] == "MalformedPolicy", policy
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert message in error["Error"]["Message"]
    assert client.get_object(Bucket=bucket, Key="kept")["Body"].read() == b"kept"
    client.put_object(Bucket=bucket, Key="after", Body=b"ok")
    assert {o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]} == {
        "kept",
        "after",
    }


def test_s3_unknown_upload_id_is_no_such_upload(env, bucket):
    client = s3(env)
    with pytest.raises(ClientError) as caught:
        client.upload_part(Bucket=bucket, Key="m", UploadId="nope", PartNumber=1, Body=b"x")
    assert caught.value.response["Error"]["Code"] == "NoSuchUpload"
    with pytest.raises(ClientError) as caught:
        client.complete_multipart_upload(
            Bucket=bucket,
            Key="m",
            UploadId="nope",
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"x"'}]},
        )
    assert caught.value.response["Error"]["Code"] == "NoSuchUpload"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_s3_part_number_must_be_a_number_from_1_to_10000(env, bucket):
    client = s3(env)
    upload = client.create_multipart_upload(Bucket=bucket, Key="m")["UploadId"]
    base = f"{env['AWS_ENDPOINT_URL_S3']}/{bucket}/m?uploadId={upload}"
    for part in ("abc", "0", "10001", "-1", "1.5"):
        answer = signed(env, "PUT", f"{base}&partNumber={part}", b"data")
        assert answer.status_code == 400, (part, answer.text[:200])
        assert code_of(answer) == "InvalidArgument" and "Part number" in answer.text
    etag = client.upload_part(Bucket=bucket, Key="m", UploadId=upload, PartNumber=1, Body=b"data")[
        "ETag"
    ]
    client.complete_multipart_upload(
        Bucket=bucket,
        Key="m",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]},
    )
    assert client.get_object(Bucket=bucket, Key="m")["Body"].read() == b"data"


@pytest.mark.parametrize(
    "query, key, body",
    [
        ("tagging", None, b"<Nope/>"),
        ("tagging", "kept", b"<LifecycleConfiguration/>"),
        ("lifecycle", None, b"<Tagging><TagSet/></Tagging>"),
        ("lifecycle", None, b"<LifecycleConfiguration/>"),  # Rule is required
        ("tagging", None, b"<Tagging><TagSet><Tag><Key>k</Key></Tag></TagSet></Tagging>"),
        ("cors", None, b"<CORSConfiguration><CORSRule/></CORSConfiguration>"),
        ("versioning", None, b"<Nope/>"),
        ("delete", None, b"<Nope/>"),
    ],
    ids=[
        "bucket-tagging-root",
        "object-tagging-root",
        "lifecycle-root",
        "lifecycle-no-rule",
        "tag-without-value",
        "cors-rule-empty",
        "versioning-root",
        "delete-root",
    ],
)
def test_s3_xml_that_does_not_fit_the_model_is_malformed_xml(env, bucket, query, key, body):
    path = f"{bucket}/{key}" if key else bucket
    method = "POST" if query == "delete" else "PUT"
    answer = signed(env, method, f"{env['AWS_ENDPOINT_URL_S3']}/{path}?{query}", body)
    assert answer.status_code == 400, answer.text[:300]
    assert code_of(answer) == "MalformedXML"
    assert s3(env).get_object(Bucket=bucket, Key="kept")["Body"].read() == b"kept"


def test_s3_well_formed_tagging_and_lifecycle_still_work(env, bucket):
    client = s3(env)
    client.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "a", "Value": "b"}]})
    assert client.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "a", "Value": "b"}]
    rule = {"ID": "r", "Filter": {"Prefix": "x"}, "Status": "Enabled", "Expiration": {"Days": 3}}
    client.put_bucket_lifecycle_configuration(
        Bucket=bucket, LifecycleConfiguration={"Rules": [rule]}
    )
    assert client.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"][0]["ID"] == "r"


# ------------------------------------------------------------------ S3 auth details
@pytest.mark.parametrize(
    "claimed", ["UNSIGNED-PAYLOAD", hashlib.sha256(b"forged body").hexdigest()]
)
def test_s3_binds_the_claimed_payload_hash_even_when_not_signed(env, bucket, claimed):
    """SignedHeaders without x-amz-content-sha256: S3 still signs the header's value as the
    payload hash, so a body swapped under such a signature is SignatureDoesNotMatch."""
    url = f"{env['AWS_ENDPOINT_URL_S3']}/{bucket}/kept"
    request = AWSRequest(method="PUT", url=url, data=b"")
    credentials = Credentials(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"])
    SigV4Auth(credentials, "s3", "us-east-1").add_auth(request)  # no x-amz-content-sha256
    assert "x-amz-content-sha256" not in request.headers["Authorization"]
    headers = {**dict(request.headers), "x-amz-content-sha256": claimed}
    answer = requests.put(url, data=b"forged body", headers=headers, timeout=30)
    assert answer.status_code == 403, answer.text[:300]
    assert code_of(answer) == "SignatureDoesNotMatch"
    assert s3(env).get_object(Bucket=bucket, Key="kept")["Body"].read() == b"kept"


def test_s3_keys_with_dot_and_empty_segments_are_stored_as_named(env, bucket):
    """AWS stores 'a/../b' and 'a//b' under exactly those names (no path normalisation)."""
    client = s3(env)
    keys = ["a/../b", "a//b", "./c", "d/./e", "../f", "g/.."]
    for key in keys:
        client.put_object(Bucket=bucket, Key=key, Body=key.encode())
    for key in keys:
        assert client.get_object(Bucket=bucket, Key=key)["Body"].read() == key.encode()
    listed = {o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]}
    assert listed == {"kept", *keys}
    client.copy_object(Bucket=bucket, Key="x/../copy", CopySource=f"{bucket}/a//b")
    assert client.get_object(Bucket=bucket, Key="x/../copy")["Body"].read() == b"a//b"
    client.delete_object(Bucket=bucket, Key="a/../b")
    assert "a/../b" not in {o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]}
    assert client.get_object(Bucket=bucket, Key="kept")["Body"].read() == b"kept"  # not 'b'


def test_s3_keys_with_dot_segments_survive_a_restart(tmp_path, local_cloud_process):
    from tests.local.test_s3_persistence import s3_for

    keys = ["a/../b", "a//b", "../f", "g/.."]
    first = local_cloud_process(tmp_path)
    client = s3_for(first)
    client.create_bucket(Bucket="dots")
    for key in keys:
        client.put_object(Bucket="dots", Key=key, Body=key.encode())
    assert first.stop() == 0
    client = s3_for(local_cloud_process(tmp_path))
    assert {o["Key"] for o in client.list_objects_v2(Bucket="dots")["Contents"]} == set(keys)
    for key in keys:
        assert client.get_object(Bucket="dots", Key=key)["Body"].read() == key.encode()
