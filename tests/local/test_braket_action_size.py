"""CreateQuantumTask refuses an action over Braket's 3 MB limit, through unmodified boto3.

Braket's quotas page limits a quantum task's action to 3 MB; botocore's service model gives
``action`` no ``max`` and Braket documents no message for it, so the refusal is a
``ValidationException`` (HTTP 400, the model's error for constraint failures) naming the field,
the size and the limit: ``pulumi_quantum.rules.action_size_problem``, the rule the preview runs.
It is checked before anything parses the action, whatever its kind, and nothing is created.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.config import Config

from pulumi_quantum.rules import MAX_ACTION_BYTES
from tests.fixtures import SV1

OPENQASM = {"name": "braket.ir.openqasm.program", "version": "1"}
JAQCD = {"name": "braket.ir.jaqcd.program", "version": "1"}


def openqasm_action(size: int) -> str:
    """An OpenQASM action of exactly ``size`` bytes (a comment pads the program)."""
    head = "OPENQASM 3.0;\nqubit[2] q;\nh q[0];\n//"
    bare = len(json.dumps({"braketSchemaHeader": OPENQASM, "source": head}))
    action = json.dumps({"braketSchemaHeader": OPENQASM, "source": head + "x" * (size - bare)})
    assert len(action.encode()) == size
    return action


def jaqcd_action(size: int) -> str:
    """A JAQCD action of at least ``size`` bytes: many one-qubit instructions."""
    one = {"type": "h", "target": 0}
    count = size // len(json.dumps(one)) + 1
    return json.dumps({"braketSchemaHeader": JAQCD, "instructions": [one] * count})


@pytest.fixture
def braket(cloud_env: dict[str, str]) -> Any:
    return boto3.client("braket", config=Config(retries={"max_attempts": 1}, read_timeout=120))


def task_count(braket: Any) -> int:
    return len(braket.search_quantum_tasks(filters=[], maxResults=100)["quantumTasks"])


def create(braket: Any, bucket: str, action: str) -> Any:
    return braket.create_quantum_task(
        deviceArn=SV1,
        shots=10,
        outputS3Bucket=bucket,
        outputS3KeyPrefix="action-size",
        action=action,
    )


@pytest.mark.parametrize("kind", ["openqasm", "jaqcd"])
def test_an_action_over_three_megabytes_is_refused_and_nothing_is_created(
    braket, results_bucket, kind
):
    action = (
        openqasm_action(MAX_ACTION_BYTES + 1)
        if kind == "openqasm"
        else jaqcd_action(MAX_ACTION_BYTES + 1)
    )
    size = len(action.encode())
    before = task_count(braket)
    with pytest.raises(braket.exceptions.ValidationException) as refused:
        create(braket, results_bucket, action)
    error = refused.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Message"] == (
        f"action: the action is {size:,} bytes; Amazon Braket limits a quantum task's action to "
        f"3 MB ({MAX_ACTION_BYTES:,} bytes). Split the program into smaller tasks"
    )
    assert task_count(braket) == before  # nothing half-created

    if kind == "openqasm":  # at exactly 3 MB Braket's rule lets it through; the local cloud's
        # own, smaller program budget is what refuses it (still unparsed)
        with pytest.raises(braket.exceptions.ValidationException) as budget:
            create(braket, results_bucket, openqasm_action(MAX_ACTION_BYTES))
        message = budget.value.response["Error"]["Message"]
        assert "Amazon Braket limits" not in message and "PQ_LOCAL_MAX_PROGRAM_BYTES" in message
