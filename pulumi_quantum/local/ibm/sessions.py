"""Runtime sessions and batches with IBM's wire names and states.

One implementation serves both protocols: the legacy ``/sessions`` (hub/group/project
instances, as qiskit-ibm-provider 0.11 calls it) and the current platform's
``/api/v1/sessions`` (CRN instances, as qiskit-ibm-runtime calls it). The JSON is the one
IBM's API returns: ``id``, ``mode`` (``dedicated`` | ``batch``), ``backend_name``,
``max_ttl``, ``interactive_ttl``, ``active_ttl``, ``state`` (``open`` | ``active`` |
``inactive`` | ``closed``), ``accepting_jobs``, ``started_at``, ``activated_at``,
``closed_at``, ``last_job_started``, ``last_job_completed``, ``elapsed_time``.

State is derived, not scheduled: it is computed from the row and its jobs whenever the
session is read, so no timer has to survive a restart and a session that expired while the
local cloud was down is reported as such.

* ``max_ttl``: counted from the first job's start (``activated_at``), or from creation while
  no job has started; once reached the session is ``closed`` and rejects jobs.
* ``interactive_ttl``: after a job completes, a session with nothing queued stays
  ``active`` for this long, then turns ``inactive`` (it still accepts jobs, as IBM's do).
* ``PATCH {accepting_jobs: false}`` (close): no new jobs; submitted jobs still run, and the
  session is ``closed`` when the last one ends.
* ``DELETE /sessions/{id}/close`` (cancel): ``closed`` now; the caller cancels its jobs.
* A job submitted to a session that no longer accepts jobs is rejected with
  400 ``Session has been closed.`` (IBM's error code 1217).

``elapsed_time`` (what ``Session.usage()`` reads) is the session's usage as IBM bills it
(:mod:`.billing`): a dedicated session the time it held the QPU - from its first job's start
while it is active, idle ``interactive_ttl`` waits included, until it goes inactive, is closed
or reaches ``max_ttl`` (or its last job ends, if later) - a batch the sum of its jobs' times,
in whole seconds rounded up.

``state_reason`` (why a session is closed: ``closed`` | ``cancelled`` | ``max_ttl``) is a
local addition for diagnostics; clients and pulumi-quantum's resources never rely on it.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ...durations import DurationError, parse_duration
from ..store import Store
from . import backends, billing, db
from .accounts import Accounts, IbmUser
from .errors import ApiError, bad_request, not_found
from .validation import MAX_TIME_LIMIT, SESSION_UPDATE, validate

DEFAULT_MAX_TTL = MAX_TIME_LIMIT
DEFAULT_INTERACTIVE_TTL = {"dedicated": 60, "batch": 1}
"""Seconds a session stays ``active`` after its last job; IBM's batches do not wait."""
SESSION_CLOSED_CODE = 1217
MODES = ("dedicated", "batch")

_COLUMNS = (("interactive_ttl", "INTEGER"),)

SESSION_CREATE = {
    "type": "object",
    "properties": {
        "backend": {"type": "string", "minLength": 1},
        "instance": {"type": "string", "minLength": 1},
        # qiskit-ibm-provider 0.11 sends ``open_session(max_time=...)`` as given: int or
        # a "2h 30m" string. qiskit-ibm-runtime sends whole seconds as ``max_ttl``.
        "max_session_ttl": {"type": ["integer", "string"]},
        "max_ttl": {"type": ["integer", "string"]},
        "interactive_ttl": {"type": "integer", "minimum": 1, "maximum": MAX_TIME_LIMIT},
        "mode": {"enum": list(MODES)},
    },
    "additionalProperties": False,
}


def interactive_ttl(mode: str | None, stored: int | None) -> int:
    """A session's interactive TTL: its own, else its mode's default."""
    return stored or DEFAULT_INTERACTIVE_TTL.get(mode or "dedicated", 60)


def hold(
    mode: str | None,
    stored_ttl: int | None,
    closed_at: float | None,
    max_time: float,
    activated: float,
    now: float,
) -> billing.Hold:
    """How a session holds the QPU beyond its jobs (:class:`.billing.Hold`): ``interactive_ttl``
    after each job, until it was closed or cancelled (``closed_at``) or its ``max_ttl``, counted
    from its first job's start (``activated``), ran out."""
    deadline = activated + max_time
    stop = deadline if closed_at is None else min(closed_at, deadline)
    return billing.Hold(interactive_ttl(mode, stored_ttl), stop, now)


def _seconds(name: str, value: Any) -> int:
    try:
        seconds = parse_duration(value)
    except DurationError as exc:
        raise bad_request(f"invalid session: {name}: {exc}") from None
    if not 1 <= seconds <= MAX_TIME_LIMIT:
        raise bad_request(
            f"invalid session: {name} is {seconds} s; it must be between 1 s and "
            f"{MAX_TIME_LIMIT} s (8h)"
        )
    return seconds


class Sessions:
    def __init__(self, store: Store, accounts: Accounts) -> None:
        self._store = store
        self._accounts = accounts
        with store.transaction() as conn:
            have = {r["name"] for r in conn.execute("PRAGMA table_info(ibm_sessions)")}
            for name, kind in _COLUMNS:
                if name not in have:
                    conn.execute(f"ALTER TABLE ibm_sessions ADD COLUMN {name} {kind}")

    def create(
        self,
        user: IbmUser,
        body: Any,
        session_id: str | None = None,
        instance: str | None = None,
    ) -> dict[str, Any]:
        """Open a session. ``instance`` is given (already authorised) by the platform API."""
        body = validate(body, SESSION_CREATE, "session")
        if instance is None:
            instance = body.get("instance") or user.default_instance
            self._accounts.check_instance(user, instance)
        backend = body.get("backend")
        if backend is not None:
            backends.require(backend)
        if "max_ttl" in body and "max_session_ttl" in body:
            raise bad_request("invalid session: give max_ttl or max_session_ttl, not both")
        max_ttl = DEFAULT_MAX_TTL
        for name in ("max_ttl", "max_session_ttl"):
            if name in body:
                max_ttl = _seconds(name, body[name])
        mode = body.get("mode", "dedicated")
        interactive = body.get("interactive_ttl", DEFAULT_INTERACTIVE_TTL[mode])
        session_id = session_id or db.new_id()
        self._store.execute(
            "INSERT INTO ibm_sessions (id, owner, instance, backend, mode, max_time,"
            " interactive_ttl, created_at) VALUES (?,?,?,?,?,?,?,?)",
            (session_id, user.name, instance, backend, mode, max_ttl, interactive, db.now()),
        )
        return self.get(user, session_id)

    def _row(self, user: IbmUser, session_id: str) -> sqlite3.Row:
        row = self._store.query_one("SELECT * FROM ibm_sessions WHERE id = ?", (session_id,))
        if row is None or not self._accounts.may_see(user, row["owner"], row["instance"]):
            raise not_found("session", session_id)
        return row

    def _jobs(self, session_id: str) -> sqlite3.Row:
        return self._store.query_one(
            "SELECT MIN(started_at) AS activated, MAX(started_at) AS last_started,"
            " MAX(finished_at) AS last_completed,"
            " SUM(CASE WHEN status IN ('Queued','Running') THEN 1 ELSE 0 END) AS pending"
            " FROM ibm_jobs WHERE session_id = ?",
            (session_id,),
        )

    def _billed(self, row: sqlite3.Row) -> int:
        """The session's usage as IBM bills it (:mod:`.billing`): its span if dedicated, the
        sum of its jobs' times if a batch."""
        now = db.now()
        rows = self._store.query(billing.SPANS_SQL + " AND j.session_id = ?", (now, row["id"]))
        spans = [(r["started"], r["ended"]) for r in rows]
        if not spans:
            return 0
        held = hold(
            row["mode"],
            row["interactive_ttl"],
            row["closed_at"],
            row["max_time"],
            min(start for start, _ in spans),
            now,
        )
        return billing.workload(row["mode"], spans, held)

    @staticmethod
    def _closed(row: sqlite3.Row, jobs: sqlite3.Row, now: float) -> tuple[str, float] | None:
        """(state_reason, closed_at) if the session is closed, with max_ttl applied lazily."""
        if row["close_reason"]:
            return row["close_reason"], row["closed_at"]
        deadline = (jobs["activated"] or row["created_at"]) + row["max_time"]
        if now >= deadline:
            return "max_ttl", deadline
        return None

    def get(self, user: IbmUser, session_id: str) -> dict[str, Any]:
        return self.to_json(self._row(user, session_id))

    def to_json(self, row: sqlite3.Row) -> dict[str, Any]:
        now = db.now()
        jobs = self._jobs(row["id"])
        closed = self._closed(row, jobs, now)
        interactive = interactive_ttl(row["mode"], row["interactive_ttl"])
        if closed is not None:
            state = "closed"
        elif jobs["pending"]:
            state = "active"
        elif jobs["activated"] is None:
            state = "open"
        elif now - (jobs["last_completed"] or jobs["last_started"]) < interactive:
            state = "active"
        else:
            state = "inactive"
        return {
            "id": row["id"],
            "backend_name": row["backend"],
            "instance": row["instance"],
            "mode": row["mode"],
            "max_ttl": row["max_time"],
            "interactive_ttl": interactive,
            "active_ttl": row["max_time"],
            "state": state,
            "accepting_jobs": closed is None and bool(row["accepting_jobs"]),
            "started_at": db.iso(row["created_at"]),
            "activated_at": db.iso(jobs["activated"]),
            "closed_at": db.iso(closed[1]) if closed else None,
            "last_job_started": db.iso(jobs["last_started"]),
            "last_job_completed": db.iso(jobs["last_completed"]),
            "elapsed_time": self._billed(row),
            "user_id": row["owner"],
            "state_reason": closed[0] if closed else None,
        }

    def close(self, user: IbmUser, session_id: str, body: Any) -> None:
        """Stop accepting jobs; jobs already submitted run to completion."""
        self._row(user, session_id)
        validate(body, SESSION_UPDATE, "session update")
        self._store.execute(
            "UPDATE ibm_sessions SET accepting_jobs = 0 WHERE id = ? AND close_reason IS NULL",
            (session_id,),
        )
        self._finish_if_idle(session_id)

    def _finish_if_idle(self, session_id: str) -> None:
        """A closed session with no pending jobs is finished: mark it closed."""
        self._store.execute(
            "UPDATE ibm_sessions SET close_reason = 'closed', closed_at = ? "
            "WHERE id = ? AND accepting_jobs = 0 AND close_reason IS NULL AND NOT EXISTS "
            "(SELECT 1 FROM ibm_jobs WHERE session_id = ? AND status IN ('Queued','Running'))",
            (db.now(), session_id, session_id),
        )

    def job_finished(self, session_id: str | None) -> None:
        if session_id:
            self._finish_if_idle(session_id)

    def cancel(self, user: IbmUser, session_id: str) -> None:
        """Close now; the caller cancels the session's queued and running jobs."""
        self._row(user, session_id)
        self._store.execute(
            "UPDATE ibm_sessions SET accepting_jobs = 0, close_reason = 'cancelled', "
            "closed_at = ? WHERE id = ? AND close_reason IS NULL",
            (db.now(), session_id),
        )

    def check_accepts(
        self, user: IbmUser, session_id: str, backend: str | None, instance: str
    ) -> sqlite3.Row:
        """Raise the error the client expects unless a job may join this session."""
        row = self._row(user, session_id)
        closed = self._closed(row, self._jobs(session_id), db.now())
        if closed is not None or not row["accepting_jobs"]:
            detail = {
                "max_ttl": "it reached its maximum time to live (max_ttl)",
                "cancelled": "it was cancelled",
                "closed": "it was closed",
            }.get(closed[0] if closed else "", "it was closed and no longer accepts jobs")
            raise ApiError(
                400,
                f"Session has been closed: session {session_id} does not "
                f"accept new jobs because {detail}.",
                code=SESSION_CLOSED_CODE,
            )
        if backend is not None and row["backend"] and row["backend"] != backend:
            raise bad_request(
                f"session {session_id} runs on backend {row['backend']!r}; submit the job to "
                f"that backend instead of {backend!r}"
            )
        if row["instance"] != instance:
            raise bad_request(
                f"session {session_id} belongs to instance {row['instance']!r}, not {instance!r}"
            )
        return row
