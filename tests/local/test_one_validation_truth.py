"""One truth per rule: the preview ``check`` and the local servers refuse the same bad inputs.

Each row is fed to both sides: the provider's ``check`` (preview, no remote call) and the local
service through the vendor's unmodified client. Both must refuse it, naming the field.
"""

from __future__ import annotations

import base64
import json
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from pulumi_quantum import _provider
from pulumi_quantum.braket import QuantumTaskProvider, SpendingLimitProvider
from pulumi_quantum.clients.ibm_runtime import BadRequestError, IBMRuntimeClient
from pulumi_quantum.ibm.program import RuntimeProgramProvider
from pulumi_quantum.local.braket.devices import SV1_ARN
from pulumi_quantum.storage import ResultsBucketProvider
from tests.fixtures import BELL
from tests.fixtures import FORTE1 as FORTE_ARN

SOURCE = "def main(backend, user_messenger, **kwargs):\n    return 1\n"

PROGRAM_ROWS = [
    ("name", "has space"),
    ("name", "trailing-newline\n"),
    ("description", "x" * 5000),
]
BUCKET_ROWS = ["Bad_Bucket", "UPPER", "a..b"]
SHOTS_ROWS = [1.5, "10"]


@pytest.fixture(autouse=True)
def no_stack_config():
    _provider._remember_stack_config({})


def failures(result) -> dict[str, str]:
    return {f.property: f.reason for f in result.failures}


def refused_create(braket, bucket: str, source: str, shots=10) -> dict[str, str]:
    """CreateQuantumTask of ``source`` on SV1, which the server must refuse: its error, once
    the search by the request's tag has shown that nothing was created (nor coerced)."""
    mark = uuid.uuid4().hex[:10]
    with pytest.raises(ClientError) as refused:
        braket.create_quantum_task(
            clientToken=mark,
            deviceArn=SV1_ARN,
            outputS3Bucket=bucket,
            outputS3KeyPrefix="p",
            shots=shots,
            action=json.dumps(
                {
                    "braketSchemaHeader": {"name": "braket.ir.openqasm.program", "version": "1"},
                    "source": source,
                }
            ),
            tags={"mark": mark},
        )
    found = boto3.client("braket").search_quantum_tasks(
        filters=[{"name": "tag:mark", "operator": "EQUAL", "values": [mark]}]
    )["quantumTasks"]
    assert found == []  # nothing created, nothing coerced
    return refused.value.response["Error"]


# --------------------------------------------------------------------------- programs
@pytest.mark.parametrize(("field", "value"), PROGRAM_ROWS)
def test_program_fields_refused_by_preview_and_server(cloud_env, tmp_path, field, value):
    good = {"data": SOURCE, "name": f"ok-{uuid.uuid4().hex[:8]}", "description": "d"}
    good["max_execution_time"] = 60
    checked = RuntimeProgramProvider().check({}, {**good, field: value})
    assert field in failures(checked), checked.failures

    payload = {**good, field: value}
    client = IBMRuntimeClient(cloud_env["QISKIT_IBM_URL"], cloud_env["QISKIT_IBM_TOKEN"])
    with client, pytest.raises(BadRequestError) as refused:
        client.create_program(
            data_base64=base64.b64encode(SOURCE.encode()).decode(),
            name=payload["name"],
            description=payload["description"],
            max_execution_time=60,
        )
    assert field in str(refused.value)


# ---------------------------------------------------------------------------- buckets
@pytest.mark.parametrize("name", BUCKET_ROWS)
def test_bucket_names_refused_by_preview_and_server(cloud_env, name):
    assert "bucket" in failures(ResultsBucketProvider().check({}, {"bucket": name}))
    task = QuantumTaskProvider().check({}, task_news(output_s3_bucket=name))
    assert "output_s3_bucket" in failures(task), task.failures

    with pytest.raises(ClientError) as refused:
        boto3.client("s3").create_bucket(Bucket=name)
    assert refused.value.response["Error"]["Code"] == "InvalidBucketName"


# ------------------------------------------------------------------------------- tags
def test_aws_tag_keys_refused_by_preview_and_server(cloud_env):
    tags = {"aws:owner": "me"}
    task = QuantumTaskProvider().check({}, task_news(tags=tags))
    assert "aws:" in failures(task).get("tags", ""), task.failures
    limit = SpendingLimitProvider().check({}, limit_news(tags=tags))
    assert "aws:" in failures(limit).get("tags", ""), limit.failures

    with pytest.raises(ClientError) as refused:
        boto3.client("braket").create_spending_limit(
            clientToken=uuid.uuid4().hex, deviceArn=FORTE_ARN, spendingLimit="5", tags=tags
        )
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "aws:" in refused.value.response["Error"]["Message"]


# ------------------------------------------------------------------------------ shots
@pytest.mark.parametrize("shots", SHOTS_ROWS)
def test_shots_not_whole_numbers_refused_by_preview_and_server(cloud_env, results_bucket, shots):
    task = QuantumTaskProvider().check({}, task_news(shots=shots))
    assert "shots" in failures(task), task.failures

    # botocore's own parameter validation would stop it client-side; turn it off so the
    # request reaches the server exactly as a hand-written client could send it.
    raw = boto3.client("braket", config=Config(parameter_validation=False))
    error = refused_create(raw, results_bucket, BELL, shots=shots)
    assert error["Code"] == "ValidationException"
    assert "shots" in error["Message"]


def task_news(**overrides):
    news = {
        "source": BELL,
        "device_arn": SV1_ARN,
        "output_s3_bucket": "good-bucket",
        "output_s3_key_prefix": "p",
        "shots": 10,
        "urn_seed": "proj::stack::QuantumTask::truth",
    }
    return {**news, **overrides}


def limit_news(**overrides):
    return {"device_arn": FORTE_ARN, "spending_limit": "5", "urn_seed": "p::s::L::t", **overrides}


# ------------------------------------------------------------------------------ qubits
def test_qubits_above_the_advertised_count_refused_by_the_server(cloud_env, results_bucket):
    """The advertised qubitCount needs GetDevice (a remote call), so preview cannot know it;
    the server refuses the task before it is created, naming both numbers."""
    braket = boto3.client("braket")
    device = braket.get_device(deviceArn=SV1_ARN)
    advertised = json.loads(device["deviceCapabilities"])["paradigm"]["qubitCount"]
    too_many = advertised + 1
    source = f"OPENQASM 3.0;\nqubit[{too_many}] q;\nbit[{too_many}] c;\nh q[0];\nc = measure q;\n"
    task = QuantumTaskProvider().check({}, task_news(source=source))
    assert task.failures == []  # nothing preview can know without the device
    error = refused_create(braket, results_bucket, source)
    message = error["Message"]
    assert error["Code"] == "ValidationException"
    assert f"{too_many} qubits" in message and str(advertised) in message


# --------------------------------------------------------------------------- OpenQASM
QASM_ROWS = [
    # (program, what both sides must name)
    ("OPENQASM 3.0;\nqubit[2] q;\nbit[2] c;\nhh q[0];\nc = measure q;\n", "gate 'hh'"),
    ("OPENQASM 3.0;\nqubit[2] q;\nh q[0];\ncnot q[0] q[1];\n", "line 4, column 11"),
]


@pytest.mark.parametrize(("source", "named"), QASM_ROWS)
def test_openqasm_refused_by_preview_and_server(cloud_env, results_bucket, source, named):
    """An undefined gate used to pass preview and FAIL the task at run time (the simulator's
    ``Gate hh is not defined.``); now both sides refuse it with its line and column."""
    task = QuantumTaskProvider().check({}, task_news(source=source))
    assert named in failures(task).get("source", ""), task.failures

    braket = boto3.client("braket")
    error = refused_create(braket, results_bucket, source)
    assert error["Code"] == "ValidationException"
    assert named in error["Message"]


def test_the_gate_table_is_the_simulators():
    """The preview's table of Braket gates is the one the local cloud's simulator runs with."""
    from braket.default_simulator.gate_operations import BRAKET_GATES as SIMULATOR_GATES
    from braket.default_simulator.openqasm.interpreter import Interpreter

    from pulumi_quantum.qasm import BRAKET_GATES

    assert set(BRAKET_GATES) == set(SIMULATOR_GATES)
    with pytest.raises(ValueError, match="Gate hh is not defined"):  # what a task FAILED with
        Interpreter().build_circuit("OPENQASM 3.0;\nqubit[1] q;\nhh q[0];\n")
