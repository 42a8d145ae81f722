"""Re-running a create: a crash-retry keeps its task, a new deployment submits a new one.

The clientToken rule (docs/braket.md): same resource + same inputs → the same task while
that task is still this deployment's; once it is spent (FAILED, CANCELLED, released by a
destroy, or its results gone with a destroyed bucket) the same inputs submit a new task.
Driven through the providers against the local Braket with unmodified boto3.
"""

from __future__ import annotations

import boto3
import pytest

from pulumi_quantum._provider import ProviderError
from pulumi_quantum.braket import QuantumTaskProvider, SpendingLimitProvider
from tests.holds import runner_held
from tests.local.test_braket_provider_local import (
    marker,
    no_stack_config,  # noqa: F401  (autouse fixture)
    task_props,
    tasks_tagged,
)

FORTE_ARN = "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1"  # limits: QPUs only


def test_destroy_then_up_with_identical_inputs_submits_a_new_task(cloud_env, results_bucket):
    provider = QuantumTaskProvider()
    mark = marker()
    first = provider.create(task_props(results_bucket, mark))
    provider.delete(first.id, first.outs)  # `pulumi destroy`: a terminal task is only forgotten

    second = provider.create(task_props(results_bucket, mark))  # the next `pulumi up`
    assert second.id != first.id
    assert second.outs["status"] == "COMPLETED"
    assert sum(second.outs["measurement_counts"].values()) == 100
    assert second.outs["tags"] == {"marker": mark}  # our bookkeeping tag is not an input
    assert {t["quantumTaskArn"] for t in tasks_tagged(mark)} == {first.id, second.id}

    again = provider.create(task_props(results_bucket, mark))  # a crash-retry of that create
    assert again.id == second.id
    assert len(tasks_tagged(mark)) == 2


def test_results_gone_with_the_bucket_submits_a_new_task(cloud_env, results_bucket):
    provider = QuantumTaskProvider()
    mark = marker()
    first = provider.create(task_props(results_bucket, mark))
    key = f"{first.outs['output_s3_directory']}/results.json"
    boto3.client("s3").delete_object(Bucket=results_bucket, Key=key)  # what teardown does

    second = provider.create(task_props(results_bucket, mark))
    assert second.id != first.id
    assert sum(second.outs["measurement_counts"].values()) == 100


def test_failed_create_rerun_submits_anew_and_says_so(cloud_env, results_bucket):
    source = "OPENQASM 3.0;\ninput float theta;\nqubit[1] q;\nrx(theta) q[0];\nbit[1] c;\n"
    source += "c = measure q;\n"
    provider = QuantumTaskProvider()
    mark = marker()
    props = task_props(results_bucket, mark, source=source, shots=10)
    with pytest.raises(ProviderError) as first:
        provider.create(dict(props))
    assert "FAILED" in str(first.value) and "submits a new task" in str(first.value)
    [failed] = tasks_tagged(mark)

    with pytest.raises(ProviderError) as second:
        provider.create(dict(props))
    tasks = tasks_tagged(mark)
    assert len(tasks) == 2
    assert failed["quantumTaskArn"] in str(second.value)  # names the earlier, not reused task
    assert "Earlier tasks of this resource" in str(second.value)


def test_cancelled_task_is_reported_then_rerun_submits_anew(cloud_env, results_bucket, local_cloud):
    provider = QuantumTaskProvider()
    braket = boto3.client("braket")
    mark = marker()
    with runner_held(local_cloud):
        queued = provider.create(task_props(results_bucket, mark, wait_for_completion=False))
        braket.cancel_quantum_task(quantumTaskArn=queued.id, clientToken=mark)
    # Cancelled out of band while the create was not looking: the re-run reports it once...
    with pytest.raises(ProviderError, match=r"CANCELLED.*submits a new task"):
        provider.create(task_props(results_bucket, mark))
    # ...and the next re-run submits a new task.
    again = provider.create(task_props(results_bucket, mark))
    assert again.id != queued.id
    assert again.outs["status"] == "COMPLETED"
    assert len(tasks_tagged(mark)) == 2


def test_spending_limit_destroy_then_create_makes_a_new_limit(cloud_env):
    provider = SpendingLimitProvider()
    news = {
        "device_arn": FORTE_ARN,
        "spending_limit": "25",
        "urn_seed": f"proj::stack::SpendingLimit::{marker()}",
        "__provider": "x",
    }
    props = provider.check({}, news).inputs
    first = provider.create(dict(props))
    assert provider.create(dict(props)).id == first.id  # crash-retry: the same limit
    provider.delete(first.id, first.outs)
    second = provider.create(dict(props))
    assert second.id != first.id
    assert provider.read(second.id, second.outs).id == second.id
    provider.delete(second.id, second.outs)


def test_spending_limit_import_adopts_the_limit_then_plans_nothing(cloud_env):
    braket = boto3.client("braket")
    arn = braket.create_spending_limit(
        clientToken=marker(), deviceArn=FORTE_ARN, spendingLimit="7.00"
    )["spendingLimitArn"]
    provider = SpendingLimitProvider()
    news = {
        "device_arn": FORTE_ARN,
        "spending_limit": "9.50",
        "urn_seed": f"proj::stack::SpendingLimit::{marker()}",
        "import_id": arn,
        "__provider": "x",
    }
    props = provider.check({}, news).inputs
    adopted = provider.create(dict(props))
    assert adopted.id == arn  # adopted, not created
    [live] = [
        s for s in braket.search_spending_limits()["spendingLimits"] if s["spendingLimitArn"] == arn
    ]
    assert live["spendingLimit"] in ("9.5", "9.50")  # brought to the program's amount
    assert provider.diff(arn, adopted.outs, props).changes is False
    provider.delete(arn, adopted.outs)
