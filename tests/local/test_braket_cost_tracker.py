"""The unmodified Braket SDK ``Tracker`` works against the local cloud (issue 31).

Inside ``with Tracker() as t:`` tasks run on a simulator (SV1) and on QPUs in two regions (IonQ
Forte 1 in us-east-1, IQM Garnet in eu-north-1), one QPU task is cancelled before it runs. The
SDK reads the local offer file through ``BRAKET_PRICE_OFFERS_URL`` (set by ``cloud_env`` from
``LocalCloud.client_env()``). Its figures are checked against

* prices computed here from the offer file's rows (csv module, decimals), and
* what the local spending limits on those QPUs report (``totalSpend``, ``queuedSpend``),

and the simulator's against its billed duration (at least 3 s, as Braket bills) at the
offer file's per-minute price.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import boto3

from tests.fixtures import FORTE1, SV1, TERMINAL
from tests.local.test_braket_cost_offers import offer_rows, qpu_task_price

GARNET = "arn:aws:braket:eu-north-1::device/qpu/iqm/Garnet"


def _simulator_price(rows: list[dict[str, str]], task_arn: str, duration_ms: int) -> Decimal:
    """USD of one SV1 task: its billed minutes (at least 3 s) x the per-minute price."""
    region = task_arn.split(":")[3]
    (row,) = [
        r for r in rows
        if r["Product Family"] == "Simulator Task" and r["Version"] == "SV1"
        and r["Region Code"] == region and r["operation"] == "CompleteTask"
    ]  # fmt: skip
    assert row["Unit"] == "minutes" and row["Currency"] == "USD"
    return Decimal(row["PricePerUnit"]) * Decimal(max(duration_ms, 3000)) / Decimal(60_000)


def _limit(region: str, device: str) -> tuple[boto3.client, str]:
    client = boto3.client("braket", region_name=region)
    arn = client.create_spending_limit(deviceArn=device, spendingLimit="500")["spendingLimitArn"]
    return client, arn


def _spend(client, arn: str) -> tuple[Decimal, Decimal]:
    (limit,) = [
        s for s in client.search_spending_limits()["spendingLimits"]
        if s["spendingLimitArn"] == arn
    ]  # fmt: skip
    return Decimal(limit["queuedSpend"]), Decimal(limit["totalSpend"])


def test_sdk_tracker_prices_local_tasks_as_the_offer_file_and_the_spending_limits_do(
    cloud_env, results_bucket, pause_runner, wait_until
) -> None:
    from braket.aws import AwsDevice
    from braket.circuits import Circuit
    from braket.tracking import Tracker

    rows = offer_rows(cloud_env["BRAKET_PRICE_OFFERS_URL"])
    forte_client, forte_limit = _limit("us-east-1", FORTE1)
    garnet_client, garnet_limit = _limit("eu-north-1", GARNET)
    bell = Circuit().h(0).cnot(0, 1)
    s3 = (results_bucket, "tracker")
    with Tracker() as tracker:
        sim = AwsDevice(SV1).run(bell, s3, shots=100)
        forte_a = AwsDevice(FORTE1).run(bell, s3, shots=100)
        forte_b = AwsDevice(FORTE1).run(bell, s3, shots=250)
        garnet = AwsDevice(GARNET).run(bell, s3, shots=1000)
        for task in (sim, forte_a, forte_b, garnet):
            assert task.result() is not None
        pause_runner(True)
        cancelled = AwsDevice(FORTE1).run(bell, s3, shots=400)
        cancelled.cancel()
        pause_runner(False)
        wait_until(lambda: cancelled.state() in TERMINAL)
        assert cancelled.state() == "CANCELLED"

        qpu_cost = tracker.qpu_tasks_cost()
        simulator_cost = tracker.simulator_tasks_cost()
        stats = tracker.quantum_tasks_statistics()

    # The QPU figure: the offer file's per-task + per-shot prices of the completed tasks ...
    forte_expected = qpu_task_price(rows, forte_a.id, FORTE1, 100) + qpu_task_price(
        rows, forte_b.id, FORTE1, 250
    )
    garnet_expected = qpu_task_price(rows, garnet.id, GARNET, 1000)
    assert qpu_cost == forte_expected + garnet_expected
    # ... which is what the spending limits counted (the cancelled task in neither).
    assert _spend(forte_client, forte_limit) == (Decimal(0), forte_expected)
    assert _spend(garnet_client, garnet_limit) == (Decimal(0), garnet_expected)
    assert qpu_cost == sum(
        _spend(c, a)[1] for c, a in ((forte_client, forte_limit), (garnet_client, garnet_limit))
    )

    # The simulator figure: its billed duration at the per-minute price (never in a limit).
    duration_ms = sim.result().additional_metadata.simulatorMetadata.executionDuration
    assert simulator_cost == _simulator_price(rows, sim.id, duration_ms)
    assert simulator_cost > 0

    # Statistics: shots and final states per device, billed duration as Braket bills it.
    assert stats[FORTE1]["shots"] == 100 + 250 + 400
    assert stats[FORTE1]["tasks"] == {"COMPLETED": 2, "CANCELLED": 1}
    assert stats[GARNET]["shots"] == 1000 and stats[GARNET]["tasks"] == {"COMPLETED": 1}
    assert stats[SV1]["shots"] == 100 and stats[SV1]["tasks"] == {"COMPLETED": 1}
    assert stats[SV1]["execution_duration"] == dt.timedelta(milliseconds=duration_ms)
    assert stats[SV1]["billed_execution_duration"] == max(
        dt.timedelta(milliseconds=duration_ms), dt.timedelta(seconds=3)
    )
    print(
        f"\nTracker qpu_tasks_cost={qpu_cost} simulator_tasks_cost={simulator_cost}; "
        f"totalSpend Forte-1={_spend(forte_client, forte_limit)[1]} "
        f"Garnet={_spend(garnet_client, garnet_limit)[1]}"
    )
    for client, arn in ((forte_client, forte_limit), (garnet_client, garnet_limit)):
        client.delete_spending_limit(spendingLimitArn=arn)
