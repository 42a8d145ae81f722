"""Persistence of the local IBM runtime: a clean restart and a ``kill -9`` of the whole local
cloud lose no programs, sessions or finished results; a job running at the crash ends failed
with a reason, and its orphaned job process is killed."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from tests.local._ibm_server import ALICE, IbmServer
from tests.local.test_ibm_jobs import SLEEPY_PROGRAM, final_job, submit, upload
from tests.polling import wait_until


def test_restart_keeps_programs_sessions_and_results(tmp_path: Path) -> None:
    srv = IbmServer(tmp_path).start()
    try:
        alice = srv.login(ALICE[0])
        program_id = upload(srv, alice, "durable", "def main(b, m, x):\n    return x * 3\n", 60)
        job_id = submit(srv, alice, program_id, {"x": 5}).json()["id"]
        assert final_job(srv, alice, job_id)["status"] == "Completed"
        session_id = alice.post(f"{srv.url}/sessions", json={}, timeout=10).json()["id"]
        srv.restart()
        assert srv.recovered == 0
        # the access token issued before the restart still works
        assert alice.get(f"{srv.url}/programs/{program_id}", timeout=10).status_code == 200
        assert alice.get(f"{srv.url}/jobs/{job_id}/results", timeout=10).text == "15"
        assert alice.get(f"{srv.url}/sessions/{session_id}", timeout=10).json()["state"] == "open"
    finally:
        srv.stop()


def _login(url: str) -> requests.Session:
    response = requests.post(f"{url}/users/loginWithToken", json={"apiToken": ALICE[0]}, timeout=10)
    response.raise_for_status()
    session = requests.Session()
    session.headers["X-Access-Token"] = response.json()["id"]
    return session


def _runner_processes(job_id: str) -> str:
    found = subprocess.run(
        ["pgrep", "-f", f"pulumi_quantum.local.ibm.runner .*{job_id}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return found.stdout.strip()


def test_kill_9_then_restart(tmp_path: Path, local_cloud_process: Callable[..., Any]) -> None:
    cloud = local_cloud_process(tmp_path)
    srv = IbmServer(tmp_path)  # used only as an HTTP helper pointing at the subprocess
    srv.url = cloud.endpoints["ibm"]
    alice = _login(srv.url)
    program_id = upload(srv, alice, "survivor", "def main(b, m):\n    return 'done'\n", 60)
    done_id = submit(srv, alice, program_id, {}).json()["id"]
    assert final_job(srv, alice, done_id)["status"] == "Completed"
    sleepy = upload(srv, alice, "victim", SLEEPY_PROGRAM, 600)
    running_id = submit(srv, alice, sleepy, {}).json()["id"]
    wait_until(
        lambda: "going to sleep" in alice.get(f"{srv.url}/jobs/{running_id}/logs", timeout=10).text,
        60,
    )
    session_id = alice.post(f"{srv.url}/sessions", json={}, timeout=10).json()["id"]
    assert _runner_processes(running_id), "the job runs in its own process"

    cloud.kill()
    restarted = local_cloud_process(tmp_path)
    url = restarted.endpoints["ibm"]
    alice = _login(url)
    job = alice.get(f"{url}/jobs/{running_id}", timeout=10).json()
    assert job["status"] == "Failed"
    assert "stopped while this job was running" in job["state"]["reason"]
    assert alice.get(f"{url}/jobs/{done_id}/results", timeout=10).text == '"done"'
    assert alice.get(f"{url}/programs/{program_id}", timeout=10).json()["name"] == "survivor"
    assert alice.get(f"{url}/sessions/{session_id}", timeout=10).json()["state"] == "open"
    assert _runner_processes(running_id) == "", "the orphaned job process was killed"
