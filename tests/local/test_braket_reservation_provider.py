"""A QuantumTask with a Braket Direct reservation, through the provider against the local Braket."""

from __future__ import annotations

import uuid

import pytest
import requests

from pulumi_quantum import _provider
from pulumi_quantum._provider import ProviderError
from pulumi_quantum.braket import QuantumTaskProvider
from pulumi_quantum.local.braket.devices import SV1_ARN
from tests.fixtures import BELL

FORTE = "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1"


@pytest.fixture(autouse=True)
def no_stack_config():
    _provider._remember_stack_config({})


def props(bucket: str, device_arn: str, reservation_arn: str) -> dict:
    marker = uuid.uuid4().hex[:10]
    news = {
        "source": BELL,
        "device_arn": device_arn,
        "output_s3_bucket": bucket,
        "output_s3_key_prefix": "reserved",
        "shots": 100,  # IonQ takes 100..5000
        "associations": [{"arn": reservation_arn, "type": "RESERVATION_TIME_WINDOW_ARN"}],
        "urn_seed": f"proj::stack::QuantumTask::{marker}",
        "__provider": "x",
    }
    checked = QuantumTaskProvider().check({}, news)
    assert checked.failures == [], checked.failures
    return checked.inputs


def reservation(local_cloud, device_arn: str) -> str:
    r = requests.post(
        f"{local_cloud.endpoints['braket']}/_local/reservations",
        json={"deviceArn": device_arn},
        timeout=5,
    )
    r.raise_for_status()
    return r.json()["reservationArn"]


def test_quantum_task_with_a_reservation_deploys(local_cloud, cloud_env, results_bucket):
    arn = reservation(local_cloud, FORTE)
    created = QuantumTaskProvider().create(props(results_bucket, FORTE, arn))
    outs = created.outs
    assert outs["status"] == "COMPLETED"
    assert set(outs["measurement_counts"]) <= {"00", "11"}
    assert outs["associations"] == [{"arn": arn, "type": "RESERVATION_TIME_WINDOW_ARN"}]


def test_reservation_on_a_simulator_is_refused_naming_the_field(
    local_cloud, cloud_env, results_bucket
):
    arn = reservation(local_cloud, FORTE)
    with pytest.raises(ProviderError) as info:
        QuantumTaskProvider().create(props(results_bucket, SV1_ARN, arn))
    assert "associations" in str(info.value) and "simulator" in str(info.value)
