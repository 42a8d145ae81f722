"""One target rule for both vendors (issue 27, points 1 and 2; docs/configuration.md).

``quantum:target`` (Braket/S3) and ``quantum:ibmTarget`` (IBM) decide; an explicit endpoint is
honoured only when it agrees, and a disagreement fails ``check`` (preview) naming both values
and the fix; the local target uses the local cloud's own keys from its ``client.json``, never
the environment's. No remote call is made here: clients are built, never used.
"""

from __future__ import annotations

import pytest

from pulumi_quantum import _provider
from pulumi_quantum.braket import QuantumTaskProvider, SpendingLimitProvider
from pulumi_quantum.clients import braket as clients
from pulumi_quantum.clients import ibm as ibm_config
from pulumi_quantum.ibm.program import RuntimeProgramProvider
from pulumi_quantum.ibm.session import SessionProvider
from pulumi_quantum.local import clientfile
from pulumi_quantum.local.ibm.accounts import local_crn
from pulumi_quantum.storage import ResultsBucketProvider

REAL_KEY_ID = "AKIAREALACCOUNT00001"
REAL_SECRET = "real-account-secret-key-do-not-send"
REAL_IBM_TOKEN = "real-ibm-quantum-token-do-not-send"
LOCAL_KEY_ID = "AKIALOCALFROMSTATE01"
LOCAL_SECRET = "local-secret-from-the-state-dir"

VARIABLES = (
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
    "AWS_ENDPOINT_URL_BRAKET", "AWS_ENDPOINT_URL_S3", "PULUMI_QUANTUM_TARGET",
    "PULUMI_QUANTUM_IBM_TARGET", "QISKIT_IBM_URL", "QISKIT_IBM_TOKEN", "QISKIT_IBM_INSTANCE",
    "QISKIT_IBM_CHANNEL", "QISKIT_IBM_API_URL", "IAM_URL", "PQ_LOCAL_IBM_PORT",
    "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE",
)  # fmt: skip


@pytest.fixture(autouse=True)
def clean(monkeypatch, tmp_path):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PQ_LOCAL_DATA_DIR", str(tmp_path / "cloud"))
    _provider._remember_stack_config({})
    clients._cached_client.cache_clear()
    yield
    _provider._remember_stack_config({})
    clients._cached_client.cache_clear()


def local_cloud_state(tmp_path, ibm_port: int = 47123) -> None:
    """A local cloud's client.json as LocalCloud writes it (ports and keys of its own)."""
    (tmp_path / "cloud").mkdir(exist_ok=True)
    clientfile.write(
        tmp_path / "cloud",
        {
            "endpoints": {
                "braket": "http://127.0.0.1:47121",
                "s3": "http://127.0.0.1:47122",
                "ibm": f"http://127.0.0.1:{ibm_port}",
            },
            "aws": {
                "access_key_id": LOCAL_KEY_ID,
                "secret_access_key": LOCAL_SECRET,
                "access_key_ids": [LOCAL_KEY_ID],
            },
            "ibm": {
                "token": "local-ibm-token-alice",
                "instance": "local-hub/local-group/alice-project",
                "api_key": "local-ibm-apikey-alice",
                "crn": local_crn("alice"),
                "tokens": ["local-ibm-token-alice", "local-ibm-token-bob"],
                "api_keys": ["local-ibm-apikey-alice", "local-ibm-apikey-bob"],
            },
        },
    )


def task_inputs() -> dict:
    return {
        "source": "OPENQASM 3.0; qubit[1] q; bit[1] c; h q[0]; c = measure q;",
        "device_arn": "arn:aws:braket:::device/quantum-simulator/amazon/sv1",
        "output_s3_bucket": "amzn-braket-target-rule",
        "output_s3_key_prefix": "t",
        "shots": 10,
        "urn_seed": "p::s::quantum:braket:QuantumTask::t",
    }


BRAKET_CHECKS = {
    "QuantumTask": lambda: QuantumTaskProvider().check({}, task_inputs()),
    "SpendingLimit": lambda: SpendingLimitProvider().check(
        {},
        {
            "device_arn": "arn:aws:braket:::device/quantum-simulator/amazon/sv1",
            "spending_limit": "10.00",
            "urn_seed": "p::s::quantum:braket:SpendingLimit::l",
        },
    ),
    "ResultsBucket": lambda: ResultsBucketProvider().check({}, {"bucket": "amzn-braket-tr"}),
}
IBM_CHECKS = {
    "Session": lambda: SessionProvider().check({}, {"backend": "ibm_loopback_5q"}),
    "RuntimeProgram": lambda: RuntimeProgramProvider().check(
        {}, {"data": "def main(backend, user_messenger, **kwargs):\n    return 1\n",
             "name": "p", "description": "d", "max_execution_time": 60}
    ),
}  # fmt: skip


def target_failures(result) -> list[str]:
    """The target rule's failures: about the stack's configuration, so on no input property."""
    return [f.reason for f in result.failures if f.property == "" and "arget" in f.reason]


# -- point 1: Braket ------------------------------------------------------------------------
@pytest.mark.parametrize("resource", sorted(BRAKET_CHECKS))
def test_target_aws_with_env_sh_loopback_endpoint_fails_at_preview(resource, monkeypatch):
    """`source scripts/env.sh` exports the local cloud's endpoint; a stack set to aws must not
    deploy into the local cloud: preview fails naming both values and the fix."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_BRAKET", "http://127.0.0.1:4590")
    _provider._remember_stack_config({"quantum:target": "aws"})
    [reason] = target_failures(BRAKET_CHECKS[resource]())
    assert "quantum:target is aws" in reason
    assert "AWS_ENDPOINT_URL_BRAKET is http://127.0.0.1:4590" in reason
    assert "unset AWS_ENDPOINT_URL_BRAKET" in reason and "quantum:target local" in reason
    with pytest.raises(_provider.ProviderError, match="AWS_ENDPOINT_URL_BRAKET"):
        clients.settings()  # create/read/delete refuse too: no request is ever built


@pytest.mark.parametrize("resource", sorted(BRAKET_CHECKS))
def test_target_local_with_a_vendor_host_fails_at_preview(resource):
    _provider._remember_stack_config(
        {"quantum:target": "local", "quantum:s3Endpoint": "https://s3.us-east-1.amazonaws.com"}
    )
    [reason] = target_failures(BRAKET_CHECKS[resource]())
    assert "quantum:target is local" in reason
    assert "quantum:s3Endpoint is https://s3.us-east-1.amazonaws.com" in reason
    assert "quantum:target aws" in reason


def test_agreeing_endpoints_are_honoured(monkeypatch):
    _provider._remember_stack_config(
        {"quantum:target": "local", "quantum:braketEndpoint": "http://127.0.0.1:5999"}
    )
    assert BRAKET_CHECKS["QuantumTask"]().failures == []
    assert clients.settings().braket_endpoint == "http://127.0.0.1:5999"
    vpce = "https://vpce-1.braket.us-east-1.vpce.amazonaws.com"
    _provider._remember_stack_config({"quantum:target": "aws", "quantum:braketEndpoint": vpce})
    assert clients.braket_client().meta.endpoint_url == vpce


def test_local_target_uses_the_local_clouds_keys_never_the_environments(monkeypatch, tmp_path):
    local_cloud_state(tmp_path)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", REAL_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", REAL_SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", "real-session-token")
    monkeypatch.setenv("PULUMI_QUANTUM_TARGET", "local")
    resolved = clients.settings()
    assert resolved.target == "local"
    assert resolved.braket_endpoint == "http://127.0.0.1:47121"  # from the cloud's state
    assert resolved.s3_endpoint == "http://127.0.0.1:47122"
    credentials = clients.braket_client(resolved)._request_signer._credentials
    assert (credentials.access_key, credentials.secret_key) == (LOCAL_KEY_ID, LOCAL_SECRET)
    assert credentials.token is None


def test_inferred_target_follows_the_endpoint_and_ignores_the_local_key(monkeypatch, tmp_path):
    """env.sh's exports (the local key and endpoints) infer local; a real env key infers aws."""
    local_cloud_state(tmp_path)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", LOCAL_KEY_ID)
    assert clients.settings().target == "local"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", REAL_KEY_ID)
    assert clients.settings().target == "aws"
    monkeypatch.setenv("AWS_ENDPOINT_URL_BRAKET", "http://127.0.0.1:47121")
    assert clients.settings().target == "local"
    credentials = clients.braket_client()._request_signer._credentials
    assert credentials.access_key == LOCAL_KEY_ID  # the real key never goes to loopback


def test_a_real_configured_key_with_a_loopback_endpoint_needs_an_explicit_target(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_BRAKET", "http://127.0.0.1:4590")
    _provider._remember_stack_config(
        {"quantum:awsAccessKeyId": REAL_KEY_ID, "quantum:awsSecretAccessKey": REAL_SECRET}
    )
    [reason] = target_failures(BRAKET_CHECKS["QuantumTask"]())
    assert "quantum:awsAccessKeyId" in reason and "quantum:target local" in reason
    assert REAL_KEY_ID not in reason and REAL_SECRET not in reason


def test_aws_target_ignores_botocores_own_endpoint_settings(monkeypatch, tmp_path):
    """AWS_ENDPOINT_URL and a config file's endpoint_url would send a real account's keys to
    whatever they name (a loopback port, say): on aws only the regional endpoint is used."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4590")
    (tmp_path / ".aws").mkdir()
    (tmp_path / ".aws" / "config").write_text("[default]\nendpoint_url = http://127.0.0.1:4591\n")
    _provider._remember_stack_config({"quantum:target": "aws"})
    assert clients.braket_client().meta.endpoint_url == "https://braket.us-east-1.amazonaws.com"
    assert clients.s3_client().meta.endpoint_url.startswith("https://s3.")


# -- point 2: IBM ---------------------------------------------------------------------------
@pytest.mark.parametrize("resource", sorted(IBM_CHECKS))
def test_ibm_target_with_a_loopback_url_fails_at_preview(resource, monkeypatch):
    monkeypatch.setenv("QISKIT_IBM_URL", "http://127.0.0.1:4592")
    _provider._remember_stack_config({"quantum:ibmTarget": "ibm"})
    [reason] = target_failures(IBM_CHECKS[resource]())
    assert "quantum:ibmTarget is ibm" in reason
    assert "QISKIT_IBM_URL is http://127.0.0.1:4592" in reason
    assert "unset QISKIT_IBM_URL" in reason and "quantum:ibmTarget local" in reason


@pytest.mark.parametrize("resource", sorted(IBM_CHECKS))
def test_ibm_local_target_with_an_ibm_host_fails_at_preview(resource):
    _provider._remember_stack_config(
        {"quantum:target": "local", "quantum:ibmUrl": "https://auth.quantum-computing.ibm.com/api"}
    )
    [reason] = target_failures(IBM_CHECKS[resource]())
    assert "quantum:ibmTarget is local" in reason and "quantum:ibmUrl" in reason


def test_a_real_ibm_token_without_a_url_goes_to_ibm_never_to_loopback(monkeypatch, tmp_path):
    local_cloud_state(tmp_path)
    monkeypatch.setenv("QISKIT_IBM_TOKEN", REAL_IBM_TOKEN)
    assert ibm_config.ibm_target() == "ibm"
    client = ibm_config.runtime_client()
    assert client.url == "https://auth.quantum-computing.ibm.com/api"
    _provider._remember_stack_config({"quantum:ibmToken": REAL_IBM_TOKEN})
    monkeypatch.delenv("QISKIT_IBM_TOKEN")
    assert ibm_config.runtime_client().url == "https://auth.quantum-computing.ibm.com/api"


def test_ibm_local_target_takes_url_and_token_from_the_local_clouds_state(monkeypatch, tmp_path):
    """No hard-coded port: the local cloud's own client.json says where it listens."""
    local_cloud_state(tmp_path, ibm_port=47999)
    monkeypatch.setenv("QISKIT_IBM_TOKEN", REAL_IBM_TOKEN)  # the user's: never sent locally
    _provider._remember_stack_config({"quantum:ibmTarget": "local"})
    assert ibm_config.ibm_url() == "http://127.0.0.1:47999"
    assert ibm_config.ibm_token() == "local-ibm-token-alice"
    monkeypatch.setenv("QISKIT_IBM_TOKEN", "local-ibm-token-bob")  # the local cloud's: used
    assert ibm_config.ibm_token() == "local-ibm-token-bob"
    monkeypatch.delenv("QISKIT_IBM_TOKEN")  # nothing configured: the current platform
    platform = ibm_config.session_client()
    assert (platform.url, platform.iam_url) == (
        "http://127.0.0.1:47999/api/v1",
        "http://127.0.0.1:47999",
    )


def test_ibm_default_url_honours_pq_local_ibm_port_without_state(monkeypatch):
    monkeypatch.setenv("PQ_LOCAL_IBM_PORT", "47555")
    assert ibm_config.ibm_url() == "http://127.0.0.1:47555"


def test_platform_exports_of_local_env_target_the_local_cloud(monkeypatch, tmp_path):
    """`local env`'s default (today's platform: a .test name, a proxy) infers local."""
    local_cloud_state(tmp_path)
    monkeypatch.setenv("QISKIT_IBM_URL", "http://localcloud.test")
    monkeypatch.setenv("QISKIT_IBM_CHANNEL", "ibm_quantum_platform")
    monkeypatch.setenv("QISKIT_IBM_TOKEN", "local-ibm-apikey-alice")
    monkeypatch.setenv("IAM_URL", "http://127.0.0.1:47123")
    monkeypatch.setenv("QISKIT_IBM_API_URL", "http://127.0.0.1:47123/api/v1")
    assert IBM_CHECKS["Session"]().failures == []
    assert ibm_config.ibm_target() == "local"
    assert ibm_config.ibm_url() == "http://127.0.0.1:47123"  # programs: never the .test name
    assert ibm_config.session_client()._key == "local-ibm-apikey-alice"


def test_every_disagreeing_endpoint_is_named_at_once(monkeypatch):
    """`local env`'s platform exports set three IBM URLs: one preview names all three."""
    monkeypatch.setenv("QISKIT_IBM_URL", "http://localcloud.test")
    monkeypatch.setenv("IAM_URL", "http://127.0.0.1:4592")
    monkeypatch.setenv("QISKIT_IBM_API_URL", "http://127.0.0.1:4592/api/v1")
    _provider._remember_stack_config({"quantum:ibmTarget": "ibm"})
    [reason] = target_failures(IBM_CHECKS["Session"]())
    assert "unset QISKIT_IBM_URL, QISKIT_IBM_API_URL, IAM_URL" in reason
    assert "QISKIT_IBM_URL is http://localcloud.test" in reason
