"""The runtime REST client: auth flow, programs, sessions, typed errors, library retries.

Protocol behaviour is checked against the local IBM runtime; retry behaviour against a tiny
scripted loopback server (status sequences the local cloud's random fault knobs cannot promise).
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from pulumi_quantum.clients.ibm_runtime import (
    BadRequestError,
    DuplicateProgramError,
    IBMRuntimeClient,
    NotAuthorizedError,
    NotFoundError,
    ServerError,
    ThrottledError,
    make_retry,
    program_data_sha256,
)

SOURCE = "def main(backend, user_messenger, **kwargs):\n    return 1\n"
B64 = base64.b64encode(SOURCE.encode()).decode()
ALICE = "local-ibm-token-alice"
BOB = "local-ibm-token-bob"


@pytest.fixture
def client(local_cloud) -> Iterator[IBMRuntimeClient]:
    with IBMRuntimeClient(local_cloud.endpoints["ibm"], ALICE) as c:
        yield c


def test_program_round_trip(client):
    created = client.create_program(
        data_base64=B64, name="rt-1", description="d", max_execution_time=300, spec={"a": {}}
    )
    pid = created["id"]
    got = client.get_program(pid)
    assert (got["name"], got["description"], got["cost"], got["is_public"]) == (
        "rt-1",
        "d",
        300,
        False,
    )
    assert program_data_sha256(got) == __import__("hashlib").sha256(SOURCE.encode()).hexdigest()

    client.update_program_metadata(pid, {"description": "d2", "max_execution_time": 600})
    new_source = SOURCE.replace("1", "2")
    client.update_program_data(pid, base64.b64encode(new_source.encode()).decode())
    client.set_program_visibility(pid, True)
    got = client.get_program(pid)
    assert (got["description"], got["cost"], got["is_public"]) == ("d2", 600, True)
    assert base64.b64decode(got["data"]).decode() == new_source
    assert client.find_program_by_name("rt-1")["id"] == pid

    assert client.delete_program(pid) is True
    assert client.delete_program(pid) is False  # already gone counts as deleted
    with pytest.raises(NotFoundError, match="404"):
        client.get_program(pid)


def test_duplicate_name_is_a_typed_409(client):
    client.create_program(data_base64=B64, name="dup-1", description="d", max_execution_time=5)
    with pytest.raises(DuplicateProgramError) as info:
        client.create_program(data_base64=B64, name="dup-1", description="d", max_execution_time=5)
    assert info.value.status == 409
    assert "dup-1" in str(info.value)


def test_other_users_public_program_is_not_writable_403(client, local_cloud):
    pid = client.create_program(
        data_base64=B64, name="pub-1", description="d", max_execution_time=5, is_public=True
    )["id"]
    with IBMRuntimeClient(local_cloud.endpoints["ibm"], BOB) as bob:
        assert bob.get_program(pid)["name"] == "pub-1"
        with pytest.raises(NotAuthorizedError) as info:
            bob.delete_program(pid)
    assert info.value.status == 403
    assert "not authorised" in str(info.value)
    assert BOB not in str(info.value)


def test_bad_token_message_never_contains_the_token(local_cloud):
    secret = "definitely-not-a-valid-token-123456"
    bad = IBMRuntimeClient(local_cloud.endpoints["ibm"], secret)
    with bad, pytest.raises(NotAuthorizedError) as info:
        bad.list_programs()
    assert info.value.status == 401
    assert secret not in str(info.value)
    assert secret not in repr(bad)


def test_missing_token_is_refused_before_any_request():
    with pytest.raises(NotAuthorizedError, match="quantum:ibmToken"):
        IBMRuntimeClient("http://127.0.0.1:9", "")


def test_rejected_content_is_a_bad_request_naming_the_field(client):
    with pytest.raises(BadRequestError) as info:
        client.create_program(
            data_base64="%%%", name="bad-data", description="d", max_execution_time=5
        )
    assert info.value.status == 400
    assert "data" in str(info.value)


def test_session_round_trip(client):
    opened = client.create_session(backend="ibmq_qasm_simulator", max_time=600, mode="batch")
    sid = opened["id"]
    got = client.get_session(sid)
    assert (got["accepting_jobs"], got["mode"], got["max_ttl"]) == (True, "batch", 600)
    assert client.close_session(sid) is True
    assert client.get_session(sid)["accepting_jobs"] is False
    other = client.create_session(backend="ibmq_qasm_simulator")["id"]
    assert client.cancel_session(other) is True
    assert client.get_session(other)["state_reason"] == "cancelled"
    assert client.close_session("no-such-session") is False


def test_unreachable_service_is_a_server_error_without_secrets():
    with (
        IBMRuntimeClient(
            "http://127.0.0.1:9", ALICE, retry=make_retry(total=1, backoff_factor=0)
        ) as c,
        pytest.raises(ServerError) as info,
    ):
        c.list_programs()
    assert "cannot reach" in str(info.value)
    assert ALICE not in str(info.value)


class Scripted:
    """A loopback server answering login/discovery, then a scripted status sequence."""

    def __init__(self, statuses: list[int], retry_after: str | None = None) -> None:
        self.statuses = list(statuses)
        self.retry_after = retry_after
        self.calls: list[tuple[str, float]] = []
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @Request.application
    def app(self, request: Request) -> Response:
        if request.path == "/users/loginWithToken":
            return Response(json.dumps({"id": "access-123"}), mimetype="application/json")
        if request.path == "/users/me":
            urls = {"http": self.url, "services": {"runtime": self.url}}
            return Response(json.dumps({"urls": urls}), mimetype="application/json")
        assert request.headers["X-Access-Token"] == "access-123"
        self.calls.append((request.method, time.monotonic()))
        status = self.statuses.pop(0) if self.statuses else 200
        headers = {"Retry-After": self.retry_after} if status == 429 and self.retry_after else {}
        body = (
            {"id": "p-1", "name": "n"}
            if status == 200
            else {"error": {"message": "nope access-123"}}
        )
        return Response(
            json.dumps(body), status=status, headers=headers, mimetype="application/json"
        )

    def __enter__(self) -> Scripted:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join()


def fast_client(url: str, total: int = 5) -> IBMRuntimeClient:
    return IBMRuntimeClient(url, "tok-xyz", retry=make_retry(total=total, backoff_factor=0.01))


def test_throttling_and_server_errors_are_retried_by_the_library():
    with Scripted([429, 503, 500]) as server, fast_client(server.url) as c:
        assert c.get_program("p-1")["id"] == "p-1"
    assert [m for m, _ in server.calls] == ["GET"] * 4


def test_retry_after_header_is_honoured():
    with Scripted([429], retry_after="1") as server, fast_client(server.url) as c:
        c.get_program("p-1")
    (_, first), (_, second) = server.calls
    assert second - first >= 0.9


def test_post_is_retried_on_429_but_not_on_500():
    with Scripted([429]) as server, fast_client(server.url) as c:
        c.create_program(data_base64=B64, name="n", description="d", max_execution_time=5)
    assert [m for m, _ in server.calls] == ["POST", "POST"]
    with (
        Scripted([500]) as server,
        fast_client(server.url) as c,
        pytest.raises(ServerError, match="HTTP 500"),
    ):
        c.create_program(data_base64=B64, name="n", description="d", max_execution_time=5)
    assert [m for m, _ in server.calls] == ["POST"]  # may have been processed: not resent


def test_persistent_throttling_becomes_a_typed_error_without_the_access_token():
    with (
        Scripted([429] * 10) as server,
        fast_client(server.url, total=2) as c,
        pytest.raises(ThrottledError) as info,
    ):
        c.get_program("p-1")
    assert len(server.calls) == 3
    assert "access-123" not in str(info.value) and "***" in str(info.value)


def test_login_is_reused_across_clients_and_a_rejected_cached_token_is_renewed(local_cloud):
    from pulumi_quantum.clients import ibm_runtime

    url = local_cloud.endpoints["ibm"]
    with IBMRuntimeClient(url, ALICE) as first:
        first.list_programs()
    key = (url.rstrip("/"), __import__("hashlib").sha256(ALICE.encode()).hexdigest())
    access, runtime_url = ibm_runtime._LOGINS[key]
    assert access and runtime_url
    assert ALICE not in access  # the cache holds the access token, not the API token

    # A later client starts from the cache; a stale access token is replaced transparently.
    ibm_runtime._LOGINS[key] = ("stale-access-token", runtime_url)
    with IBMRuntimeClient(url, ALICE) as second:
        assert isinstance(second.list_programs(), list)
    assert ibm_runtime._LOGINS[key][0] not in ("stale-access-token", None)
