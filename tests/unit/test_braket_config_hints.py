"""Configuration hints a user can act on (issue 27 point 6, the two about configuration).

* Braket's "cannot reach" never suggests ``quantum:target aws`` when it is already set;
* with no AWS credentials, ``up`` names the config keys and environment variables to set
  instead of botocore's bare ``NoCredentialsError: Unable to locate credentials``.
"""

from __future__ import annotations

import socket

import pytest

from pulumi_quantum import _provider
from pulumi_quantum._provider import ProviderError
from pulumi_quantum.braket import QuantumTaskProvider
from pulumi_quantum.braket._common import braket_errors
from pulumi_quantum.clients import braket as clients

VARIABLES = (
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
    "AWS_ENDPOINT_URL_BRAKET", "AWS_ENDPOINT_URL_S3", "PULUMI_QUANTUM_TARGET",
    "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE",
)  # fmt: skip


@pytest.fixture(autouse=True)
def clean(monkeypatch, tmp_path):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    _provider._remember_stack_config({})
    clients._cached_client.cache_clear()
    yield
    _provider._remember_stack_config({})
    clients._cached_client.cache_clear()


def dead_loopback_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def unreachable(url: str) -> str:
    from botocore.exceptions import EndpointConnectionError

    with pytest.raises(ProviderError) as caught, braket_errors("CreateQuantumTask"):
        raise EndpointConnectionError(endpoint_url=url)
    return str(caught.value)


def test_cannot_reach_on_target_aws_does_not_suggest_setting_it():
    _provider._remember_stack_config({"quantum:target": "aws"})
    message = unreachable("https://braket.us-east-1.amazonaws.com")
    assert "cannot reach https://braket.us-east-1.amazonaws.com" in message
    assert "set quantum:target aws" not in message
    assert "quantum:target is aws" in message and "quantum:awsRegion" in message


def test_cannot_reach_the_local_cloud_says_to_start_it():
    url = dead_loopback_url()
    _provider._remember_stack_config(
        {"quantum:target": "local", "quantum:braketEndpoint": url, "quantum:awsMaxAttempts": "1"}
    )
    with pytest.raises(ProviderError) as caught, braket_errors("SearchDevices"):
        clients.braket_client().search_devices(filters=[])
    message = str(caught.value)
    assert f"cannot reach {url}" in message and "pulumi-quantum local start" in message


def test_no_aws_credentials_names_the_keys_and_variables_to_set():
    _provider._remember_stack_config({"quantum:target": "aws"})
    checked = QuantumTaskProvider().check(
        {},
        {
            "source": "OPENQASM 3.0; qubit[1] q; bit[1] c; h q[0]; c = measure q;",
            "device_arn": "arn:aws:braket:::device/quantum-simulator/amazon/sv1",
            "output_s3_bucket": "amzn-braket-hints",
            "output_s3_key_prefix": "h",
            "shots": 10,
            "urn_seed": "p::s::quantum:braket:QuantumTask::h",
        },
    )
    assert checked.failures == []
    with pytest.raises(ProviderError) as caught:
        QuantumTaskProvider().create(checked.inputs)  # signing fails before any connection
    message = str(caught.value)
    assert "NoCredentialsError" not in message
    for name in ("quantum:awsAccessKeyId", "quantum:awsSecretAccessKey", "AWS_ACCESS_KEY_ID",
                 "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "quantum:target local"):  # fmt: skip
        assert name in message, name


def test_no_aws_credentials_for_the_results_bucket_names_what_to_set():
    """The bucket is usually the first resource `up` creates on a fresh account."""
    from pulumi_quantum.storage import ResultsBucketProvider

    _provider._remember_stack_config({"quantum:target": "aws"})
    checked = ResultsBucketProvider().check({}, {"bucket": "amzn-braket-hints"})
    assert checked.failures == []
    with pytest.raises(ProviderError) as caught:
        ResultsBucketProvider().create(checked.inputs)
    message = str(caught.value)
    assert "Unable to locate credentials" not in message
    assert "quantum:awsAccessKeyId" in message and "AWS_PROFILE" in message
