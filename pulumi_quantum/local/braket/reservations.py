"""Braket Direct reservations of the local Braket: windows on one QPU, and tasks tied to them.

AWS sells reservations through its console; locally they are created through ``/_local/
reservations`` (or ``pulumi-quantum local reservation create``). A task names one in
``associations``; Braket keeps such a task QUEUED until the window opens, runs only the
reserving account's tasks in it, and shows no queue position for it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from typing import Any

from ..store import Store
from .devices import DEVICES, Device
from .exceptions import ValidationException

DDL = """
CREATE TABLE IF NOT EXISTS braket_reservations (
    arn TEXT PRIMARY KEY,
    device_arn TEXT NOT NULL,
    start_at REAL NOT NULL,
    end_at REAL NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS braket_task_associations (
    task_arn TEXT NOT NULL,
    arn TEXT NOT NULL,
    type TEXT NOT NULL,
    PRIMARY KEY (task_arn, arn)
);
"""

RESERVED_TASKS = "SELECT task_arn FROM braket_task_associations"
"""SQL subquery: the tasks that run in a reservation (outside the device's public queue)."""


class Reservations:
    def __init__(self, store: Store, account_id: str) -> None:
        self.store = store
        self.account_id = account_id
        store.migrate(DDL)

    def create(self, device_arn: str, start_at: float, end_at: float) -> str:
        device = DEVICES.get(device_arn)
        if device is None or device.type != "QPU":
            raise ValidationException(
                f"deviceArn: {device_arn!r} is not a QPU; reservations are for one QPU device"
            )
        if end_at <= start_at:
            raise ValidationException("endAt: the reservation must end after it starts")
        arn = f"arn:aws:braket:{device.regions[0]}:{self.account_id}:reservation/{uuid.uuid4()}"
        self.store.execute(
            "INSERT INTO braket_reservations (arn, device_arn, start_at, end_at, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (arn, device_arn, start_at, end_at, time.time()),
        )
        return arn

    def list(self) -> list[dict[str, Any]]:
        return [
            {
                "reservationArn": r["arn"],
                "deviceArn": r["device_arn"],
                "startAt": r["start_at"],
                "endAt": r["end_at"],
            }
            for r in self.store.query("SELECT * FROM braket_reservations ORDER BY created_at")
        ]

    def check(self, device: Device, associations: Sequence[dict[str, str]]) -> None:
        """A reservation ARN is valid for the one QPU it reserves, until its window ends.

        Each message starts as Braket's does (the SDK's live-service tests match "Braket Direct
        is not supported for" for a simulator and "Reservation arn is invalid" for a reservation
        that is not the device's); what follows the colon is ours: Braket's rest is unpublished.
        """
        for association in associations:
            arn = association["arn"]
            if device.type == "SIMULATOR":
                raise ValidationException(
                    f"Braket Direct is not supported for {device.arn}: reservation ARNs "
                    "(associations) are only for QPUs"
                )
            row = self.store.query_one("SELECT * FROM braket_reservations WHERE arn = ?", (arn,))
            if row is None:
                raise ValidationException(f"Reservation arn is invalid: {arn} does not exist")
            if row["device_arn"] != device.arn:
                raise ValidationException(
                    f"Reservation arn is invalid: {arn} is for device {row['device_arn']}, "
                    f"not {device.arn}"
                )
            if row["end_at"] <= time.time():
                raise ValidationException(f"Reservation arn is invalid: {arn} has already ended")

    @staticmethod
    def record(conn: Any, task_arn: str, associations: Sequence[dict[str, str]]) -> None:
        """Store a new task's associations (inside the task's create transaction)."""
        conn.executemany(
            "INSERT INTO braket_task_associations (task_arn, arn, type) VALUES (?, ?, ?)",
            [(task_arn, a["arn"], a["type"]) for a in associations],
        )

    def of_task(self, task_arn: str) -> list[dict[str, str]]:
        return [
            {"arn": a["arn"], "type": a["type"]}
            for a in self.store.query(
                "SELECT arn, type FROM braket_task_associations WHERE task_arn = ?", (task_arn,)
            )
        ]

    def seconds_until_start(self, task_arn: str) -> float:
        """How long a task must wait in QUEUED for its reservation (0 if it need not)."""
        row = self.store.query_one(
            "SELECT MAX(r.start_at) AS start_at FROM braket_task_associations a"
            " JOIN braket_reservations r ON r.arn = a.arn WHERE a.task_arn = ?",
            (task_arn,),
        )
        return max(0.0, (row["start_at"] or 0.0) - time.time()) if row else 0.0
