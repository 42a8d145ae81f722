"""Cost estimates and billed cost against the local cloud's offer file, and against the SDK.

The provider prices from the offer file the local Braket serves (``client_env()`` exports its
URL as ``BRAKET_PRICE_OFFERS_URL``, as the SDK expects); the unmodified Braket SDK's ``Tracker``
prices the same tasks from the same file. They must agree: the estimate known at preview for a
QPU task, and the billed cost after it ran for a simulator task (docs/cost.md).
"""

from __future__ import annotations

import uuid
from decimal import Decimal

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


def test_the_offer_file_is_downloaded_over_http_and_a_bad_url_is_named(cloud_env):
    url = cloud_env["BRAKET_PRICE_OFFERS_URL"]
    offer_file = offers.parse(offers.fetch_text(url), url)
    assert offer_file.publication_date and offer_file.search(**{"Version": "SV1"})
    wrong = url.replace("index.csv", "missing.csv")
    with pytest.raises(offers.OfferError, match=f"cannot download {wrong}: HTTP 4"):
        offers.fetch_text(wrong)


FORTE_ENTERPRISE = "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-Enterprise-1"


def test_a_spending_limit_reports_what_the_task_was_billed(cloud_env, results_bucket):
    """Actual spend: a QPU task's billed_cost is what its device's spending limit counts."""
    from pulumi_quantum.braket import SpendingLimitProvider

    marker = uuid.uuid4().hex[:10]
    limits = SpendingLimitProvider()
    limit_inputs = limits.check(
        {},
        {
            "device_arn": FORTE_ENTERPRISE,
            "spending_limit": "100",
            "urn_seed": f"proj::stack::SpendingLimit::{marker}",
        },
    ).inputs
    limit = limits.create(dict(limit_inputs))
    assert limit.outs["total_spend"] is not None and limit.outs["queued_spend"] is not None
    tasks = QuantumTaskProvider()
    checked = tasks.check(
        {},
        {
            "source": BELL,
            "device_arn": FORTE_ENTERPRISE,
            "output_s3_bucket": results_bucket,
            "output_s3_key_prefix": "limit",
            "shots": 100,
            "urn_seed": f"proj::stack::QuantumTask::{marker}",
        },
    )
    task = tasks.create(checked.inputs)
    billed = task.outs["billed_cost"]
    assert billed["exact"] and billed["usd"] == checked.inputs["estimated_cost"]["usd"]
    refreshed = limits.read(limit.id, dict(limit.outs))
    assert Decimal(refreshed.outs["total_spend"]) == Decimal(str(billed["usd"]))  # Braket's text
    assert Decimal(refreshed.outs["queued_spend"]) == 0
    limits.delete(limit.id, dict(refreshed.outs))
    tasks.delete(task.id, dict(task.outs))


def test_a_jobs_estimate_uses_the_local_instance_price(cloud_env, tmp_path):
    from pulumi_quantum.braket import JobProvider
    from pulumi_quantum.pricing import braket_prices

    script = tmp_path / "algo.py"
    script.write_text("def main():\n    return 1\n")
    checked = JobProvider().check(
        {},
        {
            "source": str(script),
            "device": SV1,
            "output_data_config": {"s3Path": "s3://amzn-braket-results/jobs"},
            "instance_config": {
                "instanceType": "ml.m5.large",
                "instanceCount": 2,
                "volumeSizeInGb": 30,
            },
            "stopping_condition": {"maxRuntimeInSeconds": 600},
            "urn_seed": "proj::stack::Job::algo",
        },
    )
    assert checked.failures == []
    url = cloud_env["BRAKET_PRICE_OFFERS_URL"]
    price = braket_prices.instance_price(offers.load(url), "us-east-1", "ml.m5.large")
    estimate = checked.inputs["estimated_cost"]
    assert estimate["source"] == url and estimate["exact"] is False
    assert estimate["usd"] == pytest.approx(float(price.per_second() * 600 * 2))
