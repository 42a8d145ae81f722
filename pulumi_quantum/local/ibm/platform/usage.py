"""Instance usage and usage limits of the IBM Quantum Platform, as IBM meters and enforces them.

What is counted is :mod:`..billing`'s rule (jobs and batches their quantum time, dedicated
sessions the time they hold the QPU, idle interactive waits included, whole seconds rounded
up), summed over the instance's workloads that started in IBM's rolling 28-day window (the Open
and Premium plans' usage period), reported as ``usage_period``.

The limit (``instance_limit`` in IBM's instance configuration, ``usage_limit_seconds`` in
``GET /instances/usage``) is per instance (CRN). It is set the way an IBM administrator sets
it - ``PUT /api/v1/instances/configuration {"instance_limit": <seconds> | null}`` - or, for every
instance without its own, by ``PQ_IBM_INSTANCE_LIMIT`` (seconds) when the server starts. Limits
live in SQLite, so a restart keeps them.

Once ``usage_consumed_seconds >= usage_limit_seconds`` a new job is refused at ``POST /jobs``
before anything is created (400, IBM's error code 4317, the platform's "This instance has met
its usage limit" wording, with the figures); jobs already queued or running go on, as IBM lets
active workloads finish. The caller runs :meth:`InstanceUsage.admit` in the transaction that
inserts the job, so the decision and the job it admits are one write. Queued jobs reserve
nothing (IBM documents no reservation), and ``POST /sessions`` is not refused: IBM documents
refusing jobs past the limit, not sessions or batches.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ...store import Store
from .. import billing, db
from ..errors import ApiError, bad_request
from ..sessions import hold

LIMIT_ENV = "PQ_IBM_INSTANCE_LIMIT"
"""Seconds: the usage limit of every instance that has none of its own (unset: no limit)."""
USAGE_LIMIT_CODE = 4317
"""IBM's error code for a job submitted past the instance's quota ("exceeded your quota")."""
USAGE_PERIOD_SECONDS = 28 * 24 * 3600
"""IBM's rolling usage window (Open and Premium plans): 28 days."""
PLAN_ID = "local-quantum-plan"
MAX_LIMIT = 2147483647  # IBM's InstanceConfigurationUpdate: int32, minimum 1

DDL = """
CREATE TABLE IF NOT EXISTS ibm_instance_limits (
    instance TEXT PRIMARY KEY,
    limit_seconds INTEGER
);
CREATE INDEX IF NOT EXISTS ibm_jobs_instance_started ON ibm_jobs (instance, started_at);
"""


def default_limit(environ: Mapping[str, str] | None = None) -> int | None:
    """The limit ``PQ_IBM_INSTANCE_LIMIT`` gives every instance (None when unset or empty)."""
    text = (os.environ if environ is None else environ).get(LIMIT_ENV, "").strip()
    if not text:
        return None
    try:
        seconds = int(text)
    except ValueError:
        seconds = 0
    if not 1 <= seconds <= MAX_LIMIT:
        raise ValueError(
            f"{LIMIT_ENV}={text!r} is not a usage limit: give whole seconds between 1 and "
            f"{MAX_LIMIT} (e.g. {LIMIT_ENV}=600 for IBM's Open Plan 10 minutes), or unset it"
        )
    return seconds


class InstanceUsage:
    """Usage, limit and admission of jobs per instance (CRN)."""

    def __init__(self, store: Store, default: int | None = None) -> None:
        store.migrate(DDL)
        self._store = store
        self._default = default

    # -- the limit ----------------------------------------------------------------------------
    def limit(self, crn: str) -> int | None:
        row = self._store.query_one(
            "SELECT limit_seconds FROM ibm_instance_limits WHERE instance = ?", (crn,)
        )
        return self._default if row is None else row["limit_seconds"]

    def configure(self, crn: str, body: Any) -> None:
        """``PUT /instances/configuration``: ``{"instance_limit": <seconds> | null}``; null
        removes the limit. 409 when the instance already used more than the new limit."""
        if not isinstance(body, dict) or set(body) - {"instance_limit"}:
            raise bad_request(
                'invalid instance configuration: send {"instance_limit": <seconds>} '
                "(an integer, or null to remove the limit)"
            )
        value = body.get("instance_limit")
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_LIMIT
        ):
            raise bad_request(
                f"invalid instance configuration: instance_limit is {value!r}; give whole "
                f"seconds between 1 and {MAX_LIMIT}, or null to remove the limit"
            )
        if value is not None:
            used = self.consumed(crn)
            if used > value:
                raise ApiError(
                    409,
                    f"Usage exceeds instance limit: the instance already used {used} s in the "
                    f"current usage period, more than the requested instance_limit of {value} "
                    "s; give at least that much, or null to remove the limit.",
                )
        self._store.execute(
            "INSERT INTO ibm_instance_limits (instance, limit_seconds) VALUES (?, ?) "
            "ON CONFLICT (instance) DO UPDATE SET limit_seconds = excluded.limit_seconds",
            (crn, value),
        )

    # -- what was used ------------------------------------------------------------------------
    def consumed(self, crn: str, now: float | None = None) -> int:
        """Billed seconds of the instance's workloads that started in the usage period."""
        now = db.now() if now is None else now
        since = now - USAGE_PERIOD_SECONDS
        rows = self._store.query(
            billing.SPANS_SQL + " AND j.instance = ? AND j.started_at >= ?", (now, crn, since)
        )
        sessions: dict[str, list[Any]] = {}
        total = 0
        for row in rows:
            if row["session_id"] and row["mode"] == billing.DEDICATED:
                sessions.setdefault(row["session_id"], []).append(row)
            else:
                total += billing.billed(row["ended"] - row["started"])
        for jobs in sessions.values():
            spans = [(r["started"], r["ended"]) for r in jobs]
            first = jobs[0]
            held = hold(
                billing.DEDICATED,
                first["interactive_ttl"],
                first["closed_at"],
                first["max_time"],
                min(start for start, _ in spans),
                now,
            )
            total += billing.workload(billing.DEDICATED, spans, held)
        return total

    def report(self, crn: str) -> dict[str, Any]:
        """``GET /instances/usage`` (IBM's ``GetUsageResponse``)."""
        now = db.now()
        used = self.consumed(crn, now)
        limit = self.limit(crn)
        body: dict[str, Any] = {
            "instance_id": crn,
            "plan_id": PLAN_ID,
            "usage_period": {
                "start_time": db.iso(now - USAGE_PERIOD_SECONDS),
                "end_time": db.iso(now),
            },
            "usage_consumed_seconds": used,
            "usage_limit_reached": limit is not None and used >= limit,
        }
        if limit is not None:
            body["usage_limit_seconds"] = limit
        return body

    def instance(self, crn: str, backends: list[str]) -> dict[str, Any]:
        """``GET /instance`` (IBM's ``Instance``): the limit as IBM words it there."""
        limit = self.limit(crn)
        return {
            "backends": backends,
            "instance_limit": None if limit is None else float(limit),
            "instance_limit_seconds": None if limit is None else str(limit),
            "plan_id": PLAN_ID,
            "usage_allocation_seconds": None,
        }

    # -- admission ----------------------------------------------------------------------------
    def admit(self, crn: str) -> None:
        """Refuse a new job once the instance has met its limit (before anything is created)."""
        limit = self.limit(crn)
        if limit is None:
            return
        report = self.report(crn)
        if not report["usage_limit_reached"]:
            return
        period = report["usage_period"]
        raise ApiError(
            400,
            "This instance has met its usage limit. Workloads will not run until time is "
            f"made available: {report['usage_consumed_seconds']} s used of its "
            f"{limit} s limit in the usage period {period['start_time']} to "
            f"{period['end_time']}. Raise the limit (PUT /api/v1/instances/configuration "
            '{"instance_limit": <seconds>}) or wait until earlier usage leaves the window.',
            code=USAGE_LIMIT_CODE,
        )
