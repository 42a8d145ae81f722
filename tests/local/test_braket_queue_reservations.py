"""Queue information and Braket Direct reservations, through the unmodified Braket SDK / boto3."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
import uuid

import boto3
import pytest
import requests
from botocore.config import Config

from tests.fixtures import SV1
from tests.fixtures import openqasm_action as program
from tests.holds import runner_held

FORTE = "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1"
FORTE_ENTERPRISE = "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-Enterprise-1"
RESERVATION = "RESERVATION_TIME_WINDOW_ARN"


def reserve(cloud, device_arn: str, start: float | None = None, end: float | None = None) -> str:
    body = {"deviceArn": device_arn}
    if start is not None:
        body["startAt"] = start
    if end is not None:
        body["endAt"] = end
    r = requests.post(f"{cloud.endpoints['braket']}/_local/reservations", json=body, timeout=5)
    assert r.status_code == 201, r.text
    return r.json()["reservationArn"]


def test_queue_position_and_depth_reflect_the_local_queue(
    local_cloud, cloud_env, results_bucket, wait_until
):
    from braket.aws import AwsDevice
    from braket.aws.queue_information import QueueType
    from braket.circuits import Circuit

    device = AwsDevice(FORTE)
    assert device.queue_depth().quantum_tasks == {QueueType.NORMAL: "0", QueueType.PRIORITY: "0"}
    with runner_held(local_cloud):
        tasks = [device.run(Circuit().h(0), (results_bucket, "q"), shots=100) for _ in range(3)]
        positions = [t.queue_position() for t in tasks]
        assert [p.queue_position for p in positions] == ["1", "2", "3"]
        assert all(p.queue_type == QueueType.NORMAL and p.message is None for p in positions)
        depth = device.queue_depth()
        assert depth.quantum_tasks == {QueueType.NORMAL: "3", QueueType.PRIORITY: "0"}
        assert depth.jobs == "0"
        # another device's queue is its own
        other = AwsDevice(FORTE_ENTERPRISE).queue_depth()
        assert other.quantum_tasks[QueueType.NORMAL] == "0"
    wait_until(lambda: all(t.state() == "COMPLETED" for t in tasks), timeout=60)
    done = tasks[0].queue_position()
    assert done.queue_position is None
    assert done.message == (
        "Task is in COMPLETED status. AmazonBraket does not show queue position for this status."
    )
    assert device.queue_depth().quantum_tasks[QueueType.NORMAL] == "0"


def test_task_in_an_active_reservation_runs_via_direct_reservation(
    local_cloud, cloud_env, results_bucket
):
    from braket.aws import AwsDevice, DirectReservation
    from braket.circuits import Circuit

    arn = reserve(local_cloud, FORTE)
    assert arn.startswith("arn:aws:braket:us-east-1:123456789012:reservation/")
    device = AwsDevice(FORTE)
    with DirectReservation(device, reservation_arn=arn):
        task = device.run(Circuit().h(0).cnot(0, 1), (results_bucket, "r"), shots=100)
    counts = task.result().measurement_counts
    assert set(counts) <= {"00", "11"} and sum(counts.values()) == 100
    described = boto3.client("braket").get_quantum_task(quantumTaskArn=task.id)
    assert described["associations"] == [{"arn": arn, "type": RESERVATION}]


def test_tasks_wait_in_queued_until_the_reservation_starts(
    local_cloud, cloud_env, results_bucket, wait_until
):
    braket = boto3.client("braket")
    start = time.time() + 2.0
    arn = reserve(local_cloud, FORTE, start=start, end=start + 3600)
    task = braket.create_quantum_task(
        clientToken=str(uuid.uuid4()), deviceArn=FORTE, shots=100, outputS3Bucket=results_bucket,
        outputS3KeyPrefix="early", action=program(),
        associations=[{"arn": arn, "type": RESERVATION}],
    )["quantumTaskArn"]  # fmt: skip
    first = braket.get_quantum_task(quantumTaskArn=task, additionalAttributeNames=["QueueInfo"])
    assert first["status"] == "QUEUED"
    assert first["queueInfo"]["position"] == "None"  # no queue visibility in a reservation
    assert "reservation" in first["queueInfo"]["message"]
    wait_until(lambda: braket.get_quantum_task(quantumTaskArn=task)["status"] == "COMPLETED", 60)
    ended = braket.get_quantum_task(quantumTaskArn=task)["endedAt"]
    assert ended.timestamp() >= start


@pytest.fixture
def raw_braket(cloud_env):
    """Client-side validation off: the server's checks are under test."""
    return boto3.client(
        "braket", config=Config(parameter_validation=False, retries={"max_attempts": 1})
    )


def _create(braket, bucket, device_arn, association_arn):
    return braket.create_quantum_task(
        clientToken=str(uuid.uuid4()), deviceArn=device_arn, shots=100, outputS3Bucket=bucket,
        outputS3KeyPrefix="bad", action=program(),
        associations=[{"arn": association_arn, "type": RESERVATION}],
    )  # fmt: skip


def test_reservation_arns_are_validated_as_braket_does(local_cloud, raw_braket, results_bucket):
    forte = reserve(local_cloud, FORTE)
    now = time.time()
    ended = reserve(local_cloud, FORTE, start=now - 7200, end=now - 3600)
    unknown = f"arn:aws:braket:us-east-1:123456789012:reservation/{uuid.uuid4()}"
    cases = [
        # Braket's own openings (the SDK's live-service tests match them), then our detail
        (SV1, forte, f"Braket Direct is not supported for {SV1}: "),
        (FORTE_ENTERPRISE, forte, f"Reservation arn is invalid: {forte} is for device {FORTE}"),
        (FORTE, unknown, f"Reservation arn is invalid: {unknown} does not exist"),
        (FORTE, ended, f"Reservation arn is invalid: {ended} has already ended"),
        (FORTE, "not-an-arn", "associations"),  # botocore's model pattern, as AWS checks it
    ]
    before = len(raw_braket.search_quantum_tasks(filters=[])["quantumTasks"])
    for device_arn, association, expected in cases:
        with pytest.raises(raw_braket.exceptions.ValidationException) as info:
            _create(raw_braket, results_bucket, device_arn, association)
        message = info.value.response["Error"]["Message"]
        assert message.startswith(expected) or (expected == "associations" and "pattern" in message)
    assert len(raw_braket.search_quantum_tasks(filters=[])["quantumTasks"]) == before


def test_reservations_are_for_qpus_only(local_cloud):
    r = requests.post(
        f"{local_cloud.endpoints['braket']}/_local/reservations", json={"deviceArn": SV1}, timeout=5
    )
    assert r.status_code == 400 and "not a QPU" in r.json()["message"]


def test_reservation_cli_creates_and_lists(local_cloud_process, tmp_path):
    cloud = local_cloud_process(tmp_path / "cloud")
    start = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    cli = [sys.executable, "-m", "pulumi_quantum.local", "reservation"]
    made = subprocess.run(
        [*cli, "create", "--data-dir", str(cloud.data_dir), "--device", FORTE, "--start", start],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    arn = made.stdout.strip()
    assert arn.startswith("arn:aws:braket:us-east-1:123456789012:reservation/")
    listed = subprocess.run(
        [*cli, "list", "--data-dir", str(cloud.data_dir)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert arn in listed.stdout
    bad = subprocess.run(
        [*cli, "create", "--data-dir", str(cloud.data_dir), "--device", SV1],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert bad.returncode == 2 and "not a QPU" in bad.stderr


def test_reserved_task_still_waits_for_its_window_after_a_restart(
    tmp_path, local_cloud_process, wait_until
):
    from .test_braket_restart import clients

    first = local_cloud_process(tmp_path)
    braket, s3 = clients(first)
    s3.create_bucket(Bucket="results")
    start = time.time() + 40.0  # time enough to kill and restart the cloud on a busy machine
    arn = reserve(first, FORTE, start=start, end=start + 3600)
    task = braket.create_quantum_task(
        clientToken=str(uuid.uuid4()), deviceArn=FORTE, shots=100, outputS3Bucket="results",
        outputS3KeyPrefix="restart", action=program(),
        associations=[{"arn": arn, "type": RESERVATION}],
    )["quantumTaskArn"]  # fmt: skip
    first.kill()

    second = local_cloud_process(tmp_path)
    braket, _ = clients(second)
    assert time.time() < start, "the restart took longer than the test's margin"
    assert braket.get_quantum_task(quantumTaskArn=task)["status"] == "QUEUED"
    wait_until(lambda: braket.get_quantum_task(quantumTaskArn=task)["status"] == "COMPLETED", 90)
    assert braket.get_quantum_task(quantumTaskArn=task)["endedAt"].timestamp() >= start
