"""Billed usage of jobs and sessions, as IBM bills them - one rule for the session document
(``elapsed_time``, what ``Session.usage()`` reads) and the instance's usage (``platform.usage``).

IBM's "Workload usage" guide: usage is the time a QPU is locked for a workload. A job in job
mode or in a batch counts its own quantum time (a batch is the sum of its jobs); a session
(``mode: dedicated``) holds the QPU from its first job's start to its last job's end, so it
counts that span (while a job runs: until now); failed and cancelled jobs count the time they
held the QPU; a job that never started counts nothing. Each job, or dedicated session, is billed
in whole seconds rounded up: IBM reports usage in seconds and meters Pay-As-You-Go per second.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

DEDICATED = "dedicated"


def billed(seconds: float) -> int:
    """Whole seconds, rounded up: a workload that held the QPU at all costs at least 1 s."""
    return max(1, math.ceil(seconds - 1e-9)) if seconds > 0 else 0


def workload(mode: str | None, spans: Iterable[tuple[float, float]]) -> int:
    """Billed seconds of one session's (or one job's) ``(started, ended)`` job spans."""
    spans = list(spans)
    if not spans:
        return 0
    if mode == DEDICATED:
        return billed(max(end for _, end in spans) - min(start for start, _ in spans))
    return sum(billed(end - start) for start, end in spans)


SPANS_SQL = (
    "SELECT j.session_id AS session_id, s.mode AS mode, j.started_at AS started,"
    " COALESCE(j.finished_at, ?) AS ended"
    " FROM ibm_jobs j LEFT JOIN ibm_sessions s ON s.id = j.session_id"
    " WHERE j.started_at IS NOT NULL"
)
"""Every started job's span, with its session's mode; callers add ``AND ...`` conditions
(the first parameter is "now", the end of a job still running)."""
