"""The local cloud as a user starts it (``pulumi-quantum local start``), for SDK-level tests.

``started_daemon(data_dir)`` runs ``python -m pulumi_quantum.local start`` (the same entry point
as the ``pulumi-quantum local start`` console script) on free loopback ports, and yields the
environment a user would export from its output, plus ``AWS_ENDPOINT_URL`` at a loopback port
nobody listens on, so that no client call can fall through to AWS. ``local stop`` at the end.
"""

from __future__ import annotations

import re
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.daemon import local_cli, operator_env


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return local_cli(data_dir, *args, env=operator_env())


def dead_loopback_url() -> str:
    """A loopback URL with nothing listening (bound once, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def daemon_pid(data_dir: Path) -> int:
    return int((data_dir / "local.pid").read_text())


@contextmanager
def started_daemon(data_dir: Path) -> Iterator[dict[str, str]]:
    # --ibm-legacy: no HTTP_PROXY for the IBM platform in the test process's environment.
    started = _cli(
        data_dir, "start", "--braket-port", "0", "--s3-port", "0", "--ibm-port", "0",
        "--ibm-legacy",
    )  # fmt: skip
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        env = dict(re.findall(r"^export (\w+)=(\S+)$", started.stdout, re.M))
        assert env["AWS_ENDPOINT_URL_BRAKET"].startswith("http://127.0.0.1:")
        env["AWS_ENDPOINT_URL"] = dead_loopback_url()
        with pytest.MonkeyPatch.context() as patch:
            for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "BRAKET_ENDPOINT"):
                patch.delenv(key, raising=False)
            for key, value in env.items():
                patch.setenv(key, value)
            yield env
    finally:
        _cli(data_dir, "stop")
