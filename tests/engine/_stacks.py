"""Shared helpers of the lifecycle and reliability engine tests.

Everything that looks at the local cloud goes through the vendors' own clients over HTTP
(boto3 for Braket, qiskit-ibm-provider's authenticated session for the IBM runtime), with the
endpoints and keys of one local cloud passed explicitly, so several clouds can coexist in one
pytest process. The one exception is the count of IBM sessions: the runtime API has no
"list sessions" call, so that count reads the local cloud's own database.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tests.fixtures import BELL, SV1, braket_client, pause_local_runner, s3_client

from .harness import EngineProject


# -- Braket (boto3) ----------------------------------------------------------------------------
def make_bucket(env: Mapping[str, str], name: str) -> str:
    s3_client(env).create_bucket(Bucket=name)
    return name


def all_tasks(env: Mapping[str, str]) -> list[dict[str, Any]]:
    """Every quantum task the cloud knows (SearchQuantumTasks, all pages)."""
    pages = braket_client(env).get_paginator("search_quantum_tasks").paginate(filters=[])
    return [task for page in pages for task in page["quantumTasks"]]


def tasks_tagged(env: Mapping[str, str], marker: str) -> list[dict[str, Any]]:
    filters = [{"name": "tag:marker", "operator": "EQUAL", "values": [marker]}]
    pages = braket_client(env).get_paginator("search_quantum_tasks").paginate(filters=filters)
    return [task for page in pages for task in page["quantumTasks"]]


def all_spending_limits(env: Mapping[str, str]) -> list[dict[str, Any]]:
    pages = braket_client(env).get_paginator("search_spending_limits").paginate()
    return [limit for page in pages for limit in page["spendingLimits"]]


def set_faults(env: Mapping[str, str], **knobs: Any) -> None:
    """Change the fault knobs of every service of one cloud through their admin endpoints."""
    import requests

    for url in {env["AWS_ENDPOINT_URL_BRAKET"], env["QISKIT_IBM_URL"], env["AWS_ENDPOINT_URL_S3"]}:
        answer = requests.post(f"{url}/_local/faults", json=knobs, timeout=10)
        answer.raise_for_status()


def pause_runner(env: Mapping[str, str], paused: bool) -> None:
    """Hold Braket tasks QUEUED (``paused``) or let them run: the runner's admin endpoint."""
    assert pause_local_runner(env["AWS_ENDPOINT_URL_BRAKET"], paused, timeout=10) == {
        "paused": paused
    }


# -- IBM runtime (qiskit-ibm-provider's authenticated requests session) ---------------------------
def ibm_session(env: Mapping[str, str]) -> Any:
    """qiskit-ibm-provider's RetrySession on the runtime API, logged in with the env's token."""
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    from qiskit_ibm_provider.api.client_parameters import ClientParameters
    from qiskit_ibm_provider.api.clients import AuthClient

    auth = AuthClient(ClientParameters(token=env["QISKIT_IBM_TOKEN"], url=env["QISKIT_IBM_URL"]))
    return auth.base_api.session


def all_programs(env: Mapping[str, str]) -> list[dict[str, Any]]:
    """Every program the account sees (GET /programs) but IBM's own public ones."""
    from pulumi_quantum.local.ibm.builtin import PUBLIC_PROGRAMS

    answer = ibm_session(env).get("/programs", params={"limit": 1000}).json()
    assert answer["count"] == len(answer["programs"]), "more programs than one page"
    return [p for p in answer["programs"] if p["id"] not in PUBLIC_PROGRAMS]


def program_names(env: Mapping[str, str]) -> list[str]:
    return sorted(p["name"] for p in all_programs(env))


def delete_program(env: Mapping[str, str], program_id: str) -> None:
    ibm_session(env).delete(f"/programs/{program_id}")


def ibm_session_info(env: Mapping[str, str], session_id: str) -> dict[str, Any]:
    return ibm_session(env).get(f"/sessions/{session_id}").json()


def session_count(cloud: Any) -> int:
    """Sessions in one in-process LocalCloud (the runtime API cannot list sessions)."""
    return int(cloud.store.query_one("SELECT COUNT(*) AS n FROM ibm_sessions")["n"])


# -- engine results ----------------------------------------------------------------------------
def changes(result: Any) -> dict[str, int]:
    """Operation counts of an up/destroy/refresh summary, without the 'same' entries."""
    return {k: v for k, v in result.summary.resource_changes.items() if k != "same"}


def plan(result: Any) -> dict[str, int]:
    """Operation counts of a preview, without the 'same' entries."""
    return {k: v for k, v in result.change_summary.items() if k != "same"}


def resource_ids(project: EngineProject, type_suffix: str) -> list[str]:
    return sorted(r["id"] for r in project.resources(type_suffix))


# -- the CLI as a subprocess (for kill -9) -------------------------------------------------------
def cli_env(project: EngineProject, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The project's environment for a `pulumi` subprocess (HOME etc. kept from ours)."""
    env = {**os.environ, **project.env, **(extra or {})}
    env.pop("PULUMI_CONFIG_PASSPHRASE_FILE", None)
    return env


def run_cli(
    project: EngineProject,
    args: Sequence[str],
    *,
    extra_env: Mapping[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """Run ``pulumi ARGS --stack <stack>`` in the project dir; output captured as text."""
    command = ["pulumi", *args, "--stack", project.stack_name, "--non-interactive"]
    return subprocess.run(
        command,
        cwd=project.directory,
        env=cli_env(project, extra_env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_cli(project: EngineProject, args: Sequence[str], log: Path) -> subprocess.Popen[bytes]:
    """Start ``pulumi ARGS`` in its own process group, so the whole tree can be killed."""
    command = ["pulumi", *args, "--stack", project.stack_name, "--non-interactive"]
    with open(log, "wb") as out:
        return subprocess.Popen(
            command,
            cwd=project.directory,
            env=cli_env(project),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def descendants(pid: int) -> list[int]:
    """Pids of every living descendant of ``pid`` (from /proc; plugins may be in other groups)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_tree(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the CLI and everything it started (language host, dynamic provider): what a
    CI runner's timeout or an OOM kill does, with no clean-up code of ours or Pulumi's."""
    for pid in [process.pid, *descendants(process.pid)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait(timeout=30)


def pending_operations(project: EngineProject) -> list[dict[str, Any]]:
    return list(project.export_state().get("pending_operations") or [])


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


# -- a stack of many small resources -------------------------------------------------------------
STACK_PROGRAM = """
import pulumi
from pulumi_quantum.braket import QuantumTask
from pulumi_quantum.ibm import RuntimeProgram

SOURCE = "def main(backend, user_messenger, **kwargs):\\n    return kwargs\\n"
programs = [
    RuntimeProgram(
        f"program-{{i}}",
        data=SOURCE,
        metadata={{"name": f"{marker}-{{i}}", "description": "reliability test program",
                  "max_execution_time": 300}},
    )
    for i in range({programs})
]
tasks = [
    QuantumTask(
        f"task-{{i}}",
        source={bell!r},
        device_arn={sv1!r},
        output_s3_bucket={bucket!r},
        output_s3_key_prefix=f"rel/{{i}}",
        shots=10 + i,
        tags={{"marker": {marker!r}}},
        wait_timeout_seconds=600,
    )
    for i in range({tasks})
]
pulumi.export("program_ids", [p.program_id for p in programs])
pulumi.export("task_arns", [t.quantum_task_arn for t in tasks])
pulumi.export("statuses", [t.status for t in tasks])
"""


def stack_program(bucket: str, marker: str, *, programs: int, tasks: int) -> str:
    """``programs`` RuntimePrograms named ``<marker>-<i>`` and ``tasks`` Bell tasks tagged
    ``marker`` (each with its own shot count, so each has its own clientToken)."""
    return STACK_PROGRAM.format(
        bucket=bucket, marker=marker, programs=programs, tasks=tasks, bell=BELL, sv1=SV1
    )


def run_client_code(env: Mapping[str, str], code: str, *args: str) -> Any:
    """Run ``code`` (a vendor client's user code) in a fresh interpreter with only ``env`` and
    PATH, from the repository root; its last stdout line is JSON, returned decoded."""
    from .harness import REPO_ROOT

    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        env={"PATH": "/usr/bin:/bin", **env},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
