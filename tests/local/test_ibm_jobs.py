"""Program jobs in subprocesses: kwargs and results, time limits, failures, cancel, logs,
session expiry and cancel, fault knobs."""

from __future__ import annotations

import base64
import json
import os
import time

import pytest
import requests

from tests import loopback
from tests.local._ibm_server import ALICE, BOB, IbmServer, server_fixture
from tests.polling import wait_until

HUB, GROUP, PROJECT = ALICE[1].split("/")

KWARGS_PROGRAM = """
def main(backend, user_messenger, circuit, factor=1, **extra):
    print("program started with factor", factor)
    user_messenger.publish({"progress": 0.5})
    counts = backend.run(circuit, shots=64, seed_simulator=11).result().get_counts()
    return {"doubled": factor * 2, "counts": counts, "extra": extra}
"""
SLEEPY_PROGRAM = """
import time

def main(backend, user_messenger, seconds=600):
    print("going to sleep", flush=True)
    time.sleep(seconds)
    return "woke up"
"""
FAILING_PROGRAM = """
def main(backend, user_messenger):
    raise ValueError("the program gave up")
"""
NETWORK_PROGRAM = """
import socket

def main(backend, user_messenger):
    try:
        socket.create_connection(("192.0.2.1", 9), timeout=5).close()
    except OSError as exc:
        return f"refused: {exc}"
    return "connected"
"""
ENVIRONMENT_PROGRAM = """
import os

def main(backend, user_messenger):
    return sorted(os.environ)
"""
FINAL_STATES = ("Completed", "Failed", "Cancelled", "Cancelled - Ran too long")


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


server = server_fixture("ibm-jobs")


def upload(srv: IbmServer, who: requests.Session, name: str, source: str, cost: int) -> str:
    response = who.post(
        f"{srv.url}/programs",
        json={"name": name, "data": b64(source), "cost": cost, "description": name},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def submit(
    srv: IbmServer, who: requests.Session, program_id: str, params: dict | str, **extra: object
) -> requests.Response:
    body = {
        "program_id": program_id,
        "backend": "ibmq_qasm_simulator",
        "hub": HUB,
        "group": GROUP,
        "project": PROJECT,
        **extra,
    }
    # params travel in the vendor's own encoding (RuntimeEncoder), as the clients send them
    payload = (
        json.dumps(body)[:-1]
        + ', "params": '
        + (params if isinstance(params, str) else json.dumps(params))
        + "}"
    )
    return who.post(f"{srv.url}/jobs", data=payload, timeout=10)


def final_job(srv: IbmServer, who: requests.Session, job_id: str, timeout: float = 90) -> dict:
    def done() -> dict | None:
        job = who.get(f"{srv.url}/jobs/{job_id}", timeout=10).json()
        return job if job["state"]["status"] in FINAL_STATES else None

    return wait_until(done, timeout)


def test_program_job_with_kwargs_returns_its_result(server: IbmServer) -> None:
    from qiskit import QuantumCircuit
    from qiskit_ibm_provider.utils.json import RuntimeDecoder, RuntimeEncoder

    alice = server.login(ALICE[0])
    program_id = upload(server, alice, "kwargs-program", KWARGS_PROGRAM, 120)
    bell = QuantumCircuit(2, 2)
    bell.h(0)
    bell.cx(0, 1)
    bell.measure([0, 1], [0, 1])
    params = json.dumps({"circuit": bell, "factor": 21, "label": "x"}, cls=RuntimeEncoder)
    response = submit(server, alice, program_id, params, tags=["t1"])
    assert response.status_code == 200, response.text
    job_id = response.json()["id"]

    job = final_job(server, alice, job_id)
    assert job["status"] == "Completed", job
    assert job["program"]["id"] == program_id and job["tags"] == ["t1"]
    text = alice.get(f"{server.url}/jobs/{job_id}/results", timeout=10).text
    result = json.loads(text, cls=RuntimeDecoder)
    assert result["doubled"] == 42 and result["extra"] == {"label": "x"}
    assert set(result["counts"]) <= {"00", "11"} and sum(result["counts"].values()) == 64
    logs = alice.get(f"{server.url}/jobs/{job_id}/logs", timeout=10).text
    assert "program started with factor 21" in logs
    interim = alice.get(f"{server.url}/jobs/{job_id}/interim_results", timeout=10).text
    assert json.loads(interim.splitlines()[0]) == {"progress": 0.5}
    listed = alice.get(f"{server.url}/jobs", params={"program": program_id}, timeout=10).json()
    assert [j["id"] for j in listed["jobs"]] == [job_id]
    # jobs are private to their instance: bob may not read them, nor learn that they exist
    bob = server.login(BOB[0])
    foreign = bob.get(f"{server.url}/jobs/{job_id}", timeout=10)
    unknown = bob.get(f"{server.url}/jobs/{'0' * len(job_id)}", timeout=10)
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.text.replace(job_id, "0" * len(job_id)) == unknown.text
    assert "alice" not in foreign.text
    assert bob.get(f"{server.url}/jobs", timeout=10).json()["jobs"] == []
    # ... and the same for sessions, on every route that takes a session id
    sid = alice.post(f"{server.url}/sessions", json={}, timeout=10).json()["id"]
    for method, path, body in (
        ("GET", "/sessions/{}", None),
        ("PATCH", "/sessions/{}", {"accepting_jobs": False}),
        ("DELETE", "/sessions/{}/close", None),
    ):
        foreign = bob.request(method, server.url + path.format(sid), json=body, timeout=10)
        unknown = bob.request(method, server.url + path.format("0" * 20), json=body, timeout=10)
        assert foreign.status_code == unknown.status_code == 404, (method, foreign.text)
        assert foreign.text.replace(sid, "0" * 20) == unknown.text
    assert alice.get(f"{server.url}/sessions/{sid}", timeout=10).json()["accepting_jobs"] is True


def test_job_exceeding_max_execution_time_is_killed(server: IbmServer) -> None:
    alice = server.login(ALICE[0])
    program_id = upload(server, alice, "too-slow", SLEEPY_PROGRAM, 2)
    started = time.monotonic()
    job_id = submit(server, alice, program_id, {"seconds": 600}).json()["id"]
    job = final_job(server, alice, job_id, timeout=60)
    assert time.monotonic() - started < 60
    assert job["status"] == "Cancelled - Ran too long"  # IBM's runtime status for it
    assert "maximum execution time of 2 seconds" in job["state"]["reason"]
    assert "killed" in job["state"]["reason"]
    assert "going to sleep" in alice.get(f"{server.url}/jobs/{job_id}/logs", timeout=10).text


def test_failing_program_reports_its_error(server: IbmServer) -> None:
    alice = server.login(ALICE[0])
    program_id = upload(server, alice, "failing", FAILING_PROGRAM, 60)
    job_id = submit(server, alice, program_id, {}).json()["id"]
    job = final_job(server, alice, job_id)
    assert job["status"] == "Failed"
    # IBM's legacy runtime: the reason "Error", the program's traceback in the results
    assert job["state"]["reason"] == "Error"
    results = alice.get(f"{server.url}/jobs/{job_id}/results", timeout=10).text
    assert results.startswith("Traceback") and "ValueError: the program gave up" in results


def test_job_processes_are_under_the_network_audit_too(server: IbmServer) -> None:
    """A job's scrubbed environment still carries the audit log: user code that tries to leave
    loopback is refused *and* reported, so the session's audit covers job processes."""
    alice = server.login(ALICE[0])
    program_id = upload(server, alice, "phones-home", NETWORK_PROGRAM, 60)
    job_id = submit(server, alice, program_id, {}).json()["id"]
    job = final_job(server, alice, job_id)
    assert job["status"] == "Completed", job
    result = alice.get(f"{server.url}/jobs/{job_id}/results", timeout=10).json()
    assert result.startswith("refused: test network audit"), result

    def provoked(entry: dict) -> bool:
        return "ibm/runner" in str(entry.get("argv")) and "192.0.2.1" in str(entry)

    reported = [e for _, e in loopback.outside() if isinstance(e, dict) and provoked(e)]
    assert len(reported) == 1, loopback.outside()
    assert loopback.forget_logged(provoked) == 1


def test_job_environment_is_the_allowlist_plus_only_what_is_named(
    server: IbmServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """User code sees the allowlist and the PQ_JOB_ENV_PASSTHROUGH names, nothing else of the
    server's environment (AWS_* settings, IBM tokens, PQ_LOCAL_* credentials stay out)."""
    from pulumi_quantum.local.ibm import executor

    monkeypatch.setenv("PQ_LOCAL_AWS_SECRET_ACCESS_KEY", "server-side-secret")
    monkeypatch.setenv("PQ_TEST_JOB_KNOB", "1")
    named = f"{os.environ.get(executor.JOB_ENV_PASSTHROUGH, '')},PQ_TEST_JOB_KNOB"
    monkeypatch.setenv(executor.JOB_ENV_PASSTHROUGH, named)
    alice = server.login(ALICE[0])
    program_id = upload(server, alice, "env-probe", ENVIRONMENT_PROGRAM, 60)
    job_id = submit(server, alice, program_id, {}).json()["id"]
    assert final_job(server, alice, job_id)["status"] == "Completed"
    seen = set(alice.get(f"{server.url}/jobs/{job_id}/results", timeout=10).json())
    allowed = set(executor._ENV_ALLOWLIST) | {n for n in named.split(",") if n}
    allowed.add("QISKIT_IN_PARALLEL")  # set by qiskit itself when the job process imports it
    assert "PQ_TEST_JOB_KNOB" in seen and "PATH" in seen
    assert seen <= allowed, seen - allowed
    assert "AWS_ENDPOINT_URL" in os.environ and "AWS_ENDPOINT_URL" not in seen


def test_cancel_running_job(server: IbmServer) -> None:
    alice = server.login(ALICE[0])
    program_id = upload(server, alice, "cancel-me", SLEEPY_PROGRAM, 600)
    job_id = submit(server, alice, program_id, {}).json()["id"]
    url = f"{server.url}/jobs/{job_id}"
    wait_until(lambda: "going to sleep" in alice.get(f"{url}/logs", timeout=10).text, 60)
    assert alice.post(f"{url}/cancel", timeout=10).status_code == 204
    job = final_job(server, alice, job_id, timeout=30)
    assert job["status"] == "Cancelled"
    assert alice.post(f"{url}/cancel", timeout=10).status_code == 409
    assert alice.get(f"{url}/results", timeout=10).status_code == 404


def test_job_submission_errors(server: IbmServer) -> None:
    alice = server.login(ALICE[0])
    bob = server.login(BOB[0])
    private = upload(server, alice, "alice-only", SLEEPY_PROGRAM, 5)
    assert (
        submit(
            server, bob, private, {}, hub="local-hub", group="local-group", project="bob-project"
        ).status_code
        == 404
    )
    assert submit(server, alice, "no-such-program", {}).status_code == 404
    bad_backend = submit(server, alice, private, {}, backend="ibm_nowhere")
    assert bad_backend.status_code == 400 and "backend" in bad_backend.json()["error"]["message"]
    assert submit(server, bob, private, {}).status_code == 403  # alice's instance
    missing = bob.post(f"{server.url}/jobs", json={"params": {}}, timeout=10)
    assert missing.status_code == 400 and "program_id" in missing.json()["error"]["message"]
    unknown = alice.get(f"{server.url}/jobs/doesnotexist", timeout=10)
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == 3250


def test_session_expires_after_max_time(server: IbmServer) -> None:
    alice = server.login(ALICE[0])
    created = alice.post(
        f"{server.url}/sessions",
        json={"backend": "ibmq_qasm_simulator", "instance": ALICE[1], "max_session_ttl": 1},
        timeout=10,
    )
    assert created.status_code == 201
    session_id = created.json()["id"]
    url = f"{server.url}/sessions/{session_id}"
    state = wait_until(
        lambda: (s := alice.get(url, timeout=10).json())["state"] == "closed" and s, 10
    )
    assert state["state_reason"] == "max_ttl" and state["accepting_jobs"] is False
    assert state["max_ttl"] == 1 and state["closed_at"] is not None
    rejected = submit(server, alice, "circuit-runner", {"circuits": []}, session_id=session_id)
    assert rejected.status_code == 400
    assert rejected.json()["error"]["code"] == 1217
    assert "max_ttl" in rejected.json()["error"]["message"]
    bad = alice.post(f"{server.url}/sessions", json={"max_session_ttl": "soon"}, timeout=10)
    assert bad.status_code == 400 and "max_session_ttl" in bad.json()["error"]["message"]
    assert alice.get(f"{server.url}/sessions/nope", timeout=10).status_code == 404


def test_session_cancel_cancels_its_running_jobs(server: IbmServer) -> None:
    alice = server.login(ALICE[0])
    session_id = alice.post(
        f"{server.url}/sessions", json={"backend": "ibmq_qasm_simulator"}, timeout=10
    ).json()["id"]
    program_id = upload(server, alice, "in-session", SLEEPY_PROGRAM, 600)
    job_id = submit(server, alice, program_id, {}, session_id=session_id).json()["id"]
    assert alice.get(f"{server.url}/jobs/{job_id}", timeout=10).json()["session_id"] == session_id
    assert alice.delete(f"{server.url}/sessions/{session_id}/close", timeout=10).status_code == 204
    assert final_job(server, alice, job_id, timeout=30)["status"] == "Cancelled"
    state = alice.get(f"{server.url}/sessions/{session_id}", timeout=10).json()
    assert state["state"] == "closed" and state["state_reason"] == "cancelled"


def test_fault_knobs(server: IbmServer) -> None:
    alice = server.login(ALICE[0])
    try:
        response = requests.post(
            f"{server.url}/_local/faults", json={"throttle_rate": 1.0}, timeout=10
        )
        assert response.status_code == 200 and response.json()["throttle_rate"] == 1.0
        throttled = alice.get(f"{server.url}/programs", timeout=10)
        assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "1"
        requests.post(
            f"{server.url}/_local/faults",
            json={"throttle_rate": 0.0, "error_rate": 1.0},
            timeout=10,
        )
        assert alice.get(f"{server.url}/programs", timeout=10).status_code == 500
        assert requests.get(f"{server.url}/_local/faults", timeout=10).json()["error_rate"] == 1.0
        requests.post(
            f"{server.url}/_local/faults",
            json={"error_rate": 0.0, "latency_ms": 300},
            timeout=10,
        )
        started = time.monotonic()
        assert alice.get(f"{server.url}/programs", timeout=10).status_code == 200
        assert time.monotonic() - started >= 0.3
        bad = requests.post(f"{server.url}/_local/faults", json={"nonsense": 1}, timeout=10)
        assert bad.status_code == 400 and "nonsense" in bad.json()["error"]["message"]
    finally:
        server.faults.update({"throttle_rate": 0.0, "error_rate": 0.0, "latency_ms": 0})
    assert alice.get(f"{server.url}/programs", timeout=10).status_code == 200
