"""``local start`` with no ``PQ_LOCAL_GATEWAY_PYTHON`` / ``PQ_IBM_PRIMITIVES_PYTHON``: it finds
the client virtualenvs of the cache (``pulumi_quantum.local.client_pythons``), so a function
that imports qiskit_serverless runs - driven by the unmodified qiskit-serverless client - and it
says which Python it chose; with no client virtualenv it says what fails and how to fix it."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.clients.test_qiskit_serverless import run_client
from tests.clients.venvs import ensure_venv
from tests.daemon import local_cli

CHOSEN = ("PQ_IBM_PRIMITIVES_PYTHON", "PQ_LOCAL_GATEWAY_PYTHON")


def local(data_dir: Path, cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in CHOSEN and not k.startswith("PQ_LOCAL")}
    env["PQ_CACHE"] = str(cache)
    return local_cli(data_dir, *args, env=env, timeout=180)


@pytest.fixture
def daemon(tmp_path):
    started: list[tuple[Path, Path]] = []

    def start(name: str, cache: Path) -> subprocess.CompletedProcess[str]:
        data_dir = tmp_path / name
        started.append((data_dir, cache))
        ports = ("--braket-port", "0", "--s3-port", "0", "--ibm-port", "0")
        done = local(data_dir, cache, "start", *ports)
        assert done.returncode == 0, done.stdout + done.stderr
        return done

    yield start
    for data_dir, cache in started:
        local(data_dir, cache, "stop")


def test_local_start_runs_functions_with_the_client_venv_it_finds(daemon, tmp_path):
    venv = ensure_venv("qiskit-serverless.txt", build=False)
    cache = tmp_path / "cache"
    (cache / "client-venvs").mkdir(parents=True)
    (cache / "client-venvs" / venv.path.name).symlink_to(venv.path)  # only this client venv
    python = cache / "client-venvs" / venv.path.name / "bin" / "python"

    started = daemon("with-venv", cache)
    exports = dict(re.findall(r"^export (\w+)=(\S+)$", started.stdout, re.M))
    # A function importing qiskit_serverless (absent from the local cloud's own Python) runs.
    out = run_client(venv, "upsert", tmp_path / "client", exports["ENV_GATEWAY_PROVIDER_HOST"], {})
    assert (out["status"], out["result"]) == ("DONE", {"v": 2})
    for variable in CHOSEN:  # the serverless venv has qiskit-ibm-runtime too: both jobs
        assert f"# {variable}={python} (client virtualenv;" in started.stdout


def test_local_start_without_client_venvs_names_the_fix(daemon, tmp_path):
    started = daemon("without-venv", tmp_path / "empty-cache")
    root = tmp_path / "empty-cache" / "client-venvs"
    assert (
        f"# PQ_LOCAL_GATEWAY_PYTHON is unset and no client virtualenv under {root} has "
        "qiskit_serverless: Qiskit Function jobs that import qiskit_serverless fail; run "
        "scripts/bootstrap --test-tools, or set PQ_LOCAL_GATEWAY_PYTHON to a Python that has it"
    ) in started.stdout
