"""Shared fixtures: the local quantum cloud, in-process or as a subprocess.

* ``local_cloud``: one in-process LocalCloud per test module, in its own temporary data dir, on
  free loopback ports; a module marked ``pytest.mark.local_test_devices`` gets the test-only
  OFFLINE/RETIRED QPUs too (``local start --test-devices``). It sets nothing globally: pass
  ``local_cloud.client_env()`` explicitly or use the ``cloud_env`` fixture (monkeypatched env
  vars for one test).
* ``local_cloud_process``: a factory starting ``python -m pulumi_quantum.local serve`` as a
  subprocess (free ports, given data dir) for kill -9 / restart tests. Every process it started is
  stopped at teardown.
* ``wait_until``: poll a predicate with a deadline (never ``time.sleep`` as synchronisation).

Every test runs under the loopback audit (``tests/loopback.py``): a connect or name lookup to a
non-loopback address is refused and fails the test that made it. Vendor clients fall back to the
network when nothing is configured (boto3's credential and region chain asks the EC2 metadata
service at 169.254.169.254; an unset endpoint means the vendor cloud), so the environment every
test and every subprocess inherits switches the metadata service off and points boto3's global
endpoint fallback at a dead loopback port. Client virtualenvs are built by scripts/bootstrap,
never by a test (tests/clients/venvs.py).
"""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pulumi_quantum.local.server import LocalCloud
from tests import loopback
from tests.polling import wait_until

DEAD_LOOPBACK = "http://127.0.0.1:9"
"""The discard port: nothing listens there, so a client that falls back to it fails at once."""

# Only fallbacks nothing of ours exports: IAM_URL, for one, is set by the local IBM Quantum
# Platform's environment where it is wanted, and "values already set win" would keep a dead one.
LOOPBACK_FALLBACKS = {
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_ENDPOINT_URL": DEAD_LOOPBACK,
}
os.environ.update(LOOPBACK_FALLBACKS)
# A stack on the local target finds the local cloud through PQ_LOCAL_DATA_DIR (its client.json):
# never the developer's own cloud or ports; tests pass their cloud's (client_env() has it).
for _name in ("PQ_LOCAL_BRAKET_PORT", "PQ_LOCAL_S3_PORT", "PQ_LOCAL_IBM_PORT"):
    os.environ.pop(_name, None)
os.environ["PQ_LOCAL_DATA_DIR"] = tempfile.mkdtemp(prefix="pq-no-local-cloud-")
# Cost estimates read Braket's offer file (docs/cost.md); on the aws target that is AWS's public
# file. Every test prices from a fixture in AWS's format unless it points elsewhere (a local
# cloud's client_env() gives its own file).
OFFER_FIXTURE = Path(__file__).parent / "data" / "braket-offer-index.csv"
os.environ["BRAKET_PRICE_OFFERS_URL"] = OFFER_FIXTURE.as_uri()
_AUDIT_LOG = pytest.StashKey[Path]()


def pytest_configure(config: pytest.Config) -> None:
    loopback.install()
    log = Path(tempfile.mkstemp(prefix="loopback-audit-", suffix=".jsonl")[1])
    config.stash[_AUDIT_LOG] = log
    loopback.audit_subprocesses(str(log))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Catch what no single test was charged with (module fixtures, late subprocess output)."""
    reached = loopback.outside()
    if reached:
        print(f"\nloopback audit: non-loopback addresses were tried: {reached}", file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_unconfigure(config: pytest.Config) -> None:
    log = config.stash.get(_AUDIT_LOG, None)
    if log is not None:
        log.unlink(missing_ok=True)


@pytest.fixture(autouse=True)
def _loopback_only(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail the test that tried to reach a non-loopback address (the audit refused it)."""
    before = len(loopback.outside())
    yield
    reached = loopback.outside()[before:]
    if reached:
        pytest.fail(f"{request.node.nodeid} tried to reach non-loopback addresses: {reached}")


@pytest.fixture(name="wait_until")
def wait_until_fixture() -> Callable[..., Any]:
    return wait_until


@pytest.fixture(scope="module")
def local_cloud(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[LocalCloud]:
    test_devices = request.node.get_closest_marker("local_test_devices") is not None
    cloud = LocalCloud(tmp_path_factory.mktemp("local-cloud"), test_devices=test_devices)
    cloud.start()
    try:
        yield cloud
    finally:
        cloud.stop()


@pytest.fixture
def cloud_env(local_cloud: LocalCloud, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Point boto3 / braket SDK / qiskit at ``local_cloud`` for one test via env vars."""
    env = local_cloud.client_env()
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "BRAKET_ENDPOINT"):
        monkeypatch.delenv(key, raising=False)
    return env


@pytest.fixture
def pause_runner(local_cloud: LocalCloud) -> Iterator[Callable[[bool], Any]]:
    """Pause / resume ``local_cloud``'s Braket runner (held tasks stay QUEUED); resumed after."""
    from tests.fixtures import pause_local_runner

    def pause(paused: bool) -> Any:
        return pause_local_runner(local_cloud.endpoints["braket"], paused)

    yield pause
    pause(False)


@pytest.fixture
def results_bucket(cloud_env: dict[str, str]) -> str:
    """A fresh S3 bucket on the local cloud for task results."""
    import boto3

    name = f"amzn-braket-{uuid.uuid4().hex[:12]}"
    boto3.client("s3").create_bucket(Bucket=name)
    return name


def _cap(address_space: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))


class LocalCloudProcess:
    """A ``python -m pulumi_quantum.local serve`` subprocess."""

    def __init__(
        self,
        data_dir: Path,
        extra_args: list[str],
        timeout: float = 60.0,
        *,
        environ: dict[str, str] | None = None,
        address_space: int | None = None,
    ) -> None:
        """``environ`` adds variables (PQ_LOCAL_* included); ``address_space`` caps the server
        and every process it starts (RLIMIT_AS), so a memory test cannot exhaust the machine."""
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = data_dir / "test-serve.log"
        endpoints_file = data_dir / "endpoints.json"
        endpoints_file.unlink(missing_ok=True)
        command = [
            sys.executable, "-m", "pulumi_quantum.local", "serve", "--data-dir", str(data_dir),
            "--braket-port", "0", "--s3-port", "0", "--ibm-port", "0", *extra_args,
        ]  # fmt: skip
        env = {k: v for k, v in os.environ.items() if not k.startswith("PQ_LOCAL_")}
        env.update(environ or {})
        limit = None if address_space is None else functools.partial(_cap, address_space)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=log, env=env, preexec_fn=limit
            )

        def ready() -> dict[str, Any] | None:
            if self.process.poll() is not None:
                raise AssertionError(f"local cloud exited early:\n{self.log_path.read_text()}")
            try:
                doc = json.loads(endpoints_file.read_text())
            except (OSError, ValueError):
                return None
            return doc if doc.get("pid") == self.process.pid else None

        self.endpoints: dict[str, str] = wait_until(ready, timeout)["endpoints"]

    @property
    def pid(self) -> int:
        return self.process.pid

    def client_env(self) -> dict[str, str]:
        env = LocalCloud(self.data_dir).client_env()
        env["AWS_ENDPOINT_URL_BRAKET"] = self.endpoints["braket"]
        env["AWS_ENDPOINT_URL_STS"] = self.endpoints["braket"]  # the local STS shares the port
        env["AWS_ENDPOINT_URL_S3"] = self.endpoints["s3"]
        if "ibm" in self.endpoints:
            env["QISKIT_IBM_URL"] = self.endpoints["ibm"]
        return env

    def kill(self) -> None:
        """kill -9: no clean-up code of the server runs."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.process.returncode


@pytest.fixture
def local_cloud_process() -> Iterator[Callable[..., LocalCloudProcess]]:
    """Factory: ``local_cloud_process(data_dir, *extra_args) -> LocalCloudProcess``."""
    started: list[LocalCloudProcess] = []

    def start(data_dir: str | Path, *extra_args: str) -> LocalCloudProcess:
        proc = LocalCloudProcess(Path(data_dir), list(extra_args))
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()
