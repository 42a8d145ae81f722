"""Session and Batch on the current IBM Quantum Platform, through the real engine.

The stack is configured as a team with a real account would configure it (API key as a
secret, instance CRN, channel); the platform's IAM and API are the local cloud's, given as
loopback URLs. User code joins the Pulumi-created session and batch with unmodified
qiskit-ibm-runtime (``Session.from_id`` / ``Batch.from_id`` + ``SamplerV2``), in its own
process with the environment ``pulumi-quantum local start`` prints, under a network audit that
refuses anything but loopback.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from pulumi_quantum.clients.ibm_platform import IBMPlatformClient
from tests.engine._stacks import run_client_code

pytestmark = pytest.mark.engine

PROGRAM = """
import pulumi
from pulumi_quantum.ibm import Batch, Session

session = Session("interactive", backend="ibm_loopback_5q", max_time="30m")
batch = Batch("sweep", backend="ibm_loopback_5q", max_time="1h", on_delete="cancel")
for name, held in (("session", session), ("batch", batch)):
    pulumi.export(f"{name}_id", held.session_id)
    pulumi.export(f"{name}_state", held.state)
    pulumi.export(f"{name}_mode", held.mode)
    pulumi.export(f"{name}_channel", held.channel)
    pulumi.export(f"{name}_max_ttl", held.max_ttl)
    pulumi.export(f"{name}_accepting_jobs", held.accepting_jobs)
"""

USER_CODE = """
import json, sys
from tests import loopback
loopback.install()
from qiskit import QuantumCircuit, transpile
from qiskit_ibm_runtime import Batch, QiskitRuntimeService, SamplerV2, Session

service = QiskitRuntimeService()  # QISKIT_IBM_CHANNEL / _TOKEN / _INSTANCE / _URL
backend = service.backend("ibm_loopback_5q")
qc = QuantumCircuit(2)
qc.h(0)
qc.cx(0, 1)
qc.measure_all()
isa = transpile(qc, backend, seed_transpiler=7)
out = {"isa": qc.num_qubits}
for kind, cls, sid in (("session", Session, sys.argv[1]), ("batch", Batch, sys.argv[2])):
    sampler = SamplerV2(mode=cls.from_id(sid, service=service))
    sampler.options.default_shots = 500
    sampler.options.simulator.seed_simulator = 99
    job = sampler.run([isa])
    out[kind] = {"counts": job.result()[0].data.meas.get_counts(), "session": job.session_id}
assert loopback.outside() == [], loopback.outside()
print(json.dumps(out))
"""


def platform_client(env: dict[str, str]) -> IBMPlatformClient:
    return IBMPlatformClient(
        env["QISKIT_IBM_API_URL"],
        env["QISKIT_IBM_TOKEN"],
        env["QISKIT_IBM_INSTANCE"],
        iam_url=env["IAM_URL"],
    )


def run_user_code(env: dict[str, str], session_id: str, batch_id: str) -> dict[str, Any]:
    return run_client_code(env, USER_CODE, session_id, batch_id)


def test_platform_session_and_batch_lifecycle(engine_project, local_cloud):
    env = local_cloud.platform_env()
    api_key = env["QISKIT_IBM_TOKEN"]
    # The engine sees no QISKIT_IBM_* at all: account, instance and endpoints come from config.
    project = engine_project(PROGRAM, env={})
    project.set_config({"quantum:ibmApiKey": api_key}, secret=True)
    project.set_config(
        {
            "quantum:ibmChannel": "ibm_quantum_platform",
            "quantum:ibmInstance": env["QISKIT_IBM_INSTANCE"],
            "quantum:ibmApiUrl": env["QISKIT_IBM_API_URL"],
            "quantum:ibmIamUrl": env["IAM_URL"],
        }
    )
    for value in (env["QISKIT_IBM_API_URL"], env["IAM_URL"], env["HTTP_PROXY"]):
        assert value.startswith("http://127.0.0.1:")

    up = project.up()
    out = {k: v.value for k, v in up.outputs.items()}
    assert (out["session_state"], out["batch_state"]) == ("open", "open")
    assert (out["session_mode"], out["batch_mode"]) == ("dedicated", "batch")
    assert out["session_channel"] == out["batch_channel"] == "ibm_quantum_platform"
    assert (out["session_max_ttl"], out["batch_max_ttl"]) == (1800, 3600)
    assert out["session_accepting_jobs"] is True
    with platform_client(env) as platform:
        held = platform.get_session(out["session_id"])
        assert held["mode"] == "dedicated" and held["backend_name"] == "ibm_loopback_5q"
        assert platform.get_session(out["batch_id"])["mode"] == "batch"

    # User code joins both with unmodified qiskit-ibm-runtime; counts equal qiskit's reference.
    from qiskit import QuantumCircuit

    joined = run_user_code(env, out["session_id"], out["batch_id"])
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure_all()
    for kind in ("session", "batch"):
        assert joined[kind]["session"] == out[f"{kind}_id"]
        counts = joined[kind]["counts"]
        assert set(counts) == {"00", "11"} and sum(counts.values()) == 500

    # Refresh shows the sessions' new state: activated, with a completed job.
    project.refresh()
    by_name = {r["urn"].rsplit("::", 1)[-1]: r["outputs"] for r in project.resources()}
    for name in ("interactive", "sweep"):
        details = by_name[name]
        assert details["state"] in ("active", "inactive"), details["state"]
        assert details["activated_at"] and details["last_job_completed"]
        assert details["accepting_jobs"] is True

    again = project.up()
    assert set(again.summary.resource_changes) == {"same"}, again.summary.resource_changes
    from tests.engine.test_reliability import secret_paths

    # Only inside Pulumi's secret envelopes (the secret config), and encrypted on disk.
    assert secret_paths(project.export_state(), api_key) == []
    on_disk = "".join(p.read_text() for p in project.backend.rglob("*.json"))
    assert on_disk and api_key not in on_disk
    assert api_key not in up.stdout + up.stderr + again.stdout + again.stderr

    project.destroy()
    with platform_client(env) as platform:
        closed = platform.get_session(out["session_id"])
        cancelled = platform.get_session(out["batch_id"])
    assert closed["state"] == cancelled["state"] == "closed"
    assert closed["accepting_jobs"] is cancelled["accepting_jobs"] is False
    assert closed["state_reason"] == "closed" and cancelled["state_reason"] == "cancelled"


def test_wrong_api_key_fails_without_echoing_it(engine_project, local_cloud):
    from pulumi import automation as auto

    env = local_cloud.platform_env()
    wrong = "wrong-api-key-0123456789abcdef"
    project = engine_project(PROGRAM, env={})
    project.set_config({"quantum:ibmApiKey": wrong}, secret=True)
    project.set_config(
        {
            # Sent to the local cloud deliberately (without it, preview refuses to send a key
            # the local cloud does not know to a loopback address: docs/configuration.md).
            "quantum:ibmTarget": "local",
            "quantum:ibmInstance": env["QISKIT_IBM_INSTANCE"],
            "quantum:ibmApiUrl": env["QISKIT_IBM_API_URL"],
            "quantum:ibmIamUrl": env["IAM_URL"],
        }
    )
    with pytest.raises(auto.errors.CommandError) as info:
        project.up()
    text = str(info.value)
    assert "quantum:ibmApiKey" in text and "refused" in text
    assert wrong not in text
    assert wrong not in "".join(p.read_text() for p in project.backend.rglob("*.json"))
    assert project.resources("Session") == []


def test_api_key_reaches_no_state_output_or_log(local_cloud_process, engine_project, tmp_path):
    """The secrets test's pattern (test_reliability) for the platform's API key."""
    from pulumi_quantum.local.ibm.accounts import local_crn
    from pulumi_quantum.local.ibm.platform.env import platform_env
    from tests.engine._stacks import run_cli
    from tests.engine.test_reliability import ENGINE_CONFIGURE_LOG, verbose_engine_lines

    cloud = local_cloud_process(tmp_path / "cloud", "--verbose")
    env = platform_env(cloud.endpoints, tmp_path / "cloud")
    api_key, crn = "local-ibm-apikey-bob", local_crn("bob")  # not the default: config is used
    # The local cloud's state (client.json) says bob's key is one of its own.
    project = engine_project(PROGRAM, env={"PQ_LOCAL_DATA_DIR": str(tmp_path / "cloud")})
    project.set_config({"quantum:ibmApiKey": api_key}, secret=True)
    project.set_config(
        {
            "quantum:ibmInstance": crn,
            "quantum:ibmApiUrl": env["QISKIT_IBM_API_URL"],
            "quantum:ibmIamUrl": env["IAM_URL"],
        }
    )
    logs: list[str] = []
    up = run_cli(project, ["up", "--yes", "--logtostderr", "--logflow", "-v=9"])
    logs += [up.stdout, up.stderr]
    assert up.returncode == 0, up.stdout[-3000:] + up.stderr[-3000:]
    bob = IBMPlatformClient(env["QISKIT_IBM_API_URL"], api_key, crn, iam_url=env["IAM_URL"])
    with bob:
        [held] = [r for r in project.resources("Session")]
        assert bob.get_session(held["id"])["user_id"] == "bob"

    exported = run_cli(project, ["stack", "export", "--show-secrets"])
    deployment = json.loads(exported.stdout)["deployment"]
    for resource in deployment["resources"]:
        if not resource["type"].startswith("pulumi:providers:"):
            assert api_key not in json.dumps(resource), resource["urn"]
    assert api_key not in run_cli(project, ["stack", "export"]).stdout

    down = run_cli(project, ["destroy", "--yes", "--logtostderr", "--logflow", "-v=9"])
    logs += [down.stdout, down.stderr]
    assert down.returncode == 0, down.stdout[-3000:] + down.stderr[-3000:]
    cloud.stop()
    logs.append(cloud.log_path.read_text())
    assert "/api/v1/sessions" in logs[-1]  # the server's log is the real one
    for index, log in enumerate(logs):
        leaks = [
            line[:400]
            for line in log.splitlines()
            if api_key in line and not ENGINE_CONFIGURE_LOG.search(line)
        ]
        assert leaks == [], f"API key in log #{index}: {leaks}"
    # Only the engine's own -v=9 trace of the secret config it hands the provider plugin.
    assert any(api_key in line for line in verbose_engine_lines(logs))
    for path in project.backend.rglob("*"):
        if path.is_file():
            assert api_key.encode() not in path.read_bytes(), path
