"""Spending limits as Braket keeps them: what a limit has counted, and the refusal of a task.

Braket's rules (AWS Braket Developer Guide, "Setting spending limits for Amazon Braket QPUs";
the API reference's SpendingLimitSummary; the amazon-braket-examples notebook
``Spending_Limits_Introduction.ipynb``, which shows the refusal as AWS answered it):

* a limit is on one QPU; it counts the QPU tasks (on-demand and a hybrid job's) created while it
  exists and inside its time period; simulators, hybrid-job instances and Braket Direct
  reservations are outside it (a task run in a reservation is billed by the reservation);
* ``queuedSpend``: tasks not yet finished (CREATED, QUEUED, RUNNING, CANCELLING) at their price;
* ``totalSpend``: COMPLETED tasks at their price. CANCELLED and FAILED tasks drop out of both:
  Braket bills neither (the SDK's Tracker prices them at 0 too);
* a task whose price would take ``totalSpend + queuedSpend`` over the limit, or created outside
  the limit's time period, is refused with a ValidationException worded as AWS words it:
  ``Attempted to spend over the spending limit or outside the spending limit time window.
  Spending limit: 3, current spend: 0, estimated cost: 9.3000000000, start time:
  2025-11-03T19:12:46.130Z, end time: 2125-12-30T00:00:00.000Z``.

A task's price is ``Device.task_cost`` (the device table ``offers.py`` publishes): per task plus
per shot, exact decimals. Amounts are reported as AWS reports them: plain decimals without
trailing zeros (``"0"``, ``"8.3"``, ``"0.445"``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .devices import ALL_DEVICES, MIN_BILLED_SECONDS, Device
from .exceptions import ValidationException
from .reservations import RESERVED_TASKS

ACTIVE = ("CREATED", "QUEUED", "RUNNING", "CANCELLING")
"""Task states that have not finished (what ``queuedSpend`` counts)."""


@dataclass(frozen=True)
class Spend:
    queued: Decimal
    total: Decimal

    @property
    def current(self) -> Decimal:
        """What counts against the limit: spent plus committed by unfinished tasks."""
        return self.queued + self.total


def amount(value: Decimal | str) -> str:
    """A USD amount as Braket writes it: ``3`` for 3.00, ``0.445``, never ``1E+1``."""
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in ("-0", "0") else text


def spend(conn: Any, limit: Any) -> Spend:
    """What ``limit`` (a braket_spending_limits row) has counted.

    ``conn`` is anything with ``execute(sql, params)`` returning a cursor: a connection inside a
    transaction, or a read adapter over the Store.
    """
    device = ALL_DEVICES[limit["device_arn"]]
    queued = total = Decimal(0)
    rows = conn.execute(
        "SELECT status, shots FROM braket_tasks WHERE device_arn = ? AND created_at >= ?"
        f" AND created_at >= ? AND created_at < ? AND arn NOT IN ({RESERVED_TASKS})",
        (limit["device_arn"], limit["created_at"], limit["start_at"], limit["end_at"]),
    ).fetchall()
    for row in rows:
        if row["status"] in ACTIVE:
            queued += device.task_cost(row["shots"], MIN_BILLED_SECONDS)
        elif row["status"] == "COMPLETED":
            total += device.task_cost(row["shots"], MIN_BILLED_SECONDS)
    return Spend(queued, total)


def _iso(epoch: float) -> str:
    """``2025-11-03T19:12:46.130Z``: how Braket's refusal writes a limit's period."""
    when = dt.datetime.fromtimestamp(epoch, dt.UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def check(conn: Any, device: Device, now: float, shots: int) -> None:
    """Refuse a new task on ``device`` that a spending limit on it does not allow."""
    if device.qpu is None:
        return
    cost = device.task_cost(shots, MIN_BILLED_SECONDS)
    for limit in conn.execute(
        "SELECT * FROM braket_spending_limits WHERE device_arn = ?", (device.arn,)
    ).fetchall():
        current = spend(conn, limit).current
        inside = limit["start_at"] <= now < limit["end_at"]
        if inside and current + cost <= Decimal(limit["spending_limit"]):
            continue
        raise ValidationException(
            "Attempted to spend over the spending limit or outside the spending limit time "
            f"window. Spending limit: {amount(limit['spending_limit'])}, current spend: "
            f"{amount(current)}, estimated cost: {cost:.10f}, start time: "
            f"{_iso(limit['start_at'])}, end time: {_iso(limit['end_at'])}"
        )
