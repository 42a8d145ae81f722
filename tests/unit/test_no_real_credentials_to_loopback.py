"""No credential of a real account is ever sent to a loopback address unless the target is local,
and the local target never sends the user's environment credentials anywhere (issue 27).

A recording listener on a loopback port stands in for "whatever listens there on a shared
machine": it records every byte that arrives. The user has real-looking AWS keys and an IBM token
in the environment or the stack config; every configuration that could route them to the
listener is tried through the same client factories every provider operation uses.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pulumi_quantum import _provider
from pulumi_quantum._provider import ProviderError
from pulumi_quantum.clients import braket as clients
from pulumi_quantum.clients import ibm as ibm_config
from pulumi_quantum.clients.ibm_runtime import IBMRuntimeError
from pulumi_quantum.local import clientfile

REAL = {
    "AWS_ACCESS_KEY_ID": "AKIAREALACCOUNT77777",
    "AWS_SECRET_ACCESS_KEY": "real-aws-secret-9f8e7d6c5b4a",
    "AWS_SESSION_TOKEN": "real-aws-session-token-1a2b3c",
    "QISKIT_IBM_TOKEN": "real-ibm-token-0a1b2c3d4e5f",
}
REAL_API_KEY = "real-ibm-cloud-apikey-5e6f7a8b"
REAL_CRN = "crn:v1:bluemix:public:quantum-computing:us-east:a/real:real-instance::"
SECRETS = (*REAL.values(), REAL_API_KEY)


class Recorder(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        self.requests: list[bytes] = []
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def everything(self) -> bytes:
        return b"\n".join(self.requests)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _record(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        raw = f"{self.requestline}\r\n{self.headers}".encode() + body
        self.server.requests.append(raw)  # type: ignore[attr-defined]
        answer = b'{"message": "recorded", "__type": "AccessDeniedException"}'
        self.send_response(403)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _record

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def listener(monkeypatch, tmp_path) -> Iterator[Recorder]:
    for name in (
        "PULUMI_QUANTUM_TARGET", "PULUMI_QUANTUM_IBM_TARGET", "AWS_PROFILE", "QISKIT_IBM_URL",
        "QISKIT_IBM_INSTANCE", "QISKIT_IBM_CHANNEL", "QISKIT_IBM_API_URL", "IAM_URL",
        "AWS_ENDPOINT_URL_BRAKET", "AWS_ENDPOINT_URL_S3",
    ):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    for name, value in REAL.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PQ_LOCAL_DATA_DIR", str(tmp_path / "cloud"))
    _provider._remember_stack_config({"quantum:awsMaxAttempts": "1"})
    clients._cached_client.cache_clear()
    server = Recorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # The listener is where the local cloud's state says the local cloud is: the worst case.
    (tmp_path / "cloud").mkdir()
    clientfile.write(
        tmp_path / "cloud",
        {"endpoints": {"braket": server.url, "s3": server.url, "ibm": server.url}},
    )
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        _provider._remember_stack_config({})
        clients._cached_client.cache_clear()
    for secret in SECRETS:
        assert secret.encode() not in server.everything(), secret


def config(**values: str) -> None:
    _provider._remember_stack_config({"quantum:awsMaxAttempts": "1", **values})


def braket_call() -> None:
    """What every Braket operation does: resolve settings, build the client, send."""
    with pytest.raises(ProviderError):
        from pulumi_quantum.braket._common import braket_errors

        with braket_errors("SearchDevices"):
            clients.braket_client().search_devices(filters=[])


def test_target_aws_with_a_loopback_endpoint_sends_nothing(listener, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_BRAKET", listener.url)
    config(**{"quantum:target": "aws"})
    braket_call()
    assert listener.requests == []


def test_a_real_configured_key_and_a_loopback_endpoint_send_nothing(listener):
    config(
        **{
            "quantum:braketEndpoint": listener.url,
            "quantum:awsAccessKeyId": "AKIAREALCONFIGKEY777",
            "quantum:awsSecretAccessKey": REAL["AWS_SECRET_ACCESS_KEY"],
        }
    )
    braket_call()
    assert listener.requests == []


def test_local_target_signs_with_the_local_clouds_key_not_the_environments(listener, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_BRAKET", listener.url)  # as scripts/env.sh exports it
    braket_call()
    assert listener.requests, "the request went to the local cloud's address"
    sent = listener.everything()
    assert b"Credential=AKIALOCALQUANTUM0001/" in sent  # the local cloud's documented key
    assert REAL["AWS_ACCESS_KEY_ID"].encode() not in sent
    assert b"X-Amz-Security-Token" not in sent


def test_ibm_target_with_a_loopback_url_sends_nothing(listener, monkeypatch):
    monkeypatch.setenv("QISKIT_IBM_URL", listener.url)
    config(**{"quantum:ibmTarget": "ibm"})
    with pytest.raises(ProviderError, match="quantum:ibmTarget is ibm"):
        ibm_config.runtime_client().list_programs()
    with pytest.raises(ProviderError, match="quantum:ibmTarget is ibm"):
        ibm_config.session_client().get_session("s")
    assert listener.requests == []


def test_ibm_real_token_in_config_and_a_loopback_url_send_nothing(listener, monkeypatch):
    monkeypatch.setenv("QISKIT_IBM_URL", listener.url)
    config(**{"quantum:ibmToken": "real-config-ibm-token-777"})
    with pytest.raises(ProviderError, match="quantum:ibmToken"):
        ibm_config.runtime_client().list_programs()
    config(**{"quantum:ibmApiKey": REAL_API_KEY, "quantum:ibmInstance": REAL_CRN,
              "quantum:ibmIamUrl": listener.url})  # fmt: skip
    with pytest.raises(ProviderError, match="quantum:ibmApiKey"):
        ibm_config.session_client().get_session("s")
    assert listener.requests == []


def test_ibm_local_target_logs_in_with_the_local_token_not_the_environments(listener, monkeypatch):
    monkeypatch.setenv("QISKIT_IBM_URL", listener.url)
    with pytest.raises(IBMRuntimeError):
        ibm_config.runtime_client().list_programs()
    assert b"local-ibm-token-alice" in listener.everything()
    monkeypatch.setenv("QISKIT_IBM_INSTANCE", REAL_CRN)  # qiskit-ibm-runtime's real account
    monkeypatch.setenv("QISKIT_IBM_TOKEN", REAL_API_KEY)
    monkeypatch.setenv("PULUMI_QUANTUM_IBM_TARGET", "local")
    with pytest.raises(IBMRuntimeError):
        ibm_config.session_client().get_session("s")
    assert b"local-ibm-apikey-alice" in listener.everything()


def test_a_real_ibm_token_without_a_url_never_goes_where_the_local_cloud_listens(listener):
    """Issue 27 point 2: the token used to go to a hard-coded loopback port."""
    client = ibm_config.runtime_client()
    assert not client.url.startswith("http://127.0.0.1")
    assert client.url == "https://auth.quantum-computing.ibm.com/api"
    assert listener.requests == []
