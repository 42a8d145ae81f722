"""Program sets, experimental capabilities and per-task shots, as the current SDK sends them.

Driven through the unmodified amazon-braket-sdk (``braket.program_sets.ProgramSet``,
``AwsDevice.run`` / ``run_batch``) and boto3; results are read back as the SDK reads Braket's.
"""

from __future__ import annotations

import json
import math

import boto3
import pytest
from botocore.config import Config

from tests.fixtures import BELL, SV1, create_task

GARNET = "arn:aws:braket:eu-north-1::device/qpu/iqm/Garnet"
PROGRAM_SET = "braket.ir.openqasm.program_set"
NO_RETRY = Config(retries={"max_attempts": 1})


def program_set_action(*programs: dict) -> str:
    header = {"name": PROGRAM_SET, "version": "1"}
    return json.dumps({"braketSchemaHeader": header, "programs": list(programs)})


def test_sdk_program_set_runs_and_reads_back_in_braket_shape(cloud_env, results_bucket):
    from braket.aws import AwsDevice, AwsQuantumTask
    from braket.circuits import Circuit, FreeParameter
    from braket.program_sets import CircuitBinding, ProgramSet
    from braket.task_result import ProgramSetTaskResult
    from braket.tasks import ProgramSetQuantumTaskResult

    theta = FreeParameter("theta")
    flip = Circuit().rx(0, theta)
    program_set = ProgramSet(
        [Circuit().h(0).cnot(0, 1), CircuitBinding(flip, input_sets={"theta": [0.0, math.pi]})],
        shots_per_executable=40,
    )
    task = AwsDevice(SV1).run(program_set, (results_bucket, "program-sets"))
    result = task.result()
    assert isinstance(result, ProgramSetQuantumTaskResult)
    assert result.num_executables == 3
    assert result.task_metadata.requestedShots == 120
    assert result.task_metadata.successfulShots == 120
    assert result.task_metadata.id == task.id and result.task_metadata.deviceId == SV1
    bell, bound = result.entries
    [bell_run] = bell.entries
    assert sum(bell_run.counts.values()) == 40 and set(bell_run.counts) <= {"00", "11"}
    zero, pi = bound.entries
    assert dict(zero.counts) == {"0": 40} and dict(pi.counts) == {"1": 40}

    described = boto3.client("braket").get_quantum_task(quantumTaskArn=task.id)
    assert described["actionMetadata"] == {
        "actionType": PROGRAM_SET,
        "programCount": 2,
        "executableCount": 3,
    }
    assert described["shots"] == 120
    key = f"{described['outputS3Directory']}/results.json"
    body = boto3.client("s3").get_object(Bucket=results_bucket, Key=key)["Body"].read()
    document = ProgramSetTaskResult.parse_raw(body)  # Braket's schema, as written
    assert document.programResults[1].source.inputs == {"theta": [0.0, math.pi]}  # as sent
    again = AwsQuantumTask(task.id).result()  # no program set at hand: from S3 alone
    assert [len(e.entries) for e in again.entries] == [1, 2]


def test_simulators_advertise_program_sets(cloud_env):
    from braket.aws import AwsDevice

    action = AwsDevice(SV1).properties.action[PROGRAM_SET]
    assert action.maximumExecutables == 100 and action.maximumTotalShots == 200_000


def test_program_set_shots_are_a_total_over_executables(cloud_env, results_bucket):
    braket = boto3.client("braket", config=NO_RETRY)
    inputs = {"source": "OPENQASM 3.0; input float a; qubit q; rx(a) q; bit b; b = measure q;",
              "inputs": {"a": [0.1, 0.2, 0.3]}}  # fmt: skip
    for shots in (0, 100, 200_001 * 3):  # zero; not a multiple of 3; over maximumTotalShots
        with pytest.raises(braket.exceptions.ValidationException, match="multiple of 3"):
            create_task(braket, results_bucket, action=program_set_action(inputs), shots=shots)


def test_invalid_programs_are_listed_in_program_set_validation_failures(cloud_env, results_bucket):
    braket = boto3.client("braket", config=NO_RETRY)
    good = {"source": BELL}
    unknown_gate = {"source": "OPENQASM 3.0; qubit q; frobnicate q;"}
    result_type = {"source": "OPENQASM 3.0; qubit q; h q; #pragma braket result probability"}
    before = braket.search_quantum_tasks(filters=[])["quantumTasks"]
    with pytest.raises(braket.exceptions.ValidationException) as caught:
        create_task(braket, results_bucket, shots=30,
                    action=program_set_action(good, unknown_gate, result_type))  # fmt: skip
    response = caught.value.response
    assert response["reason"] == "ProgramSetValidationFailed"
    failures = response["programSetValidationFailures"]
    assert [f["programIndex"] for f in failures] == [1, 2]
    assert "frobnicate" in failures[0]["errors"][0]
    assert "result types" in failures[1]["errors"][0]
    assert braket.search_quantum_tasks(filters=[])["quantumTasks"] == before  # nothing created


def test_sdk_surfaces_the_first_failure_of_a_program_set(cloud_env, results_bucket):
    from botocore.exceptions import ClientError
    from braket.aws import AwsDevice
    from braket.program_sets import ProgramSet

    bad = ProgramSet(["OPENQASM 3.0; qubit q; frobnicate q;"], shots_per_executable=10)
    with pytest.raises(ClientError, match="First failure") as caught:
        AwsDevice(SV1).run(bad, (results_bucket, "program-sets"))
    assert "frobnicate" in str(caught.value)


def test_program_set_on_a_qpu_runs_under_its_rules(cloud_env, results_bucket):
    from braket.aws import AwsDevice
    from braket.program_sets import ProgramSet

    device = AwsDevice(GARNET)
    assert PROGRAM_SET in device.properties.action
    native = "OPENQASM 3.0;\nbit[2] c;\n#pragma braket verbatim\nbox {\n  prx(pi, 0) $1;\n}\n"
    native += "c[0] = measure $1;\nc[1] = measure $2;\n"
    result = device.run(ProgramSet([native], shots_per_executable=20), (results_bucket, "qps"))
    [[run]] = [entry.entries for entry in result.result().entries]
    assert dict(run.counts) == {"10": 20}
    braket = boto3.client("braket", region_name="eu-north-1", config=NO_RETRY)
    non_native = "OPENQASM 3.0;\n#pragma braket verbatim\nbox {\n  h $1;\n}\n"
    action = program_set_action({"source": native}, {"source": non_native})
    with pytest.raises(braket.exceptions.ValidationException) as caught:
        create_task(braket, results_bucket, deviceArn=GARNET, shots=20, action=action)
    [failure] = caught.value.response["programSetValidationFailures"]
    assert failure["programIndex"] == 1
    assert "native gates are required" in failure["errors"][0]


def test_experimental_capabilities_are_accepted_and_reported(cloud_env, results_bucket):
    from braket.aws import AwsDevice
    from braket.circuits import Circuit

    task = AwsDevice(SV1).run(
        Circuit().h(0), (results_bucket, "experimental"), shots=10, experimental_capabilities="ALL"
    )
    assert sum(task.result().measurement_counts.values()) == 10
    described = boto3.client("braket").get_quantum_task(quantumTaskArn=task.id)
    assert described["experimentalCapabilities"] == {"enabled": "ALL"}
    plain = AwsDevice(SV1).run(Circuit().h(0), (results_bucket, "experimental"), shots=10)
    assert "experimentalCapabilities" not in boto3.client("braket").get_quantum_task(
        quantumTaskArn=plain.id
    )


def test_run_batch_with_per_task_shots_including_a_program_set(cloud_env, results_bucket):
    from braket.aws import AwsDevice
    from braket.circuits import Circuit
    from braket.program_sets import ProgramSet

    program_set = ProgramSet([Circuit().x(0), Circuit().h(0)])
    batch = AwsDevice(SV1).run_batch(
        [Circuit().h(0).cnot(0, 1), Circuit().x(0), program_set],
        (results_bucket, "batch"),
        shots=[11, 23, 60],
        max_parallel=3,
    )
    bell, flipped, sets = batch.results(fail_unsuccessful=True)
    assert sum(bell.measurement_counts.values()) == 11
    assert dict(flipped.measurement_counts) == {"1": 23}
    x_run, h_run = (entry.entries[0] for entry in sets.entries)
    assert dict(x_run.counts) == {"1": 30} and sum(h_run.counts.values()) == 30
    braket = boto3.client("braket")
    assert [braket.get_quantum_task(quantumTaskArn=t.id)["shots"] for t in batch.tasks] == [
        11,
        23,
        60,
    ]
