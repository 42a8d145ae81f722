"""No credentials in the local cloud's logs at any verbosity; ``local start -v`` logs at DEBUG."""

from __future__ import annotations

import re
import subprocess
import sys

import requests

from pulumi_quantum.local.logredact import RedactingFilter
from tests.fixtures import cloud_clients

SECRET_MARKERS = ("AWS4-HMAC-SHA256 Credential", "local-ibm-token-")


def _traffic(env: dict[str, str]) -> None:
    """Signed Braket and S3 calls and an IBM login, as the vendors' clients make them."""
    braket, s3 = cloud_clients(env)
    braket.search_devices(filters=[])
    s3.create_bucket(Bucket="log-check-bucket")
    s3.put_object(Bucket="log-check-bucket", Key="k", Body=b"x")
    login = requests.post(
        f"{env['QISKIT_IBM_URL']}/users/loginWithToken",
        json={"apiToken": env["QISKIT_IBM_TOKEN"]},
        timeout=30,
    )
    access = login.json()["id"]
    requests.get(
        f"{env['QISKIT_IBM_URL']}/users/me", headers={"X-Access-Token": access}, timeout=30
    )


def test_serve_verbose_logs_requests_but_no_credentials(local_cloud_process, tmp_path):
    cloud = local_cloud_process(tmp_path / "cloud", "-v")
    env = cloud.client_env()
    _traffic(env)
    cloud.stop()
    log = cloud.log_path.read_text()
    assert "DEBUG" in log and "SearchDevices" in log  # it is verbose
    for marker in (*SECRET_MARKERS, env["AWS_SECRET_ACCESS_KEY"], env["QISKIT_IBM_TOKEN"]):
        assert marker not in log, marker
    assert not re.search(r"Signature=[0-9a-f]{16}", log)


def test_redacting_filter_rewrites_every_rendering():
    redact = RedactingFilter(["very-secret-value"]).redact
    for text in (
        "{'Authorization': 'AWS4-HMAC-SHA256 Credential=AKIA/x, Signature=abcdef0123'}",
        "Authorization: Bearer abc.def",
        '{"apiToken": "local-ibm-token-alice"}',
        "X-Access-Token: 1234567890",
        "the secret is very-secret-value",
    ):
        out = redact(text)
        assert "***" in out
        for leaked in ("AWS4-HMAC", "abcdef0123", "abc.def", "token-alice", "1234567890"):
            assert leaked not in out
        assert "very-secret-value" not in out


def test_local_start_verbose_reaches_the_daemon(tmp_path):
    data_dir = tmp_path / "cloud"
    base = [sys.executable, "-m", "pulumi_quantum.local"]
    ports = ["--braket-port", "0", "--s3-port", "0", "--ibm-port", "0"]
    started = subprocess.run(
        [*base, "start", "--data-dir", str(data_dir), *ports, "-v"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    try:
        assert started.returncode == 0, started.stderr
        status = subprocess.run(
            [*base, "status", "--data-dir", str(data_dir)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert status.returncode == 0, status.stdout
    finally:
        subprocess.run([*base, "stop", "--data-dir", str(data_dir)], timeout=60, check=False)
    log = (data_dir / "local.log").read_text()
    assert " DEBUG " in log  # the health checks of `start`, logged at DEBUG
