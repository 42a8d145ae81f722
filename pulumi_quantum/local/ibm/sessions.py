"""Runtime sessions: ``/sessions`` as qiskit-ibm-provider's runtime client calls it.

State is derived, not scheduled: a session's expiry is computed from its creation time and
``max_time`` whenever it is read, so no timer has to survive a restart and an expired session
is reported as such even if the local cloud was down when it expired.

* ``PATCH {accepting_jobs: false}`` (``close``): no new jobs; submitted jobs still run.
* ``DELETE /sessions/{id}/close`` (``cancel``): no new jobs and queued/running jobs cancelled.
* A job submitted to a session that no longer accepts jobs is rejected with
  400 ``Session has been closed.`` (IBM's error code 1217).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ..store import Store
from . import backends, db
from .accounts import Accounts, IbmUser
from .errors import ApiError, bad_request, not_found
from .validation import MAX_TIME_LIMIT, SESSION_CREATE, SESSION_UPDATE, validate

DEFAULT_MAX_TIME = MAX_TIME_LIMIT
SESSION_CLOSED_CODE = 1217


class Sessions:
    def __init__(self, store: Store, accounts: Accounts) -> None:
        self._store = store
        self._accounts = accounts

    def create(self, user: IbmUser, body: Any, session_id: str | None = None) -> dict[str, Any]:
        body = validate(body, SESSION_CREATE, "session")
        instance = body.get("instance") or user.default_instance
        self._accounts.check_instance(user, instance)
        backend = body.get("backend")
        if backend is not None:
            backends.require(backend)
        session_id = session_id or db.new_id()
        self._store.execute(
            "INSERT INTO ibm_sessions (id, owner, instance, backend, mode, max_time, created_at)"
            " VALUES (?,?,?,?,?,?,?)",
            (
                session_id,
                user.name,
                instance,
                backend,
                body.get("mode", "dedicated"),
                body.get("max_session_ttl", DEFAULT_MAX_TIME),
                db.now(),
            ),
        )
        return self.get(user, session_id)

    def _row(self, user: IbmUser, session_id: str) -> sqlite3.Row:
        row = self._store.query_one("SELECT * FROM ibm_sessions WHERE id = ?", (session_id,))
        if row is None:
            raise not_found("session", session_id)
        if row["owner"] != user.name:
            self._accounts.check_instance(user, row["instance"])  # 403 for another's instance
        return row

    @staticmethod
    def _state(row: sqlite3.Row) -> tuple[bool, str | None, float | None]:
        """(accepting_jobs, close_reason, closed_at) with expiry applied lazily."""
        if row["close_reason"]:
            return False, row["close_reason"], row["closed_at"]
        expires = row["created_at"] + row["max_time"]
        if db.now() >= expires:
            return False, "expired", expires
        return bool(row["accepting_jobs"]), None, None

    def get(self, user: IbmUser, session_id: str) -> dict[str, Any]:
        return self.to_json(self._row(user, session_id))

    def to_json(self, row: sqlite3.Row) -> dict[str, Any]:
        accepting, reason, closed_at = self._state(row)
        state = "closed" if reason is not None else ("open" if accepting else "closing")
        return {
            "id": row["id"],
            "backend_name": row["backend"],
            "instance": row["instance"],
            "mode": row["mode"],
            "max_time": row["max_time"],
            "interactive_timeout": row["max_time"],
            "state": state,
            "accepting_jobs": accepting,
            "closed_reason": reason,
            "started_at": db.iso(row["created_at"]),
            "expires_at": db.iso(row["created_at"] + row["max_time"]),
            "closed_at": db.iso(closed_at),
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

    def check_accepts(self, user: IbmUser, session_id: str, backend: str, instance: str) -> None:
        """Raise the error the client expects unless a job may join this session."""
        row = self._row(user, session_id)
        accepting, reason, _ = self._state(row)
        if not accepting:
            detail = {
                "expired": "it reached its maximum time",
                "cancelled": "it was cancelled",
                "closed": "it was closed",
            }.get(reason or "", "it no longer accepts jobs")
            raise ApiError(
                400,
                f"Session has been closed: session {session_id} does not "
                f"accept new jobs because {detail}.",
                code=SESSION_CLOSED_CODE,
            )
        if row["backend"] and row["backend"] != backend:
            raise bad_request(
                f"session {session_id} runs on backend {row['backend']!r}; submit the job to "
                f"that backend instead of {backend!r}"
            )
        if row["instance"] != instance:
            raise bad_request(
                f"session {session_id} belongs to instance {row['instance']!r}, not {instance!r}"
            )
