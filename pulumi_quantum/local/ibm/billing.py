"""Billed usage of jobs and sessions, as IBM bills them - one rule for the session document
(``elapsed_time``, what ``Session.usage()`` reads) and the instance's usage (``platform.usage``).

IBM's "Workload usage" guide: usage is the time a QPU is locked for a workload. A job in job
mode or in a batch counts its own quantum time (a batch is the sum of its jobs); failed and
cancelled jobs count the time they held the QPU; a job that never started counts nothing.

A session (``mode: dedicated``) counts the time the QPU is committed to it. IBM's "Execution
modes FAQs" (*Is compilation time counted as usage in session mode?*): it "starts when the first
session job starts and ends when the session goes inactive, is closed, or when the last job
completes, whichever happens last", and "time after a job completes while the QPU waits for
another session job (the interactive time to live (ITTL)) counts as usage"; the current
"Workload usage" guide: "the elapsed time while the session remains active ... regardless of
whether workloads are actively running". So each job holds the QPU from its start until
``interactive_ttl`` after it ends, cut short when the session closes (``closed_at``: closed
with nothing left to run, or cancelled) or reaches ``max_ttl``, but never before the job
itself ends (IBM: "usage continues to accumulate after a session ends if the QPU is still
running a job"); the session bills the union of those holds, up to now while it is active. A
session that went inactive and was reactivated by a later job is not billed for the inactive
gap: the QPU was released ("temporarily deactivated", the "Run jobs in a session" guide).

Each job, or dedicated session, is billed in whole seconds rounded up: IBM reports usage in
seconds and meters Pay-As-You-Go per second.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

DEDICATED = "dedicated"


@dataclass(frozen=True)
class Hold:
    """How a dedicated session holds the QPU beyond its jobs' own run time."""

    interactive_ttl: float
    """Seconds the session stays active (and billed) after a job ends."""
    stop: float | None
    """When the session stopped holding the QPU (closed, cancelled, or its max_ttl): None
    while it may still hold it."""
    now: float
    """Nothing is billed past now."""


def billed(seconds: float) -> int:
    """Whole seconds, rounded up: a workload that held the QPU at all costs at least 1 s."""
    return max(1, math.ceil(seconds - 1e-9)) if seconds > 0 else 0


def held(spans: Iterable[tuple[float, float]], hold: Hold) -> float:
    """Seconds a dedicated session held the QPU, given its jobs' ``(started, ended)`` spans."""
    cut = hold.now if hold.stop is None else min(hold.now, hold.stop)
    total, current = 0.0, None
    for start, end in sorted(spans):
        reach = max(end, min(end + hold.interactive_ttl, cut))
        if current is None or start > current[1]:
            total += current[1] - current[0] if current else 0.0
            current = (start, reach)
        else:
            current = (current[0], max(current[1], reach))
    return total + (current[1] - current[0] if current else 0.0)


def workload(mode: str | None, spans: Iterable[tuple[float, float]], hold: Hold) -> int:
    """Billed seconds of one session's (or one job's) ``(started, ended)`` job spans; a
    dedicated session bills what it ``held``, anything else its jobs' own times."""
    spans = list(spans)
    if mode == DEDICATED:
        return billed(held(spans, hold))
    return sum(billed(end - start) for start, end in spans)


SPANS_SQL = (
    "SELECT j.session_id AS session_id, s.mode AS mode, j.started_at AS started,"
    " COALESCE(j.finished_at, ?) AS ended, s.interactive_ttl AS interactive_ttl,"
    " s.closed_at AS closed_at, s.max_time AS max_time"
    " FROM ibm_jobs j LEFT JOIN ibm_sessions s ON s.id = j.session_id"
    " WHERE j.started_at IS NOT NULL"
)
"""Every started job's span, with its session's mode and what decides its hold; callers add
``AND ...`` conditions (the first parameter is "now", the end of a job still running)."""
