"""The README's run command, end to end: ``scripts/quickstart`` then ``scripts/teardown``.

The scripts run as a user runs them (bash, the pinned engine, the root Pulumi.yaml, a local file
backend), moved into a temp dir and onto free ports through their documented environment
overrides so the test never touches ``~/.local/share/pulumi-quantum`` or the default ports.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from .harness import REPO_ROOT

pytestmark = [pytest.mark.engine, pytest.mark.timeout(600)]

# Variables that would point the scripts somewhere else than the sandbox built here.
_SCRUBBED_PREFIXES = ("AWS_", "QISKIT_", "PQ_", "PULUMI_")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(REPO_ROOT / "scripts" / script)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=200,
    )
    assert done.returncode == 0, f"{script} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return done


def last_json_document(text: str) -> dict:
    """The outputs `pulumi stack output --json` printed last (the script's final step)."""
    start = text.rindex("\n{\n") + 1 if "\n{\n" in text else text.index("{")
    return json.loads(text[start:])


def check_outputs(outputs: dict) -> None:
    for name, width in (("bell", 2), ("ghz5", 5), ("noisy_bell", 2)):
        counts = outputs[f"{name}_counts"]
        assert sum(counts.values()) == 200, (name, counts)
        assert all(len(bits) == width for bits in counts), (name, counts)
    assert set(outputs["bell_counts"]) <= {"00", "11"} and len(outputs["bell_counts"]) == 2
    assert set(outputs["ghz5_counts"]) == {"00000", "11111"}
    # The depolarizing channel on DM1 makes the odd-parity outcomes appear.
    assert set(outputs["noisy_bell_counts"]) & {"01", "10"}
    assert set(outputs["task_arns"]) == {"bell", "ghz5", "noisy-bell"}
    assert all(":quantum-task/" in arn for arn in outputs["task_arns"].values())
    assert set(outputs["program_ids"]) == {"parity_check", "sampler_counts"}
    assert (
        set(outputs["function_ids"]) == {"bell_counts"} and outputs["function_ids"]["bell_counts"]
    )
    assert outputs["function_titles"] == {
        "bell_counts": "pulumi-quantum-quickstart-dev-bell-counts"
    }
    assert outputs["session_id"] and outputs["batch_id"]
    assert outputs["session_channel"] == "ibm_quantum_platform"  # the current platform
    assert outputs["session_state"] == "open"


def fresh_shell(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A new shell as the README's reader opens one: only `source scripts/env.sh` first."""
    done = subprocess.run(
        ["bash", "-c", f"source scripts/env.sh && {command}"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"{command} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done


def test_quickstart_deploys_prints_counts_and_teardown_cleans_up(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED_PREFIXES)}
    state_dir = tmp_path / "state"
    ports = {name: free_port() for name in ("BRAKET", "S3", "IBM")}
    env.update(
        {
            "PQ_STATE_DIR": str(state_dir),
            "PQ_LOCAL_DATA_DIR": str(tmp_path / "cloud"),
            **{f"PQ_LOCAL_{name}_PORT": str(port) for name, port in ports.items()},
        }
    )
    try:
        outputs = last_json_document(run("quickstart", env).stdout)
        check_outputs(outputs)

        # The daemon runs on the ports asked for, in the temp data dir.
        endpoints = json.loads((tmp_path / "cloud" / "endpoints.json").read_text())["endpoints"]
        assert endpoints["braket"].endswith(f":{ports['BRAKET']}")
        assert endpoints["ibm"].endswith(f":{ports['IBM']}")

        # The README's follow-up commands, in a fresh shell (no backend URL, no endpoints set).
        shown = json.loads(fresh_shell("pulumi stack output --json", env).stdout)
        assert shown["task_arns"] == outputs["task_arns"]
        results = json.loads(
            fresh_shell("pulumi-quantum results task_arns.bell --json", env).stdout
        )
        assert results["source"] == outputs["task_arns"]["bell"]  # read from S3 by its ARN
        assert results["counts"] == outputs["bell_counts"]

        # quickstart → teardown → quickstart: the second deployment submits new tasks (the
        # first ones' results went with the destroyed bucket) and succeeds.
        run("teardown", env)
        again = last_json_document(run("quickstart", env).stdout)
        check_outputs(again)
        assert set(again["task_arns"].values()).isdisjoint(outputs["task_arns"].values())
        # The function was retained (no delete API) and is taken up again: the same one.
        assert again["function_ids"] == outputs["function_ids"]
    finally:
        run("teardown", env)

    engine_env = {**env, "PULUMI_BACKEND_URL": f"file://{state_dir / 'backend'}"}
    engine_env["PULUMI_CONFIG_PASSPHRASE"] = "local-quickstart"
    exported = subprocess.run(
        ["bash", "-c", "source scripts/env.sh && pulumi stack export --stack dev"],
        cwd=REPO_ROOT,
        env=engine_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    resources = json.loads(exported.stdout)["deployment"].get("resources") or []
    assert [r["type"] for r in resources if not r["type"].startswith("pulumi:")] == []

    status = subprocess.run(
        [
            sys.executable,
            "-m",
            "pulumi_quantum.local",
            "status",
            "--data-dir",
            str(tmp_path / "cloud"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert status.returncode != 0, status.stdout
    assert "not running" in status.stdout
    assert not (tmp_path / "cloud" / "endpoints.json").exists()
