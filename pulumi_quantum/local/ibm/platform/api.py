"""The current IBM Quantum Platform's REST API (``/api/v1``), as qiskit-ibm-runtime calls it.

Every request carries ``Service-CRN`` (the instance) and ``Authorization`` - ``Bearer <IAM
token>`` from :mod:`.iam`, or ``apikey <API key>``, the fallback qiskit-ibm-runtime's
``CloudAuth`` sends when it cannot reach IAM. A key whose account does not own the CRN is
answered 403 before anything is read or changed. Sessions share the legacy runtime's
implementation (:mod:`..sessions`, IBM's wire names); jobs share its table and executor and
run the V2 primitives (:mod:`.primitives`).
"""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Request, Response

from .. import backends, db
from ..accounts import Accounts, IbmUser
from ..errors import ApiError, bad_request, not_found
from ..jobs import JOB_NOT_FOUND_CODE, Jobs
from ..sessions import Sessions
from ..validation import MAX_TIME_LIMIT, json_body, validate
from . import job_budget, versions
from .primitives import PROGRAMS
from .usage import InstanceUsage

JOB_CREATE = {
    "type": "object",
    "properties": {
        "program_id": {"type": "string", "minLength": 1},
        "backend": {"type": "string", "minLength": 1},
        "params": {"type": "object"},
        "session_id": {"type": "string", "minLength": 1},
        "tags": {"type": "array", "items": {"type": "string"}},
        "cost": {"type": "integer", "minimum": 1, "maximum": MAX_TIME_LIMIT},
        "log_level": {"type": "string"},
        "runtime": {"type": "string"},
        "private": {"type": "boolean"},
        "start_session": {"type": "boolean"},
        "session_time": {"type": ["integer", "null"]},
        "calibration_id": {"type": "string"},
    },
    "required": ["program_id", "backend", "params"],
    "additionalProperties": False,
}
PRIMITIVE_TIME_LIMIT = 3 * 3600


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")


def _timestamp(field: str, text: str) -> float:
    """An ISO 8601 query value (the client sends UTC, ``…+00:00``) as epoch seconds."""
    try:
        return db.epoch_of_iso(text)
    except ValueError:
        raise bad_request(f"{field} must be an ISO 8601 date-time, got {text!r}") from None


def _no_content() -> Response:
    return Response(status=204)


class PlatformApi:
    def __init__(
        self,
        accounts: Accounts,
        sessions: Sessions,
        jobs: Jobs,
        usage: InstanceUsage | None = None,
    ) -> None:
        self.accounts = accounts
        self.sessions = sessions
        self.jobs = jobs
        self._store = jobs._store
        self.usage = usage or InstanceUsage(self._store)

    def caller(self, request: Request) -> IbmUser:
        """The user behind ``Authorization`` (IAM bearer token or ``apikey``)."""
        auth = request.headers.get("Authorization", "")
        if auth.lower().startswith("apikey "):
            user = self.accounts.user_for_api_key(auth[7:].strip())
            if user is None:
                raise ApiError(401, "Invalid API key.", name="AUTHENTICATION_ERROR")
            return user
        if not auth.lower().startswith("bearer "):
            raise ApiError(
                401,
                "Missing credentials: send 'Authorization: Bearer <IAM token>' (from the IAM "
                "token endpoint, POST /identity/token) or 'Authorization: apikey <API key>'.",
                name="AUTHENTICATION_ERROR",
            )
        if auth[7:].strip().count(".") != 2:  # IAM tokens are JWTs; legacy tokens are not
            raise ApiError(
                401,
                "Invalid bearer token: use an IAM access token (POST /identity/token with "
                "your API key); legacy IBM Quantum tokens are not accepted here.",
                name="AUTHENTICATION_ERROR",
            )
        user = self.accounts.iam_user(auth[7:].strip())
        if user is None:
            raise ApiError(
                401,
                "The IAM access token is expired or not valid: request a new one with your "
                "API key (POST /identity/token).",
                name="AUTHENTICATION_ERROR",
            )
        return user

    def authorize(self, request: Request) -> tuple[IbmUser, str]:
        """(caller, instance CRN) of an ``/api/v1`` request (its routes in ``..routes``):
        the API version, the credentials, then the instance, 403 before anything is read."""
        version = versions.resolve(request.headers.get("IBM-API-Version"))
        request.environ["pq.ibm_api_version"] = version
        user = self.caller(request)
        crn = request.headers.get("Service-CRN")
        if not crn:
            raise bad_request("missing Service-CRN header: name the instance by its CRN")
        self.accounts.check_instance(user, crn)  # 403 before anything is read or changed
        return user, crn

    # -- backends ------------------------------------------------------------------------------
    def _backends_list(self, request: Request, user: IbmUser, crn: str) -> Response:
        devices = []
        for name in backends.names():
            config = backends.configuration(name)
            devices.append(
                {
                    "name": name,
                    "status": {"name": "online", "reason": "available"},
                    "queue_length": self.jobs.pending_on(name),
                    "qubits": config["n_qubits"],
                    "is_simulator": bool(config.get("simulator")),
                    "processor_type": config.get("processor_type") or {},
                    "clops": None,
                    "performance_metrics": {},
                }
            )
        return _json({"devices": devices})

    def _backend_configuration(self, request: Request, user: IbmUser, crn: str, name: str):
        return _json(backends.configuration(name))

    def _backend_properties(self, request: Request, user: IbmUser, crn: str, name: str):
        return _json(backends.properties(name))

    def _backend_status(self, request: Request, user: IbmUser, crn: str, name: str):
        return _json(backends.status(name, self.jobs.pending_on(backends.require(name))))

    def _backend_defaults(self, request: Request, user: IbmUser, crn: str, name: str):
        backends.require(name)
        return _json({})

    # -- instance, its configuration and usage (see .usage) --------------------------------------
    def _usage(self, request: Request, user: IbmUser, crn: str) -> Response:
        return _json(self.usage.report(crn))

    def _instance(self, request: Request, user: IbmUser, crn: str) -> Response:
        return _json(self.usage.instance(crn, list(backends.names())))

    def _instance_configuration_get(self, request: Request, user: IbmUser, crn: str) -> Response:
        limit = self.usage.limit(crn)
        return _json({"instance_limit": None if limit is None else float(limit)})

    def _instance_configuration_put(self, request: Request, user: IbmUser, crn: str) -> Response:
        self.usage.configure(crn, json_body(request.get_data(), "instance configuration"))
        return _no_content()

    # -- sessions ------------------------------------------------------------------------------
    def _session_create(self, request: Request, user: IbmUser, crn: str) -> Response:
        body = json_body(request.get_data(), "session", allow_empty=True)
        if isinstance(body, dict) and body.get("instance") not in (None, crn):
            raise bad_request(
                f"session instance {body['instance']!r} differs from the Service-CRN header"
            )
        return _json(self.sessions.create(user, body, instance=crn), status=200)

    def _session_row(self, user: IbmUser, crn: str, sid: str) -> dict[str, Any]:
        details = self.sessions.get(user, sid)
        if details["instance"] != crn:
            raise not_found("session", sid)
        return details

    def _session_get(self, request: Request, user: IbmUser, crn: str, sid: str) -> Response:
        return _json(self._session_row(user, crn, sid))

    def _session_close(self, request: Request, user: IbmUser, crn: str, sid: str) -> Response:
        self._session_row(user, crn, sid)
        self.sessions.close(user, sid, json_body(request.get_data(), "session update"))
        return _no_content()

    def _session_cancel(self, request: Request, user: IbmUser, crn: str, sid: str) -> Response:
        self._session_row(user, crn, sid)
        self.sessions.cancel(user, sid)
        self.jobs.cancel_session_jobs(sid)
        return _no_content()

    # -- jobs ----------------------------------------------------------------------------------
    def _job_create(self, request: Request, user: IbmUser, crn: str) -> Response:
        body = validate(json_body(request.get_data(), "job"), JOB_CREATE, "job")
        program_id = body["program_id"]
        if program_id not in PROGRAMS:
            raise not_found("program", program_id)
        backend = backends.require(body["backend"])
        job_budget.check(program_id, backend, body["params"])  # before anything is created
        job_id = db.new_id()
        # The limit check and the job's insert are one write transaction (the store serialises
        # writes), so no other write - a limit lowered, a job started or finished - lands
        # between the decision and the job it admits; a session it starts commits with it.
        with self._store.transaction():
            self.usage.admit(crn)  # past the instance's usage limit: refused, nothing queued
            session_id = self._job_session(user, crn, body, backend, job_id)
            params_text = json.dumps(body["params"])
            self.jobs.executor.prepare(
                job_id,
                {
                    "job_id": job_id,
                    "program_id": program_id,
                    "backend": backend,
                    "params": params_text,
                    "platform": True,
                },
                None,
            )
            limit = min(body.get("cost") or PRIMITIVE_TIME_LIMIT, MAX_TIME_LIMIT)
            self.jobs.enqueue(
                job_id, user, crn, program_id, backend, session_id, params_text, body, limit
            )
        return _json({"id": job_id, "backend": backend, "session_id": session_id})

    def _job_session(
        self, user: IbmUser, crn: str, body: dict[str, Any], backend: str, job_id: str
    ) -> str | None:
        """The session a new job joins: one it starts (``start_session``), or the session it
        names once that session accepts it."""
        session_id = body.get("session_id")
        if body.get("start_session"):
            session_body: dict[str, Any] = {"backend": backend}
            if isinstance(body.get("session_time"), int):
                session_body["max_ttl"] = body["session_time"]
            return self.sessions.create(user, session_body, job_id, instance=crn)["id"]
        if session_id:
            self.sessions.check_accepts(user, session_id, backend, crn)
        return session_id

    def _job_row(self, user: IbmUser, crn: str, jid: str) -> Any:
        row = self.jobs._row(user, jid)
        if row["instance"] != crn:  # as an unknown id: jobs._row's error, same code
            raise not_found("job", jid, code=JOB_NOT_FOUND_CODE)
        return row

    def _versions(self, request: Request) -> Response:
        """``GET /api/v1/versions``: public, as IBM answers it (no credentials, no CRN)."""
        return _json(versions.listing())

    def _job_get(self, request: Request, user: IbmUser, crn: str, jid: str) -> Response:
        row = self._job_row(user, crn, jid)
        return _json(self.jobs.to_json(row, request.args.get("exclude_params") != "true"))

    def _jobs_list(self, request: Request, user: IbmUser, crn: str) -> Response:
        clauses, values = ["owner = ?", "instance = ?"], [user.name, crn]
        for arg, column in (("program", "program_id"), ("session_id", "session_id")):
            if request.args.get(arg):
                clauses.append(f"{column} = ?")
                values.append(request.args[arg])
        if request.args.get("backend"):
            clauses.append("backend = ?")
            values.append(request.args["backend"])
        for tag in request.args.getlist("tags"):  # a job matches when it has every tag
            clauses.append("EXISTS (SELECT 1 FROM json_each(tags) WHERE value = ?)")
            values.append(tag)
        bounds = {
            arg: _timestamp(arg, request.args[arg]) if request.args.get(arg) else None
            for arg in ("created_after", "created_before")
        }
        for clause, value in db.created_clauses(bounds["created_after"], bounds["created_before"]):
            clauses.append(clause)
            values.append(value)
        pending = request.args.get("pending")
        if pending in ("true", "false"):
            op = "IN" if pending == "true" else "NOT IN"
            clauses.append(f"status {op} ('Queued', 'Running')")
        where = " AND ".join(clauses)
        order = "ASC" if request.args.get("sort") == "ASC" else "DESC"
        limit = int(request.args.get("limit") or 200)
        offset = int(request.args.get("offset") or 0)
        count, rows = self._store.page(
            "ibm_jobs", where, values, f"created_at {order}", limit, offset
        )
        return _json({"jobs": [self.jobs.to_json(r, False) for r in rows], "count": count})

    def _job_delete(self, request: Request, user: IbmUser, crn: str, jid: str) -> Response:
        self._job_row(user, crn, jid)
        self.jobs.delete(user, jid)
        return _no_content()

    def _job_results(self, request: Request, user: IbmUser, crn: str, jid: str) -> Response:
        self._job_row(user, crn, jid)
        return Response(self.jobs.results(user, jid), mimetype="application/json")

    def _job_logs(self, request: Request, user: IbmUser, crn: str, jid: str) -> Response:
        self._job_row(user, crn, jid)
        return Response(self.jobs.logs(user, jid), mimetype="text/plain")

    def _job_metrics(self, request: Request, user: IbmUser, crn: str, jid: str) -> Response:
        row = self._job_row(user, crn, jid)
        final = row["status"] not in ("Queued", "Running")
        version = request.environ["pq.ibm_api_version"]
        return _json(versions.shape_metrics(self.jobs.metrics(user, jid), version, final))

    def _job_cancel(self, request: Request, user: IbmUser, crn: str, jid: str) -> Response:
        self._job_row(user, crn, jid)
        self.jobs.cancel(user, jid)
        return _no_content()

    def _job_tags(self, request: Request, user: IbmUser, crn: str, jid: str) -> Response:
        self._job_row(user, crn, jid)
        self.jobs.update_tags(user, jid, json_body(request.get_data(), "job tags"))
        return _no_content()
