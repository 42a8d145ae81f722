"""``pulumi-quantum local start`` honours PQ_LOCAL_*_PORT and PQ_LOCAL_DATA_DIR (issue 27 point 3).

The examples' READMEs and the scripts run ``local start`` without flags; the variables alone
must move the cloud. A provider then finds it (ports and keys) through the same data dir.
"""

from __future__ import annotations

import json
import os
import re
import socket
import stat
import subprocess
from pathlib import Path

import pytest

from pulumi_quantum import _provider
from tests.daemon import local_cli


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return local_cli(None, *args, env=env)


@pytest.fixture
def env(tmp_path: Path):
    variables = {k: v for k, v in os.environ.items() if not k.startswith("PQ_LOCAL_")}
    variables["PQ_LOCAL_DATA_DIR"] = str(tmp_path / "cloud")
    yield variables
    cli("stop", env=variables)  # never leave a daemon behind


def test_local_start_without_flags_uses_the_variables(env, monkeypatch) -> None:
    ports = {name: free_port() for name in ("BRAKET", "S3", "IBM")}
    env.update({f"PQ_LOCAL_{name}_PORT": str(port) for name, port in ports.items()})
    started = cli("start", env=env)
    assert started.returncode == 0, started.stdout + started.stderr
    data_dir = Path(env["PQ_LOCAL_DATA_DIR"])
    endpoints = json.loads((data_dir / "endpoints.json").read_text())["endpoints"]
    assert endpoints["braket"] == f"http://127.0.0.1:{ports['BRAKET']}"
    assert endpoints["s3"] == f"http://127.0.0.1:{ports['S3']}"
    assert endpoints["ibm"] == f"http://127.0.0.1:{ports['IBM']}"
    exported = dict(re.findall(r"^export (\w+)=(\S+)$", cli("env", env=env).stdout, re.M))
    assert exported["AWS_ENDPOINT_URL_BRAKET"] == endpoints["braket"]
    offers = "/offers/v1.0/aws/AmazonBraket/current/index.csv"  # the SDK Tracker's price list
    assert exported["BRAKET_PRICE_OFFERS_URL"] == endpoints["braket"] + offers
    assert exported["PQ_LOCAL_DATA_DIR"] == str(data_dir)

    # The local cloud's state holds its endpoints and keys, for its owner only ...
    state = data_dir / "client.json"
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    # ... and a stack on the local target finds the IBM runtime there, whatever its port.
    from pulumi_quantum.clients import ibm as config

    for name in ("QISKIT_IBM_URL", "QISKIT_IBM_TOKEN", "QISKIT_IBM_INSTANCE", "IAM_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PQ_LOCAL_DATA_DIR", str(data_dir))
    _provider._remember_stack_config({})
    assert config.ibm_url() == endpoints["ibm"]
    with config.runtime_client() as client:
        assert isinstance(client.list_programs(), list)  # logged in with the state's token


def test_a_bad_port_variable_is_refused_naming_it(env) -> None:
    env["PQ_LOCAL_S3_PORT"] = "45x"
    started = cli("start", env=env)
    assert started.returncode == 2
    assert "PQ_LOCAL_S3_PORT is '45x'" in started.stderr
    assert not (Path(env["PQ_LOCAL_DATA_DIR"]) / "endpoints.json").exists()
