"""Spending limits that bite as Braket's do (issue 31), through unmodified boto3.

* a QPU task counts in ``queuedSpend`` while it is unfinished, moves to ``totalSpend`` when it
  completes, and drops out when it is cancelled; tasks created before the limit do not count;
* a task that would take the limit over, or that is created outside the limit's time period, is
  refused with Braket's ValidationException and Braket's wording (as the amazon-braket-examples
  notebook ``Spending_Limits_Introduction.ipynb`` shows AWS answering it), and nothing of it is
  created: no task, no spend, its clientToken still free.

Prices come from the offer file's rows, read with the csv module; amounts are compared as
decimals (Braket writes ``"0"``, ``"3"``, ``"8.3"``).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal

import boto3
import pytest
import requests

from tests.fixtures import FORTE1, TERMINAL, openqasm_action
from tests.local.test_braket_cost_offers import offer_rows, qpu_task_price

REFUSAL = re.compile(
    r"^Attempted to spend over the spending limit or outside the spending limit time window\. "
    r"Spending limit: (?P<limit>[0-9.]+), current spend: (?P<current>[0-9.]+), "
    r"estimated cost: (?P<cost>[0-9]+\.[0-9]{10}), "
    r"start time: (?P<start>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z), "
    r"end time: (?P<end>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)$"
)
ONE_QUBIT = "OPENQASM 3.0;\nqubit[1] q;\nbit[1] c;\nh q[0];\nc = measure q;\n"


@pytest.fixture
def braket(cloud_env):
    client = boto3.client("braket")
    yield client
    for limit in client.search_spending_limits()["spendingLimits"]:  # the module shares a cloud
        client.delete_spending_limit(spendingLimitArn=limit["spendingLimitArn"])


def _task(braket, bucket: str, shots: int, token: str | None = None) -> str:
    return braket.create_quantum_task(
        clientToken=token or str(uuid.uuid4()), deviceArn=FORTE1, shots=shots,
        outputS3Bucket=bucket, outputS3KeyPrefix="cost", action=openqasm_action(ONE_QUBIT),
    )["quantumTaskArn"]  # fmt: skip


def _spend(braket, arn: str) -> tuple[Decimal, Decimal]:
    (limit,) = [
        s for s in braket.search_spending_limits()["spendingLimits"]
        if s["spendingLimitArn"] == arn
    ]  # fmt: skip
    return Decimal(limit["queuedSpend"]), Decimal(limit["totalSpend"])


def _status(braket, arn: str) -> str:
    return braket.get_quantum_task(quantumTaskArn=arn)["status"]


def _tasks_on_forte(braket) -> set[str]:
    filters = [{"name": "deviceArn", "operator": "EQUAL", "values": [FORTE1]}]
    return {
        t["quantumTaskArn"] for t in braket.search_quantum_tasks(filters=filters)["quantumTasks"]
    }


def test_spend_moves_from_queued_to_total_and_cancelled_tasks_drop_out(
    braket, cloud_env, results_bucket, pause_runner, wait_until
):
    rows = offer_rows(cloud_env["BRAKET_PRICE_OFFERS_URL"])
    pause_runner(True)
    before = _task(braket, results_bucket, 100)  # created before the limit: never counted,
    start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)  # though inside its period
    limit = braket.create_spending_limit(
        deviceArn=FORTE1, spendingLimit="100",
        timePeriod={"startAt": start, "endAt": start + dt.timedelta(days=1)},
    )  # fmt: skip
    arn = limit["spendingLimitArn"]
    kept = _task(braket, results_bucket, 100)
    dropped = _task(braket, results_bucket, 200)
    kept_price = qpu_task_price(rows, kept, FORTE1, 100)
    dropped_price = qpu_task_price(rows, dropped, FORTE1, 200)
    assert _spend(braket, arn) == (kept_price + dropped_price, Decimal(0))

    braket.cancel_quantum_task(quantumTaskArn=dropped, clientToken=str(uuid.uuid4()))
    pause_runner(False)
    wait_until(lambda: {_status(braket, a) for a in (kept, dropped, before)} <= TERMINAL)
    assert _status(braket, kept) == "COMPLETED"
    assert _status(braket, dropped) == "CANCELLED"
    assert _spend(braket, arn) == (Decimal(0), kept_price)
    (reported,) = [
        s for s in braket.search_spending_limits()["spendingLimits"]
        if s["spendingLimitArn"] == arn
    ]  # fmt: skip
    assert reported["queuedSpend"] == "0"  # as Braket writes it, not "0.00"
    assert reported["totalSpend"] == format(kept_price.normalize(), "f")


def test_a_task_over_the_limit_is_refused_as_braket_refuses_it_and_nothing_is_created(
    braket, cloud_env, results_bucket, wait_until
):
    rows = offer_rows(cloud_env["BRAKET_PRICE_OFFERS_URL"])
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    end = start + dt.timedelta(days=30)
    arn = braket.create_spending_limit(
        deviceArn=FORTE1, spendingLimit="10.00", timePeriod={"startAt": start, "endAt": end}
    )["spendingLimitArn"]
    first = _task(braket, results_bucket, 100)  # 0.30 + 100 x 0.08 = 8.30 of 10
    first_price = qpu_task_price(rows, first, FORTE1, 100)
    wait_until(lambda: _status(braket, first) in TERMINAL)
    tasks = _tasks_on_forte(braket)

    token = str(uuid.uuid4())
    with pytest.raises(braket.exceptions.ValidationException) as info:
        _task(braket, results_bucket, 100, token)
    error = info.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    shape = REFUSAL.match(error["Message"])
    assert shape, error["Message"]
    assert Decimal(shape["limit"]) == Decimal("10") and shape["limit"] == "10"
    assert Decimal(shape["current"]) == first_price
    assert Decimal(shape["cost"]) == first_price  # the refused task: also 100 shots
    assert (
        shape["start"] == start.strftime("%Y-%m-%dT%H:%M:%S.") + f"{start.microsecond // 1000:03d}Z"
    )

    # Nothing was created: no task, no spend, and the clientToken is still free.
    assert _tasks_on_forte(braket) == tasks
    assert _spend(braket, arn) == (Decimal(0), first_price)
    braket.update_spending_limit(spendingLimitArn=arn, clientToken="raise", spendingLimit="20")
    second = _task(braket, results_bucket, 100, token)
    assert second not in tasks
    wait_until(lambda: _status(braket, second) in TERMINAL)
    assert _spend(braket, arn) == (Decimal(0), 2 * first_price)


def test_a_task_outside_the_limits_time_period_is_refused(braket, results_bucket):
    start = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    braket.create_spending_limit(
        deviceArn=FORTE1, spendingLimit="1000",
        timePeriod={"startAt": start, "endAt": start + dt.timedelta(days=1)},
    )  # fmt: skip
    tasks = _tasks_on_forte(braket)
    with pytest.raises(braket.exceptions.ValidationException) as info:
        _task(braket, results_bucket, 100)
    shape = REFUSAL.match(info.value.response["Error"]["Message"])
    assert shape, info.value.response["Error"]["Message"]
    assert shape["start"] == "2030-01-01T00:00:00.000Z"
    assert shape["end"] == "2030-01-02T00:00:00.000Z"
    assert _tasks_on_forte(braket) == tasks


def test_a_task_in_a_reservation_is_outside_every_limit(
    braket, local_cloud, results_bucket, wait_until
):
    """Braket Direct reservations are billed by the hour, not per task: their tasks neither count
    in a spending limit nor are refused by one (the Developer Guide excludes reservations)."""
    reserved = requests.post(
        f"{local_cloud.endpoints['braket']}/_local/reservations",
        json={"deviceArn": FORTE1},
        timeout=5,
    )
    assert reserved.status_code == 201, reserved.text
    arn = braket.create_spending_limit(deviceArn=FORTE1, spendingLimit="0")["spendingLimitArn"]
    task = braket.create_quantum_task(
        clientToken=str(uuid.uuid4()), deviceArn=FORTE1, shots=100, outputS3Bucket=results_bucket,
        outputS3KeyPrefix="cost", action=openqasm_action(ONE_QUBIT),
        associations=[{"arn": reserved.json()["reservationArn"],
                       "type": "RESERVATION_TIME_WINDOW_ARN"}],
    )["quantumTaskArn"]  # fmt: skip
    wait_until(lambda: _status(braket, task) in TERMINAL)
    assert _status(braket, task) == "COMPLETED"
    assert _spend(braket, arn) == (Decimal(0), Decimal(0))
    with pytest.raises(braket.exceptions.ValidationException, match="over the spending limit"):
        _task(braket, results_bucket, 100)  # the same task outside the reservation is refused


def test_the_task_provider_names_the_spending_limit_and_the_fix(braket, results_bucket):
    """The provider's QuantumTask create against the limit: Braket's refusal, explained."""
    from pulumi_quantum import _provider
    from pulumi_quantum.braket import QuantumTaskProvider, SpendingLimitProvider

    _provider.remember_stack_config({})
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    window = {
        "start_at": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end_at": (start + dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    seed = f"proj::stack::{uuid.uuid4().hex}"
    limits = SpendingLimitProvider()
    checked = limits.check(
        {},
        {
            "device_arn": FORTE1,
            "spending_limit": "5",
            "time_period": window,
            "urn_seed": f"{seed}::SpendingLimit::budget",
        },
    )
    assert checked.failures == []
    limits.create(checked.inputs)
    tasks = QuantumTaskProvider()
    task = tasks.check(
        {},
        {
            "source": ONE_QUBIT,
            "device_arn": FORTE1,
            "output_s3_bucket": results_bucket,
            "output_s3_key_prefix": "cost",
            "shots": 100,  # 0.30 + 100 x 0.08 = 8.30 USD, over the 5 USD limit
            "wait_for_completion": False,
            "urn_seed": f"{seed}::QuantumTask::over",
        },
    )
    assert task.failures == []
    before = _tasks_on_forte(braket)
    with pytest.raises(_provider.ProviderError) as refused:
        tasks.create(task.inputs)
    message = str(refused.value)
    assert f"the spending limit on {FORTE1} refuses this task" in message
    assert "Spending limit: 5, current spend: 0" in message  # Braket's own figures
    assert "Raise the limit (spending_limit of its braket.SpendingLimit" in message
    assert "lower shots (this task asks for 100)" in message and "quota" not in message
    assert _tasks_on_forte(braket) == before
