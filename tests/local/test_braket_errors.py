"""Every modelled Braket error arrives as boto3's matching exception; bad input stores nothing."""

from __future__ import annotations

import json
import uuid

import boto3
import pytest
from botocore.config import Config

from tests.fixtures import SV1
from tests.fixtures import create_task as create
from tests.fixtures import openqasm_action as program

OFFLINE = "arn:aws:braket:us-east-1::device/qpu/local/offline-qpu"
RETIRED = "arn:aws:braket:us-east-1::device/qpu/local/retired-qpu"
pytestmark = pytest.mark.local_test_devices  # OFFLINE / RETIRED above are test-only devices


@pytest.fixture
def raw_braket(cloud_env):
    """boto3 with client-side validation off, so the *server's* validation is what we test."""
    return boto3.client(
        "braket", config=Config(parameter_validation=False, retries={"max_attempts": 1})
    )


def task_count(braket) -> int:
    return len(braket.search_quantum_tasks(filters=[], maxResults=100)["quantumTasks"])


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"shots": -1}, "shots"),
        ({"outputS3Bucket": "ab"}, "outputS3Bucket"),
        ({"action": "{not json"}, "action"),
        ({"action": json.dumps({"braketSchemaHeader": {"name": "x", "version": "1"}})}, "action"),
        ({"action": json.dumps({"braketSchemaHeader": {"name": "braket.ir.openqasm.program",
                                                       "version": "1"}})}, "action"),
        ({"deviceArn": "arn:aws:braket:::device/quantum-simulator/amazon/nope"}, "deviceArn"),
        ({"deviceParameters": "x" * 48001}, "deviceParameters"),
        ({"deviceParameters": "[1, 2]"}, "deviceParameters"),
        ({"tags": {"bad key!": "v"}}, "tags"),
        ({"tags": {"aws:reserved": "v"}}, "tags"),
        ({"shots": 100001}, "Shot count"),  # Braket's own wording for the range
        ({"outputS3Bucket": "no-such-bucket-here"}, "outputS3Bucket"),
        ({"clientToken": "t" * 65}, "clientToken"),
    ],
)  # fmt: skip
def test_invalid_create_is_a_validation_error_naming_the_field(
    raw_braket, results_bucket, overrides, field
):
    before = task_count(raw_braket)
    with pytest.raises(raw_braket.exceptions.ValidationException) as info:
        create(raw_braket, results_bucket, **overrides)
    error = info.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert field in error["Error"]["Message"]
    assert task_count(raw_braket) == before
    objects = boto3.client("s3").list_objects_v2(Bucket=results_bucket)
    assert objects["KeyCount"] == 0


def test_missing_required_member_is_named(raw_braket, results_bucket):
    with pytest.raises(raw_braket.exceptions.ValidationException, match="outputS3KeyPrefix"):
        raw_braket.create_quantum_task(
            clientToken=str(uuid.uuid4()), deviceArn=SV1, shots=1,
            outputS3Bucket=results_bucket, action=program(),
        )  # fmt: skip


def test_enum_and_max_constraints_of_search(raw_braket):
    with pytest.raises(raw_braket.exceptions.ValidationException, match="operator"):
        raw_braket.search_quantum_tasks(
            filters=[{"name": "status", "operator": "LIKE", "values": ["COMPLETED"]}]
        )
    with pytest.raises(raw_braket.exceptions.ValidationException, match="maxResults"):
        raw_braket.search_quantum_tasks(filters=[], maxResults=101)
    with pytest.raises(raw_braket.exceptions.ValidationException, match=r"filters\.name"):
        raw_braket.search_devices(filters=[{"name": "colour", "values": ["blue"]}])


def test_offline_and_retired_devices(cloud_env, results_bucket):
    braket = boto3.client("braket")
    assert braket.get_device(deviceArn=OFFLINE)["deviceStatus"] == "OFFLINE"
    assert braket.get_device(deviceArn=RETIRED)["deviceStatus"] == "RETIRED"
    with pytest.raises(braket.exceptions.DeviceOfflineException, match="offline"):
        create(braket, results_bucket, deviceArn=OFFLINE)
    retired = "Device is not available because it is retired. Please try another device."
    with pytest.raises(braket.exceptions.DeviceRetiredException) as info:
        create(braket, results_bucket, deviceArn=RETIRED)
    assert info.value.response["Error"]["Message"] == retired  # Braket's own wording
    with pytest.raises(braket.exceptions.DeviceRetiredException) as info:
        braket.create_spending_limit(deviceArn=RETIRED, spendingLimit="10.00")
    assert info.value.response["Error"]["Message"] == retired


def test_unknown_resources_are_not_found(cloud_env):
    braket = boto3.client("braket")
    missing = f"arn:aws:braket:us-east-1:123456789012:quantum-task/{uuid.uuid4()}"
    with pytest.raises(braket.exceptions.ResourceNotFoundException):
        braket.get_quantum_task(quantumTaskArn=missing)
    with pytest.raises(braket.exceptions.ResourceNotFoundException):
        braket.get_device(deviceArn="arn:aws:braket:::device/quantum-simulator/amazon/nope")
    with pytest.raises(braket.exceptions.ResourceNotFoundException):
        braket.list_tags_for_resource(resourceArn=missing)
    with pytest.raises(braket.exceptions.ResourceNotFoundException):
        braket.delete_spending_limit(
            spendingLimitArn=f"arn:aws:braket:us-east-1:123456789012:spending-limit/{uuid.uuid4()}"
        )


def test_devices_search_and_capabilities(cloud_env):
    from braket.device_schema.simulators import GateModelSimulatorDeviceCapabilities

    braket = boto3.client("braket")
    devices = braket.search_devices(filters=[{"name": "deviceArn", "values": [SV1, OFFLINE]}])
    assert {d["deviceArn"] for d in devices["devices"]} == {SV1, OFFLINE}
    caps = braket.get_device(deviceArn=SV1)["deviceCapabilities"]
    parsed = GateModelSimulatorDeviceCapabilities.parse_raw(caps)
    assert "braket.ir.openqasm.program" in parsed.action
    everything = braket.search_devices(filters=[])["devices"]
    page = braket.search_devices(filters=[], maxResults=2)
    rest = braket.search_devices(filters=[], nextToken=page["nextToken"])
    assert len(page["devices"]) == 2 and page["devices"] + rest["devices"] == everything
