"""The local IBM runtime driven by the unmodified qiskit-ibm-provider client."""

from __future__ import annotations

import warnings

import pytest
import requests

from tests.local._ibm_server import ALICE, BOB, IbmServer, server_fixture
from tests.local.test_ibm_jobs import submit, upload
from tests.polling import wait_until

HOLDING_PROGRAM = """
import os
import time


def main(backend, user_messenger, release=None):
    deadline = time.monotonic() + 90
    while not os.path.exists(release) and time.monotonic() < deadline:
        time.sleep(0.05)
    return "released"
"""


server = server_fixture("ibm-client")


@pytest.fixture(scope="module")
def provider(server: IbmServer):
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    from qiskit_ibm_provider import IBMProvider

    return IBMProvider(token=ALICE[0], url=server.url)


def _bell():
    from qiskit import QuantumCircuit

    qc = QuantumCircuit(2, 2, name="bell")
    qc.h(0)
    qc.cx(0, 1)
    qc.measure([0, 1], [0, 1])
    return qc


def test_provider_discovers_instances_and_backends(provider) -> None:
    assert provider.instances() == [ALICE[1]]
    names = {b.name for b in provider.backends()}
    assert {"ibmq_qasm_simulator", "ibm_loopback_5q"} <= names
    simulator = provider.get_backend("ibmq_qasm_simulator")
    assert simulator.configuration().simulator is True
    assert simulator.status().operational is True
    device = provider.get_backend("ibm_loopback_5q")
    assert device.num_qubits == 5
    assert device.properties().t1(0) > 0  # calibration data decoded by the client


def test_bad_token_is_rejected(server: IbmServer) -> None:
    from qiskit_ibm_provider import IBMProvider
    from qiskit_ibm_provider.api.exceptions import RequestsApiError

    with pytest.raises(RequestsApiError) as info:
        IBMProvider(token="not-a-valid-token", url=server.url)
    assert info.value.status_code == 401
    assert "not-a-valid-token" not in str(info.value)  # the secret is never echoed


def test_simulator_run_returns_counts(provider) -> None:
    backend = provider.get_backend("ibmq_qasm_simulator")
    job = backend.run(_bell(), shots=300)
    counts = job.result(timeout=120).get_counts()
    assert set(counts) <= {"00", "11"}
    assert sum(counts.values()) == 300

    # The job is found again through the client's retrieval and listing paths.
    retrieved = provider.retrieve_job(job.job_id())
    assert retrieved.result().get_counts() == counts
    assert retrieved.circuits()[0].name == "bell"
    assert job.job_id() in [j.job_id() for j in provider.jobs(limit=10)]
    # Cancelling a finished job is refused the way the client expects (409).
    from qiskit_ibm_provider.job.exceptions import IBMJobInvalidStateError

    with pytest.raises(IBMJobInvalidStateError):
        job.cancel()


def test_session_run_and_cancel(provider, server: IbmServer) -> None:
    from qiskit import transpile
    from qiskit_ibm_provider.api.exceptions import RequestsApiError

    backend = provider.get_backend("ibm_loopback_5q")
    session = backend.open_session(max_time=600)
    assert session.session_id, "a non-simulator backend opens a server-side session"

    job = backend.run(transpile(_bell(), backend), shots=200)
    counts = job.result(timeout=120).get_counts()
    assert set(counts) <= {"00", "11"} and sum(counts.values()) == 200
    assert counts.get("00", 0) > 0 and counts.get("11", 0) > 0
    # The job carries the session id, on the server as well as in the client object.
    assert provider._runtime_client.job_get(job.job_id())["session_id"] == session.session_id
    assert job._session_id == session.session_id

    session_id = session.session_id
    backend.cancel_session()
    assert session.active is False
    alice = server.login(ALICE[0])
    state = alice.get(f"{server.url}/sessions/{session_id}", timeout=10).json()
    assert state["state"] == "closed" and state["accepting_jobs"] is False
    assert state["state_reason"] == "cancelled"

    # A further job in the cancelled session is rejected by the server with IBM's error.
    with pytest.raises(RequestsApiError) as info:
        provider._runtime_client.program_run(
            program_id="circuit-runner",
            backend_name=backend.name,
            params={"circuits": [], "shots": 10},
            hgp=ALICE[1],
            session_id=session_id,
        )
    assert info.value.status_code == 400
    assert "Session has been closed" in str(info.value) and "1217" in str(info.value)


def test_closed_session_rejects_run_through_backend(provider, server: IbmServer) -> None:
    """Closing on the server side (PATCH) makes the vendor's ``backend.run`` fail."""
    from qiskit_ibm_provider.exceptions import IBMBackendApiError

    backend = provider.get_backend("ibm_loopback_5q")
    session = backend.open_session(max_time=600)
    alice = server.login(ALICE[0])
    patched = alice.patch(
        f"{server.url}/sessions/{session.session_id}", json={"accepting_jobs": False}, timeout=10
    )
    assert patched.status_code == 204
    with pytest.raises(IBMBackendApiError, match="Session has been closed"):
        backend.run(_bell(), shots=10)
    backend.close_session()


def test_other_users_instance_is_forbidden(server: IbmServer) -> None:
    bob = server.login(BOB[0])
    response = bob.get(f"{server.url}/backends", params={"provider": ALICE[1]}, timeout=10)
    assert response.status_code == 403
    response = bob.post(f"{server.url}/sessions", json={"instance": ALICE[1]}, timeout=10)
    assert response.status_code == 403
    assert requests.get(f"{server.url}/Network", timeout=10).status_code == 401


def test_open_session_with_duration_string(provider, server: IbmServer) -> None:
    """qiskit-ibm-provider 0.11 sends ``max_time`` as given ("2h 30m") as max_session_ttl."""
    backend = provider.get_backend("ibm_loopback_5q")
    session = backend.open_session(max_time="2h 30m")
    alice = server.login(ALICE[0])
    state = alice.get(f"{server.url}/sessions/{session.session_id}", timeout=10).json()
    assert state["max_ttl"] == 9000 and state["state"] == "open"
    # IBM's wire names only: none of the names the local runtime used to invent.
    assert {"max_ttl", "interactive_ttl", "active_ttl", "started_at", "activated_at"} <= set(state)
    assert not {"max_time", "interactive_timeout", "expires_at", "closed_reason"} & set(state)
    backend.cancel_session()


def test_seed_002_client_details_as_ibm(server: IbmServer, provider, tmp_path, monkeypatch) -> None:
    """Issue 29's qiskit-ibm-provider 0.11 details: jobs filtered by end date, a saved account
    with a default instance, a wrong URL, and a backend's pending-jobs count."""
    from datetime import datetime, timedelta

    from qiskit_ibm_provider import IBMProvider
    from qiskit_ibm_provider.api.exceptions import RequestsApiError

    backend = provider.get_backend("ibmq_qasm_simulator")
    job = backend.run(_bell(), shots=10)
    job.result()
    now = datetime.now()
    later = [j.job_id() for j in provider.backend.jobs(end_datetime=now + timedelta(hours=1))]
    earlier = [j.job_id() for j in provider.backend.jobs(end_datetime=now - timedelta(hours=1))]
    assert job.job_id() in later and earlier == []
    assert backend.status().pending_jobs == 0  # nothing queued now
    # Two jobs hold the executor; the third waits: IBM counts waiting jobs as pending.
    alice = server.login(ALICE[0])
    program = upload(server, alice, "holds", HOLDING_PROGRAM, 120)
    release = tmp_path / "release"
    ids = [submit(server, alice, program, {"release": str(release)}).json()["id"] for _ in range(3)]

    def statuses() -> list[str]:
        return sorted(alice.get(f"{server.url}/jobs/{i}", timeout=10).json()["status"] for i in ids)

    wait_until(lambda: statuses() == ["Queued", "Running", "Running"], timeout=60)
    assert backend.status().pending_jobs == 1
    release.touch()
    wait_until(lambda: statuses() == ["Completed"] * 3, timeout=90)
    assert backend.status().pending_jobs == 0

    monkeypatch.setenv("HOME", str(tmp_path))  # ~/.qiskit of this test only
    IBMProvider.save_account(token=ALICE[0], url=server.url, instance=ALICE[1], overwrite=True)
    saved = IBMProvider()
    assert saved.active_account()["instance"] == ALICE[1]
    assert {"ibmq_qasm_simulator", "ibm_loopback_5q"} <= {b.name for b in saved.backends()}

    with pytest.raises(RequestsApiError) as info:
        IBMProvider(token=ALICE[0], url=server.url + "/no-such-prefix")
    assert info.value.status_code == 404


def test_failed_jobs_error_message_as_ibm_words_it(server: IbmServer, provider) -> None:
    """A failed job's ``error_message()`` (and ``result()``'s error) through the unmodified
    qiskit-ibm-provider 0.11, which reads ``state.reason`` and, when IBM says only ``"Error"``,
    the job's results: an instruction IBM refuses is its error 7001 message, raised as a
    ``JobError`` by the circuit runner; a retrieved job says the same."""
    from qiskit import QuantumCircuit
    from qiskit.circuit import Gate
    from qiskit.providers import JobStatus
    from qiskit_ibm_provider.job.exceptions import IBMJobFailureError

    circuit = QuantumCircuit(2, 2)
    circuit.h(0)
    circuit.append(Gate("bad_instruction", 2, []), [0, 1])  # opaque: nothing can run it
    circuit.measure([0, 1], [0, 1])
    job = provider.get_backend("ibmq_qasm_simulator").run(circuit, shots=10)
    wait_until(lambda: job.status() in (JobStatus.ERROR, JobStatus.DONE), timeout=90)
    assert job.status() is JobStatus.ERROR
    expected = "Instruction bad_instruction is not supported."  # IBM's error 7001
    assert job.error_message() == expected
    with pytest.raises(IBMJobFailureError) as info:
        job.result()
    assert info.value.message == f"Job failed: {expected}"
    assert provider.retrieve_job(job.job_id()).error_message() == expected

    # The job document says what IBM's did: the reason "Error", the detail in the results.
    alice = server.login(ALICE[0])
    document = alice.get(f"{server.url}/jobs/{job.job_id()}", timeout=10).json()
    assert document["state"] == {"status": "Failed", "reason": "Error"}
    results = alice.get(f"{server.url}/jobs/{job.job_id()}/results", timeout=10).text
    assert results.startswith("Traceback (most recent call last):")
    assert f"JobError: '{expected}'" in results
