"""The local STS, driven by unmodified boto3 / botocore / amazon-braket-sdk: temporary keys work
on Braket and S3, expire with AWS's error codes, and botocore's own assume-role profile resolves
against it."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from pulumi_quantum.local.braket.models import ACCOUNT_ID
from pulumi_quantum.local.server import LocalCloud
from tests.fixtures import s3_client

ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/QuantumDeployer"
NO_RETRY_HIDING = Config(retries={"mode": "standard", "total_max_attempts": 10})


def _session(env: dict[str, str], creds: dict[str, str] | None = None) -> boto3.Session:
    if creds is None:
        return boto3.Session(
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            region_name="us-east-1",
        )
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name="us-east-1",
    )


def _clients(env: dict[str, str], creds: dict[str, str] | None = None) -> dict[str, Any]:
    session = _session(env, creds)
    return {
        "sts": session.client("sts", endpoint_url=env["AWS_ENDPOINT_URL_STS"]),
        "braket": session.client(
            "braket", endpoint_url=env["AWS_ENDPOINT_URL_BRAKET"], config=NO_RETRY_HIDING
        ),
        "s3": session.client("s3", endpoint_url=env["AWS_ENDPOINT_URL_S3"]),
    }


def _error(call: Any, **kwargs: Any) -> tuple[str, int, int, str]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response = caught.value.response
    meta = response["ResponseMetadata"]
    return (
        response["Error"]["Code"],
        meta["HTTPStatusCode"],
        meta.get("RetryAttempts", 0),
        response["Error"].get("Message", ""),
    )


@pytest.fixture(scope="module")
def env(local_cloud: LocalCloud) -> dict[str, str]:
    environment = local_cloud.client_env()
    s3_client(environment).create_bucket(Bucket="sts-results")
    return environment


def test_client_env_points_sts_at_the_local_cloud(env: dict[str, str]) -> None:
    assert env["AWS_ENDPOINT_URL_STS"] == env["AWS_ENDPOINT_URL_BRAKET"]


def test_session_token_works_on_braket_and_s3(env: dict[str, str]) -> None:
    base = _clients(env)
    identity = base["sts"].get_caller_identity()
    assert identity["Account"] == ACCOUNT_ID
    assert identity["Arn"].startswith(f"arn:aws:iam::{ACCOUNT_ID}:user/")

    creds = base["sts"].get_session_token(DurationSeconds=900)["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    lifetime = (creds["Expiration"] - identity_time(base)).total_seconds()
    assert 890 <= lifetime <= 905, lifetime

    temporary = _clients(env, creds)
    # GetSessionToken keeps the caller's identity (AWS: the IAM user, not a role).
    assert temporary["sts"].get_caller_identity()["Arn"] == identity["Arn"]
    devices = temporary["braket"].search_devices(filters=[])["devices"]
    assert any(d["deviceArn"].endswith("quantum-simulator/amazon/sv1") for d in devices)
    temporary["s3"].put_object(Bucket="sts-results", Key="with-token", Body=b"ok")
    assert (
        temporary["s3"].get_object(Bucket="sts-results", Key="with-token")["Body"].read() == b"ok"
    )


def identity_time(clients: dict[str, Any]) -> Any:
    """The server's clock as its Date header says (the Expiration is relative to it)."""
    from email.utils import parsedate_to_datetime

    headers = clients["sts"].get_caller_identity()["ResponseMetadata"]["HTTPHeaders"]
    return parsedate_to_datetime(headers["date"])


def test_expired_token_is_refused_with_aws_codes_and_not_retried(
    env: dict[str, str], local_cloud: LocalCloud
) -> None:
    creds = _clients(env)["sts"].get_session_token(DurationSeconds=900)["Credentials"]
    temporary = _clients(env, creds)
    temporary["braket"].search_devices(filters=[])  # valid before
    _expire(local_cloud, creds["AccessKeyId"])

    code, status, retries, message = _error(temporary["braket"].search_devices, filters=[])
    assert (code, status, retries) == ("ExpiredTokenException", 403, 0)
    assert "expired" in message
    code, status, _, _ = _error(temporary["s3"].list_objects_v2, Bucket="sts-results")
    assert (code, status) == ("ExpiredToken", 400)
    code, status, _, _ = _error(temporary["sts"].get_caller_identity)
    assert (code, status) == ("ExpiredToken", 403)
    for text in (creds["SecretAccessKey"], creds["SessionToken"]):
        assert text not in message


def _expire(cloud: LocalCloud, access_key_id: str) -> None:
    request = urllib.request.Request(
        cloud.endpoints["braket"] + "/_local/sts/expire",
        data=json.dumps({"accessKeyId": access_key_id}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.loads(response.read()) == {"expired": True}


def test_forged_token_and_wrong_secret(env: dict[str, str]) -> None:
    creds = _clients(env)["sts"].get_session_token()["Credentials"]
    forged = _clients(env, {**creds, "SessionToken": creds["SessionToken"][:-4] + "AAAA"})
    assert _error(forged["braket"].search_devices, filters=[])[:2] == (
        "UnrecognizedClientException",
        403,
    )
    assert _error(forged["sts"].get_caller_identity)[:2] == ("InvalidClientTokenId", 403)
    assert _error(forged["s3"].list_buckets)[:2] == ("InvalidToken", 400)
    wrong_secret = _clients(env, {**creds, "SecretAccessKey": "x" * 40})
    assert _error(wrong_secret["braket"].search_devices, filters=[])[0] == (
        "InvalidSignatureException"
    )
    assert _error(wrong_secret["sts"].get_caller_identity)[0] == "SignatureDoesNotMatch"


def test_assume_role_and_role_chaining(env: dict[str, str]) -> None:
    sts = _clients(env)["sts"]
    assumed = sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="ci-deploy")
    user = assumed["AssumedRoleUser"]
    assert user["Arn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/QuantumDeployer/ci-deploy"
    role = _clients(env, assumed["Credentials"])
    identity = role["sts"].get_caller_identity()
    assert (identity["Arn"], identity["UserId"]) == (user["Arn"], user["AssumedRoleId"])
    assert role["braket"].search_devices(filters=[])["devices"]

    # Role chaining: allowed for up to an hour, as on AWS.
    chained = role["sts"].assume_role(RoleArn=ROLE_ARN, RoleSessionName="hop", DurationSeconds=3600)
    assert chained["AssumedRoleUser"]["Arn"].endswith("/QuantumDeployer/hop")
    code, status, _, message = _error(
        role["sts"].assume_role, RoleArn=ROLE_ARN, RoleSessionName="hop2", DurationSeconds=7200
    )
    assert (code, status) == ("ValidationError", 400) and "role chaining" in message
    code, status, _, message = _error(role["sts"].get_session_token)
    assert (code, status) == ("AccessDenied", 403) and "session credentials" in message


def test_bad_parameters_get_the_model_s_constraints(env: dict[str, str]) -> None:
    """A client with its own validation off reaches the server: the server names the field."""
    sts = _session(env).client(
        "sts",
        endpoint_url=env["AWS_ENDPOINT_URL_STS"],
        config=Config(parameter_validation=False),
    )
    code, status, _, message = _error(sts.get_session_token, DurationSeconds=100)
    assert (code, status) == ("ValidationError", 400) and "DurationSeconds" in message
    code, _, _, message = _error(sts.assume_role, RoleArn=ROLE_ARN, RoleSessionName="bad name!")
    assert code == "ValidationError" and "RoleSessionName" in message
    code, _, _, message = _error(sts.assume_role, RoleArn="arn:aws:s3:::bucket-not-a-role",
                                 RoleSessionName="ok")  # fmt: skip
    assert code == "ValidationError" and "not a role ARN" in message
    foreign = "arn:aws:iam::999999999999:role/Elsewhere"
    code, status, _, message = _error(sts.assume_role, RoleArn=foreign, RoleSessionName="ok")
    assert (code, status) == ("AccessDenied", 403) and ACCOUNT_ID in message


@pytest.fixture
def role_profile(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """An ordinary ``~/.aws`` with an assume-role profile, as a user writes it."""
    (tmp_path / "credentials").write_text(
        f"[base]\naws_access_key_id = {env['AWS_ACCESS_KEY_ID']}\n"
        f"aws_secret_access_key = {env['AWS_SECRET_ACCESS_KEY']}\n"
    )
    (tmp_path / "config").write_text(
        f"[profile deployer]\nrole_arn = {ROLE_ARN}\nsource_profile = base\n"
        "role_session_name = from-profile\nregion = us-east-1\n"
    )
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    for name in ("AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_BRAKET", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.setenv(name, env[name])
    yield "deployer"


def test_botocore_assume_role_profile_and_braket_sdk(role_profile: str) -> None:
    """botocore's own AssumeRoleProvider calls the local STS; the Braket SDK runs a task with the
    role's temporary keys."""
    from braket.aws import AwsDevice, AwsSession
    from braket.circuits import Circuit

    session = boto3.Session(profile_name=role_profile)
    identity = session.client("sts").get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/QuantumDeployer/from-profile"
    assert session.get_credentials().get_frozen_credentials().token  # temporary keys in use

    device = AwsDevice(
        "arn:aws:braket:::device/quantum-simulator/amazon/sv1", aws_session=AwsSession(session)
    )
    task = device.run(Circuit().h(0).cnot(0, 1), ("sts-results", "role"), shots=50)
    counts = task.result().measurement_counts
    assert sum(counts.values()) == 50 and set(counts) <= {"00", "11"}


def test_temporary_keys_survive_a_restart(local_cloud_process, tmp_path: Path) -> None:
    """A daemon (its own process: moto's state is process-wide) stopped and started again on
    the same data dir still honours the keys it issued."""
    cloud = local_cloud_process(tmp_path / "cloud")
    creds = _clients(cloud.client_env())["sts"].get_session_token()["Credentials"]
    cloud.stop()
    restarted = local_cloud_process(tmp_path / "cloud")
    assert _clients(restarted.client_env(), creds)["braket"].search_devices(filters=[])["devices"]


def test_verbose_daemon_logs_no_temporary_secret_or_token(local_cloud_process, tmp_path) -> None:
    cloud = local_cloud_process(tmp_path / "cloud", "-v")
    env = cloud.client_env()
    creds = _clients(env)["sts"].get_session_token()["Credentials"]
    _clients(env, creds)["braket"].search_devices(filters=[])
    cloud.stop()
    log = cloud.log_path.read_text()
    assert "SearchDevices" in log  # it logged the request
    for text in (creds["SecretAccessKey"], creds["SessionToken"]):
        assert text not in log


def test_provider_runs_on_temporary_keys_and_names_the_fix_once_they_expire(
    env: dict[str, str], local_cloud: LocalCloud
) -> None:
    """pulumi-quantum's own QuantumTask provider, given STS keys as stack config (secrets)."""
    from pulumi_quantum import _provider
    from pulumi_quantum._provider import ProviderError
    from pulumi_quantum.braket import QuantumTaskProvider

    creds = _clients(env)["sts"].get_session_token(DurationSeconds=900)["Credentials"]
    bell = "OPENQASM 3.0;\nqubit[2] q;\nbit[2] c;\nh q[0];\ncnot q[0], q[1];\nc = measure q;\n"

    def props(name: str) -> dict[str, Any]:
        checked = QuantumTaskProvider().check({}, {
            "source": bell, "device_arn": "arn:aws:braket:::device/quantum-simulator/amazon/sv1",
            "output_s3_bucket": "sts-results", "output_s3_key_prefix": name, "shots": 20,
            "urn_seed": f"proj::stack::QuantumTask::{name}", "__provider": "x",
        })  # fmt: skip
        assert checked.failures == []
        return checked.inputs

    _provider._remember_stack_config({
        "quantum:target": "local",  # deliberately: these keys go to the local cloud
        "quantum:awsAccessKeyId": creds["AccessKeyId"],
        "quantum:awsSecretAccessKey": creds["SecretAccessKey"],
        "quantum:awsSessionToken": creds["SessionToken"],
        "quantum:braketEndpoint": env["AWS_ENDPOINT_URL_BRAKET"],
        "quantum:s3Endpoint": env["AWS_ENDPOINT_URL_S3"],
    })  # fmt: skip
    try:
        created = QuantumTaskProvider().create(props("sts-before"))
        assert created.outs["status"] == "COMPLETED"
        _expire(local_cloud, creds["AccessKeyId"])
        with pytest.raises(ProviderError) as caught:
            QuantumTaskProvider().create(props("sts-after"))
    finally:
        _provider._remember_stack_config({})
    message = str(caught.value)
    assert "session token has expired" in message and "quantum:awsSessionToken" in message
    for text in (creds["SecretAccessKey"], creds["SessionToken"]):
        assert text not in message
