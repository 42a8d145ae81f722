"""SpendingLimit through the real engine: create, update in place, refresh, destroy."""

from __future__ import annotations

import boto3
import pytest

from ._stacks import changes

FORTE = "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1"
FORTE_ENTERPRISE = "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-Enterprise-1"

pytestmark = pytest.mark.engine

PROGRAM = """
import pulumi
from pulumi_quantum.braket import SpendingLimit, SpendingLimitArgs

limit = SpendingLimit(
    "forte-budget",
    SpendingLimitArgs(
        device_arn={device!r},
        spending_limit={amount!r},
        time_period={{"start_at": "2030-01-01T00:00:00Z", "end_at": {end!r}}},
        tags={tags!r},
    ),
)
pulumi.export("arn", limit.spending_limit_arn)
pulumi.export("total_spend", limit.total_spend)
pulumi.export("period", limit.effective_time_period)
"""


def program(**overrides) -> str:
    values = {
        "device": FORTE,
        "amount": "100",
        "end": "2030-12-31T00:00:00Z",
        "tags": {"team": "research"},
    }
    values.update(overrides)
    return PROGRAM.format(**values)


def live_limit(arn: str) -> dict | None:
    pages = boto3.client("braket").get_paginator("search_spending_limits").paginate()
    for page in pages:
        for summary in page["spendingLimits"]:
            if summary["spendingLimitArn"] == arn:
                return summary
    return None


def test_spending_limit_create_update_in_place_refresh_destroy(
    engine_project, local_cloud, cloud_env
):
    project = engine_project(program(), env=local_cloud.client_env())
    up = project.up()
    arn = up.outputs["arn"].value
    assert ":spending-limit/" in arn
    assert up.outputs["total_spend"].value is not None
    assert live_limit(arn)["spendingLimit"] == "100"

    assert changes(project.up()) == {}

    project.write_program(
        program(amount="250.50", end="2031-06-30T00:00:00Z", tags={"team": "physics"})
    )
    updated = project.up()
    assert changes(updated) == {"update": 1}
    assert updated.outputs["arn"].value == arn
    assert updated.outputs["period"].value["end_at"] == "2031-06-30T00:00:00Z"
    live = live_limit(arn)
    assert live["spendingLimit"] in {"250.50", "250.5"}
    tags = boto3.client("braket").list_tags_for_resource(resourceArn=arn)["tags"]
    assert tags == {"team": "physics"}

    # drift made outside Pulumi is seen by refresh and put back by the next up
    boto3.client("braket").update_spending_limit(
        spendingLimitArn=arn, clientToken="drift-1", spendingLimit="5"
    )
    project.refresh()
    [resource] = project.resources(":SpendingLimit")
    assert resource["outputs"]["spending_limit"] == "5"
    assert changes(project.up()) == {"update": 1}
    assert live_limit(arn)["spendingLimit"] in {"250.50", "250.5"}

    project.write_program(program(device=FORTE_ENTERPRISE))
    replaced = project.up()
    assert changes(replaced) == {"replace": 1}
    assert live_limit(arn) is None  # the old limit was deleted after its replacement was made

    project.destroy()
    assert project.resources() == []
    assert live_limit(replaced.outputs["arn"].value) is None


CAPPED_TASK = """
import pulumi
from pulumi_quantum.braket import QuantumTask, QuantumTaskArgs, SpendingLimit, SpendingLimitArgs

limit = SpendingLimit(
    "forte-cap",
    SpendingLimitArgs(
        device_arn={device!r}, spending_limit={amount!r}, tags={{"marker": {marker!r}}}
    ),
)
task = QuantumTask(
    "forte-bell",
    QuantumTaskArgs(
        source="OPENQASM 3.0; qubit[2] q; bit[2] c; h q[0]; cnot q[0], q[1]; c = measure q;",
        device_arn={device!r},
        output_s3_bucket={bucket!r},
        output_s3_key_prefix="capped",
        shots=100,
        tags={{"marker": {marker!r}}},
        wait_for_completion=False,
    ),
    opts=pulumi.ResourceOptions(depends_on=[limit]),
)
pulumi.export("limit", limit.spending_limit_arn)
pulumi.export("estimate", task.estimated_cost)
pulumi.export("task", task.quantum_task_arn)
"""


def test_a_spending_limit_refuses_a_task_that_would_exceed_it(
    engine_project, local_cloud, cloud_env, results_bucket
):
    """The local Braket refuses, as Braket does, a QPU task whose price would pass an active
    limit; the provider names the limit and the fix, and no task exists. Raising the limit in
    the same stack lets the same task through."""
    import uuid

    from pulumi import automation as auto

    from ._stacks import tasks_tagged

    marker = uuid.uuid4().hex[:10]

    def capped(amount: str) -> str:
        return CAPPED_TASK.format(device=FORTE, amount=amount, marker=marker, bucket=results_bucket)

    project = engine_project(capped("5"), env=local_cloud.client_env())
    preview = project.preview()
    assert "forte-bell" in preview.stdout  # the estimate is known; Braket has not been asked yet
    with pytest.raises(auto.CommandError) as refused:
        project.up()
    text = str(refused.value)
    assert "Attempted to spend over the spending limit" in text  # Braket's own words
    assert "Raise the limit" in text and "no task was created" in text
    assert tasks_tagged(cloud_env, marker) == []

    project.write_program(capped("10"))
    up = project.up()
    estimate = up.outputs["estimate"].value
    assert 5 < estimate["usd"] <= 10 and estimate["exact"] is True
    assert [t["quantumTaskArn"] for t in tasks_tagged(cloud_env, marker)] == [
        up.outputs["task"].value
    ]
    live = live_limit(up.outputs["limit"].value)
    assert float(live["queuedSpend"]) + float(live["totalSpend"]) == pytest.approx(estimate["usd"])
