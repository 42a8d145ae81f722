"""``pulumi-quantum local start`` prints what a qiskit-ibm-runtime user needs, and it works.

The printed ``export`` lines (today's IBM Quantum Platform by default; the legacy runtime only
with ``--ibm-legacy``) are used verbatim as the environment of a separate process running
unmodified qiskit-ibm-runtime, under the loopback network audit.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.daemon import local_cli as cli

REPO = Path(__file__).resolve().parents[2]

USER_CODE = """
import json
from tests import loopback
loopback.install()
from qiskit import QuantumCircuit, transpile
from qiskit_ibm_runtime import Batch, QiskitRuntimeService, SamplerV2

service = QiskitRuntimeService()  # everything from the printed environment
backend = service.backend("ibm_loopback_5q")
qc = QuantumCircuit(3)
qc.x(0)
qc.x(2)
qc.measure_all()
with Batch(backend=backend) as batch:
    job = SamplerV2(mode=batch).run([transpile(qc, backend)], shots=64)
    counts = job.result()[0].data.meas.get_counts()
    details = batch.details()
assert loopback.outside() == [], loopback.outside()
result = {"counts": counts, "mode": details["mode"], "instance": service.active_instance()}
print(json.dumps(result))
"""


@pytest.fixture
def daemon_dir(tmp_path: Path):
    yield tmp_path
    cli(tmp_path, "stop")


def test_start_prints_a_working_qiskit_ibm_runtime_environment(daemon_dir: Path) -> None:
    started = cli(daemon_dir, "start", "--braket-port", "0", "--s3-port", "0", "--ibm-port", "0")
    assert started.returncode == 0, started.stderr
    # What a script sees with `grep '^export'`: today's platform, uncommented, nothing hidden.
    platform = dict(re.findall(r"^export (\w+)=(\S+)$", started.stdout, re.M))
    assert "# export" not in started.stdout
    assert platform["QISKIT_IBM_CHANNEL"] == "ibm_quantum_platform"
    assert platform["QISKIT_IBM_TOKEN"] == "local-ibm-apikey-alice"
    # `local env` prints the same; the legacy runtime's variables only through the switch.
    env = cli(daemon_dir, "env")
    assert dict(re.findall(r"^export (\w+)=(\S+)$", env.stdout, re.M)) == platform
    legacy = cli(daemon_dir, "env", "--ibm-legacy")
    legacy_env = dict(re.findall(r"^export (\w+)=(\S+)$", legacy.stdout, re.M))
    assert legacy_env["QISKIT_IBM_TOKEN"] == "local-ibm-token-alice"
    assert legacy_env["QISKIT_IBM_URL"] == platform["IAM_URL"]  # the runtime's own port
    assert "QISKIT_IBM_CHANNEL" not in legacy_env and "HTTP_PROXY" not in legacy_env
    assert platform["QISKIT_IBM_INSTANCE"].startswith("crn:v1:")
    for name in ("IAM_URL", "QISKIT_IBM_API_URL", "HTTP_PROXY", "HTTPS_PROXY"):
        assert platform[name].startswith("http://127.0.0.1:"), name
    assert Path(platform["REQUESTS_CA_BUNDLE"]).is_file()

    done = subprocess.run(
        [sys.executable, "-c", USER_CODE],
        env={"PATH": "/usr/bin:/bin", "HOME": str(daemon_dir), **platform},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["counts"] == {"101": 64}
    assert result["mode"] == "batch"
    assert result["instance"] == platform["QISKIT_IBM_INSTANCE"]

    status = cli(daemon_dir, "status")
    assert re.search(r"ibm-proxy\s+http://127\.0\.0\.1:\d+\s+ok", status.stdout), status.stdout
