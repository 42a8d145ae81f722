"""Cost estimates and billed cost against the local cloud's offer file, and against the SDK.

The provider prices from the offer file the local Braket serves (``client_env()`` exports its
URL as ``BRAKET_PRICE_OFFERS_URL``, as the SDK expects); the unmodified Braket SDK's ``Tracker``
prices the same tasks from the same file. They must agree: the estimate known at preview for a
QPU task, and the billed cost after it ran for a simulator task (docs/cost.md).
"""

from __future__ import annotations

import uuid

import boto3
import pytest

from pulumi_quantum import _provider
from pulumi_quantum.braket import QuantumTaskProvider
from pulumi_quantum.braket.task import execution_duration_ms, read_result
from pulumi_quantum.pricing import estimates, offers
from tests.fixtures import BELL, FORTE1, SV1


@pytest.fixture(autouse=True)
def no_stack_config():
    _provider._remember_stack_config({})
    offers.forget()


def test_a_task_carries_its_estimate_and_its_billed_cost_from_the_local_offer_file(
    cloud_env, results_bucket
):
    marker = uuid.uuid4().hex[:10]
    news = {
        "source": BELL,
        "device_arn": SV1,
        "output_s3_bucket": results_bucket,
        "output_s3_key_prefix": "cost",
        "shots": 100,
        "tags": {"marker": marker},
        "urn_seed": f"proj::stack::QuantumTask::{marker}",
    }
    provider = QuantumTaskProvider()
    checked = provider.check({}, news)
    assert checked.failures == []
    estimate = checked.inputs["estimated_cost"]
    assert estimate["source"] == cloud_env["BRAKET_PRICE_OFFERS_URL"]
    assert estimate["usd"] > 0 and estimate["exact"] is False
    created = provider.create(checked.inputs)
    billed = created.outs["billed_cost"]
    assert created.outs["status"] == "COMPLETED"
    assert billed["exact"] is True and billed["source"] == estimate["source"]
    assert billed["usd"] >= estimate["usd"]  # at least the 3-second minimum
    assert created.outs["estimated_cost"] == estimate
    refreshed = provider.read(created.id, dict(created.outs))
    assert refreshed.outs["billed_cost"] == billed
    provider.delete(created.id, dict(created.outs))


def test_estimates_agree_with_the_sdks_tracker(cloud_env, results_bucket):
    """The closing note of issue 31: estimate vs Tracker for a set of tasks."""
    from braket.aws import AwsDevice, AwsQuantumTask
    from braket.circuits import Circuit
    from braket.tracking import Tracker

    bell = Circuit().h(0).cnot(0, 1)
    with Tracker() as tracker:
        qpu_tasks = [
            AwsDevice(FORTE1).run(bell, (results_bucket, "t"), shots=s) for s in (100, 250)
        ]
        sim_tasks = [AwsDevice(SV1).run(bell, (results_bucket, "t"), shots=s) for s in (10, 500)]
        for task in qpu_tasks + sim_tasks:
            task.result()
    braket = boto3.client("braket")
    ours_qpu = [
        estimates.quantum_task({"device_arn": FORTE1, "shots": t.metadata()["shots"]})
        for t in qpu_tasks
    ]
    assert all(e["exact"] for e in ours_qpu)
    assert estimates.total(ours_qpu) == tracker.qpu_tasks_cost()
    ours_sim = []
    for task in sim_tasks:
        described = braket.get_quantum_task(quantumTaskArn=task.id)
        duration = execution_duration_ms(read_result(described))
        ours_sim.append(estimates.billed_task(described, duration))
    assert all(e["exact"] for e in ours_sim)
    assert float(estimates.total(ours_sim)) == pytest.approx(
        float(tracker.simulator_tasks_cost()), rel=1e-9
    )
    assert isinstance(qpu_tasks[0], AwsQuantumTask)
