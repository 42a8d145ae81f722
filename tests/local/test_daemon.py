"""``python -m pulumi_quantum.local start|status|stop``: a real background daemon."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.daemon import local_cli as cli
from tests.fixtures import braket_client, sts_client


@pytest.fixture
def daemon_dir(tmp_path):
    yield tmp_path
    cli(tmp_path, "stop")  # never leave a daemon behind, even if the test failed


def test_start_status_stop(daemon_dir):
    started = cli(daemon_dir, "start", "--braket-port", "0", "--s3-port", "0", "--ibm-port", "0")
    assert started.returncode == 0, started.stderr
    exports = dict(re.findall(r"^export (\w+)=(\S+)$", started.stdout, re.M))
    assert exports["AWS_ENDPOINT_URL_BRAKET"].startswith("http://127.0.0.1:")
    assert exports["AWS_ENDPOINT_URL_S3"].startswith("http://127.0.0.1:")
    assert exports["AWS_ENDPOINT_URL_STS"] == exports["AWS_ENDPOINT_URL_BRAKET"]  # local STS
    sts = sts_client(exports)
    assert sts.get_caller_identity()["Account"] == "123456789012"
    pid = int((daemon_dir / "local.pid").read_text())
    assert (daemon_dir / "local.log").exists()

    again = cli(daemon_dir, "start", "--braket-port", "0", "--s3-port", "0", "--ibm-port", "0")
    assert again.returncode == 0 and "already running" in again.stdout

    status = cli(daemon_dir, "status")
    assert status.returncode == 0 and f"pid {pid}" in status.stdout
    assert re.search(r"braket\s+http://127\.0\.0\.1:\d+\s+ok", status.stdout)

    braket = braket_client(exports)
    assert braket.search_devices(filters=[])["devices"]

    stopped = cli(daemon_dir, "stop")
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    assert not (daemon_dir / "local.pid").exists()
    from pulumi_quantum.local.daemon import _pid_alive

    assert not _pid_alive(pid)
    after = cli(daemon_dir, "status")
    assert after.returncode == 3 and "not running" in after.stdout


def test_data_dir_from_environment(tmp_path):
    env = {**os.environ, "PQ_LOCAL_DATA_DIR": str(tmp_path / "from-env")}
    result = subprocess.run(
        [sys.executable, "-m", "pulumi_quantum.local", "status"],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert result.returncode == 3
    assert str(tmp_path / "from-env") in result.stdout


def test_add_local_commands_plugs_into_a_parser(tmp_path):
    import argparse

    from pulumi_quantum.local.cli import add_local_commands

    parser = argparse.ArgumentParser()
    add_local_commands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["local", "status", "--data-dir", str(tmp_path)])
    assert args.func(args) == 3
    with pytest.raises(SystemExit):
        parser.parse_args(["local", "explode"])


def test_configured_credentials_replace_the_defaults(tmp_path, monkeypatch):
    from pulumi_quantum.local.server import LocalCloud, LocalCredentials

    monkeypatch.setenv("PQ_LOCAL_AWS_ACCESS_KEY_ID", "AKIACUSTOM0000000001")
    monkeypatch.setenv("PQ_LOCAL_AWS_SECRET_ACCESS_KEY", "custom-secret")
    creds = LocalCredentials.from_env()
    assert "custom-secret" not in repr(creds)
    with LocalCloud(tmp_path, credentials=creds) as cloud:
        env = cloud.client_env()
        assert env["AWS_ACCESS_KEY_ID"] == "AKIACUSTOM0000000001"
        kwargs = {"endpoint_url": env["AWS_ENDPOINT_URL_BRAKET"], "region_name": "us-east-1"}
        ok = boto3.client("braket", aws_access_key_id="AKIACUSTOM0000000001",
                          aws_secret_access_key="custom-secret", **kwargs)  # fmt: skip
        assert ok.search_devices(filters=[])["devices"]
        default = boto3.client(
            "braket",
            aws_access_key_id="AKIALOCALQUANTUM0001",
            aws_secret_access_key="local-quantum-secret-key-0001",
            **kwargs,
        )
        with pytest.raises(ClientError) as denied:  # the default key is not configured
            default.search_devices(filters=[])
        assert denied.value.response["Error"]["Code"] == "UnrecognizedClientException"


def test_start_and_env_export_what_qiskit_serverless_reads(daemon_dir):
    """``local start`` / ``local env`` print ENV_GATEWAY_PROVIDER_HOST / _TOKEN and the CRN;
    PQ_LOCAL_GATEWAY_PORT picks the gateway's port; unmodified ServerlessClient works from them."""
    import socket

    from tests.clients.test_qiskit_serverless import run_client
    from tests.clients.venvs import ensure_venv

    venv = ensure_venv("qiskit-serverless.txt", build=False)  # the client's own virtualenv
    with socket.socket() as probe:  # a free loopback port for the gateway
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PQ_LOCAL_GATEWAY_PORT": str(port)}
    started = cli(daemon_dir, "start", env=env)
    assert started.returncode == 0, started.stderr
    printed = cli(daemon_dir, "env")
    for output in (started.stdout, printed.stdout):
        exports = dict(re.findall(r"^export (\w+)=(\S+)$", output, re.M))
        assert exports["ENV_GATEWAY_PROVIDER_HOST"] == f"http://127.0.0.1:{port}"
        assert exports["ENV_GATEWAY_PROVIDER_TOKEN"] == "local-ibm-apikey-alice"
        assert exports["QISKIT_SERVERLESS_INSTANCE"].startswith("crn:v1:")
    status = cli(daemon_dir, "status")
    assert re.search(rf"gateway\s+http://127\.0\.0\.1:{port}\s+ok", status.stdout)
    # Unmodified ServerlessClient, in its venv, with only the exported variables: host, token
    # and instance come from the environment.
    names = (
        "ENV_GATEWAY_PROVIDER_HOST",
        "ENV_GATEWAY_PROVIDER_TOKEN",
        "QISKIT_SERVERLESS_INSTANCE",
    )
    out = run_client(venv, "env_client", daemon_dir / "client", "", {k: exports[k] for k in names})
    assert out["host"] == f"http://127.0.0.1:{port}"
    assert out["functions"] == []
