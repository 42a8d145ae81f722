"""Protocol-level checks of what qiskit-ibmq-provider 0.20 needs beyond the runtime API:
hub/group/project backend discovery and the ``/stream/jobs/{id}`` WebSocket (error paths,
message order, closing). The client itself is driven in tests/clients/test_ibmq_provider.py.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import requests
from simple_websocket import Client, ConnectionClosed

from pulumi_quantum.local.ibm import backends
from tests.local._ibm_server import ALICE, BOB, IbmServer, server_fixture
from tests.polling import wait_until

HGP = "/Network/{}/Groups/{}/Projects/{}".format(*ALICE[1].split("/"))
BOB_HGP = "/Network/{}/Groups/{}/Projects/{}".format(*BOB[1].split("/"))

PUBLISHING = """
import os
import time

def main(backend, user_messenger, gate, count=3):
    for i in range(count):
        user_messenger.publish({"i": i, "text": "line\\nbreak"})
    deadline = time.monotonic() + 60
    while not os.path.exists(gate) and time.monotonic() < deadline:
        time.sleep(0.05)
    return "done"
"""


server = server_fixture("ibmq-legacy")


def _job(srv: IbmServer, who: requests.Session, gate: Path, name: str) -> str:
    program = who.post(
        f"{srv.url}/programs",
        json={
            "name": name,
            "data": base64.b64encode(PUBLISHING.encode()).decode(),
            "cost": 120,
        },
        timeout=10,
    )
    assert program.status_code == 201, program.text
    job = who.post(
        f"{srv.url}/jobs",
        json={"program_id": program.json()["id"], "params": {"gate": str(gate)}, "runtime": None},
        timeout=10,
    )
    assert job.status_code == 200, job.text
    return job.json()["id"]


def _ws(srv: IbmServer, who: requests.Session, job_id: str) -> Client:
    url = "ws" + srv.url[len("http") :] + f"/stream/jobs/{job_id}"
    return Client.connect(url, headers={"X-Access-Token": who.headers["X-Access-Token"]})


def _until_closed(ws: Client, timeout: float) -> list[str]:
    """Messages received until the server closes the connection (deadline-bounded)."""
    received: list[str] = []

    def closed() -> bool:
        try:
            message = ws.receive(timeout=0.5)
        except ConnectionClosed:
            return True
        if message is not None:
            received.append(message)
        return False

    wait_until(closed, timeout, interval=0)
    return received


def test_hgp_backend_discovery(server: IbmServer) -> None:
    alice = server.login(ALICE[0])
    devices = alice.get(f"{server.url}{HGP}/devices/v/1", timeout=10)
    assert devices.status_code == 200
    assert devices.json() == backends.configurations()

    status = alice.get(f"{server.url}{HGP}/devices/{backends.DEVICE}/queue/status", timeout=10)
    assert status.json()["lengthQueue"] == 0 and status.json()["state"] is True
    props = alice.get(f"{server.url}{HGP}/devices/{backends.DEVICE}/properties", timeout=10)
    assert props.json() == backends.properties(backends.DEVICE)
    limit = alice.get(f"{server.url}{HGP}/devices/{backends.SIMULATOR}/jobsLimit", timeout=10)
    assert limit.json() == {"maximumJobs": -1, "runningJobs": 0}

    missing = alice.get(f"{server.url}{HGP}/devices/no_such_backend/queue/status", timeout=10)
    assert missing.status_code == 404 and "no_such_backend" in missing.text
    foreign = alice.get(f"{server.url}{BOB_HGP}/devices/v/1", timeout=10)
    assert foreign.status_code == 403 and "bob-project" in foreign.text
    anonymous = requests.get(f"{server.url}{HGP}/devices/v/1", timeout=10)
    assert anonymous.status_code == 401


def test_stream_refuses_plain_requests_and_foreign_or_missing_jobs(
    server: IbmServer, tmp_path: Path
) -> None:
    alice, bob = server.login(ALICE[0]), server.login(BOB[0])
    gate = tmp_path / "gate"
    job_id = _job(server, alice, gate, "stream-errors")
    try:
        plain = alice.get(f"{server.url}/stream/jobs/{job_id}", timeout=10)
        assert plain.status_code == 400 and "WebSocket" in plain.json()["error"]["message"]

        upgrade = {
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Key": base64.b64encode(b"0123456789abcdef").decode(),
            "Sec-WebSocket-Version": "13",
        }
        missing = alice.get(f"{server.url}/stream/jobs/nosuchjob", headers=upgrade, timeout=10)
        assert missing.status_code == 404 and "nosuchjob" in missing.text
        foreign = bob.get(f"{server.url}/stream/jobs/{job_id}", headers=upgrade, timeout=10)
        assert foreign.status_code == 404 and "alice" not in foreign.text  # as if unknown
        anonymous = requests.get(f"{server.url}/stream/jobs/{job_id}", headers=upgrade, timeout=10)
        assert anonymous.status_code == 401
    finally:
        gate.touch()


def test_stream_sends_ack_then_every_message_in_order_then_closes(
    server: IbmServer, tmp_path: Path
) -> None:
    alice = server.login(ALICE[0])
    gate = tmp_path / "gate"
    job_id = _job(server, alice, gate, "stream-order")
    ws = _ws(server, alice, job_id)
    try:
        assert json.loads(ws.receive(timeout=30)) == {"type": "authenticated"}
        messages = [json.loads(ws.receive(timeout=60)) for _ in range(3)]
        # A payload containing a newline arrives as one message, intact.
        assert messages == [{"i": i, "text": "line\nbreak"} for i in range(3)]
        state = alice.get(f"{server.url}/jobs/{job_id}", timeout=10).json()["status"]
        assert state in ("Queued", "Running")  # streamed while the job had not finished
        gate.touch()
        assert _until_closed(ws, 60) == []
        assert ws.close_reason == 1000
    finally:
        gate.touch()
    assert alice.get(f"{server.url}/jobs/{job_id}", timeout=10).json()["status"] == "Completed"

    # A client connecting after the job ended still gets everything, then a clean close.
    late = _ws(server, alice, job_id)
    received = [json.loads(m) for m in _until_closed(late, 60)]
    assert received == [{"type": "authenticated"}, *messages]
    assert late.close_reason == 1000


def test_open_streams_close_with_going_away_when_the_server_stops(tmp_path: Path) -> None:
    srv = IbmServer(tmp_path / "data").start()
    gate = tmp_path / "gate"
    try:
        alice = srv.login(ALICE[0])
        ws = _ws(srv, alice, _job(srv, alice, gate, "stream-stop"))
        assert json.loads(ws.receive(timeout=30)) == {"type": "authenticated"}
        srv.stop()
        _until_closed(ws, 30)
        assert ws.close_reason == 1001
    finally:
        gate.touch()
        srv.stop()
