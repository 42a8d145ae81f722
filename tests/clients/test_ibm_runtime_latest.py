"""The newest qiskit-ibm-runtime (0.51, qiskit 2.x) end to end against the local platform.

It runs unmodified in its own virtualenv (tests/clients/ibm-runtime-latest.txt, built by
``scripts/bootstrap --test-tools``) as a subprocess executing ``runtime_scenarios.py``, with the
environment ``pulumi-quantum local start`` prints for qiskit-ibm-runtime and the loopback
network audit of ``tests/loopback.py`` installed in it. Every request it makes carries
``IBM-API-Version: 2026-04-15``, the version 0.48 and later send.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pulumi_quantum.local.ibm import DEFAULT_USERS
from pulumi_quantum.local.ibm.executor import PRIMITIVES_PYTHON
from pulumi_quantum.local.ibm.platform.env import PLATFORM_URL, platform_env
from pulumi_quantum.local.ibm.platform.proxy import PlatformProxy
from tests.clients.scenario_run import run_scenario_script
from tests.clients.venvs import ClientVenv, ensure_venv
from tests.local._ibm_server import IbmServer

SCENARIOS = Path(__file__).with_name("runtime_scenarios.py")
BACKEND = "ibm_loopback_5q"


@pytest.fixture(scope="session")
def runtime_latest_venv() -> ClientVenv:
    return ensure_venv("ibm-runtime-latest.txt", build=False)


@pytest.fixture(scope="module")
def platform(
    tmp_path_factory: pytest.TempPathFactory, runtime_latest_venv: ClientVenv
) -> Iterator[dict[str, Any]]:
    """The local platform, running its primitive jobs under the client venv's qiskit 2.x (the
    circuits arrive as QPY 17, which the project's qiskit 1.x cannot read)."""
    data = tmp_path_factory.mktemp("ibm-platform-latest")
    saved = os.environ.get(PRIMITIVES_PYTHON)
    os.environ[PRIMITIVES_PYTHON] = str(runtime_latest_venv.python)
    server = IbmServer(data).start()
    proxy = PlatformProxy(lambda: server.url, data / "ibm-platform-ca").start()
    try:
        env = platform_env({"ibm": server.url, "ibm-proxy": proxy.url}, data)
        yield {"server": server, "env": env}
    finally:
        proxy.stop()
        server.stop()
        if saved is None:
            os.environ.pop(PRIMITIVES_PYTHON, None)
        else:
            os.environ[PRIMITIVES_PYTHON] = saved


def run_scenario(
    venv: ClientVenv, platform: dict[str, Any], name: str, tmp_path: Path
) -> dict[str, Any]:
    alice = next(u for u in DEFAULT_USERS if u.name == "alice")
    config = {"url": PLATFORM_URL, "key": alice.api_key, "crn": alice.crns[0], "backend": BACKEND}
    env = {k: v for k, v in platform["env"].items() if not k.startswith("QISKIT_IBM_")}
    result, _ = run_scenario_script(venv, SCENARIOS, name, config, tmp_path, env)
    return result


def test_latest_client_surface(
    runtime_latest_venv: ClientVenv, platform: dict[str, Any], tmp_path: Path
) -> None:
    out = run_scenario(runtime_latest_venv, platform, "surface", tmp_path)
    assert out["versions"]["qiskit"].startswith("2.")
    assert out["versions"]["runtime"] == "0.51.0"

    alice = next(u for u in DEFAULT_USERS if u.name == "alice")
    assert out["discovered_instance"] == alice.crns[0]  # found without naming it
    assert out["instances"] == sorted(alice.crns)
    assert out["active_instance"] == alice.crns[0]
    assert out["backends"] == ["ibm_loopback_5q", "ibmq_qasm_simulator"]
    assert out["num_qubits"] == 5 and out["has_cx"] is True
    assert out["service_usage"]["usage_limit_reached"] is False

    details = out["session_details"]
    assert details["state"] == "open" and details["mode"] == "dedicated"
    sampler = out["sampler"]
    assert sampler["counts"] == sampler["reference"]
    assert set(sampler["counts"]) == {"00", "11"}
    assert sampler["job_session"] == sampler["session"]
    assert sampler["status"] == "DONE"
    # 0.51 reads usage.qpu_charge_time_seconds once usage.status is final (API 2026-03-15+).
    assert sampler["metrics_usage"]["status"] == "complete"
    assert sampler["usage"] == sampler["metrics_usage"]["qpu_charge_time_seconds"] >= 0
    assert isinstance(sampler["usage"], int | float)
    assert out["session_after"]["state"] == "active"
    assert out["session_usage"] is not None and out["session_usage"] >= 0
    assert out["session_closed"]["state"] == "closed"
    assert out["run_on_closed"] is not None and "closed" in out["run_on_closed"]["message"]

    assert out["batch_mode"] == "batch"
    assert out["estimator"]["value"] == pytest.approx(out["estimator"]["reference"])
    assert out["estimator"]["value"] == pytest.approx(1.0)
    assert out["batch_closed"] == "closed"

    ids = out["ids"]
    assert sorted(out["tags_at_run"]) == ["sweep-a", "team-x"]
    assert out["filtered_both"] == [ids["tagged"]]  # the untagged job is not listed
    assert out["tags_updated"] == ["sweep-b"]
    assert ids["tagged"] not in out["filtered_old"]
    assert out["filtered_new"] == [ids["tagged"]]
    assert {ids["tagged"], ids["other"]} <= set(out["created_after"])
    assert ids["tagged"] not in out["created_before"] and ids["other"] not in out["created_before"]
    assert out["created_before"]  # the earlier session and batch jobs
    assert out["missing_job"] is not None and "not found" in out["missing_job"]["message"]
