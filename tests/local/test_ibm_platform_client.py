"""The platform client and channel selection, against the local IBM server (no proxy)."""

from __future__ import annotations

import pytest

from pulumi_quantum.clients import ibm as config
from pulumi_quantum.clients.ibm_platform import IBMPlatformClient
from pulumi_quantum.clients.ibm_runtime import (
    BadRequestError,
    IBMRuntimeClient,
    NotAuthorizedError,
    NotFoundError,
)
from pulumi_quantum.local.ibm.accounts import local_crn
from tests.local._ibm_server import IbmServer, server_fixture

KEY = "local-ibm-apikey-alice"
CRN = local_crn("alice")
_ENV = (
    "QISKIT_IBM_URL",
    "QISKIT_IBM_TOKEN",
    "QISKIT_IBM_INSTANCE",
    "QISKIT_IBM_CHANNEL",
    "QISKIT_IBM_API_URL",
    "IAM_URL",
)


server = server_fixture("ibm-platform-unit")


def client(server: IbmServer, key: str = KEY, crn: str = CRN) -> IBMPlatformClient:
    return IBMPlatformClient(f"{server.url}/api/v1", key, crn, iam_url=server.url)


def test_session_round_trip_with_ibm_names(server: IbmServer) -> None:
    with client(server) as c:
        opened = c.create_session(backend="ibm_loopback_5q", max_time=900, mode="batch")
        got = c.get_session(opened["id"])
        assert (got["mode"], got["max_ttl"], got["state"], got["accepting_jobs"]) == (
            "batch",
            900,
            "open",
            True,
        )
        assert c.close_session(opened["id"]) is True
        assert c.get_session(opened["id"])["state"] == "closed"
        other = c.create_session(backend="ibm_loopback_5q")["id"]
        assert c.cancel_session(other) is True
        assert c.get_session(other)["state"] == "closed"
        assert c.close_session("nope") is False
        with pytest.raises(NotFoundError):
            c.get_session("nope")


def test_bad_key_and_foreign_crn_never_echo_the_key(server: IbmServer) -> None:
    secret = "wrong-key-abcdef-123456"
    with pytest.raises(NotAuthorizedError) as info:
        client(server, key=secret).get_session("x")
    assert secret not in str(info.value) and "quantum:ibmApiKey" in str(info.value)
    with pytest.raises(NotAuthorizedError) as info:
        client(server, key="local-ibm-apikey-bob").create_session(backend="ibm_loopback_5q")
    assert info.value.status == 403 and "local-ibm-apikey-bob" not in str(info.value)
    with pytest.raises(BadRequestError, match="CRN"):
        IBMPlatformClient("http://127.0.0.1:9/api/v1", KEY, "h/g/p", iam_url="http://127.0.0.1:9")


def test_channel_selection(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)
    # Nothing configured: the local cloud's current platform, default account.
    assert config.ibm_channel() == "ibm_quantum_platform"
    c = config.session_client()
    assert isinstance(c, IBMPlatformClient)
    assert c.url == "http://127.0.0.1:4592/api/v1" and c.iam_url == "http://127.0.0.1:4592"
    # A hub/group/project instance or a URL alone: legacy, as before.
    monkeypatch.setenv("QISKIT_IBM_INSTANCE", "h/g/p")
    assert isinstance(config.session_client(), IBMRuntimeClient)
    # A CRN: the platform; URL and IAM resolved as qiskit-ibm-runtime resolves them.
    monkeypatch.setenv("QISKIT_IBM_INSTANCE", CRN.replace("us-east", "eu-de"))
    monkeypatch.setenv("QISKIT_IBM_TOKEN", "api-key-secret-987654")
    c = config.session_client()
    assert isinstance(c, IBMPlatformClient)
    assert c.url == "https://eu-de.quantum.cloud.ibm.com/api/v1"
    assert c.iam_url == "https://iam.cloud.ibm.com"
    assert "api-key-secret-987654" not in repr(c)
    monkeypatch.setenv("IAM_URL", "http://127.0.0.1:1/")
    monkeypatch.setenv("QISKIT_IBM_API_URL", "http://127.0.0.1:1/api/v1")
    c = config.session_client()
    assert (c.url, c.iam_url) == ("http://127.0.0.1:1/api/v1", "http://127.0.0.1:1")
    monkeypatch.setenv("QISKIT_IBM_CHANNEL", "ibm_quantum")
    monkeypatch.setenv("QISKIT_IBM_INSTANCE", "h/g/p")
    assert config.ibm_channel() == "ibm_quantum"
    # The local cloud's legacy env plus the platform channel (the quickstart): a loopback URL
    # serves the platform too, with the local default account (never the legacy token).
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("QISKIT_IBM_URL", "http://127.0.0.1:4592")
    monkeypatch.setenv("QISKIT_IBM_TOKEN", "local-ibm-token-alice")
    monkeypatch.setenv("QISKIT_IBM_INSTANCE", "local-hub/local-group/alice-project")
    assert isinstance(config.session_client(), IBMRuntimeClient)
    monkeypatch.setenv("QISKIT_IBM_CHANNEL", "ibm_quantum_platform")
    c = config.session_client()
    assert isinstance(c, IBMPlatformClient) and c.instance == CRN
    assert (c.url, c.iam_url) == ("http://127.0.0.1:4592/api/v1", "http://127.0.0.1:4592")
    assert c._key == KEY
    monkeypatch.setenv("QISKIT_IBM_CHANNEL", "nonsense")
    with pytest.raises(ValueError, match="QISKIT_IBM_CHANNEL"):
        config.ibm_channel()


def test_platform_refuses_legacy_tokens_and_missing_crn(server: IbmServer) -> None:
    import requests

    url = f"{server.url}/api/v1/backends"
    legacy = {"Authorization": "Bearer local-ibm-token-alice", "Service-CRN": CRN}
    assert requests.get(url, headers=legacy, timeout=10).status_code == 401
    no_crn = {"Authorization": f"apikey {KEY}"}
    answer = requests.get(url, headers=no_crn, timeout=10)
    assert answer.status_code == 400 and "Service-CRN" in answer.text
    ok = requests.get(url, headers={**no_crn, "Service-CRN": CRN}, timeout=10)
    assert ok.status_code == 200 and {d["name"] for d in ok.json()["devices"]} == {
        "ibmq_qasm_simulator",
        "ibm_loopback_5q",
    }
