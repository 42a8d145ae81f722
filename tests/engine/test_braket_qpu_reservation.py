"""A stack written for a QPU, with a Braket Direct reservation, deploys on the local cloud."""

from __future__ import annotations

import uuid

import pytest
import requests

from ._stacks import changes, tasks_tagged

pytestmark = pytest.mark.engine

FORTE = "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1"

PROGRAM = """
import pulumi
from pulumi_quantum.braket import Association, QuantumTask, QuantumTaskArgs

BELL = "OPENQASM 3.0; qubit[2] q; bit[2] c; h q[0]; cnot q[0], q[1]; c = measure q;"
task = QuantumTask(
    "bell-on-forte",
    QuantumTaskArgs(
        source=BELL,
        device_arn={device!r},
        output_s3_bucket={bucket!r},
        output_s3_key_prefix="forte",
        shots=100,
        tags={{"marker": {marker!r}}},
        associations=[Association(arn={reservation!r}, type="RESERVATION_TIME_WINDOW_ARN")],
    ),
)
pulumi.export("status", task.status)
pulumi.export("counts", task.measurement_counts)
"""


def test_qpu_task_with_a_reservation_deploys(
    engine_project, local_cloud, cloud_env, results_bucket
):
    reply = requests.post(
        f"{local_cloud.endpoints['braket']}/_local/reservations", json={"deviceArn": FORTE},
        timeout=5,
    )  # fmt: skip
    reply.raise_for_status()
    reservation = reply.json()["reservationArn"]
    marker = uuid.uuid4().hex[:10]
    source = PROGRAM.format(
        device=FORTE, bucket=results_bucket, marker=marker, reservation=reservation
    )
    project = engine_project(source, env=local_cloud.client_env())
    up = project.up()
    assert up.outputs["status"].value == "COMPLETED"
    assert set(up.outputs["counts"].value) <= {"00", "11"}
    [task] = tasks_tagged(cloud_env, marker)
    assert task["deviceArn"] == FORTE
    assert changes(project.up()) == {}
