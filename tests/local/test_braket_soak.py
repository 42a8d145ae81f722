"""Bounded soak: many concurrent Braket SDK clients never take the local cloud down.

Before simulations moved to worker processes, two concurrent clients were enough for numba's
workqueue threading layer to abort the daemon ("Concurrent access has been detected"). Here
``CLIENTS`` threads, each with its own boto3 session and ``AwsDevice`` (SV1 and DM1 alternating),
run circuits with result types (shots=0 and shots>0) against the daemon started as a user starts
it, until ``MAX_TASKS`` tasks were created or ``MAX_SECONDS`` passed (whichever first). It ends
with: the daemon alive and serving, every task terminal and COMPLETED, every result readable by
the SDK and schema-valid in S3, and the server's task list (by the run's tag) exactly the tasks
the clients created: 0 lost, 0 duplicated.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import numpy as np
import pytest

from tests.fixtures import DM1, SV1
from tests.local.braket_daemon import daemon_pid, started_daemon

CLIENTS = 8
MAX_TASKS = 500
MAX_SECONDS = 60.0
BUCKET = "amzn-braket-soak"


def soak_circuit(rng: np.random.Generator, dm: bool) -> tuple[Any, int, int]:
    """A small random circuit with result types; returns (circuit, shots, result-type count)."""
    from braket.circuits import Circuit, Observable

    n = int(rng.integers(2, 6))
    circuit = Circuit()
    for q in range(n):
        circuit.ry(q, float(rng.uniform(0, 3)))
    for q in range(n - 1):
        circuit.cnot(q, q + 1)
    if dm:
        circuit.depolarizing(0, 0.05)
    if rng.random() < 0.5:
        circuit.expectation(Observable.Z() @ Observable.Z(), target=[0, 1]).probability()
        if dm:
            circuit.density_matrix(target=[0])
        else:
            circuit.state_vector()
        return circuit, 0, 3
    circuit.expectation(Observable.Z(), target=[n - 1]).probability(target=[0, 1])
    return circuit, 100, 2


def client(index: int, tag: str, stop: threading.Event, shared: dict[str, Any]) -> None:
    import boto3
    from braket.aws import AwsDevice, AwsSession

    device = AwsDevice(DM1 if index % 2 else SV1, aws_session=AwsSession(boto3.Session()))
    rng = np.random.default_rng(1000 + index)
    while not stop.is_set():
        with shared["lock"]:
            if shared["created"] >= MAX_TASKS:
                stop.set()
                return
            shared["created"] += 1
        circuit, shots, n_results = soak_circuit(rng, index % 2 == 1)
        task = device.run(
            circuit, (BUCKET, f"soak/{index}"), shots=shots, tags={"soak": tag},
            poll_interval_seconds=0.05, poll_timeout_seconds=120,
        )  # fmt: skip
        with shared["lock"]:
            shared["arns"].append(task.id)
        result = task.result()
        if result is None:
            shared["problems"].append(f"{task.id}: {task.state()}")
            continue
        if len(result.values) != n_results:
            shared["problems"].append(f"{task.id}: {len(result.values)} values")
        if shots and sum(result.measurement_counts.values()) != shots:
            shared["problems"].append(f"{task.id}: counts do not add up to {shots}")


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory):
    data_dir = tmp_path_factory.mktemp("soak-daemon")
    with started_daemon(data_dir) as env:
        yield data_dir, env


def test_concurrent_sdk_clients_soak(daemon) -> None:
    import boto3
    from braket.task_result import GateModelTaskResult

    data_dir, _env = daemon
    pid = daemon_pid(data_dir)
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    tag = uuid.uuid4().hex
    stop = threading.Event()
    shared: dict[str, Any] = {"lock": threading.Lock(), "created": 0, "arns": [], "problems": []}
    errors: list[BaseException] = []

    def guarded(i: int) -> None:
        try:
            client(i, tag, stop, shared)
        except BaseException as exc:
            errors.append(exc)
            stop.set()

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(CLIENTS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    timer = threading.Timer(MAX_SECONDS, stop.set)
    timer.start()
    for thread in threads:
        thread.join(timeout=MAX_SECONDS + 120)
    timer.cancel()
    elapsed = time.monotonic() - started
    assert not any(t.is_alive() for t in threads), "a client hung"
    assert not errors, errors[:3]
    assert not shared["problems"], shared["problems"][:5]
    arns = shared["arns"]
    print(f"soak: {CLIENTS} clients, {len(arns)} tasks in {elapsed:.1f} s")
    assert len(arns) >= MAX_TASKS or elapsed >= MAX_SECONDS

    # The daemon is alive and still serves.
    from pulumi_quantum.local.daemon import _pid_alive

    assert _pid_alive(pid)
    braket = boto3.client("braket")
    assert braket.get_device(deviceArn=SV1)["deviceStatus"] == "ONLINE"

    # 0 lost, 0 duplicated: the server's tasks with this run's tag are exactly the clients' own.
    paginator = braket.get_paginator("search_quantum_tasks")
    listed = [
        t
        for page in paginator.paginate(
            filters=[{"name": "tag:soak", "operator": "EQUAL", "values": [tag]}]
        )
        for t in page["quantumTasks"]
    ]
    listed_arns = [t["quantumTaskArn"] for t in listed]
    assert len(set(arns)) == len(arns)
    assert len(listed_arns) == len(set(listed_arns)) == len(arns)
    assert set(listed_arns) == set(arns)
    assert {t["status"] for t in listed} == {"COMPLETED"}

    # Exactly one schema-valid results.json per task in S3.
    s3 = boto3.client("s3")
    keys = [
        o["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="soak/")
        for o in page.get("Contents", [])
    ]
    assert len(keys) == len(arns)
    ids = {arn.rsplit("/", 1)[1] for arn in arns}
    assert {key.split("/")[-2] for key in keys} == ids
    for key in keys:
        body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        assert GateModelTaskResult.parse_raw(body).taskMetadata.id.endswith(key.split("/")[-2])


JOB_COUNT = 3
TASKS_PER_JOB = 15
JOB_ALGORITHM = """
import os
from braket.aws import AwsDevice
from braket.circuits import Circuit
from braket.jobs import save_job_result


def main():
    device = AwsDevice(os.environ["AMZN_BRAKET_DEVICE_ARN"])
    batch = device.run_batch(
        [Circuit().ry(0, 0.1 * i).cnot(0, 1) for i in range(TASKS)], shots=20, max_parallel=5
    )
    results = batch.results(max_retries=0)
    save_job_result({"ids": [t.id for t in batch.tasks], "ok": sum(r is not None for r in results)})
""".replace("TASKS", str(TASKS_PER_JOB))


def test_concurrent_jobs_soak(daemon, tmp_path, monkeypatch) -> None:
    """Concurrent hybrid jobs beside ordinary clients, on the daemon as a user starts it (its
    exports must carry IAM / ECR / Logs: the rest of AWS is a dead loopback URL here): every
    job's tasks are found by its ARN, exactly those it created (0 lost, 0 foreign), all
    COMPLETED, and the ordinary tasks carry no job ARN."""
    import boto3
    from braket.aws import AwsQuantumJob

    monkeypatch.chdir(tmp_path)  # job.result() downloads model.tar.gz here
    source = tmp_path / "soakjob"
    source.mkdir()
    (source / "algo.py").write_text(JOB_ALGORITHM)
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    tag = uuid.uuid4().hex
    stop = threading.Event()
    shared: dict[str, Any] = {"lock": threading.Lock(), "created": 0, "arns": [], "problems": []}
    clients = [threading.Thread(target=client, args=(i, tag, stop, shared)) for i in range(2)]
    for thread in clients:
        thread.start()
    try:
        jobs = [
            AwsQuantumJob.create(SV1, source_module=str(source), entry_point="soakjob.algo:main")
            for _ in range(JOB_COUNT)
        ]
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if all(job.state() in ("COMPLETED", "FAILED", "CANCELLED") for job in jobs):
                break
            time.sleep(0.5)  # poll interval of a deadline-bounded wait
    finally:
        stop.set()
        for thread in clients:
            thread.join(timeout=120)
    assert not shared["problems"], shared["problems"][:5]
    braket = boto3.client("braket")
    paginator = braket.get_paginator("search_quantum_tasks")
    seen: set[str] = set()
    for job in jobs:
        assert job.state() == "COMPLETED", job.metadata().get("failureReason")
        result = job.result()
        assert result["ok"] == TASKS_PER_JOB
        listed = [
            t
            for page in paginator.paginate(
                filters=[{"name": "jobArn", "operator": "EQUAL", "values": [job.arn]}]
            )
            for t in page["quantumTasks"]
        ]
        listed_ids = [t["quantumTaskArn"] for t in listed]
        assert len(listed_ids) == len(set(listed_ids)) == TASKS_PER_JOB
        assert set(listed_ids) == set(result["ids"])
        assert {t["status"] for t in listed} == {"COMPLETED"}
        seen |= set(listed_ids)
    assert len(seen) == JOB_COUNT * TASKS_PER_JOB
    for arn in shared["arns"][:10]:
        assert "jobArn" not in braket.get_quantum_task(quantumTaskArn=arn)
    print(f"jobs soak: {JOB_COUNT} jobs x {TASKS_PER_JOB} tasks + {len(shared['arns'])} others")
