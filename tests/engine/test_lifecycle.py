"""The quickstart stack's whole life through the real engine (Automation API, file backend).

A copy of ``examples/quickstart`` + ``examples/programs`` is deployed to a local quantum cloud of
its own, then edited the way a user edits it: the plan of every step must name exactly the
resources the edit touches, and what the cloud holds is checked through the vendors' clients
(boto3 SearchQuantumTasks, the runtime's GET /programs and GET /sessions/{id}).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures import TERMINAL

from ._stacks import (
    all_programs,
    all_spending_limits,
    all_tasks,
    changes,
    delete_program,
    ibm_session_info,
    plan,
    s3_client,
)
from .harness import REPO_ROOT, EngineProject
from .test_ibm_function import function_on_gateway

pytestmark = pytest.mark.engine

EXAMPLES = REPO_ROOT / "examples"
TASKS = ("bell", "ghz5", "noisy-bell")


def quickstart_copy(make: Any, env: dict[str, str]) -> EngineProject:
    """The quickstart as its own project: examples/{quickstart,programs,functions} + a
    Pulumi.yaml."""
    project = make("", env=env)
    for folder in ("quickstart", "programs", "functions"):
        shutil.copytree(EXAMPLES / folder, project.directory / "examples" / folder)
    (project.directory / "__main__.py").unlink()
    yaml = (project.directory / "Pulumi.yaml").read_text()
    (project.directory / "Pulumi.yaml").write_text(yaml + "main: examples/quickstart\n")
    return project


def program_files(project: EngineProject) -> list[Path]:
    return sorted((project.directory / "examples" / "programs").glob("*.py"))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} not found once in {path}"
    path.write_text(text.replace(old, new))


def test_quickstart_lifecycle(engine_project, local_cloud):
    env = local_cloud.client_env()
    project = quickstart_copy(engine_project, env)
    programs = program_files(project)
    assert len(programs) == 2
    # the stack, the function, the programs, the session and the batch, the results bucket,
    # three tasks, the spending limit
    resources = 1 + 1 + len(programs) + 2 + 1 + len(TASKS) + 1

    preview = project.preview()
    assert plan(preview) == {"create": resources}, preview.change_summary
    assert all_programs(env) == [] and all_tasks(env) == []  # a preview creates nothing

    up = project.up()
    assert changes(up) == {"create": resources}, up.summary.resource_changes
    task_arns: dict[str, str] = up.outputs["task_arns"].value
    program_ids: dict[str, str] = up.outputs["program_ids"].value
    session_id: str = up.outputs["session_id"].value
    assert sorted(t["quantumTaskArn"] for t in all_tasks(env)) == sorted(task_arns.values())
    assert sorted(p["id"] for p in all_programs(env)) == sorted(program_ids.values())
    assert ibm_session_info(env, session_id)["accepting_jobs"] is True
    # The Qiskit Function: on the gateway, holding exactly the folder's tar.
    [title] = up.outputs["function_titles"].value.values()
    assert title.endswith(f"-{project.stack_name}-bell-counts")  # unique per project and stack
    held = function_on_gateway(env, title)
    assert held is not None and held["id"] == up.outputs["function_ids"].value["bell_counts"]
    [function] = project.resources(":Function")
    assert held["artifact_sha256"] == function["outputs"]["content_sha256"]
    assert held["version"] == "1.0.0" and held["entrypoint"] == "main.py"
    assert [s["spendingLimitArn"] for s in all_spending_limits(env)] == [
        up.outputs["spending_limit_arn"].value
    ]
    for name in TASKS:
        counts = up.outputs[f"{name.replace('-', '_')}_counts"].value
        assert sum(counts.values()) == 200, (name, counts)

    # A second up plans nothing and changes nothing.
    again = project.up()
    assert changes(again) == {}, again.summary.resource_changes
    assert again.outputs["task_arns"].value == task_arns

    # One metadata description → exactly one in-place update of that program.
    metadata = programs[0].with_suffix(".json")
    document = json.loads(metadata.read_text())
    document["description"] = document["description"] + " (edited)"
    metadata.write_text(json.dumps(document, indent=2))
    preview = project.preview()
    assert plan(preview) == {"update": 1}, preview.change_summary
    up = project.up()
    assert changes(up) == {"update": 1}, up.summary.resource_changes
    assert up.outputs["program_ids"].value == program_ids
    edited = {p["id"]: p for p in all_programs(env)}[program_ids[programs[0].stem]]
    assert edited["description"] == document["description"]

    # One task's shots → exactly one replacement of that task.
    edit(
        project.directory / "examples" / "quickstart" / "__main__.py",
        "shots=shots,",
        'shots=shots + (50 if name == "ghz5" else 0),',
    )
    preview = project.preview()
    assert plan(preview) == {"replace": 1}, preview.change_summary
    up = project.up()
    assert changes(up) == {"replace": 1}, up.summary.resource_changes
    new_arns = up.outputs["task_arns"].value
    assert new_arns["ghz5"] != task_arns["ghz5"]
    assert {k: v for k, v in new_arns.items() if k != "ghz5"} == {
        k: v for k, v in task_arns.items() if k != "ghz5"
    }
    assert sum(up.outputs["ghz5_counts"].value.values()) == 250
    held = {t["quantumTaskArn"]: t["status"] for t in all_tasks(env)}
    assert set(held) == {*task_arns.values(), new_arns["ghz5"]}  # the old one is only forgotten

    # Out-of-band delete of a program → refresh drops it from state; the next up re-uploads it.
    gone = programs[1].stem
    delete_program(env, program_ids[gone])
    refresh = project.refresh()
    assert changes(refresh) == {"delete": 1}, refresh.summary.resource_changes
    in_state = {r["id"] for r in project.resources(":RuntimeProgram")}
    assert in_state == {program_ids[programs[0].stem]}
    preview = project.preview()
    assert plan(preview) == {"create": 1}, preview.change_summary
    up = project.up()
    assert changes(up) == {"create": 1}, up.summary.resource_changes
    program_ids = up.outputs["program_ids"].value
    assert sorted(p["id"] for p in all_programs(env)) == sorted(program_ids.values())

    # Destroy: no program, no open session, no running task, no limit, no bucket is left.
    bucket = up.outputs["results_bucket"].value
    destroy = project.destroy()
    assert changes(destroy) == {"delete": resources}, destroy.summary.resource_changes
    assert project.resources() == []
    assert all_programs(env) == []
    session = ibm_session_info(env, session_id)
    assert session["accepting_jobs"] is False and session["state"] == "closed", session
    tasks = all_tasks(env)
    assert len(tasks) == len(TASKS) + 1  # Braket keeps terminal tasks; none was duplicated
    assert {t["status"] for t in tasks} <= TERMINAL, tasks
    assert all_spending_limits(env) == []
    buckets = [b["Name"] for b in s3_client(env).list_buckets()["Buckets"]]
    assert bucket not in buckets
