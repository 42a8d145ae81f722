"""The local cloud's own command line (``python -m pulumi_quantum.local``), run as a user runs
it: a real process, its output captured. Shared by the tests that start, query and stop a
background daemon."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path


def local_cli(
    data_dir: Path | str | None,
    *args: str,
    env: Mapping[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """``python -m pulumi_quantum.local ARGS --data-dir DATA_DIR`` (no ``--data-dir`` when
    ``data_dir`` is None); ``env`` replaces the environment when given."""
    command = [sys.executable, "-m", "pulumi_quantum.local", *args]
    if data_dir is not None:
        command += ["--data-dir", str(data_dir)]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, env=env, check=False
    )


def operator_env() -> dict[str, str]:
    """This process's environment without the ``PQ_LOCAL_*`` settings a test run may carry, so
    the daemon starts as from an operator's shell."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PQ_LOCAL_")}
