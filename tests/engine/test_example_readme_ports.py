"""The examples' README commands work with non-default ports (issue 27 point 3).

Each example README that starts the local cloud is run as written, up to its ``pulumi stack
init``, in bash with only ``PQ_STATE_DIR`` and ``PQ_LOCAL_*_PORT`` set (free ports, a temp
state dir): the cloud must come up on those ports and the stack land in the backend
``scripts/env.sh`` chose. The deploys themselves are tested by tests/engine/test_examples.py.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
from pathlib import Path

import pytest

from .harness import REPO_ROOT

pytestmark = [pytest.mark.engine, pytest.mark.timeout(300)]

_SCRUBBED_PREFIXES = ("AWS_", "QISKIT_", "PQ_", "PULUMI_")
READMES = sorted(
    path
    for path in (REPO_ROOT / "examples").glob("*/README.md")
    if "pulumi-quantum local start" in path.read_text()
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def setup_commands(readme: Path) -> list[str]:
    """The first bash block's commands up to and including ``pulumi stack init``."""
    block = re.search(r"```bash\n(.*?)```", readme.read_text(), re.S)
    assert block, f"{readme}: no bash block"
    commands = []
    for line in block.group(1).splitlines():
        command = line.split("  #")[0].strip()
        if command:
            commands.append(command)
        if "pulumi stack init" in command:
            return commands
    raise AssertionError(f"{readme}: no `pulumi stack init` in its first bash block")


def test_every_example_readme_starts_the_local_cloud(tmp_path: Path) -> None:
    assert READMES, "no example README starts the local cloud"
    for readme in READMES:
        assert "pulumi login --local" not in readme.read_text(), readme  # no-op with env.sh


@pytest.mark.parametrize("readme", READMES, ids=lambda p: p.parent.name)
def test_readme_commands_use_the_ports_asked_for(readme: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED_PREFIXES)}
    ports = {name: free_port() for name in ("BRAKET", "S3", "IBM")}
    env["PQ_STATE_DIR"] = str(tmp_path / "state")
    env.update({f"PQ_LOCAL_{name}_PORT": str(port) for name, port in ports.items()})
    script = " && ".join(["set -e", *setup_commands(readme)])
    cloud = tmp_path / "state" / "cloud"
    try:
        done = subprocess.run(
            ["bash", "-c", script], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
            timeout=240,
        )  # fmt: skip
        assert done.returncode == 0, f"{script}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        endpoints = json.loads((cloud / "endpoints.json").read_text())["endpoints"]
        for name, port in ports.items():
            assert endpoints[name.lower()] == f"http://127.0.0.1:{port}", endpoints
        project = re.search(r"^name:\s*(\S+)", (readme.parent / "Pulumi.yaml").read_text(), re.M)
        assert project
        stacks = tmp_path / "state" / "backend" / ".pulumi" / "stacks" / project.group(1)
        assert any(stacks.glob("dev.json*")), f"no stack `dev` in the env.sh backend {stacks}"
    finally:
        subprocess.run(
            ["bash", "-c", "source scripts/env.sh && pulumi-quantum local stop"],
            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
