"""`source scripts/env.sh` in a new shell: the running local cloud's endpoints and keys, never
the IBM platform proxy (it relays IBM's host names only: pip, git and curl would fail there)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_env_sh_exports_the_local_cloud_but_not_the_ibm_proxy(tmp_path, local_cloud_process):
    cloud = local_cloud_process(tmp_path / "cloud")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PQ_", "AWS_", "QISKIT_", "HTTP", "http", "PULUMI_BACKEND"))
    }
    env.update(PQ_LOCAL_DATA_DIR=str(cloud.data_dir), PQ_STATE_DIR=str(tmp_path / "state"))
    shell = subprocess.run(
        ["bash", "-c", f"source {REPO / 'scripts' / 'env.sh'} && env"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    exported = dict(line.split("=", 1) for line in shell.stdout.splitlines() if "=" in line)
    assert exported["AWS_ENDPOINT_URL_BRAKET"] == cloud.endpoints["braket"]
    assert exported["BRAKET_PRICE_OFFERS_URL"] == (
        cloud.endpoints["braket"] + "/offers/v1.0/aws/AmazonBraket/current/index.csv"
    )
    assert exported["QISKIT_IBM_CHANNEL"] == "ibm_quantum_platform"  # today's platform
    proxies = {k for k in exported if k.lower() in ("http_proxy", "https_proxy")}
    assert not proxies, f"env.sh exported the IBM platform proxy: {proxies}"
    # `local env` itself still prints the proxy for qiskit-ibm-runtime by hand.
    printed = subprocess.run(
        [
            str(REPO / ".venv" / "bin" / "pulumi-quantum"),
            "local",
            "env",
            "--data-dir",
            str(cloud.data_dir),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert "export HTTPS_PROXY=" in printed
