"""`pulumi refresh` after an endpoint change uses the current stack config, not the recorded one.

The engine refreshes with the provider configuration recorded at the last `up` unless the program
runs (`PULUMI_RUN_PROGRAM`, which `scripts/env.sh` sets). The local cloud moves to another port
(same data dir); the stack config follows it; the refresh must reach the new endpoint.
"""

from __future__ import annotations

import subprocess

import pytest

from .harness import REPO_ROOT

pytestmark = pytest.mark.engine

PROGRAM = """
import pulumi
from pulumi_quantum.braket import SpendingLimit

limit = SpendingLimit(
    "budget", device_arn="arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1",
    spending_limit="3.00",
)
pulumi.export("arn", limit.spending_limit_arn)
"""


def env_sh_value(name: str, tmp_path) -> str:
    """What `source scripts/env.sh` sets ``name`` to in a user's shell."""
    done = subprocess.run(
        ["bash", "-c", f'source scripts/env.sh >/dev/null 2>&1; printf %s "${{{name}:-}}"'],
        cwd=REPO_ROOT,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PQ_STATE_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def test_refresh_after_endpoint_change_uses_current_config(
    engine_project, local_cloud_process, tmp_path
):
    run_program = env_sh_value("PULUMI_RUN_PROGRAM", tmp_path)
    assert run_program == "true"
    data_dir = tmp_path / "cloud"
    first = local_cloud_process(data_dir)
    env = first.client_env()
    env.pop("AWS_ENDPOINT_URL_BRAKET")
    env["PULUMI_RUN_PROGRAM"] = run_program
    project = engine_project(PROGRAM, env=env)
    project.set_config({"quantum:braketEndpoint": first.endpoints["braket"]})
    up = project.up()
    arn = up.outputs["arn"].value

    first.stop()  # the cloud moves: same data, another port
    second = local_cloud_process(data_dir)
    assert second.endpoints["braket"] != first.endpoints["braket"]
    project.set_config({"quantum:braketEndpoint": second.endpoints["braket"]})
    refresh = project.refresh()  # fails reaching the old port if the recorded config is used
    assert {k: v for k, v in refresh.summary.resource_changes.items() if k != "same"} == {}
    assert [r["id"] for r in project.resources("SpendingLimit")] == [arn]
    project.destroy()
