"""The Braket/S3 client factory: target rule, endpoints, region and botocore retry modes."""

from __future__ import annotations

import pickle

import pytest

from pulumi_quantum import _provider
from pulumi_quantum._provider import ProviderError
from pulumi_quantum.braket import QuantumTaskProvider
from pulumi_quantum.clients import braket as clients

AWS_VARS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL_BRAKET",
    "AWS_ENDPOINT_URL_S3",
    "AWS_RETRY_MODE",
    "AWS_MAX_ATTEMPTS",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONFIG_FILE",
    "PULUMI_QUANTUM_TARGET",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in AWS_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.aws of the machine running the tests
    _provider._remember_stack_config({})
    yield
    _provider._remember_stack_config({})


def test_nothing_configured_targets_the_local_daemon_with_local_keys():
    resolved = clients.settings()
    assert resolved.target == "local"
    assert resolved.braket_endpoint == "http://127.0.0.1:4590"
    assert resolved.s3_endpoint == "http://127.0.0.1:4591"
    assert resolved.use_local_keys is True
    assert resolved.region == "us-east-1"
    client = clients.braket_client(resolved)
    assert client.meta.endpoint_url == "http://127.0.0.1:4590"
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 10}


def test_visible_aws_credentials_target_aws(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_PROFILE", "research")
    assert clients.settings().target == "aws"
    monkeypatch.delenv("AWS_PROFILE")
    (tmp_path / ".aws").mkdir()
    (tmp_path / ".aws" / "credentials").write_text("[default]\n")
    resolved = clients.settings()
    assert resolved.target == "aws"
    assert resolved.braket_endpoint is None and resolved.use_local_keys is False


def test_stack_config_wins_over_environment(monkeypatch):
    monkeypatch.setenv("AWS_REGION", "eu-west-2")
    monkeypatch.setenv("AWS_ENDPOINT_URL_BRAKET", "http://127.0.0.1:1")
    _provider._remember_stack_config(
        {
            "quantum:awsRegion": "us-west-1",
            "quantum:braketEndpoint": "http://127.0.0.1:2",
            "quantum:awsRetryMode": "adaptive",
            "quantum:awsMaxAttempts": "4",
        }
    )
    resolved = clients.settings()
    assert resolved.target == "local"  # a loopback endpoint and no target: the local cloud
    assert (resolved.region, resolved.braket_endpoint) == ("us-west-1", "http://127.0.0.1:2")
    client = clients.braket_client(resolved)
    assert client.meta.region_name == "us-west-1"
    assert client.meta.config.retries == {"mode": "adaptive", "total_max_attempts": 4}


def test_explicit_target_local_overrides_visible_credentials(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("PULUMI_QUANTUM_TARGET", "local")
    resolved = clients.settings()
    # ... and never sends the environment's keys to the local cloud (issue 27).
    assert resolved.target == "local" and resolved.use_local_keys is True


def test_s3_client_uses_path_style_on_custom_endpoints(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9")
    s3 = clients.s3_client()
    assert s3.meta.endpoint_url == "http://127.0.0.1:9"
    assert s3.meta.config.s3["addressing_style"] == "path"


@pytest.mark.parametrize(
    ("key", "value", "text"),
    [
        ("quantum:target", "gcp", "quantum:target"),
        ("quantum:awsRetryMode", "eager", "quantum:awsRetryMode"),
        ("quantum:awsMaxAttempts", "0", "quantum:awsMaxAttempts"),
    ],
)
def test_bad_configuration_is_a_clear_error(key, value, text):
    _provider._remember_stack_config({key: value})
    with pytest.raises(ProviderError, match=text):
        clients.settings()


def test_provider_holds_no_configuration(monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "very-secret-value-123")
    _provider._remember_stack_config({"quantum:braketEndpoint": "http://127.0.0.1:5"})
    provider = QuantumTaskProvider()
    assert vars(provider) == {}
    blob = pickle.dumps(provider)
    assert b"very-secret" not in blob and b"127.0.0.1" not in blob
    assert provider.serialize_as_secret_always is False
