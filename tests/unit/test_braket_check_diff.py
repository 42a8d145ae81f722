"""QuantumTask / SpendingLimit check and diff: normalisation, every failure at once, update vs
replace. No remote calls happen here (check and diff must not make any)."""

from __future__ import annotations

import json

import pytest

from pulumi_quantum.braket import _common
from pulumi_quantum.braket.spending_limit import SpendingLimitProvider
from pulumi_quantum.braket.task import QuantumTaskProvider, count_measurements, request_from
from pulumi_quantum.durations import go_duration_seconds as parse_duration
from tests.fixtures import BELL, SV1
from tests.fixtures import FORTE1 as FORTE

BELL_STATE_VECTOR = BELL.replace("c = measure q;", "#pragma braket result state_vector")
BELL_ADJOINT = BELL.replace(
    "c = measure q;", "#pragma braket result adjoint_gradient expectation(z(q[0])) all"
)
BELL_SAMPLE = BELL.replace("c = measure q;", "#pragma braket result sample z(q[0])")
JAQCD_STATE_VECTOR = {
    "braketSchemaHeader": {"name": "braket.ir.jaqcd.program", "version": "1"},
    "instructions": [{"type": "h", "target": 0}],
    "results": [{"type": "statevector"}],
}
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def task_inputs(**overrides):
    base = {
        "source": BELL,
        "device_arn": SV1,
        "output_s3_bucket": "amzn-braket-results",
        "output_s3_key_prefix": "bell",
        "shots": 100.0,  # the engine hands numbers over as floats
        "urn_seed": "proj::stack::type::bell",
        "__provider": "pickled",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def check(**overrides):
    result = QuantumTaskProvider().check({}, task_inputs(**overrides))
    return result.inputs, by_property(result.failures)


def by_property(failures) -> dict[str, str]:
    found: dict[str, str] = {}
    for failure in failures:
        found[failure.property] = " | ".join(
            filter(None, [found.get(failure.property), failure.reason])
        )
    return found


def test_check_normalises_source_into_a_canonical_openqasm_action():
    inputs, failures = check(inputs={"theta": 0.5})
    assert failures == {}
    action = json.loads(inputs["action"])
    assert action["braketSchemaHeader"] == {"name": "braket.ir.openqasm.program", "version": "1"}
    assert action["source"] == BELL and action["inputs"] == {"theta": 0.5}
    assert inputs["shots"] == 100 and isinstance(inputs["shots"], int)
    assert inputs["wait_for_completion"] is True
    assert inputs["wait_timeout_seconds"] == 3600
    assert "__provider" not in inputs  # the host adds it back itself

    # the same program given as an action dict (any key order) normalises identically
    same, failures = check(
        source=None,
        action={
            "source": BELL,
            "inputs": {"theta": 0.5},
            "braketSchemaHeader": {"version": "1", "name": "braket.ir.openqasm.program"},
        },
    )
    assert failures == {} and same["action"] == inputs["action"]


def test_device_parameters_dict_and_json_text_normalise_the_same():
    a, fa = check(device_parameters={"b": 1, "a": {"y": 2, "x": 1}})
    b, fb = check(device_parameters='{"a": {"x": 1, "y": 2}, "b": 1}')
    assert fa == fb == {}
    assert a["device_parameters"] == b["device_parameters"] == '{"a":{"x":1,"y":2},"b":1}'


INVALID = [
    ({"source": "OPENQASM 3.0; qubit[2] q; h q[0"}, "source", "not valid OpenQASM 3"),
    ({"source": None, "action": "{not json"}, "action", "valid JSON"),
    ({"source": None, "action": {"source": BELL}}, "action", "braketSchemaHeader"),
    ({"action": {"braketSchemaHeader": {"name": "x"}}}, "source", "not both"),
    ({"device_arn": ""}, "device_arn", "at least 1"),
    ({"device_arn": "arn:" + "x" * 300}, "device_arn", "at most 256"),
    ({"shots": -5}, "shots", "at least 0"),
    ({"shots": 10.5}, "shots", "whole number"),
    ({"output_s3_bucket": "ab"}, "output_s3_bucket", "at least 3"),
    ({"output_s3_key_prefix": ""}, "output_s3_key_prefix", "at least 1"),
    ({"device_parameters": "{"}, "device_parameters", "valid JSON"),
    ({"device_parameters": "[1, 2]"}, "device_parameters", "JSON object"),
    ({"tags": {"team": 7}}, "tags", "must be a string"),
    ({"associations": [{"arn": "nope", "type": "RESERVATION_TIME_WINDOW_ARN"}]}, "associations",
     "pattern"),
    ({"job_token": "t" * 200}, "job_token", "at most 128"),
    ({"wait_timeout_seconds": 0}, "wait_timeout_seconds", "at least 1"),
    ({"wait_for_completion": "yes"}, "wait_for_completion", "true or false"),
    ({"experimental_capabilities": {"enabled": "SOME"}}, "experimental_capabilities", "ALL, NONE"),
    ({"urn_seed": ""}, "urn_seed", "QuantumTask"),
    ({"shots": 0}, "shots", "Result types must be specified"),
    ({"source": BELL_STATE_VECTOR}, "shots", "not available when shots>0"),
    ({"source": BELL_SAMPLE, "shots": 0}, "shots", "sample can only be specified when shots>0"),
    ({"source": BELL_ADJOINT}, "shots", "adjoint_gradient is only available when shots=0"),
    ({"source": None, "action": JAQCD_STATE_VECTOR}, "shots", "not available when shots>0"),
]  # fmt: skip


@pytest.mark.parametrize(("overrides", "prop", "text"), INVALID)
def test_each_invalid_input_names_its_property(overrides, prop, text):
    _, failures = check(**overrides)
    assert prop in failures, failures
    assert text in failures[prop]


def test_exact_result_types_at_shots_zero_pass_the_preview():
    """The same rule lets through what Braket runs: a state vector from an exact run."""
    _, failures = check(source=BELL_STATE_VECTOR, shots=0)
    assert failures == {}


def test_all_failures_are_reported_at_once():
    _, failures = check(shots=-1, output_s3_bucket="x", device_parameters="{", device_arn="")
    assert {"shots", "output_s3_bucket", "device_parameters", "device_arn"} <= set(failures)


def test_unknown_values_at_preview_are_not_failures():
    inputs, failures = check(output_s3_bucket=UNKNOWN, shots=UNKNOWN, source=UNKNOWN)
    assert failures == {}
    assert inputs["output_s3_bucket"] == UNKNOWN


def outputs_after_create(inputs):
    return {
        **inputs,
        "quantum_task_arn": "arn:aws:braket:us-east-1:123456789012:quantum-task/t",
        "status": "COMPLETED",
        "measurement_counts": {"00": 50, "11": 50},
    }


def test_diff_tags_in_place_everything_else_replaces_unchanged_is_nothing():
    provider = QuantumTaskProvider()
    inputs, _ = check(tags={"team": "a"})
    olds = outputs_after_create(inputs)

    same, _ = check(tags={"team": "a"})
    assert provider.diff("id", olds, same).changes is False

    retagged, _ = check(tags={"team": "b"})
    diff = provider.diff("id", olds, retagged)
    assert diff.changes is True and diff.replaces == []

    more_shots, _ = check(tags={"team": "a"}, shots=200)
    diff = provider.diff("id", olds, more_shots)
    assert diff.changes is True and diff.replaces == ["shots"]

    new_program, _ = check(tags={"team": "a"}, source=BELL.replace("h q[0];", "x q[0];"))
    assert provider.diff("id", olds, new_program).replaces == ["action"]

    waits, _ = check(tags={"team": "a"}, wait_timeout_seconds=60)
    diff = provider.diff("id", olds, waits)
    assert diff.changes is True and diff.replaces == []


def test_diff_of_an_imported_task_adopts_the_programs_action():
    provider = QuantumTaskProvider()
    inputs, _ = check()
    imported = outputs_after_create({k: v for k, v in inputs.items() if k != "action"})
    assert provider.diff("id", imported, inputs).changes is False


def test_client_token_is_deterministic_per_resource_and_request():
    inputs, _ = check()
    request = request_from(inputs)
    token = _common.client_token(inputs["urn_seed"], request)
    assert token == _common.client_token(inputs["urn_seed"], dict(reversed(request.items())))
    assert 1 <= len(token) <= 64
    assert token != _common.client_token("proj::stack::type::other", request)
    assert token != _common.client_token(inputs["urn_seed"], {**request, "shots": 101})


def test_counts_from_measurements_and_from_probabilities():
    assert count_measurements({"measurements": [[0, 0], [1, 1], [1, 1]]}, 3) == {"00": 1, "11": 2}
    assert count_measurements({"measurementProbabilities": {"00": 0.25, "11": 0.75}}, 100) == {
        "00": 25,
        "11": 75,
    }
    assert count_measurements({}, 100) is None


def test_go_durations_from_custom_timeouts():
    assert parse_duration("1h30m") == 5400
    assert parse_duration("45s") == 45
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("ten minutes")


# ------------------------------------------------------------------------------ SpendingLimit
def limit_inputs(**overrides):
    base = {
        "device_arn": FORTE,
        "spending_limit": "100",
        "time_period": {"start_at": "2030-01-01T00:00:00Z", "end_at": 1924992000},
        "urn_seed": "proj::stack::limit::forte",
        "__provider": "pickled",
    }
    base.update(overrides)
    result = SpendingLimitProvider().check({}, {k: v for k, v in base.items() if v is not None})
    return result.inputs, by_property(result.failures)


def test_spending_limit_check_normalises_and_validates():
    inputs, failures = limit_inputs(spending_limit=250.0)
    assert failures == {}
    assert inputs["spending_limit"] == "250"
    assert inputs["time_period"] == {
        "start_at": "2030-01-01T00:00:00Z",
        "end_at": "2031-01-01T00:00:00Z",
    }

    _, failures = limit_inputs(
        spending_limit="12.345", time_period={"start_at": "2031-01-01", "end_at": "2030-01-01"}
    )
    assert "pattern" in failures["spending_limit"]
    assert "after" in failures["time_period"]

    _, failures = limit_inputs(device_arn=None, spending_limit=None)
    assert set(failures) == {"device_arn", "spending_limit"}


def test_spending_limit_diff_device_replaces_the_rest_updates():
    provider = SpendingLimitProvider()
    olds, _ = limit_inputs()
    olds = {**olds, "spending_limit_arn": "arn", "total_spend": "0.00"}
    assert provider.diff("id", olds, limit_inputs()[0]).changes is False
    diff = provider.diff("id", olds, limit_inputs(spending_limit="150.50")[0])
    assert diff.changes is True and diff.replaces == []
    diff = provider.diff(
        "id", olds, limit_inputs(device_arn=FORTE.replace("Forte-1", "Forte-Enterprise-1"))[0]
    )
    assert diff.replaces == ["device_arn"]


def test_custom_timeouts_create_becomes_the_wait_deadline():
    import pulumi

    from pulumi_quantum._resource import create_timeout_seconds as _create_timeout

    opts = pulumi.ResourceOptions(custom_timeouts=pulumi.CustomTimeouts(create="30m"))
    assert _create_timeout(opts) == 1800
    assert _create_timeout(pulumi.ResourceOptions()) is None
    assert _create_timeout(None) is None
