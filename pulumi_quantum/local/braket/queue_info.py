"""Queue information as Braket reports it, computed from the local task table.

* GetDevice ``deviceQueueInfo``: waiting (CREATED/QUEUED) tasks of a device, Normal and Priority
  (Priority = submitted by a hybrid job, i.e. with a jobToken), and the jobs queue; Braket shows
  ``>4000`` / ``>1000`` beyond its caps (``devices.Device.describe`` applies them).
* GetQuantumTask ``queueInfo``: the task's 1-based position among its device's waiting tasks of
  the same priority (``>2000`` beyond 2000), or ``"None"`` with a message when it is not waiting in
  the public queue (running, terminal, or waiting for its reservation).

Tasks in a reservation are left out of both: only the reserving account's tasks run then.
"""

from __future__ import annotations

from typing import Any

from ..store import Store
from .reservations import RESERVED_TASKS

WAITING = ("CREATED", "QUEUED")


def device_queue_counts(store: Store, device_arn: str) -> dict[str, int]:
    rows = store.query(
        "SELECT job_token IS NOT NULL AS priority, COUNT(*) AS n FROM braket_tasks"
        f" WHERE device_arn = ? AND status IN {WAITING} AND arn NOT IN ({RESERVED_TASKS})"
        " GROUP BY priority",
        (device_arn,),
    )
    counts = {"normal": 0, "priority": 0, "jobs": 0}  # the local cloud runs no hybrid jobs
    for row in rows:
        counts["priority" if row["priority"] else "normal"] = row["n"]
    return counts


def task_queue_info(store: Store, row: Any, reserved: bool) -> dict[str, str]:
    priority = "Priority" if row["job_token"] else "Normal"
    info = {"queue": "QUANTUM_TASKS_QUEUE", "queuePriority": priority}
    if row["status"] not in WAITING:
        return {
            **info,
            "position": "None",
            "message": f"Task is in {row['status']} status. AmazonBraket does not show queue "
            "position for this status.",
        }
    if reserved:
        return {
            **info,
            "position": "None",
            "message": "Queue position is not shown for quantum tasks that run in a "
            "reservation: only your tasks run during your reservation.",
        }
    (ahead,) = store.query_one(
        f"SELECT COUNT(*) FROM braket_tasks WHERE device_arn = ? AND status IN {WAITING}"
        " AND (job_token IS NOT NULL) = ? AND (created_at < ? OR (created_at = ? AND rowid <"
        " (SELECT rowid FROM braket_tasks WHERE arn = ?)))"
        f" AND arn NOT IN ({RESERVED_TASKS})",
        (row["device_arn"], priority == "Priority", row["created_at"], row["created_at"],
         row["arn"]),
    )  # fmt: skip
    position = ahead + 1
    return {**info, "position": ">2000" if position > 2000 else str(position)}
