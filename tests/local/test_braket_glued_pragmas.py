"""Several ``#pragma braket ...`` on one line, as Python string concatenation produces them.

OpenQASM's grammar reads a pragma to the end of its line, so ``"...;" "#pragma A" "#pragma B"``
is one pragma to a naive parser (amazon-braket-default-simulator, and so ``LocalSimulator``,
honour only the first). Amazon Braket honours every one; so does the local Braket. A differential
test against ``LocalSimulator`` cannot catch this: the expected result types are asserted.
"""

from __future__ import annotations

import boto3
import pytest

from tests.fixtures import create_task, openqasm_action

GARNET = "arn:aws:braket:eu-north-1::device/qpu/iqm/Garnet"
GLUED = (
    "OPENQASM 3.0;\nqubit[2] q;\nh q[0];\n"
    "cnot q[0], q[1];"
    "#pragma braket result expectation z(q[0])"
    "#pragma braket result sample z(q[1])"
    "#pragma braket result probability"
)


def _result(arn: str):
    from braket.aws import AwsQuantumTask

    return AwsQuantumTask(arn).result()


def test_every_glued_result_pragma_is_honoured(cloud_env, results_bucket):
    braket = boto3.client("braket")
    arn = create_task(braket, results_bucket, action=openqasm_action(GLUED), shots=50)
    result = _result(arn)
    kinds = [type(rt.type).__name__ for rt in result.result_types]
    assert kinds == ["Expectation", "Sample", "Probability"]
    expectation, sample, probability = (rt.value for rt in result.result_types)
    assert -1.0 <= expectation <= 1.0
    assert len(sample) == 50 and set(sample) <= {-1, 1}
    assert len(probability) == 4 and probability[1] == probability[2] == 0  # Bell: 00 or 11


def test_glued_pragma_after_a_statement_with_exact_results(cloud_env, results_bucket):
    source = 'OPENQASM 3.0;\nqubit[1] q;\nx q[0];#pragma braket result amplitude "0", "1"'
    source += "#pragma braket result expectation z(q[0])"
    arn = create_task(boto3.client("braket"), results_bucket, action=openqasm_action(source),
                      shots=0)  # fmt: skip
    values = [rt.value for rt in _result(arn).result_types]
    assert values[0] == {"0": 0j, "1": 1 + 0j}
    assert values[1] == pytest.approx(-1.0)


def test_a_glued_pragma_is_checked_against_the_shots(cloud_env, results_bucket):
    braket = boto3.client("braket")
    source = "OPENQASM 3.0;\nqubit[1] q;\nh q[0];#pragma braket result probability"
    source += "#pragma braket result sample z(q[0])"  # sample needs shots > 0
    with pytest.raises(braket.exceptions.ValidationException, match="sample"):
        create_task(braket, results_bucket, action=openqasm_action(source), shots=0)


def test_a_glued_pragma_a_qpu_cannot_return_is_refused(cloud_env, results_bucket):
    from botocore.config import Config

    braket = boto3.client("braket", region_name="eu-north-1",
                          config=Config(retries={"max_attempts": 1}))  # fmt: skip
    source = "OPENQASM 3.0;\nqubit[1] q;\nh q[0];\n#pragma braket result probability"
    source += "#pragma braket result state_vector"
    with pytest.raises(braket.exceptions.ValidationException, match="state_vector"):
        create_task(braket, results_bucket, deviceArn=GARNET, action=openqasm_action(source))
