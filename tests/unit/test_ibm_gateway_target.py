"""Where ibm.Function's gateway client goes: the one target rule (no request is made)."""

from __future__ import annotations

import pytest

from pulumi_quantum import _provider
from pulumi_quantum._provider import ProviderError
from pulumi_quantum.clients.ibm_gateway import IBM_GATEWAY_URL, gateway_client
from pulumi_quantum.local import clientfile
from pulumi_quantum.local.ibm.accounts import local_crn

REAL_KEY = "real-ibm-cloud-api-key-do-not-send"
REAL_CRN = "crn:v1:bluemix:public:quantum-computing:us-east:a/real:real-instance::"
VARIABLES = (
    "PULUMI_QUANTUM_TARGET", "PULUMI_QUANTUM_IBM_TARGET", "QISKIT_IBM_URL", "QISKIT_IBM_TOKEN",
    "QISKIT_IBM_INSTANCE", "QISKIT_IBM_CHANNEL", "QISKIT_IBM_API_URL", "IAM_URL",
)  # fmt: skip


@pytest.fixture(autouse=True)
def clean(monkeypatch, tmp_path):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PQ_LOCAL_DATA_DIR", str(tmp_path / "cloud"))
    _provider.remember_stack_config({})
    yield
    _provider.remember_stack_config({})


def local_cloud_state(tmp_path, gateway: str | None = "http://127.0.0.1:47124") -> None:
    (tmp_path / "cloud").mkdir(exist_ok=True)
    endpoints = {"ibm": "http://127.0.0.1:47123"}
    if gateway:
        endpoints["gateway"] = gateway
    clientfile.write(
        tmp_path / "cloud",
        {
            "endpoints": endpoints,
            "ibm": {"api_key": "local-ibm-apikey-alice", "crn": local_crn("alice")},
        },
    )


def test_local_target_uses_the_local_gateway_and_its_own_account(monkeypatch, tmp_path):
    local_cloud_state(tmp_path)
    monkeypatch.setenv("PULUMI_QUANTUM_IBM_TARGET", "local")
    monkeypatch.setenv("QISKIT_IBM_TOKEN", REAL_KEY)  # the user's real key, in the environment
    monkeypatch.setenv("QISKIT_IBM_INSTANCE", REAL_CRN)
    client = gateway_client()
    assert client.url == "http://127.0.0.1:47124"
    assert client._key == "local-ibm-apikey-alice"  # never the real key to loopback
    assert REAL_KEY not in repr(client)


def test_local_target_without_a_running_gateway_says_how_to_start_it(monkeypatch, tmp_path):
    local_cloud_state(tmp_path, gateway=None)
    monkeypatch.setenv("PULUMI_QUANTUM_IBM_TARGET", "local")
    with pytest.raises(ProviderError, match="pulumi-quantum local start"):
        gateway_client()


def test_real_target_goes_to_ibms_gateway_with_the_real_account(tmp_path):
    local_cloud_state(tmp_path)
    _provider.remember_stack_config(
        {"quantum:ibmApiKey": REAL_KEY, "quantum:ibmInstance": REAL_CRN}
    )
    client = gateway_client()
    assert client.url == IBM_GATEWAY_URL
    assert client.instance == REAL_CRN
