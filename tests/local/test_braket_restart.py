"""Kill -9 the local cloud mid-run and restart it: every task reaches a terminal state."""

from __future__ import annotations

import json
import os
import uuid

import requests

from tests.fixtures import SV1, TERMINAL, cloud_clients
from tests.fixtures import openqasm_action as program


def clients(proc):
    return cloud_clients(proc.client_env())


def test_kill_9_mid_run_then_restart(tmp_path, local_cloud_process, wait_until, monkeypatch):
    first = local_cloud_process(tmp_path)
    braket, s3 = clients(first)
    s3.create_bucket(Bucket="results")
    requests.post(f"{first.endpoints['braket']}/_local/runner", json={"paused": True}, timeout=5)
    arns = [
        braket.create_quantum_task(
            clientToken=str(uuid.uuid4()), deviceArn=SV1, shots=50, outputS3Bucket="results",
            outputS3KeyPrefix="crash", action=program(), tags={"n": str(i)},
        )["quantumTaskArn"]
        for i in range(5)
    ]  # fmt: skip
    statuses = lambda: [braket.get_quantum_task(quantumTaskArn=a)["status"] for a in arns]  # noqa: E731
    wait_until(lambda: statuses().count("RUNNING") == 2)
    assert sorted(statuses()) == ["QUEUED"] * 3 + ["RUNNING"] * 2
    first.kill()

    second = local_cloud_process(tmp_path)
    braket, s3 = clients(second)
    wait_until(lambda: set(statuses()) <= TERMINAL, timeout=60)
    assert statuses() == ["COMPLETED"] * 5
    assert braket.list_tags_for_resource(resourceArn=arns[3])["tags"] == {"n": "3"}

    # results readable with the unmodified SDK
    for key, value in second.client_env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    from braket.aws import AwsQuantumTask

    counts = AwsQuantumTask(arns[0]).result().measurement_counts
    assert sum(counts.values()) == 50 and set(counts) <= {"00", "11"}
    body = s3.get_object(Bucket="results", Key=f"crash/{arns[4].rsplit('/', 1)[1]}/results.json")
    assert json.loads(body["Body"].read())["taskMetadata"]["id"] == arns[4]
    assert os.path.exists(tmp_path / "state.sqlite3")


def test_tasks_interrupted_too_often_fail_with_reason(tmp_path):
    """A task that crashed the cloud three times is failed, not re-run forever."""
    from pulumi_quantum.local.braket.models import BraketBackend
    from pulumi_quantum.local.faults import Faults
    from pulumi_quantum.local.store import Store

    store = Store(tmp_path / "state.sqlite3")
    backend = BraketBackend(store, Faults(), bucket_exists=lambda b: True)
    store.execute(
        "INSERT INTO braket_tasks (arn, client_token, request_hash, device_arn, status, shots,"
        " bucket, directory, action, device_parameters, created_at, attempts)"
        " VALUES ('arn:t1', 'tok', 'h', ?, 'RUNNING', 1, 'b', 'd', '{}', '{}', 0, 3)",
        (SV1,),
    )
    assert backend.recover() == []
    row = store.query_one("SELECT status, failure_reason FROM braket_tasks WHERE arn = 'arn:t1'")
    assert row["status"] == "FAILED"
    assert "3 time(s)" in row["failure_reason"]
