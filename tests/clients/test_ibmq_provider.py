"""The seed's own client, qiskit-ibmq-provider 0.20.2, end to end against the local runtime.

The client runs unmodified in its own virtualenv (qiskit-terra 0.23; see ibmq-provider.txt),
as a subprocess executing ``ibmq_scenarios.py``; this side starts the local IBM runtime on
127.0.0.1 (HTTPS with a test CA, so the client's ``wss`` result stream works) and asserts on
what the client observed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pulumi_quantum.local.ibm import DEFAULT_USERS, backends
from tests.clients.scenario_run import run_scenario_script
from tests.clients.venvs import ClientVenv
from tests.local._ibm_server import IbmServer

SCENARIOS = Path(__file__).with_name("ibmq_scenarios.py")


def run_scenario(
    venv: ClientVenv, url: str, ca_file: Path | None, name: str, tmp_path: Path
) -> dict[str, Any]:
    assert url.startswith(("http://127.0.0.1:", "https://127.0.0.1:"))  # loopback only
    config = {
        "url": url,
        "tokens": {u.name: u.token for u in DEFAULT_USERS},
        "instances": {u.name: u.default_instance for u in DEFAULT_USERS},
        "workdir": str(tmp_path),
    }
    env = {"NO_PROXY": "127.0.0.1,localhost"}
    if ca_file is not None:
        # The client's own trust settings (requests and websocket-client), not a patch.
        env["REQUESTS_CA_BUNDLE"] = env["WEBSOCKET_CLIENT_CA_BUNDLE"] = str(ca_file)
    result, proc = run_scenario_script(venv, SCENARIOS, name, config, tmp_path, env, audit=False)
    # The result stream ends cleanly: the client never had to reconnect or report errors.
    assert "websocket error occurred" not in proc.stderr
    assert "An error occurred while streaming" not in proc.stderr
    return result


@pytest.fixture
def scenario(ibmq_provider_venv: ClientVenv, ibm_tls_server: IbmServer, tmp_path: Path):
    return lambda name: run_scenario(
        ibmq_provider_venv, ibm_tls_server.url, ibm_tls_server.ca_file, name, tmp_path
    )


def _user(name: str):
    return next(u for u in DEFAULT_USERS if u.name == name)


def test_account_provider_and_backends(scenario, ibm_tls_server: IbmServer) -> None:
    out = scenario("account")

    assert out["bad_token"] is not None and "401" in out["bad_token"]["message"]
    assert "not-a-valid-token" not in out["bad_token"]["message"]

    # Every URL the client will use is the loopback server's.
    base = ibm_tls_server.url
    assert base.startswith("https://127.0.0.1:")
    assert out["urls"]["base"] == base
    assert out["urls"]["runtime"] == base
    assert out["urls"]["websockets"] == "wss" + base[len("https") :]
    alice = _user("alice").default_instance
    assert out["urls"]["http"] == base + "/Network/{}/Groups/{}/Projects/{}".format(
        *alice.split("/")
    )
    assert out["active_account_url"] == base

    assert out["providers"] == [alice]
    assert out["foreign_provider"]["type"] == "IBMQProviderError"
    assert out["runtime_service"] == "IBMRuntimeService"

    assert set(out["backends"]) == set(backends.names())
    for name, seen in out["backends"].items():
        config = backends.configuration(name)
        assert seen["simulator"] is config["simulator"]
        assert seen["n_qubits"] == config["n_qubits"]
        assert seen["basis_gates"] == config["basis_gates"]
        assert seen["operational"] is True
        assert seen["pending_jobs"] == 0
        assert seen["max_jobs"] is None  # no job limit: the client maps -1 to None
    device = backends.properties(backends.DEVICE)
    t1 = next(p for p in device["qubits"][0] if p["name"] == "T1")
    assert out["backends"][backends.DEVICE]["t1_q0"] == pytest.approx(t1["value"] * 1e-6)
    assert out["backends"][backends.SIMULATOR]["t1_q0"] is None


def test_program_surface(scenario) -> None:
    out = scenario("programs")
    ids = out["ids"]
    source = out["expected_source"]

    text = out["uploaded_text"]
    assert text["id"] == ids["text"]
    assert text["name"].startswith("text-")
    assert text["description"] == "uploaded from text, metadata as a dict"
    assert text["max_execution_time"] == 120
    assert text["is_public"] is False
    assert text["backend_requirements"] == {"min_num_qubits": 1}
    assert text["parameters"]["properties"]["x"]["type"] == "integer"
    assert text["source"] == source

    from_file = out["uploaded_file"]
    assert from_file["name"].startswith("file-")
    assert from_file["description"] == "uploaded from a file, metadata from a file"
    assert from_file["max_execution_time"] == 300
    assert from_file["is_public"] is True
    assert from_file["source"] == source  # the file's content, not its path

    assert {ids["text"], ids["file"]} <= set(out["listed"])
    assert len(out["listed_first"]) == 1

    assert out["duplicate"]["type"] == "RuntimeDuplicateProgramError"
    assert out["missing_metadata"]["type"] == "IBMQInputValueError"
    assert "name" in out["missing_metadata"]["message"]
    assert out["no_metadata"]["type"] == "IBMQInputValueError"
    assert out["count_unchanged"] is True

    assert 'version": 2' in out["updated_source"] or '"version": 2' in out["updated_source"]
    assert out["updated_meta"]["name"].startswith("field-name-")  # the field wins
    assert out["updated_meta"]["description"] == "description from metadata"
    assert out["updated_meta"]["max_execution_time"] == 900  # the field wins
    assert out["updated_from_files"] == {"description": "description from a file", "source": source}
    assert out["update_missing"]["type"] == "RuntimeProgramNotFound"

    assert out["public_flag"] is True
    assert out["bob_sees_public"]["is_public"] is True
    assert out["bob_sees_public"]["name"] == out["updated_meta"]["name"]
    assert out["bob_reads_data"]["type"] == "IBMQNotAuthorizedError"
    assert out["bob_deletes"]["type"] == "QiskitRuntimeError"
    assert "403" in out["bob_deletes"]["message"]
    assert out["private_flag"] is False
    assert out["bob_sees_private"]["type"] == "RuntimeProgramNotFound"
    assert out["visibility_missing"]["type"] == "RuntimeJobNotFound"  # the client's own mapping

    assert out["carol_upload"]["type"] == "IBMQNotAuthorizedError"
    assert not any(name.startswith("carol-") for name in out["carol_programs"])

    assert out["deleted_get"]["type"] == "RuntimeProgramNotFound"
    assert out["delete_again"]["type"] == "RuntimeProgramNotFound"
    assert ids["text"] not in out["listed_after_delete"]
    assert ids["file"] in out["listed_after_delete"]


def test_jobs_results_streaming_cancel_and_failure(scenario) -> None:
    out = scenario("jobs")

    ghz = out["ghz"]
    assert ghz["status"] == "DONE"
    counts = ghz["result"]["counts"]
    # GHZ on an ideal simulator: only all-zeros and all-ones, about half each.
    assert set(counts) == {"000", "111"}
    assert sum(counts.values()) == 1000
    assert 350 < counts["000"] < 650
    assert ghz["backend"] == backends.SIMULATOR
    assert "ghz program: 3 qubits, 1000 shots" in ghz["logs"]

    # Interim results reached the callback in order, each while the job was still running
    # (the program waits for the callback's acknowledgement before publishing the next).
    assert [m["message"] for m in ghz["interim"]] == [{"step": i, "of": 3} for i in range(3)]
    assert {m["status"] for m in ghz["interim"]} == {"RUNNING"}
    assert {m["job_id"] for m in ghz["interim"]} == {ghz["job_id"]}

    retrieved = out["retrieved"]
    assert retrieved["status"] == "DONE"
    assert retrieved["result"] == ghz["result"]
    assert retrieved["inputs"]["n_qubits"] == 3 and retrieved["inputs"]["shots"] == 1000
    assert out["listed"] == [ghz["job_id"]]

    assert set(out["run_circuits"]) == {"00", "11"}
    assert sum(out["run_circuits"].values()) == 200

    assert out["before_cancel"] == "RUNNING"
    assert out["after_cancel"] == "CANCELLED"
    assert out["server_status_after_cancel"] == "CANCELLED"
    assert out["cancel_again"]["type"] == "RuntimeInvalidStateError"

    assert out["failing_result"]["type"] == "RuntimeJobFailureError"
    assert "the program failed on purpose: test" in out["failing_result"]["message"]
    assert out["failing_status"] == "ERROR"
    assert "ValueError" in out["failing_logs"]


def test_programs_against_the_local_cloud_as_the_daemon_serves_it(
    ibmq_provider_venv: ClientVenv, local_cloud: Any, tmp_path: Path
) -> None:
    """The same client against LocalCloud (what ``pulumi-quantum local start`` runs, plain
    http): login, providers, backends and the whole program surface."""
    url = local_cloud.endpoints["ibm"]
    out = run_scenario(ibmq_provider_venv, url, None, "programs", tmp_path)
    assert out["uploaded_file"]["source"] == out["expected_source"]
    assert out["duplicate"]["type"] == "RuntimeDuplicateProgramError"
    assert out["carol_upload"]["type"] == "IBMQNotAuthorizedError"
    assert out["delete_again"]["type"] == "RuntimeProgramNotFound"


def test_seed_client_gaps_behave_as_ibm(scenario) -> None:
    """Issue 29's seed-client gaps, through the unmodified 0.20 client."""
    out = scenario("seed_gaps")

    assert out["before_delete"] == "RUNNING"
    assert out["delete_running"] is None  # IBM cancelled it; no 409 "cancel it first"
    assert out["deleted_job"]["type"] == "RuntimeJobNotFound"

    # IBM's "Cancelled - Ran too long": the client reports ERROR with its own message.
    assert out["too_long_status"] == "ERROR"
    assert out["too_long_result"]["type"] == "RuntimeJobFailureError"
    message = out["too_long_result"]["message"]
    assert "ran longer than maximum execution time. Job was cancelled" in message
    assert "slow program: going to sleep" in out["too_long_logs"]

    assert out["public_listed"] == ["hello-world", "sample-program"]
    assert out["hello_meta"] == {"is_public": True, "name": "hello-world"}
    assert out["hello_data"]["type"] == "IBMQNotAuthorizedError"  # only authors read data
    assert (
        out["hello_delete"]["type"] == "QiskitRuntimeError"
        and "403" in out["hello_delete"]["message"]
    )
    assert out["hello_result"] == "Hello, World!"
    assert [m["iteration"] for m in out["hello_interim"]] == [0, 1]
    assert all(sum(m["counts"].values()) > 0 for m in out["hello_interim"])
    assert out["sample_result"] == "All done!"

    logs = out["echo_logs"]
    assert "echo program ran with ['x']" in logs
    assert "Warning" not in logs and "qiskit_ibm_provider" not in logs
