"""OFFLINE / RETIRED devices: preview passes (check makes no remote calls), the create fails
with an error naming device_arn and the device state, and nothing lands in state or in Braket."""

from __future__ import annotations

import uuid

import pytest
from pulumi import automation as auto

from pulumi_quantum.local.braket.devices import OFFLINE_QPU_ARN, RETIRED_QPU_ARN

from ._stacks import tasks_tagged
from .test_braket_task import program

pytestmark = [pytest.mark.engine, pytest.mark.local_test_devices]


@pytest.mark.parametrize(
    ("device", "word"), [(OFFLINE_QPU_ARN, "OFFLINE"), (RETIRED_QPU_ARN, "RETIRED")]
)
def test_offline_or_retired_device_fails_clearly_with_nothing_in_state(
    engine_project, local_cloud, cloud_env, results_bucket, device, word
):
    marker = uuid.uuid4().hex[:10]
    project = engine_project(
        program(results_bucket, marker, device=device, shots=10), env=local_cloud.client_env()
    )
    assert project.preview().change_summary.get("create") == 2  # valid input: preview passes
    with pytest.raises(auto.CommandError) as caught:
        project.up()
    message = str(caught.value)
    assert "device_arn" in message and word in message and device in message
    assert project.resources(":QuantumTask") == []
    assert tasks_tagged(cloud_env, marker) == []
