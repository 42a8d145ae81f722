"""service_model: generic validation of requests against botocore's Braket service model."""

from __future__ import annotations

import pytest

from pulumi_quantum._provider import CheckErrors
from pulumi_quantum.service_model import input_shape, snake_case, validate_request
from pulumi_quantum.values import UNKNOWN

VALID_TASK = {
    "action": '{"braketSchemaHeader": {"name": "braket.ir.openqasm.program", "version": "1"}}',
    "deviceArn": "arn:aws:braket:::device/quantum-simulator/amazon/sv1",
    "shots": 100,
    "outputS3Bucket": "amzn-braket-results",
    "outputS3KeyPrefix": "tasks",
}


def failures(operation: str, request: dict, **kwargs) -> dict[str, list[str]]:
    errors = CheckErrors()
    validate_request(operation, request, errors, **kwargs)
    found: dict[str, list[str]] = {}
    for failure in errors.failures:
        found.setdefault(failure.property, []).append(failure.reason)
    return found


@pytest.mark.parametrize(
    ("member", "prop"),
    [
        ("outputS3KeyPrefix", "output_s3_key_prefix"),
        ("deviceArn", "device_arn"),
        ("jobToken", "job_token"),
        ("experimentalCapabilities", "experimental_capabilities"),
    ],
)
def test_snake_case_matches_pulumi_property_names(member, prop):
    assert snake_case(member) == prop


def test_a_valid_request_has_no_failures():
    assert failures("CreateQuantumTask", VALID_TASK, skip=["clientToken"]) == {}


def test_every_required_member_is_reported_at_once():
    found = failures("CreateQuantumTask", {}, skip=["clientToken"])
    assert set(found) == {
        "action",
        "device_arn",
        "shots",
        "output_s3_bucket",
        "output_s3_key_prefix",
    }
    # the skipped idempotency token is not demanded of the user
    assert "client_token" not in found


def test_lengths_ranges_and_types_come_from_the_model():
    shape = input_shape("CreateQuantumTask")
    max_bucket = shape.members["outputS3Bucket"].metadata["max"]
    request = {
        **VALID_TASK,
        "outputS3Bucket": "b" * (max_bucket + 1),
        "outputS3KeyPrefix": "",
        "shots": -1,
        "jobToken": "j" * 129,
    }
    found = failures("CreateQuantumTask", request, skip=["clientToken"])
    assert f"at most {max_bucket}" in found["output_s3_bucket"][0]
    assert "at least 1" in found["output_s3_key_prefix"][0]
    assert "at least 0" in found["shots"][0]
    assert "at most 128" in found["job_token"][0]

    found = failures("CreateQuantumTask", {**VALID_TASK, "shots": "100"}, skip=["clientToken"])
    assert "whole number" in found["shots"][0]
    found = failures("CreateQuantumTask", {**VALID_TASK, "shots": True}, skip=["clientToken"])
    assert "whole number" in found["shots"][0]


def test_nested_lists_enums_and_patterns_name_the_path():
    request = {
        **VALID_TASK,
        "associations": [
            {"arn": "not-an-arn", "type": "RESERVATION"},
            {"arn": "arn:aws:braket:us-east-1:123456789012:reservation/x", "type": "X"},
        ],
    }
    found = failures("CreateQuantumTask", request, skip=["clientToken"])
    reasons = found["associations"]
    assert any("at most 1 items" in r for r in reasons)
    assert any(r.startswith("associations[0].arn") and "pattern" in r for r in reasons)
    assert any(
        r.startswith("associations[0].type") and "RESERVATION_TIME_WINDOW_ARN" in r for r in reasons
    )


def test_missing_nested_required_field_and_unknown_field():
    found = failures(
        "CreateQuantumTask",
        {**VALID_TASK, "associations": [{"arn": "arn:aws:braket:::x", "colour": "red"}]},
        skip=["clientToken"],
    )
    reasons = " | ".join(found["associations"])
    assert "needs field 'type'" in reasons
    assert "unknown field 'colour'" in reasons


def test_union_structure_needs_exactly_one_member():
    found = failures(
        "CreateQuantumTask", {**VALID_TASK, "experimentalCapabilities": {}}, skip=["clientToken"]
    )
    assert "exactly one" in found["experimental_capabilities"][0]
    ok = failures(
        "CreateQuantumTask",
        {**VALID_TASK, "experimentalCapabilities": {"enabled": "ALL"}},
        skip=["clientToken"],
    )
    assert ok == {}


def test_json_valued_strings_must_parse():
    found = failures(
        "CreateQuantumTask", {**VALID_TASK, "deviceParameters": "{nope"}, skip=["clientToken"]
    )
    assert "valid JSON" in found["device_parameters"][0]


def test_timestamps_and_patterns_of_spending_limits():
    found = failures(
        "CreateSpendingLimit",
        {
            "deviceArn": VALID_TASK["deviceArn"],
            "spendingLimit": "12.345",
            "timePeriod": {"start_at": "yesterday-ish"},
        },
        skip=["clientToken"],
    )
    assert "pattern" in found["spending_limit"][0]
    reasons = " | ".join(found["time_period"])
    assert "needs field 'end_at'" in reasons
    assert "time_period.start_at must be an ISO 8601" in reasons


def test_renamed_properties_and_unknowns():
    found = failures(
        "CreateQuantumTask",
        {**VALID_TASK, "action": "{", "deviceArn": UNKNOWN},
        skip=["clientToken"],
        names={"action": "source"},
    )
    assert set(found) == {"source"}  # the unknown device ARN is accepted at preview


def test_members_outside_the_model_are_rejected():
    found = failures("CreateQuantumTask", {**VALID_TASK, "priority": 1}, skip=["clientToken"])
    assert "not a parameter" in found["priority"][0]


def test_json_nested_too_deep_inside_a_string_is_a_failure_not_a_crash():
    """The preview's check (and the local Braket, which runs it) must not raise RecursionError."""
    nested = '{"a":' * 5000 + "1" + "}" * 5000
    found = failures("CreateQuantumTask", {**VALID_TASK, "action": nested})
    assert any("nests deeper" in reason for reason in found["action"])
