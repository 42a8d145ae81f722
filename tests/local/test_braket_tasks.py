"""Braket tasks end to end through the vendors' unmodified clients (boto3, amazon-braket-sdk)."""

from __future__ import annotations

import hashlib
import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest

from tests.fixtures import DM1, SV1, TERMINAL, TN1, cloud_clients
from tests.fixtures import create_task as create
from tests.fixtures import openqasm_action as program
from tests.fixtures import task_status as status_of


@pytest.mark.parametrize("device_arn", [SV1, DM1, TN1])
def test_bell_state_through_the_braket_sdk(cloud_env, results_bucket, device_arn):
    from braket.aws import AwsDevice
    from braket.circuits import Circuit

    device = AwsDevice(device_arn)
    assert device.status == "ONLINE"
    assert device.properties.service.shotsRange[1] >= 1000
    task = device.run(
        Circuit().h(0).cnot(0, 1), (results_bucket, "sdk"), shots=123, poll_timeout_seconds=60
    )
    counts = task.result().measurement_counts
    assert sum(counts.values()) == 123
    assert set(counts) <= {"00", "11"}
    assert counts["00"] > 0 and counts["11"] > 0  # P(all 123 equal) = 2**-122
    assert task.state() == "COMPLETED"


def test_results_json_is_a_gate_model_task_result_in_s3(cloud_env, results_bucket, wait_until):
    braket = boto3.client("braket")
    arn = create(braket, results_bucket, shots=10)
    wait_until(lambda: status_of(braket, arn) == "COMPLETED")
    task = braket.get_quantum_task(quantumTaskArn=arn)
    task_id = arn.rsplit("/", 1)[1]
    assert task["outputS3Directory"] == f"tasks/{task_id}"
    assert task["endedAt"] >= task["createdAt"]
    s3 = boto3.client("s3")
    key = f"tasks/{task_id}/results.json"
    obj = s3.get_object(Bucket=results_bucket, Key=key)
    body = obj["Body"].read()
    # Written straight into moto's backend (no HTTP request): still an ordinary S3 object.
    assert obj["ContentType"] == "application/json"
    assert obj["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
    assert obj["ContentLength"] == len(body)
    listed = s3.list_objects_v2(Bucket=results_bucket, Prefix=f"tasks/{task_id}/")["Contents"]
    assert [o["Key"] for o in listed] == [key]
    from braket.task_result import GateModelTaskResult

    result = GateModelTaskResult.parse_raw(body)
    assert result.taskMetadata.id == arn
    assert result.taskMetadata.deviceId == SV1
    assert result.taskMetadata.shots == 10
    assert len(result.measurements) == 10


def test_status_moves_forward_and_search_finds_the_task(cloud_env, results_bucket, wait_until):
    braket = boto3.client("braket")
    arn = create(braket, results_bucket, tags={"team": "quantum"})
    seen = []

    def done() -> bool:
        seen.append(status_of(braket, arn))
        return seen[-1] in TERMINAL

    wait_until(done)
    order = ["CREATED", "QUEUED", "RUNNING", "COMPLETED"]
    assert seen[-1] == "COMPLETED"
    assert [order.index(s) for s in seen] == sorted(order.index(s) for s in seen)
    found = braket.search_quantum_tasks(
        filters=[{"name": "tag:team", "operator": "EQUAL", "values": ["quantum"]}]
    )["quantumTasks"]
    assert arn in [t["quantumTaskArn"] for t in found]
    by_status = braket.search_quantum_tasks(
        filters=[
            {"name": "status", "operator": "EQUAL", "values": ["COMPLETED"]},
            {"name": "deviceArn", "operator": "EQUAL", "values": [SV1]},
        ]
    )["quantumTasks"]
    assert all(t["status"] == "COMPLETED" for t in by_status)
    assert arn in [t["quantumTaskArn"] for t in by_status]


def test_same_client_token_twice_creates_one_task(cloud_env, results_bucket, wait_until):
    braket = boto3.client("braket")
    token = str(uuid.uuid4())
    prefix = f"idem-{uuid.uuid4().hex[:8]}"
    first = create(braket, results_bucket, clientToken=token, outputS3KeyPrefix=prefix)
    second = create(braket, results_bucket, clientToken=token, outputS3KeyPrefix=prefix)
    assert first == second
    wait_until(lambda: status_of(braket, first) == "COMPLETED")
    objects = boto3.client("s3").list_objects_v2(Bucket=results_bucket, Prefix=prefix)
    assert [o["Key"] for o in objects["Contents"]] == [
        f"{prefix}/{first.rsplit('/', 1)[1]}/results.json"
    ]
    with pytest.raises(braket.exceptions.ValidationException, match="clientToken"):
        create(braket, results_bucket, clientToken=token, outputS3KeyPrefix=prefix, shots=7)


def test_fifty_concurrent_creates_all_complete(cloud_env, results_bucket, wait_until):
    braket = boto3.client("braket")
    with ThreadPoolExecutor(max_workers=10) as pool:
        arns = list(pool.map(lambda _: create(braket, results_bucket, shots=20), range(50)))
    assert len(set(arns)) == 50

    def all_completed() -> bool:
        statuses = [status_of(braket, a) for a in arns]
        assert "FAILED" not in statuses
        return all(s == "COMPLETED" for s in statuses)

    wait_until(all_completed, timeout=90, interval=0.2)


def test_failing_program_reports_failure_reason(cloud_env, results_bucket, wait_until):
    braket = boto3.client("braket")
    # A program only the run can find wrong (an input never given); an undefined gate is
    # refused at create (tests/local/test_one_validation_truth.py).
    source = "OPENQASM 3.0;\ninput float theta;\nqubit[1] q;\nrx(theta) q[0];"
    arn = create(braket, results_bucket, action=program(source))
    wait_until(lambda: status_of(braket, arn) in TERMINAL)
    task = braket.get_quantum_task(quantumTaskArn=arn)
    assert task["status"] == "FAILED"
    assert "theta" in task["failureReason"]


def test_cancel_and_conflict(cloud_env, results_bucket, wait_until):
    braket = boto3.client("braket")
    arn = create(braket, results_bucket)
    wait_until(lambda: status_of(braket, arn) == "COMPLETED")
    with pytest.raises(braket.exceptions.ConflictException, match="COMPLETED"):
        braket.cancel_quantum_task(quantumTaskArn=arn, clientToken=str(uuid.uuid4()))
    with pytest.raises(braket.exceptions.ResourceNotFoundException):
        braket.cancel_quantum_task(
            quantumTaskArn=arn.replace(arn.rsplit("/", 1)[1], str(uuid.uuid4())),
            clientToken=str(uuid.uuid4()),
        )


def test_simulation_in_worker_processes(tmp_path, wait_until):
    """sim_processes > 0 runs the simulator in a process pool; results are the same."""
    from pulumi_quantum.local.server import LocalCloud

    with LocalCloud(tmp_path, sim_processes=1) as cloud:
        braket, s3 = cloud_clients(cloud.client_env())
        s3.create_bucket(Bucket="procs")
        arn = create(braket, "procs", shots=30)
        wait_until(lambda: status_of(braket, arn) in TERMINAL, timeout=60)
        assert status_of(braket, arn) == "COMPLETED"
        key = f"tasks/{arn.rsplit('/', 1)[1]}/results.json"
        doc = json.loads(s3.get_object(Bucket="procs", Key=key)["Body"].read())
        assert len(doc["measurements"]) == 30
        assert {"".join(map(str, m)) for m in doc["measurements"]} <= {"00", "11"}
