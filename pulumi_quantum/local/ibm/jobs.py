"""Runtime jobs: ``/jobs`` as qiskit-ibm-provider (and qiskit-ibmq-provider) call it.

``POST /jobs`` runs either an uploaded program (its ``main(backend, user_messenger,
**kwargs)``) or the built-in ``circuit-runner`` that ``IBMBackend.run(circuit)`` targets. The
job document carries both the runtime's ``state: {status, reason}`` and the older top-level
``status`` so both client generations parse it. Statuses: Queued, Running, Completed, Failed,
Cancelled, and IBM's ``Cancelled - Ran too long`` for a job stopped at its maximum execution
time. Deleting a queued or running job cancels it first, as IBM's runtime did.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from ..store import Store
from . import backends, db
from .accounts import Accounts, IbmUser, is_crn
from .builtin import BUILTIN_PROGRAMS
from .errors import ApiError, bad_request, conflict, not_found
from .executor import RAN_TOO_LONG, RAN_TOO_LONG_CODE, JobExecutor
from .programs import Programs
from .sessions import Sessions
from .validation import JOB_CREATE, MAX_TIME_LIMIT, TAGS_UPDATE, int_arg, validate

PROGRAM_ERROR_REASON = "Error"
"""``state.reason`` of a legacy-runtime job whose program raised. IBM's runtime said no more
there: the detail is in the job's results (the program's log, ending with its traceback), and
qiskit-ibm-provider 0.11's ``error_message()`` reads the results exactly when the reason is
``"Error"``: the message of a ``JobError: '...'`` line, else ``"Unknown error; "`` and the last
traceback (``IBMCircuitJob.error_message``; qiskit-ibm-provider#411, #388)."""
BUILTIN_TIME_LIMIT = 300
"""Seconds allowed to the built-in circuit runner unless the job asks for less."""
PENDING = ("Queued", "Running")
JOB_NOT_FOUND_CODE = 3250
"""The code qiskit-ibm-provider's ``retrieve_job`` looks for to report a missing job."""


class Jobs:
    def __init__(
        self, store: Store, accounts: Accounts, programs: Programs, sessions: Sessions
    ) -> None:
        self._store = store
        self._accounts = accounts
        self._programs = programs
        self._sessions = sessions
        self.executor = JobExecutor(store, on_finished=self._finished)

    def _finished(self, job_id: str) -> None:
        row = self._store.query_one("SELECT session_id FROM ibm_jobs WHERE id = ?", (job_id,))
        if row is not None:
            self._sessions.job_finished(row["session_id"])

    # -- submit --------------------------------------------------------------------------------
    def submit(self, user: IbmUser, body: Any) -> dict[str, Any]:
        body = validate(body, JOB_CREATE, "job")
        instance = self._accounts.instance_from(
            user, body.get("hub"), body.get("group"), body.get("project")
        )
        program_id = body["program_id"]
        if program_id in BUILTIN_PROGRAMS:
            source, time_limit = None, BUILTIN_TIME_LIMIT
        else:
            source, time_limit = self._programs.source_for_run(user, program_id)
        if body.get("cost"):
            time_limit = min(time_limit, body["cost"])
        backend = body.get("backend") or backends.DEFAULT_BACKEND
        if backend not in backends.names():
            raise bad_request(
                f"invalid backend: {backend!r} is not available; use one of {backends.names()}"
            )
        with self._store.transaction():  # a session it starts commits with the job, or neither
            return self._submit(user, body, instance, program_id, backend, source, time_limit)

    def _submit(
        self,
        user: IbmUser,
        body: dict[str, Any],
        instance: str,
        program_id: str,
        backend: str,
        source: str | None,
        time_limit: float,
    ) -> dict[str, Any]:
        job_id = db.new_id()
        session_id = body.get("session_id")
        if body.get("start_session"):
            ttl = body.get("session_time")
            session_body: dict[str, Any] = {"backend": backend, "instance": instance}
            if isinstance(ttl, int):
                session_body["max_session_ttl"] = ttl
            session_id = self._sessions.create(user, session_body, session_id=job_id)["id"]
        elif session_id:
            self._sessions.check_accepts(user, session_id, backend, instance)
        params_text = json.dumps(body.get("params", {}))
        self.executor.prepare(
            job_id,
            {"job_id": job_id, "program_id": program_id, "backend": backend, "params": params_text},
            source,
        )
        self.enqueue(
            job_id,
            user,
            instance,
            program_id,
            backend,
            session_id,
            params_text,
            body,
            min(time_limit, MAX_TIME_LIMIT),
        )
        return {"id": job_id, "backend": backend, "session_id": session_id}

    def enqueue(
        self,
        job_id: str,
        user: IbmUser,
        instance: str | None,
        program_id: str,
        backend: str,
        session_id: str | None,
        params_text: str,
        body: dict[str, Any],
        time_limit: float,
    ) -> None:
        """Record a prepared job as Queued and hand it to the executor (legacy and platform).

        If the insert cannot be committed (StorageUnavailable) the prepared files go too."""
        try:
            self._store.execute(
                "INSERT INTO ibm_jobs (id, owner, instance, program_id, backend, session_id,"
                " params, tags, time_limit, log_level, status, created_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,'Queued',?)",
                (
                    job_id,
                    user.name,
                    instance,
                    program_id,
                    backend,
                    session_id,
                    params_text,
                    json.dumps(body.get("tags", [])),
                    time_limit,
                    body.get("log_level"),
                    db.now(),
                ),
            )
        except BaseException:
            self.executor.discard(job_id)
            raise
        self.executor.submit(job_id)

    # -- reads ---------------------------------------------------------------------------------
    def _row(self, user: IbmUser, job_id: str) -> sqlite3.Row:
        row = self._store.query_one("SELECT * FROM ibm_jobs WHERE id = ?", (job_id,))
        if row is None or not self._accounts.may_see(user, row["owner"], row["instance"]):
            raise not_found("job", job_id, code=JOB_NOT_FOUND_CODE)
        return row

    def get(self, user: IbmUser, job_id: str, exclude_params: bool = False) -> dict[str, Any]:
        return self.to_json(self._row(user, job_id), include_params=not exclude_params)

    @staticmethod
    def to_json(row: sqlite3.Row, include_params: bool = True) -> dict[str, Any]:
        """The one JSON form of a job, for every view that returns one (legacy ``/jobs`` and
        platform ``/api/v1/jobs``). Its instance decides the instance fields: ``hub``,
        ``group`` and ``project`` for a legacy hub/group/project, ``private`` for a CRN."""
        doc: dict[str, Any] = {
            "id": row["id"],
            "program": {"id": row["program_id"]},
            "backend": row["backend"],
        }
        instance = row["instance"] or ""
        if instance and not is_crn(instance):
            hub, group, project = instance.split("/")
            doc.update(hub=hub, group=group, project=project)
        reason = row["reason"]
        program_raised = str(row["result"] or "").startswith("Traceback")
        if row["status"] == "Failed" and program_raised and not is_crn(instance):
            reason = PROGRAM_ERROR_REASON  # the traceback in the results says what happened
        doc.update(
            {
                "status": row["status"],
                "state": {"status": row["status"], "reason": reason},
                "created": db.iso(row["created_at"]),
                "session_id": row["session_id"],
                "tags": json.loads(row["tags"]),
                "cost": row["time_limit"],
                "log_level": row["log_level"],
                "runtime": "",
                "user_id": row["owner"],
            }
        )
        if is_crn(instance):
            doc["private"] = False
            if row["status"] == RAN_TOO_LONG:  # the platform words it as a code on Cancelled
                doc["status"] = "Cancelled"
                doc["state"] = {
                    **doc["state"],
                    "status": "Cancelled",
                    "reason_code": RAN_TOO_LONG_CODE,
                }
        if include_params:
            doc["params"] = json.loads(row["params"])
        return doc

    def list(self, user: IbmUser, args: Any) -> dict[str, Any]:
        # Platform jobs (CRN instances) are listed by /api/v1/jobs only.
        clauses, values = ["owner = ?", "instance NOT LIKE 'crn:%'"], [user.name]
        provider = args.get("provider")
        if provider:
            clauses.append("instance = ?")
            values.append(self._accounts.check_instance(user, provider))
        simple = {"program": "program_id", "session_id": "session_id", "backend": "backend"}
        for arg, column in simple.items():
            if args.get(arg):
                clauses.append(f"{column} = ?")
                values.append(args[arg])
        pending = args.get("pending")
        if pending in ("true", "false"):
            op = "IN" if pending == "true" else "NOT IN"
            clauses.append(f"status {op} ('Queued', 'Running')")
        for tag in args.getlist("tags") if hasattr(args, "getlist") else []:
            clauses.append("EXISTS (SELECT 1 FROM json_each(tags) WHERE value = ?)")
            values.append(tag)
        bounds = {
            arg: _parse_time(arg, args[arg]) if args.get(arg) else None
            for arg in ("created_after", "created_before")
        }
        for clause, value in db.created_clauses(bounds["created_after"], bounds["created_before"]):
            clauses.append(clause)
            values.append(value)
        where = " AND ".join(clauses)
        order = "ASC" if args.get("sort") == "ASC" else "DESC"
        limit, offset = int_arg(args, "limit", 200), int_arg(args, "offset", 0)
        count, rows = self._store.page(
            "ibm_jobs", where, values, f"created_at {order}, id {order}", limit, offset
        )
        return {"jobs": [self.to_json(r, include_params=False) for r in rows], "count": count}

    def results(self, user: IbmUser, job_id: str) -> str:
        row = self._row(user, job_id)
        if row["status"] in PENDING:
            raise ApiError(
                404, f"job {job_id} has no results yet: it is {row['status']}", code=3251
            )
        if row["status"] == "Cancelled":
            raise ApiError(404, f"job {job_id} was cancelled and has no results", code=3251)
        return row["result"] or ""

    def interim_results(self, user: IbmUser, job_id: str) -> str:
        row = self._row(user, job_id)
        if row["interim"] is not None:
            return row["interim"]
        path = self.executor.job_dir(job_id) / "interim.jsonl"
        return path.read_text(encoding="utf-8") if path.exists() else ""

    def interim_progress(self, user: IbmUser, job_id: str) -> tuple[list[str], bool]:
        """(interim messages so far, whether the job is final), for the result stream.

        Only complete lines count: the runner appends one message per line, so a line
        without its newline is still being written. Once the job is final its messages are
        in the database (the job directory is removed), so they are read from there.
        """
        row = self._row(user, job_id)
        final = row["status"] not in PENDING
        text = row["interim"]
        if text is None and not final:
            path = self.executor.job_dir(job_id) / "interim.jsonl"
            try:
                text = path.read_text(encoding="utf-8")
            except FileNotFoundError:  # not published yet, or finished meanwhile
                text = ""
        return (text or "").split("\n")[:-1], final

    def logs(self, user: IbmUser, job_id: str) -> str:
        row = self._row(user, job_id)
        if row["logs"] is not None:
            return row["logs"]
        path = self.executor.job_dir(job_id) / "logs.txt"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def metrics(self, user: IbmUser, job_id: str) -> dict[str, Any]:
        row = self._row(user, job_id)
        started, finished = row["started_at"], row["finished_at"]
        seconds = round(finished - started, 3) if started and finished else 0
        queued = self._store.query_one(
            "SELECT COUNT(*) AS n FROM ibm_jobs WHERE status = 'Queued' AND created_at < ?",
            (row["created_at"],),
        )["n"]
        return {
            "timestamps": {
                "created": db.iso(row["created_at"]),
                "running": db.iso(started),
                "finished": db.iso(finished),
            },
            "bss": {"seconds": seconds},
            "usage": {"seconds": seconds, "quantum_seconds": seconds},
            "position_in_queue": queued if row["status"] == "Queued" else None,
            "estimated_start_time": None,
            "estimated_completion_time": None,
        }

    # -- writes --------------------------------------------------------------------------------
    def cancel(self, user: IbmUser, job_id: str) -> None:
        row = self._row(user, job_id)
        if not self._cancel_row(row["id"]):
            raise conflict(f"job {job_id} cannot be cancelled: it is already {row['status']}")

    def _cancel_row(self, job_id: str, reason: str = "Cancelled by the user.") -> bool:
        changed = self._store.execute(
            "UPDATE ibm_jobs SET status = 'Cancelled', reason = ?, finished_at = ? "
            "WHERE id = ? AND status IN ('Queued', 'Running')",
            (reason, db.now(), job_id),
        )
        if changed:
            self.executor.kill(job_id)
            self._finished(job_id)
        return bool(changed)

    def cancel_session_jobs(self, session_id: str) -> None:
        for row in self._store.query(
            "SELECT id FROM ibm_jobs WHERE session_id = ? AND status IN ('Queued','Running')",
            (session_id,),
        ):
            self._cancel_row(row["id"], "Cancelled because its session was cancelled.")

    def delete(self, user: IbmUser, job_id: str) -> None:
        """Delete a job; a queued or running one is cancelled first, as IBM's runtime did."""
        row = self._row(user, job_id)
        if row["status"] in PENDING:
            self._cancel_row(job_id, "Deleted by the user.")
        self._store.execute("DELETE FROM ibm_jobs WHERE id = ?", (job_id,))

    def update_tags(self, user: IbmUser, job_id: str, body: Any) -> None:
        self._row(user, job_id)
        body = validate(body, TAGS_UPDATE, "job tags")
        self._store.execute(
            "UPDATE ibm_jobs SET tags = ? WHERE id = ?", (json.dumps(body["tags"]), job_id)
        )

    def active_on(self, backend: str, instance: str) -> int:
        """Queued or running jobs of one instance on one backend (``/jobsLimit``)."""
        return self._store.query_one(
            "SELECT COUNT(*) AS n FROM ibm_jobs WHERE backend = ? AND instance = ?"
            " AND status IN ('Queued', 'Running')",
            (backend, instance),
        )["n"]

    def pending_on(self, backend: str) -> int:
        return self._store.query_one(
            "SELECT COUNT(*) AS n FROM ibm_jobs WHERE backend = ? AND status = 'Queued'",
            (backend,),
        )["n"]


def _parse_time(name: str, value: str) -> float:
    try:
        return db.epoch_of_iso(value)
    except ValueError:
        raise bad_request(f"invalid query parameter {name}: {value!r} is not ISO 8601") from None
