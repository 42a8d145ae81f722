"""Simulation worker processes: a killed worker costs a retry, never a task or the server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_quantum.local.braket.runner import WORKER_NICENESS
from tests.fixtures import DM1, SV1, TERMINAL, cloud_clients
from tests.fixtures import create_task as create
from tests.fixtures import task_status as status_of

LOWEST_PRIORITY = 19
"""The highest nice value, i.e. the lowest CPU priority, Linux has."""


@pytest.fixture
def cloud(tmp_path):
    """An in-process local cloud with its default runner settings (no flags)."""
    from pulumi_quantum.local.server import LocalCloud

    with LocalCloud(tmp_path) as cloud:
        yield cloud


def clients(cloud):
    return cloud_clients(cloud.client_env())


def kill_workers(cloud, wait_until) -> set[int]:
    pids = set(wait_until(lambda: cloud.runner.sim_pool.pids() or None, timeout=60))
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    # SIGKILL lands asynchronously: the scenario is "every worker is dead", so wait for it.
    wait_until(lambda: not any(alive(pid) for pid in pids), timeout=30)
    return pids


def test_default_runs_simulations_in_worker_processes(cloud):
    pool = cloud.runner.sim_pool
    assert pool is not None and pool.processes == cloud.workers
    assert os.getpid() not in pool.pids()


def test_simulation_workers_yield_the_cpu_to_the_server(cloud, wait_until):
    """Workers run at a lower priority, so API requests do not queue behind simulations.

    Lower as far as the scheduler allows: nice 19 is the floor, so under ``nice -n 19
    scripts/test`` (shared machines) the server is already there and the workers stay level
    with it, never above it.
    """
    server = os.getpriority(os.PRIO_PROCESS, 0)
    expected = min(LOWEST_PRIORITY, server + WORKER_NICENESS)
    pids = wait_until(lambda: cloud.runner.sim_pool.pids() or None, timeout=60)

    def priorities() -> list[int] | None:
        found = [os.getpriority(os.PRIO_PROCESS, pid) for pid in pids]
        return found if all(p == expected for p in found) else None

    assert expected > server or server == LOWEST_PRIORITY
    assert wait_until(priorities, timeout=60) == [expected] * len(pids)
    assert os.getpriority(os.PRIO_PROCESS, 0) == server  # the server itself is untouched


def test_the_priority_test_passes_at_the_lowest_priority():
    """``nice -n 19 scripts/test``: the whole process tree starts at the lowest priority, so the
    workers cannot go below the server; the priority test must still hold (and pass)."""
    node = f"{__file__}::test_simulation_workers_yield_the_cpu_to_the_server"
    done = subprocess.run(
        [
            "nice",
            "-n",
            str(LOWEST_PRIORITY),
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            node,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "1 passed" in done.stdout


def test_killed_workers_are_replaced_and_the_task_still_completes(cloud, wait_until):
    braket, s3 = clients(cloud)
    s3.create_bucket(Bucket="workers")
    first = create(braket, "workers", shots=10)
    wait_until(lambda: status_of(braket, first) == "COMPLETED", timeout=60)

    # A task held RUNNING (runner paused) while every worker process is killed under it.
    cloud.runner.pause(True)
    held = create(braket, "workers", shots=10)
    wait_until(lambda: status_of(braket, held) == "RUNNING", timeout=60)
    dead = kill_workers(cloud, wait_until)
    cloud.runner.pause(False)
    wait_until(lambda: status_of(braket, held) in TERMINAL, timeout=60)
    assert status_of(braket, held) == "COMPLETED"

    # The pool was rebuilt with new processes, and keeps serving.
    assert not dead & set(cloud.runner.sim_pool.pids())
    more = [create(braket, "workers", shots=10) for _ in range(4)]
    wait_until(lambda: all(status_of(braket, a) in TERMINAL for a in more), timeout=60)
    assert {status_of(braket, a) for a in more} == {"COMPLETED"}
    for arn in [held, *more]:
        key = f"tasks/{arn.rsplit('/', 1)[1]}/results.json"
        body = s3.get_object(Bucket="workers", Key=key)["Body"].read()
        from braket.task_result import GateModelTaskResult

        assert len(GateModelTaskResult.parse_raw(body).measurements) == 10


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (from /proc; the forkserver and its workers)."""
    children: dict[int, set[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()  # noqa: SIM115
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, set()).add(int(entry))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), ()):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        stat = open(f"/proc/{pid}/stat").read()  # noqa: SIM115
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_server_killed_with_sigkill_leaves_no_worker_processes(
    tmp_path, local_cloud_process, wait_until
):
    """Reads the process tree from /proc (Linux)."""
    server = local_cloud_process(tmp_path)
    # resource tracker + forkserver + one process per worker (2 by default)
    workers = wait_until(
        lambda: descendants(server.pid) if len(descendants(server.pid)) >= 4 else None, timeout=60
    )
    server.kill()
    wait_until(lambda: not any(alive(p) for p in workers), timeout=30)


def test_in_process_simulation_is_serialised(tmp_path, wait_until):
    """``sim_processes=0``: simulations share the server process, one at a time (a lock), so
    numba's workqueue layer never sees two at once (it would abort this very test process)."""
    from pulumi_quantum.local.server import LocalCloud
    from tests.fixtures import openqasm_action as program

    lines = ["OPENQASM 3.0;", "qubit[8] q;"]
    lines += [f"h q[{i}];\nrx(0.3) q[{i}];" for i in range(8)]
    lines += [f"cnot q[{i}], q[{i + 1}];" for i in range(7)]
    action = program("\n".join(lines))
    with LocalCloud(tmp_path, workers=4, sim_processes=0) as cloud:
        assert cloud.runner.sim_pool is None
        braket, s3 = clients(cloud)
        s3.create_bucket(Bucket="inproc")
        arns = [
            create(braket, "inproc", shots=200, action=action, deviceArn=device)
            for device in (SV1, DM1) * 8
        ]
        wait_until(lambda: all(status_of(braket, a) in TERMINAL for a in arns), timeout=120)
        assert {status_of(braket, a) for a in arns} == {"COMPLETED"}


def test_status_reports_a_broken_pool_until_the_next_task_rebuilds_it(cloud, wait_until):
    """`local status` reads /_local/health: a dead worker makes Braket UNHEALTHY, not "ok"."""
    from pulumi_quantum.local.daemon import health

    braket, s3 = clients(cloud)
    endpoint = {"braket": cloud.client_env()["AWS_ENDPOINT_URL_BRAKET"]}
    assert health(endpoint) == {"braket": "ok"}

    kill_workers(cloud, wait_until)
    report = wait_until(lambda: health(endpoint)["braket"] != "ok" and health(endpoint), timeout=30)
    assert report["braket"].startswith("unhealthy: ")
    assert "rebuilt on the next task" in report["braket"]

    s3.create_bucket(Bucket="healing")
    arn = create(braket, "healing", shots=10)
    wait_until(lambda: status_of(braket, arn) in TERMINAL, timeout=60)
    assert status_of(braket, arn) == "COMPLETED"
    assert wait_until(lambda: health(endpoint) == {"braket": "ok"}, timeout=30)
