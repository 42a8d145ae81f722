"""The policy pack's rules as plain functions: both spellings of a resource, each rule's verdict.

The engine tests (tests/engine/test_policy_pack.py) prove the pack refuses deployments; these pin
the rules' edges without an engine.
"""

from __future__ import annotations

import pytest

from pulumi_quantum.policy import PACK_DIR
from pulumi_quantum.policy import checks as rules

SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
FORTE = "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1"
DYNAMIC_TASK = "pulumi-python:dynamic/quantum/braket:QuantumTask"
PLUGIN_TASK = "quantum:braket:QuantumTask"


def estimate(usd: float) -> dict:
    return {
        "usd": usd,
        "source": "offer file",
        "price_date": "2026-01-01",
        "basis": "0.30 per task + 100 shots x 0.0009 per shot",
        "exact": True,
    }


def dynamic_task(**props) -> rules.QuantumResource:
    resource = rules.view(DYNAMIC_TASK, {"device_arn": SV1, "shots": 100, **props})
    assert resource is not None
    return resource


def plugin_task(**props) -> rules.QuantumResource:
    resource = rules.view(PLUGIN_TASK, {"deviceArn": SV1, "shots": 100, **props})
    assert resource is not None
    return resource


def test_both_spellings_of_every_catalogued_resource_are_recognised():
    limit = rules.view("pulumi-python:dynamic/quantum/braket:SpendingLimit", {"device_arn": FORTE})
    session = rules.view("quantum:ibm:Session", {"backend": "ibm_kyiv"})
    assert (limit.kind, limit.plugin, limit.device) == ("SpendingLimit", False, FORTE)
    assert (session.kind, session.plugin, session.device) == ("Session", True, "ibm_kyiv")
    assert rules.view("aws:s3/bucket:Bucket", {"bucket": "x"}) is None
    assert rules.view("pulumi-python:dynamic/other:QuantumTask", {}) is None
    assert (PACK_DIR / "PulumiPolicy.yaml").is_file()
    assert (PACK_DIR / "__main__.py").is_file()


@pytest.mark.parametrize("make", [dynamic_task, plugin_task], ids=["dynamic", "plugin"])
def test_max_resource_cost_reads_the_estimate_in_either_spelling(make):
    key = "estimatedCost" if make is plugin_task else "estimated_cost"
    over = make(**{key: estimate(12.5)})
    (message,) = rules.max_resource_cost(over, 10)
    assert "12.50 USD" in message and "10.00 USD" in message and "0.30 per task" in message
    assert rules.max_resource_cost(make(**{key: estimate(9.99)}), 10) == []
    # No estimate (a resource that has none, or a provider without estimates): nothing to judge.
    assert rules.max_resource_cost(make(), 10) == []


def test_an_estimate_without_a_price_is_reported_not_passed():
    unpriced = dynamic_task(
        estimated_cost={"usd": None, "basis": "unknown: no price for Forte-1", "exact": False}
    )
    (message,) = rules.max_resource_cost(unpriced, 10)
    assert "not known (unknown: no price for Forte-1)" in message
    (message,) = rules.max_resource_cost(dynamic_task(estimated_cost={"usd": "lots"}), 10)
    assert "not known (usd is 'lots')" in message


def test_amounts_read_as_money():
    assert [rules.usd_text(x) for x in (12.5, 1234.5, 0.00375, 0, 0.5)] == [
        "12.50",
        "1,234.50",
        "0.00375",
        "0.00",
        "0.5",
    ]


def test_stack_cost_totals_the_deployment_once_per_urn():
    ledger = rules.Ledger()
    assert ledger.stack_cost("urn:a", dynamic_task(estimated_cost=estimate(6)), 10) == []
    # The engine may ask about the same resource again: it counts once.
    assert ledger.stack_cost("urn:a", dynamic_task(estimated_cost=estimate(6)), 10) == []
    (message,) = ledger.stack_cost("urn:b", plugin_task(estimatedCost=estimate(5)), 10)
    assert "11.00 USD" in message and "10.00 USD allowed per stack" in message


def test_device_allow_list_takes_patterns_and_ignores_deviceless_resources():
    allowed = ["arn:aws:braket:::device/quantum-simulator/*", "ibm_kyiv"]
    assert rules.device_allowed(dynamic_task(), allowed) == []
    (message,) = rules.device_allowed(dynamic_task(device_arn=FORTE), allowed)
    assert FORTE in message and "allowedDevices" in message
    bucket = rules.view("quantum:storage:ResultsBucket", {"bucket": "b"})
    assert rules.device_allowed(bucket, allowed) == []


def test_max_shots():
    assert rules.max_shots(plugin_task(shots=1000), 1000) == []
    (message,) = rules.max_shots(plugin_task(shots=1001), 1000)
    assert "1001 shots" in message and "maxShots" in message


def test_required_tags_on_taggable_resources_only():
    assert rules.required_tags(dynamic_task(tags={"cost-centre": "phys-42"}), ["cost-centre"]) == []
    (message,) = rules.required_tags(dynamic_task(tags={"cost-centre": " "}), ["cost-centre"])
    assert "cost-centre" in message
    assert rules.required_tags(dynamic_task(), ["cost-centre"]) != []
    session = rules.view("pulumi-python:dynamic/quantum/ibm:Session", {"backend": "ibm_kyiv"})
    assert rules.required_tags(session, ["cost-centre"]) == []


def test_a_qpu_task_needs_a_spending_limit_on_its_device_registered_before_it():
    ledger = rules.Ledger()
    assert ledger.spending_limit(dynamic_task()) == []  # a simulator: limits do not apply
    (message,) = ledger.spending_limit(dynamic_task(device_arn=FORTE))
    assert FORTE in message and "SpendingLimit" in message
    other = "arn:aws:braket:us-east-1::device/qpu/ionq/Aria-1"
    limit = rules.view("quantum:braket:SpendingLimit", {"deviceArn": other})
    assert ledger.spending_limit(limit) == []
    assert ledger.spending_limit(dynamic_task(device_arn=FORTE)) != []  # another device's limit
    assert ledger.spending_limit(plugin_task(deviceArn=other)) == []
    job = rules.view("pulumi-python:dynamic/quantum/braket:Job", {"device": FORTE})
    assert ledger.spending_limit(job) != []


@pytest.mark.parametrize(
    ("token", "key"),
    [
        ("pulumi-python:dynamic/quantum/ibm:Session", "max_time"),
        ("quantum:ibm:Batch", "maxTime"),
    ],
    ids=["dynamic-session", "plugin-batch"],
)
def test_max_session_time_in_either_spelling(token, key):
    def held(**props):
        return rules.view(token, {"backend": "ibm_kyiv", **props})

    assert rules.max_session_time(held(**{key: 3600}), 3600) == []  # inclusive
    assert rules.max_session_time(held(**{key: 1800.0}), 3600) == []  # the engine's float
    (message,) = rules.max_session_time(held(**{key: 7200}), 3600)
    assert "max_time is 7200 s, above the 3600 s allowed" in message
    assert "ibm_kyiv" in message and "maxSeconds" in message
    (unset,) = rules.max_session_time(held(), 3600)
    assert "IBM's 8 h system maximum (28800 s)" in unset
    assert rules.max_session_time(held(), 28800) == []
    assert rules.max_session_time(held(**{key: "2h"}), 3600) == []  # check's to refuse
    assert rules.max_session_time(dynamic_task(), 0) == []  # not a session
