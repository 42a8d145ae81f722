"""The local Qiskit Functions gateway, driven only by the unmodified qiskit-serverless client.

The client (the newest release, qiskit 2.x) lives in its own virtualenv
(tests/clients/qiskit-serverless.txt, built by ``scripts/bootstrap --test-tools``): its cloudpickle
pin cannot share the project's environment with amazon-braket-sdk. It runs as a subprocess
executing ``serverless_scenarios.py`` with the loopback network audit of ``tests/loopback.py``
installed; each scenario reports what the client observed as JSON and the test asserts here.
The local cloud runs in this process and runs function jobs (which import qiskit_serverless) and
the platform's primitive jobs (QPY from qiskit 2.x) with the venv's Python
(``PQ_LOCAL_GATEWAY_PYTHON``, ``PQ_IBM_PRIMITIVES_PYTHON``). Credentials are the local IBM
platform's API keys and CRNs.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pulumi_quantum.local.gateway.executor import FUNCTION_PYTHON
from pulumi_quantum.local.ibm.accounts import local_crn
from pulumi_quantum.local.ibm.executor import PRIMITIVES_PYTHON
from pulumi_quantum.local.ibm.platform.env import PLATFORM_URL
from pulumi_quantum.local.server import LocalCloud
from tests.clients.scenario_run import run_scenario_script
from tests.clients.venvs import ClientVenv, ensure_venv

SCENARIOS = Path(__file__).with_name("serverless_scenarios.py")
USERS = {
    "alice": {"key": "local-ibm-apikey-alice", "crn": local_crn("alice")},
    "bob": {"key": "local-ibm-apikey-bob", "crn": local_crn("bob")},
    "nobody": {"key": "not-a-key", "crn": local_crn("alice")},
}
JOB_SECONDS = 120  # a function's interpreter imports qiskit-serverless: seconds on 2 cores


@pytest.fixture(scope="session")
def serverless_venv() -> ClientVenv:
    return ensure_venv("qiskit-serverless.txt", build=False)


@pytest.fixture(scope="module")
def venv_pythons(serverless_venv: ClientVenv) -> Iterator[None]:
    """Function jobs and the platform's primitive jobs run under the client venv's Python."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(FUNCTION_PYTHON, str(serverless_venv.python))
        patch.setenv(PRIMITIVES_PYTHON, str(serverless_venv.python))
        yield


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory, venv_pythons: None) -> Iterator[LocalCloud]:
    with LocalCloud(tmp_path_factory.mktemp("gateway")) as running:
        yield running


def run_scenario(
    venv: ClientVenv,
    cloud: LocalCloud,
    name: str,
    work: Path,
    env: dict[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Run scenario ``name`` in the client venv against ``cloud``; its JSON result."""
    # qiskit-ibm-runtime reaches the local platform through its proxy (``stop``).
    platform = {k: v for k, v in cloud.platform_env().items() if not k.startswith("QISKIT_IBM_")}
    return run_client(
        venv, name, work, cloud.endpoints["gateway"], {**platform, **(env or {})}, **extra
    )


def run_client(
    venv: ClientVenv, name: str, work: Path, gateway: str, env: dict[str, str], **extra: Any
) -> dict[str, Any]:
    """Run scenario ``name`` in the client venv, with ``env`` added to a clean environment and
    the loopback network audit installed; its JSON result (refused addresses fail the test)."""
    work.mkdir(parents=True, exist_ok=True)
    config = {
        "gateway": gateway,
        "users": USERS,
        "platform_url": PLATFORM_URL,
        "work": str(work),
        "job_seconds": JOB_SECONDS,
        **extra,
    }
    result, _ = run_scenario_script(venv, SCENARIOS, name, config, work, env)
    return result


def refused(error: dict[str, str] | None, text: str) -> str:
    """The message of a refusal the client raised as QiskitServerlessException."""
    assert error is not None, f"expected a refusal containing {text!r}"
    assert error["type"] == "QiskitServerlessException", error
    assert text in error["message"], error
    return error["message"]


def test_upload_list_get_by_title_run_result_logs_files(
    serverless_venv: ClientVenv, cloud: LocalCloud, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PQ_GATEWAY_CANARY", "a secret of the server")  # must not reach the job
    out = run_scenario(serverless_venv, cloud, "upload_run", tmp_path)
    assert out["version"] == "0.37.0"
    assert out["uploaded"] == ["double", "1.0.0", "doubles x"]
    assert "double" in out["titles"]
    assert out["function"]["title"] == "double" and out["function"]["entrypoint"] == "main.py"
    assert out["function"]["env_vars"] is None  # env vars are secrets: never answered back

    assert out["status"] == "DONE"
    assert out["result"] == {"doubled": 42, "note": "from helper"}
    assert "function got 21" in out["logs"]
    assert "greeting hello canary None" in out["logs"]  # env_vars in, server environment out
    assert "POST_PROCESSING" in out["sub_statuses"]
    assert out["job_id"] in out["jobs"]

    # DATA_PATH is the caller's files folder of the function: the files API sees what it wrote.
    assert out["files_after_run"] == ["out.txt"]
    assert out["files_after_upload"] == ["mine.txt", "out.txt"]
    assert out["downloaded"] == "from helper"
    assert out["files_after_delete"] == ["out.txt"]


def test_second_upload_replaces_the_first(
    serverless_venv: ClientVenv, cloud: LocalCloud, tmp_path: Path
) -> None:
    out = run_scenario(serverless_venv, cloud, "upsert", tmp_path)
    assert out["count"] == 1
    assert out["version"] == "1.1.0"
    assert out["status"] == "DONE"
    assert out["result"] == {"v": 2}


def test_dependencies_must_be_pinned_to_the_allow_list(
    serverless_venv: ClientVenv, cloud: LocalCloud, tmp_path: Path
) -> None:
    out = run_scenario(serverless_venv, cloud, "dependencies", tmp_path)
    # The allow-list is what the Python running functions has: the client venv's releases.
    assert out["qiskit_pin"] == "qiskit==2.6.2"
    assert "qiskit-serverless==0.37.0" in out["allowed"]
    refused(out["unknown"], "not on the allow-list")
    refused(out["unpinned"], "not pinned with '=='")
    refused(out["other_release"], "is not available")
    assert not [t for t in out["titles"] if t.startswith("deps-")]  # nothing half-created
    assert out["ok"] == [out["qiskit_pin"]]


def test_bad_version_and_missing_entrypoint_are_refused(
    serverless_venv: ClientVenv, cloud: LocalCloud, tmp_path: Path
) -> None:
    out = run_scenario(serverless_venv, cloud, "bad_version", tmp_path)
    refused(out["refused"], "version: '1.0' is not in the x.y.z")
    assert "badver" not in out["titles"]


def test_a_failing_function_reports_error_with_its_traceback(
    serverless_venv: ClientVenv, cloud: LocalCloud, tmp_path: Path
) -> None:
    out = run_scenario(serverless_venv, cloud, "failing", tmp_path)
    assert out["status"] == "ERROR"
    refused(out["result"], "boom from the function")


def test_stop_a_long_job(serverless_venv: ClientVenv, cloud: LocalCloud, tmp_path: Path) -> None:
    out = run_scenario(serverless_venv, cloud, "stop", tmp_path)
    assert out["running"] == "RUNNING"
    assert out["cancel"] == "Job has been stopped."
    assert out["status"] == "CANCELED"
    assert out["cancel_again"] == "Job already in terminal state."
    assert "STOP" in out["contexts"]


def test_tenants_see_only_their_own_functions_and_jobs(
    serverless_venv: ClientVenv, cloud: LocalCloud, tmp_path: Path
) -> None:
    out = run_scenario(serverless_venv, cloud, "tenants", tmp_path)
    assert "alice-only" not in out["bob_titles"]
    refused(out["bob_function"], "was not found")
    refused(out["bob_run"], "not found")
    refused(out["bob_job"], "not found")
    assert out["job_id"] not in out["bob_jobs"]
    # bob's API key with alice's instance: the client's credential check fails at construction.
    refused(out["bob_key_alice_crn"], "Credentials couldn't be verified")
    refused(out["bad_key"], "Credentials couldn't be verified")
    assert out["status"] == "DONE"


def test_client_env_points_serverless_client_at_the_gateway(
    serverless_venv: ClientVenv, cloud: LocalCloud, tmp_path: Path
) -> None:
    env = cloud.client_env()
    names = (
        "ENV_GATEWAY_PROVIDER_HOST",
        "ENV_GATEWAY_PROVIDER_TOKEN",
        "QISKIT_SERVERLESS_INSTANCE",
    )
    exported = {k: env[k] for k in names}
    out = run_scenario(serverless_venv, cloud, "env_client", tmp_path, exported, ibm_client=True)
    assert out["host"] == cloud.endpoints["gateway"]  # host, token: from the environment
    assert out["functions_are_list"] is True
    # IBMServerlessClient: the same with IBM's account handling; its host defaults to IBM's.
    assert out["ibm_dependencies"] == out["dependencies"]
    assert out["ibm_token"] == USERS["alice"]["key"]
    assert any(p.startswith("qiskit==") for p in out["dependencies"])


def test_a_job_over_its_time_limit_is_killed(
    serverless_venv: ClientVenv, venv_pythons: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PQ_LOCAL_GATEWAY_MAX_SECONDS", "2")
    with LocalCloud(tmp_path / "data") as short:
        out = run_scenario(serverless_venv, short, "time_limit", tmp_path / "client")
        assert out["status"] == "ERROR"
        assert "maximum execution time of 2 seconds" in out["logs"]
        assert not os.path.exists(tmp_path / "data" / "gateway" / "jobs" / out["job_id"])


def test_functions_and_port_survive_a_restart_and_a_running_job_is_failed(
    serverless_venv: ClientVenv, venv_pythons: None, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    with LocalCloud(data) as first:
        before = run_scenario(serverless_venv, first, "restart_before", tmp_path / "before")
        url = first.endpoints["gateway"]
    with LocalCloud(data) as second:
        assert second.endpoints["gateway"] == url  # exported ENV_GATEWAY_PROVIDER_HOST stays valid
        after = run_scenario(
            serverless_venv, second, "restart_after", tmp_path / "after", job_id=before["job_id"]
        )
        assert after["version"] == "2.0.0"
        assert after["status"] == "ERROR"
        assert "stopped while this job was running" in after["logs"]


def test_a_function_runs_primitives_on_the_local_platform(
    serverless_venv: ClientVenv, cloud: LocalCloud, tmp_path: Path
) -> None:
    out = run_scenario(serverless_venv, cloud, "primitives", tmp_path)
    assert out["status"] == "DONE", out["logs"]
    assert out["result"]["outcomes"] == ["00", "11"]
    # associated by ServerlessRuntimeService
    assert out["runtime_jobs"] == [out["result"]["runtime_job"]]


def test_provider_functions_are_uploaded_by_admins_and_run_by_anyone(
    serverless_venv: ClientVenv, cloud: LocalCloud, tmp_path: Path
) -> None:
    out = run_scenario(serverless_venv, cloud, "provider", tmp_path)  # alice admins local-provider
    assert out["uploaded"] == ["local-provider", "pfn"]
    refused(out["bob_upload"], "not an admin of provider")
    assert out["seen_provider"] == "local-provider"
    assert out["status"] == "DONE" and out["result"] == {"p": 1}
    assert out["job_id"] in out["provider_jobs"]
    assert out["job_id"] not in out["alice_jobs"]  # not alice's own job
    assert "provider code" in out["provider_logs"]
    refused(out["bob_provider_jobs"], "not an admin of provider")
