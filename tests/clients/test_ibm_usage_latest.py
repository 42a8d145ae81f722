"""Instance usage limits driven by the unmodified newest qiskit-ibm-runtime (0.51, qiskit 2.x,
its own virtualenv): ``usage()`` before and after a job, the job past the limit refused as IBM
refuses it (the client's own warning first, then error 4317), nothing queued; a session opened
past the limit is accepted (IBM documents no refusal of ``POST /sessions``) but its job is
refused the same way, and the session bills nothing.
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

from pulumi_quantum.local.ibm import DEFAULT_USERS
from pulumi_quantum.local.ibm.platform.env import PLATFORM_URL
from pulumi_quantum.local.ibm.platform.usage import USAGE_LIMIT_CODE
from tests.clients import test_ibm_runtime_latest as latest
from tests.clients.scenario_run import run_scenario_script
from tests.clients.venvs import ClientVenv

# The newest client's venv and the platform running its jobs under qiskit 2.x: the fixtures of
# test_ibm_runtime_latest (module-scoped, so this module gets a platform of its own).
runtime_latest_venv = latest.runtime_latest_venv
platform = latest.platform
BACKEND = latest.BACKEND

SCENARIOS = Path(__file__).with_name("ibm_usage_scenarios.py")
BOB = next(u for u in DEFAULT_USERS if u.name == "bob")  # an instance no other test uses here


def _seconds(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def test_latest_client_usage_and_the_limit(
    runtime_latest_venv: ClientVenv, platform: dict[str, Any], tmp_path: Path
) -> None:
    crn = BOB.crns[0]
    configured = requests.put(
        f"{platform['server'].url}/api/v1/instances/configuration",
        headers={"Authorization": f"apikey {BOB.api_key}", "Service-CRN": crn},
        json={"instance_limit": 1},
        timeout=30,
    )
    assert configured.status_code == 204, configured.text
    config = {"url": PLATFORM_URL, "key": BOB.api_key, "crn": crn, "backend": BACKEND}
    env = {k: v for k, v in platform["env"].items() if not k.startswith("QISKIT_IBM_")}
    out, _ = run_scenario_script(runtime_latest_venv, SCENARIOS, "limit", config, tmp_path, env)

    before, after = out["before"], out["after"]
    assert before["instance_id"] == crn and before["usage_consumed_seconds"] == 0
    assert before["usage_limit_seconds"] == 1 and before["usage_remaining_seconds"] == 1
    assert before["usage_limit_reached"] is False
    times = out["job"]["timestamps"]
    billed = math.ceil(_seconds(times["running"], times["finished"]))
    assert after["usage_consumed_seconds"] == billed >= 1
    assert 0 < out["job"]["usage"] <= billed  # the job's own quantum time, before rounding
    assert after["usage_limit_reached"] is True and after["usage_remaining_seconds"] == 0

    refused = out["refused"]
    assert refused is not None and refused["type"] == "IBMRuntimeError"
    assert "400" in refused["message"] and str(USAGE_LIMIT_CODE) in refused["message"]
    assert "This instance has met its usage limit" in refused["message"]
    assert any("met its usage limit" in w for w in out["warnings"])  # the client's pre-flight
    assert isinstance(out["session_id"], str) and out["session_id"]
    session_refused = out["session_refused"]
    assert session_refused is not None and session_refused["type"] == "IBMRuntimeError"
    assert str(USAGE_LIMIT_CODE) in session_refused["message"]
    assert out["session_usage"] == 0  # no job ever started in it: the QPU was never held
    assert out["jobs_after"] == out["jobs_before"]  # nothing created
    assert out["pending"] == []  # nothing queued
    assert out["final"]["usage_consumed_seconds"] == billed
    stored = platform["server"].store.query_one(
        "SELECT COUNT(*) AS n FROM ibm_jobs WHERE instance = ?", (crn,)
    )["n"]
    assert stored == 1
