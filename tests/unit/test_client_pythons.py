"""``local start``'s default Pythons for the newest clients' jobs: the client virtualenvs of
the cache, chosen by what the jobs import; the operator's variable always wins."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from pulumi_quantum.local import client_pythons
from pulumi_quantum.local.client_pythons import FUNCTION_PYTHON, PRIMITIVES_PYTHON


def venv(root: Path, name: str, *packages: str, age: float = 0.0) -> Path:
    """A client virtualenv as ``python -m venv`` + pip leave it (the parts looked at)."""
    path = root / "client-venvs" / name
    (path / "bin").mkdir(parents=True)
    (path / "bin" / "python").write_text("")
    for package in packages:
        folder = path / "lib" / "python3.11" / "site-packages" / package
        folder.mkdir(parents=True)
        (folder / "__init__.py").write_text("")
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path / "bin" / "python"


def test_each_job_kind_gets_the_virtualenv_that_has_what_it_imports(tmp_path):
    serverless = venv(tmp_path, "qiskit-serverless-1a", "qiskit_serverless", "qiskit_ibm_runtime")
    latest = venv(tmp_path, "ibm-runtime-latest-2b", "qiskit_ibm_runtime")
    venv(tmp_path, "ibmq-provider-3c", "qiskit")  # the seed client: neither
    (tmp_path / "client-venvs" / "ibmq-provider-3c.lock").write_text("")
    environ = {"PQ_CACHE": str(tmp_path)}

    lines = client_pythons.apply(environ)

    assert environ[PRIMITIVES_PYTHON] == str(latest)
    assert environ[FUNCTION_PYTHON] == str(serverless)
    assert lines == [
        f"{PRIMITIVES_PYTHON}={latest} (client virtualenv; set {PRIMITIVES_PYTHON} to choose "
        "another)",
        f"{FUNCTION_PYTHON}={serverless} (client virtualenv; set {FUNCTION_PYTHON} to choose "
        "another)",
    ]


def test_the_serverless_venv_serves_both_and_the_newest_build_wins(tmp_path):
    venv(tmp_path, "qiskit-serverless-old", "qiskit_serverless", "qiskit_ibm_runtime", age=3600)
    new = venv(tmp_path, "qiskit-serverless-new", "qiskit_serverless", "qiskit_ibm_runtime")
    environ = {"PQ_CACHE": str(tmp_path)}
    client_pythons.apply(environ)
    assert environ[PRIMITIVES_PYTHON] == environ[FUNCTION_PYTHON] == str(new)


def test_a_variable_the_operator_set_wins(tmp_path):
    venv(tmp_path, "qiskit-serverless-1a", "qiskit_serverless", "qiskit_ibm_runtime")
    environ = {"PQ_CACHE": str(tmp_path), FUNCTION_PYTHON: "/opt/functions/bin/python"}
    lines = client_pythons.apply(environ)
    assert environ[FUNCTION_PYTHON] == "/opt/functions/bin/python"
    assert f"{FUNCTION_PYTHON}=/opt/functions/bin/python (from the environment)" in lines


def test_without_client_venvs_nothing_is_set_and_the_fix_is_named(tmp_path):
    environ = {"PQ_CACHE": str(tmp_path)}
    lines = client_pythons.apply(environ)
    assert PRIMITIVES_PYTHON not in environ and FUNCTION_PYTHON not in environ
    root = tmp_path / "client-venvs"
    assert lines[1] == (
        f"{FUNCTION_PYTHON} is unset and no client virtualenv under {root} has "
        "qiskit_serverless: Qiskit Function jobs that import qiskit_serverless fail; run "
        f"scripts/bootstrap --test-tools, or set {FUNCTION_PYTHON} to a Python that has it"
    )


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"PQ_CACHE": "/c", "XDG_CACHE_HOME": "/x", "HOME": "/h"}, "/c/client-venvs"),
        ({"XDG_CACHE_HOME": "/x", "HOME": "/h"}, "/x/pulumi-quantum/client-venvs"),
        ({"HOME": "/h"}, "/h/.cache/pulumi-quantum/client-venvs"),
    ],
)
def test_the_cache_is_found_as_scripts_env_sh_finds_it(environ, expected):
    assert client_pythons.venv_root(environ) == Path(expected)
