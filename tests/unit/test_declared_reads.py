"""The read side is declared: each property names the vendor field it is read from.

Refresh, import and the outputs after a write all go through ``ResourceDecl.outputs_from`` /
``inputs_from``; these tests pin what they give for each vendor's response, as the vendors spell
it (GetQuantumTask via boto3, a SpendingLimitSummary, IBM's session details and program JSON).
"""

from __future__ import annotations

import base64
import dataclasses
from datetime import UTC, datetime

from pulumi_quantum.braket.declarations import QUANTUM_TASK, RELEASED_TAG, SPENDING_LIMIT
from pulumi_quantum.declare import Prop, json_text
from pulumi_quantum.ibm.declarations import BATCH, MARKER_KEY, RUNTIME_PROGRAM, SESSION

ARN = "arn:aws:braket:us-east-1:123456789012:quantum-task/0b5b1c7e-aaaa-bbbb-cccc-1234567890ab"
TASK = {
    "quantumTaskArn": ARN,
    "status": "RUNNING",
    "deviceArn": "arn:aws:braket:::device/quantum-simulator/amazon/sv1",
    "deviceParameters": '{"paradigmParameters": {"qubitCount": 2}, "braketSchemaHeader": {}}',
    "shots": 100,
    "outputS3Bucket": "amazon-braket-results",
    "outputS3Directory": "tasks/bell/0b5b1c7e-aaaa-bbbb-cccc-1234567890ab",
    "createdAt": datetime(2026, 12, 7, 12, 0, tzinfo=UTC),
    "tags": {"team": "q", RELEASED_TAG: "released by an earlier destroy"},
    "associations": [],
    "numSuccessfulShots": 100,
}


def test_task_outputs_are_read_from_get_quantum_task():
    assert QUANTUM_TASK.outputs_from(TASK) == {
        "quantum_task_arn": ARN,
        "status": "RUNNING",
        "output_s3_directory": "tasks/bell/0b5b1c7e-aaaa-bbbb-cccc-1234567890ab",
        "created_at": "2026-12-07T12:00:00+00:00",
        "ended_at": None,
        "failure_reason": None,
    }  # measurement_counts is read from S3, not from the response: not declared as a read


def test_task_inputs_for_import_come_from_the_declared_reads_and_defaults():
    assert QUANTUM_TASK.inputs_from(TASK) == {
        "device_arn": "arn:aws:braket:::device/quantum-simulator/amazon/sv1",
        "device_parameters": (
            '{"braketSchemaHeader":{},"paradigmParameters":{"qubitCount":2}}'
        ),  # canonical JSON text, as check stores it
        "output_s3_bucket": "amazon-braket-results",
        "output_s3_key_prefix": "tasks/bell",  # the directory minus the task id
        "shots": 100,
        "tags": {"team": "q"},  # our bookkeeping tag is never an input
        "wait_for_completion": True,  # declared defaults
        "wait_timeout_seconds": 3600,
    }  # empty associations and the action (never returned) are left out


def test_json_text_treats_empty_parameters_as_unset():
    assert json_text("{}") is None
    assert json_text("") is None
    assert json_text("not json") == "not json"


def test_spending_limit_reads_convert_the_period_to_utc_text():
    summary = {
        "spendingLimitArn": "arn:aws:braket:us-east-1:123456789012:spending-limit/x",
        "deviceArn": "arn:aws:braket:::device/qpu/ionq/Aria-1",
        "spendingLimit": "100",
        "queuedSpend": "0",
        "totalSpend": "12.5",
        "timePeriod": {
            "startAt": datetime(2026, 1, 1, tzinfo=UTC),
            "endAt": "2026-02-01T00:00:00Z",
        },
        "createdAt": datetime(2026, 1, 1, 8, 30, tzinfo=UTC),
        "updatedAt": datetime(2026, 1, 2, tzinfo=UTC),
        "tags": {},
    }
    period = {"start_at": "2026-01-01T00:00:00Z", "end_at": "2026-02-01T00:00:00Z"}
    assert SPENDING_LIMIT.outputs_from(summary) == {
        "spending_limit_arn": "arn:aws:braket:us-east-1:123456789012:spending-limit/x",
        "queued_spend": "0",
        "total_spend": "12.5",
        "effective_time_period": period,
        "created_at": "2026-01-01T08:30:00+00:00",
        "updated_at": "2026-01-02T00:00:00+00:00",
    }
    assert SPENDING_LIMIT.inputs_from(summary) == {
        "device_arn": "arn:aws:braket:::device/qpu/ionq/Aria-1",
        "spending_limit": "100",
        "time_period": period,
    }  # no tags: {} is unset


def test_session_details_and_import_inputs_come_from_ibm_fields():
    info = {
        "id": "s1",
        "backend_name": "ibm_brisbane",
        "state": "open",
        "accepting_jobs": True,
        "max_ttl": 3600,
        "interactive_ttl": 60,
        "elapsed_time": 5,
        "started_at": "2026-12-07T12:00:00Z",
    }
    outs = SESSION.outputs_from(info)
    assert outs["state"] == "open" and outs["max_ttl"] == 3600 and outs["elapsed_time"] == 5
    assert outs["backend_name"] == "ibm_brisbane" and outs["closed_at"] is None
    assert "session_id" not in outs and "active" not in outs  # ours, not IBM's
    assert SESSION.inputs_from(info) == {
        "backend": "ibm_brisbane",
        "max_time": 3600,
        "mode": "dedicated",
        "on_delete": "close",
    }
    assert BATCH.inputs_from(info) == {
        "backend": "ibm_brisbane",
        "max_time": 3600,
        "on_delete": "close",
    }  # a Batch's mode is an output, pinned by its provider


def test_program_reads_strip_the_marker_and_take_cost_for_max_execution_time():
    source = b"def main(backend, user_messenger, **kwargs):\n    return 1\n"
    info = {
        "id": "p1",
        "name": "hello",
        "description": "d",
        "cost": 600,
        "spec": {"parameters": {"type": "object"}, MARKER_KEY: "abc"},
        "data": base64.b64encode(source).decode(),
        "creation_date": "2026-12-07T12:00:00Z",
    }
    read = RUNTIME_PROGRAM.read_fields(info)
    assert read == {
        "name": "hello",
        "description": "d",
        "max_execution_time": 600,
        "is_public": False,
        "spec": {"parameters": {"type": "object"}},
        "data_size": len(source),
        "creation_date": "2026-12-07T12:00:00Z",
        "update_date": None,
    }
    renamed = {**info, "max_execution_time": 300}
    del renamed["cost"]
    assert RUNTIME_PROGRAM.read_fields(renamed)["max_execution_time"] == 300
    assert RUNTIME_PROGRAM.read_fields({"spec": {MARKER_KEY: "abc"}})["spec"] is None


def test_a_new_echoed_property_is_one_declaration_line():
    """What adding a plain echoed QuantumTask output takes: the Prop, nothing else by hand."""
    extra = Prop(
        "num_successful_shots",
        "integer",
        "Shots that ran.",
        "int",
        role="output",
        read="numSuccessfulShots",
    )
    decl = dataclasses.replace(QUANTUM_TASK, props=(*QUANTUM_TASK.props, extra))
    assert decl.outputs_from(TASK)["num_successful_shots"] == 100
    assert "num_successful_shots" in decl.blank_outputs()
