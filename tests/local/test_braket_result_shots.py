"""Result types that cannot be computed at a task's shot count are refused at create, not after.

Driven only through the unmodified Braket SDK and boto3. The reference for what is impossible is
code nobody here wrote: ``braket.devices.LocalSimulator`` (amazon-braket-default-simulator, what
SV1/DM1 publish the capabilities of) must refuse the same program at the same shot count, and the
device's own ``supportedResultTypes`` (as the SDK parses them) must put the shots out of range.
The SDK's ``AwsDevice.run`` refuses most of these in the client already, so the program reaches
the service the way every other client sends it (and the way ``QuantumTask`` does): the
circuit's OpenQASM IR through boto3's ``create_quantum_task``. Nothing is created:
SearchQuantumTasks finds no task in the prefix afterwards.
"""

from __future__ import annotations

import uuid

import boto3
import pytest

from tests.fixtures import DM1, SV1

REFERENCE = {SV1: "braket_sv", DM1: "braket_dm"}


def _bell():
    from braket.circuits import Circuit

    return Circuit().h(0).cnot(0, 1)


def _impossible():
    """(id, device, circuit, shots, the capability name of the result type it asks for)."""
    from braket.circuits import Observable

    return [
        ("state-vector-with-shots", SV1, _bell().state_vector(), 100, "StateVector"),
        ("amplitude-with-shots", SV1, _bell().amplitude(["00", "11"]), 10, "Amplitude"),
        ("density-matrix-with-shots", DM1, _bell().density_matrix([0, 1]), 10, "DensityMatrix"),
        ("sample-without-shots", SV1, _bell().sample(Observable.Z(), 0), 0, "Sample"),
    ]


def _outside_capability(device, name: str, shots: int) -> bool:
    from braket.device_schema import DeviceActionType

    action = device.properties.action[DeviceActionType.OPENQASM]
    spec = next(r for r in action.supportedResultTypes if r.name == name)
    return not spec.minShots <= shots <= spec.maxShots


def _tasks_under(bucket: str, prefix: str) -> list[str]:
    braket = boto3.client("braket")
    found = braket.search_quantum_tasks(
        filters=[{"name": "status", "operator": "EQUAL", "values": ["CREATED", "QUEUED"]}]
    )["quantumTasks"]
    tasks = [braket.get_quantum_task(quantumTaskArn=t["quantumTaskArn"]) for t in found]
    return [t["quantumTaskArn"] for t in tasks if t["outputS3Directory"].startswith(prefix)]


IDS = ["state-vector-with-shots", "amplitude-with-shots", "density-matrix-with-shots",
       "sample-without-shots"]  # fmt: skip


@pytest.mark.parametrize("case", range(len(IDS)), ids=IDS)
def test_impossible_result_type_is_refused_at_create(cloud_env, results_bucket, case):
    from braket.aws import AwsDevice
    from braket.devices import LocalSimulator

    case_id, arn, circuit, shots, name = _impossible()[case]
    assert case_id == IDS[case]
    with pytest.raises(ValueError):  # the reference refuses it too
        LocalSimulator(REFERENCE[arn]).run(circuit, shots=shots).result()
    device = AwsDevice(arn)
    assert _outside_capability(device, name, shots)
    prefix = f"{case_id}-{uuid.uuid4().hex[:8]}"
    braket = boto3.client("braket")
    with pytest.raises(braket.exceptions.ValidationException, match="shots"):
        _create(braket, arn, circuit, shots, results_bucket, prefix)
    assert _tasks_under(results_bucket, prefix) == []


def _create(braket, arn: str, circuit, shots: int, bucket: str, prefix: str) -> str:
    from braket.circuits.serialization import IRType

    return braket.create_quantum_task(
        deviceArn=arn, shots=shots, outputS3Bucket=bucket, outputS3KeyPrefix=prefix,
        action=circuit.to_ir(IRType.OPENQASM).json(),
    )["quantumTaskArn"]  # fmt: skip


def test_shots_zero_without_result_types_is_refused(cloud_env, results_bucket):
    from braket.aws import AwsDevice
    from braket.devices import LocalSimulator

    with pytest.raises(ValueError, match="shots=0"):
        LocalSimulator("braket_sv").run(_bell(), shots=0).result()
    braket = boto3.client("braket")
    with pytest.raises(braket.exceptions.ValidationException, match="shots=0"):
        _create(braket, SV1, _bell(), 0, results_bucket, "no-results")
    assert _tasks_under(results_bucket, "no-results") == []
    assert AwsDevice(SV1).properties.service.shotsRange[0] == 0  # shots=0 itself is allowed


def test_the_same_result_types_at_a_possible_shot_count_run(cloud_env, results_bucket):
    """The check is about the shot count, not the result type: shots=0 state_vector runs."""
    from braket.aws import AwsDevice

    task = AwsDevice(SV1).run(
        _bell().state_vector(), (results_bucket, "sv-exact"), shots=0, poll_interval_seconds=0.05
    )
    vector = task.result().values[0]
    assert abs(abs(vector[0]) ** 2 - 0.5) < 1e-9 and abs(abs(vector[3]) ** 2 - 0.5) < 1e-9
