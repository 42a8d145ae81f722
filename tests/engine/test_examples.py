"""Each example project deploys on the local quantum cloud through the real engine.

The example folder is copied as it is into a throwaway project (its own ``Pulumi.yaml`` and
``__main__.py``), so what is tested is what a user runs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.engine._stacks import changes, program_names
from tests.engine.harness import EngineProject

pytestmark = pytest.mark.engine

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def example_project(make, name: str, env: dict[str, str]) -> EngineProject:
    project = make("# replaced by the example's own program\n", env=env)
    for item in (EXAMPLES / name).iterdir():
        target = project.directory / item.name
        if item.is_dir():
            shutil.copytree(item, target)
        elif item.name != "Pulumi.yaml":  # keep the harness's (it pins the file backend)
            shutil.copy2(item, target)
    return project


def test_ibm_programs_gitops_validates_and_deploys_one_program_per_file(
    engine_project, local_cloud
):
    env = local_cloud.client_env()
    programs_dir = EXAMPLES / "ibm-programs-gitops" / "programs"
    validate = subprocess.run(
        [sys.executable, "-m", "pulumi_quantum.cli", "validate", str(programs_dir)],
        capture_output=True,
        text=True,
    )
    assert validate.returncode == 0, validate.stdout + validate.stderr

    project = example_project(engine_project, "ibm-programs-gitops", env)
    metadata_files = sorted((project.directory / "programs").glob("*.json"))
    assert len(metadata_files) == 2
    up = project.up()
    assert changes(up).get("create") == 1 + len(metadata_files)
    assert set(up.outputs["program_ids"].value) == {f.stem for f in metadata_files}
    names = program_names(env)
    # Program names are unique per account: the example derives them from project and stack.
    prefix = f"engine-test-{project.stack_name}-"
    assert {f"{prefix}hello-world", f"{prefix}bell-sampler"} <= set(names)

    # Deleting a pair of files deletes that program; nothing else changes.
    (project.directory / "programs" / "hello_world.json").unlink()
    (project.directory / "programs" / "hello_world.py").unlink()
    shrink = project.up()
    assert changes(shrink) == {"delete": 1}
    assert f"{prefix}hello-world" not in program_names(env)

    project.destroy()
    assert f"{prefix}bell-sampler" not in program_names(env)


def test_braket_experiment_sweep_counts_follow_the_rotation(engine_project, local_cloud):
    env = local_cloud.client_env()
    project = example_project(engine_project, "braket-experiment", env)
    project.set_config({"braket-experiment:steps": "5", "braket-experiment:shots": "200"})
    up = project.up()
    names = [f"rx-{i}" for i in range(5)]
    angles = [up.outputs["angles"].value[n] for n in names]
    counts = [up.outputs["counts"].value[n] for n in names]
    assert angles == sorted(angles) and angles[0] == 0.0
    p_one = [c.get("1", 0) / sum(c.values()) for c in counts]
    assert all(sum(c.values()) == 200 for c in counts)
    assert p_one[0] == 0.0 and p_one[-1] == 1.0  # rx(0) and rx(pi) are deterministic
    assert p_one == sorted(p_one) and len(set(p_one)) == 5, p_one  # strictly climbing
    assert abs(p_one[2] - 0.5) < 0.15  # rx(pi/2): a fair coin

    assert changes(project.up()) == {}
    shown = subprocess.run(
        [sys.executable, "-m", "pulumi_quantum.cli", "results", "task_arns.rx-4", "--json",
         "--cwd", str(project.directory), "--stack", project.stack_name],
        env={**os.environ, **project.env},
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["counts"] == {"1": 200}
    project.destroy()
    assert project.resources() == []
