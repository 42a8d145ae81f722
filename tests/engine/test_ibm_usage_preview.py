"""An IBM instance's usage limit at ``pulumi preview``, through the real engine (issue 31).

The instance's limit is set as an IBM administrator sets it (``PUT /api/v1/instances/
configuration`` on the local IBM Quantum Platform), its usage consumed by a job run with
unmodified qiskit-ibm-runtime. A Session whose ``max_time`` is more than the instance has left
is previewed with a warning naming the instance, the remaining seconds and the max_time; once
the limit is met a new Batch is refused at preview, and ``up`` creates nothing. Carol's
instance is used, and its limit removed afterwards.
"""

from __future__ import annotations

import pytest
import requests
from pulumi import automation as auto

from tests.engine._stacks import run_client_code

pytestmark = pytest.mark.engine

SESSION = """
import pulumi
from pulumi_quantum.ibm import Batch, Session

session = Session("interactive", backend="ibm_loopback_5q", max_time="30m")
pulumi.export("session_id", session.session_id)
pulumi.export("usage", session.instance_usage)
"""
WITH_BATCH = SESSION + 'Batch("sweep", backend="ibm_loopback_5q", max_time="10m")\n'

ONE_JOB = """
import json
from tests import loopback
loopback.install()
from qiskit import QuantumCircuit, transpile
from qiskit_ibm_runtime import QiskitRuntimeService, SamplerV2

service = QiskitRuntimeService()  # QISKIT_IBM_* of the account
backend = service.backend("ibm_loopback_5q")
qc = QuantumCircuit(2)
qc.h(0)
qc.cx(0, 1)
qc.measure_all()
SamplerV2(mode=backend).run([transpile(qc, backend, seed_transpiler=7)], shots=10).result()
assert loopback.outside() == [], loopback.outside()
print(json.dumps(service.usage()))
"""


def _admin(env: dict[str, str], method: str, path: str, **kwargs) -> requests.Response:
    """IBM's instance API, as the instance's administrator calls it."""
    return requests.request(
        method,
        f"{env['QISKIT_IBM_API_URL']}{path}",
        headers={
            "Authorization": f"apikey {env['QISKIT_IBM_TOKEN']}",
            "Service-CRN": env["QISKIT_IBM_INSTANCE"],
        },
        timeout=30,
        **kwargs,
    )


def _set_limit(env: dict[str, str], seconds: int | None) -> None:
    answer = _admin(env, "PUT", "/instances/configuration", json={"instance_limit": seconds})
    assert answer.status_code == 204, answer.text


def _run_one_job(env: dict[str, str]) -> dict:
    return run_client_code(env, ONE_JOB)


def _sessions(local_cloud, crn: str) -> int:
    return local_cloud.store.query_one(
        "SELECT COUNT(*) AS n FROM ibm_sessions WHERE instance = ?", (crn,)
    )["n"]


def test_preview_warns_past_the_remaining_usage_and_refuses_once_the_limit_is_met(
    engine_project, local_cloud
):
    env = local_cloud.platform_env("carol")
    crn = env["QISKIT_IBM_INSTANCE"]
    project = engine_project(SESSION, env={})
    project.set_config({"quantum:ibmApiKey": env["QISKIT_IBM_TOKEN"]}, secret=True)
    project.set_config(
        {
            "quantum:ibmTarget": "local",
            "quantum:ibmChannel": "ibm_quantum_platform",
            "quantum:ibmInstance": crn,
            "quantum:ibmApiUrl": env["QISKIT_IBM_API_URL"],
            "quantum:ibmIamUrl": env["IAM_URL"],
        }
    )
    try:
        _set_limit(env, 600)
        preview = project.preview()
        assert "ibm.Session on 'ibm_loopback_5q': max_time 1800 s is more than" in preview.stdout
        assert f"600 s of usage instance {crn} has left" in preview.stdout
        assert preview.change_summary.get("create") == 2  # stack and session: a warning only

        up = project.up()
        usage = up.outputs["usage"].value
        assert usage["limit_seconds"] == 600 and usage["remaining_seconds"] == 600
        assert usage["instance"] == crn and usage["limit_reached"] is False
        held = _sessions(local_cloud, crn)
        assert held == 1

        used = _run_one_job(env)["usage_consumed_seconds"]
        assert used >= 1
        _set_limit(env, used)  # met: IBM refuses every job of this instance now

        project.write_program(WITH_BATCH)
        with pytest.raises(auto.CommandError) as refused:
            project.preview()
        text = str(refused.value)
        assert f"instance {crn} has met its usage limit" in text
        assert f"{used} s used of its {used} s limit" in text and "instance_limit" in text
        with pytest.raises(auto.CommandError):
            project.up()
        assert project.resources("Batch") == []
        assert _sessions(local_cloud, crn) == held  # nothing opened at IBM

        # The session the stack already holds is not judged again: without the batch, no change.
        project.write_program(SESSION)
        again = project.up()
        assert set(again.summary.resource_changes) == {"same"}, again.summary.resource_changes
        assert env["QISKIT_IBM_TOKEN"] not in preview.stdout + up.stdout + text
    finally:
        _set_limit(env, None)
