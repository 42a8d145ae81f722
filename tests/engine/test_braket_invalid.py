"""Invalid QuantumTask inputs fail at preview, named by property, and nothing reaches Braket.

The engine stops a preview at the first resource whose check fails, so each case is its own
preview (one resource, one broken rule); the unit tests cover "all failures at once"."""

from __future__ import annotations

import uuid

import boto3
import pytest
from pulumi import automation as auto

from pulumi_quantum.local.braket.devices import SV1_ARN
from tests.fixtures import BELL

pytestmark = pytest.mark.engine


#: (QuantumTask keyword arguments that break one rule, property named, text in the reason)
INVALID = [
    ({"source": "OPENQASM 3.0; qubit[2] q; h q[0"}, "source", "not valid OpenQASM 3"),
    ({"source": None, "action": "{not json"}, "action", "valid JSON"),
    ({"device_arn": ""}, "device_arn", "at least 1"),
    ({"shots": -5}, "shots", "at least 0"),
    ({"shots": 2.5}, "shots", "whole number"),
    ({"output_s3_bucket": "ab"}, "output_s3_bucket", "at least 3"),
    ({"output_s3_key_prefix": ""}, "output_s3_key_prefix", "at least 1"),
    ({"device_parameters": "{oops"}, "device_parameters", "valid JSON"),
    ({"tags": {"team": 7}}, "tags", "must be a string"),
    ({"associations": [{"arn": "nope", "type": "RESERVATION_TIME_WINDOW_ARN"}]}, "associations",
     "pattern"),
    ({"job_token": "t" * 200}, "job_token", "at most 128"),
    ({"experimental_capabilities": {"enabled": "SOME"}}, "experimental_capabilities", "ALL, NONE"),
    ({"wait_timeout_seconds": 0}, "wait_timeout_seconds", "at least 1"),
]  # fmt: skip


def invalid_program(bucket: str, marker: str, overrides: dict) -> str:
    kwargs = {
        "source": BELL,
        "device_arn": SV1_ARN,
        "output_s3_bucket": bucket,
        "output_s3_key_prefix": "bad",
        "shots": 10,
        "tags": {"marker": marker},
    }
    kwargs.update(overrides)
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items() if v is not None)
    return f"from pulumi_quantum.braket import QuantumTask\nQuantumTask('bad', {args})\n"


def all_tasks() -> int:
    pages = boto3.client("braket").get_paginator("search_quantum_tasks").paginate(filters=[])
    return sum(len(page["quantumTasks"]) for page in pages)


@pytest.mark.parametrize(("overrides", "prop", "text"), INVALID, ids=[c[1] for c in INVALID])
def test_invalid_input_fails_preview_naming_the_field(
    engine_project, local_cloud, cloud_env, results_bucket, overrides, prop, text
):
    marker = uuid.uuid4().hex[:10]
    before = all_tasks()
    project = engine_project(
        invalid_program(results_bucket, marker, overrides), env=local_cloud.client_env()
    )
    with pytest.raises(auto.CommandError) as caught:
        project.preview()
    message = str(caught.value)
    assert f"property {prop} " in message and text in message, message
    assert all_tasks() == before  # check never calls Braket
    assert project.resources() == []


#: (QuantumTask keyword arguments, the property, text the one failure of that property holds)
ONCE = [
    ({"source": "OPENQASM 3.0;\nqubit[2] q;\nbit[2] c;\nhh q[0];\nc = measure q;\n"}, "source",
     "line 4, column 1: gate 'hh' is not defined (did you mean 'h'?)"),
    ({"source": "OPENQASM 3.0;\nqubit[2] q;\nh q[0];\ncnot q[0] q[1];\n"}, "source",
     "line 4, column 11: unexpected 'q' (expected ';')"),
    ({"device_parameters": "{oops"}, "device_parameters", "must be valid JSON"),
]  # fmt: skip


@pytest.mark.parametrize(("overrides", "prop", "text"), ONCE, ids=["gate", "syntax", "json"])
def test_preview_names_the_position_and_reports_each_problem_once(
    engine_project, local_cloud, results_bucket, overrides, prop, text
):
    """What the user reads at ``pulumi preview``: where the mistake is, said once."""
    project = engine_project(
        invalid_program(results_bucket, uuid.uuid4().hex[:10], overrides),
        env=local_cloud.client_env(),
    )
    with pytest.raises(auto.CommandError) as caught:
        project.preview()
    diagnostics = str(caught.value).split("Diagnostics:", 1)[1]
    assert text in diagnostics, diagnostics
    assert diagnostics.count(f"property {prop} ") == 1, diagnostics
    assert "QASM3ParsingError" not in diagnostics and "token recognition" not in diagnostics
