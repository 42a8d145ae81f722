"""Functions and jobs of the local gateway: the rules behind each route, on SQLite.

Ownership follows IBM's gateway: a function belongs to its author, or to a provider when one
is given (only the provider's admins may upload it; every user may see and run it, as a
catalogue entry). ``programs/upload`` is an upsert keyed on that owner and the title: a second
upload replaces the first and keeps its id. A user sees their own functions and jobs only;
anything else answers exactly as an unknown title or id, so nothing leaks across tenants.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping
from typing import Any

import jsonschema

from ..ibm import db as ibm_db
from ..ibm.accounts import IbmUser
from ..ibm.errors import ApiError, bad_request, forbidden
from ..limits import loads_json
from ..store import Store
from . import rules
from .executor import ACTIVE, FunctionExecutor

SUB_STATUSES = ("MAPPING", "OPTIMIZING_HARDWARE", "WAITING_QPU", "EXECUTING_QPU", "POST_PROCESSING")
DEFAULT_PROVIDERS: Mapping[str, tuple[str, ...]] = {"local-provider": ("alice",)}
"""Providers of the local gateway and their admins (documented; loopback only)."""


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def not_found(message: str) -> ApiError:
    return ApiError(404, message)


def owner_of(user: IbmUser, provider: str | None) -> str:
    return f"provider:{provider}" if provider else user.name


class Functions:
    def __init__(
        self,
        store: Store,
        executor: FunctionExecutor,
        providers: Mapping[str, tuple[str, ...]] | None = None,
        time_limit: int = 3600,
    ) -> None:
        self._store = store
        self.executor = executor
        self.providers = dict(DEFAULT_PROVIDERS if providers is None else providers)
        self.time_limit = time_limit

    # -- functions -----------------------------------------------------------------------------
    def check_provider_admin(self, user: IbmUser, provider: str) -> None:
        if provider not in self.providers:
            raise not_found(f"provider {provider!r} does not exist")
        if user.name not in self.providers[provider]:
            raise forbidden(f"user {user.name!r} is not an admin of provider {provider!r}")

    def upload(self, user: IbmUser, form: Mapping[str, Any], artifact: bytes | None) -> dict:
        title = rules.title(form.get("title"))
        provider = form.get("provider") or None
        image = form.get("image") or None
        if provider:
            self.check_provider_admin(user, provider)
        elif image:
            raise bad_request("image: custom images are for provider functions; give a provider")
        entrypoint = form.get("entrypoint") or None
        if image is None:
            if artifact is None:
                raise bad_request("artifact: upload the function's folder as a tar (or an image)")
            rules.artifact(artifact, entrypoint or "")
        fields = {
            "entrypoint": entrypoint,
            "image": image,
            "runner": rules.runner(form.get("runner")),
            "artifact": artifact if image is None else None,
            "artifact_sha256": hashlib.sha256(artifact).hexdigest() if artifact else None,
            "dependencies": json.dumps(
                rules.dependencies(rules.json_field(form, "dependencies", list, []))
            ),
            "env_vars": json.dumps(rules.env_vars(rules.json_field(form, "env_vars", dict, {}))),
            "description": form.get("description") or "",
            "version": rules.version(form.get("version")),
            "arguments_schema": rules.arguments_schema(form.get("arguments_schema")),
        }
        owner, now = owner_of(user, provider), ibm_db.now()
        with self._store.transaction() as conn:
            row = conn.execute(
                "SELECT id FROM gw_functions WHERE owner = ? AND title = ?", (owner, title)
            ).fetchone()
            if row is None:
                function_id = ibm_db.new_id()
                conn.execute(
                    "INSERT INTO gw_functions (id, owner, author, provider, title, entrypoint,"
                    " image, runner, artifact, artifact_sha256, dependencies, env_vars,"
                    " description, version, arguments_schema, created_at, updated_at)"
                    " VALUES (:id, :owner, :author, :provider, :title, :entrypoint, :image,"
                    " :runner, :artifact, :artifact_sha256, :dependencies, :env_vars,"
                    " :description, :version, :arguments_schema, :now, :now)",
                    {
                        **fields,
                        "id": function_id,
                        "owner": owner,
                        "author": user.name,
                        "provider": provider,
                        "title": title,
                        "now": now,
                    },
                )
            else:
                function_id = row["id"]
                sets = ", ".join(f"{k} = :{k}" for k in fields)
                conn.execute(
                    f"UPDATE gw_functions SET {sets}, author = :author, updated_at = :now"
                    " WHERE id = :id",
                    {**fields, "id": function_id, "author": user.name, "now": now},
                )
        return self.describe(self._row(function_id))

    def _row(self, function_id: str) -> Any:
        return self._store.query_one("SELECT * FROM gw_functions WHERE id = ?", (function_id,))

    @staticmethod
    def describe(row: Any) -> dict[str, Any]:
        """The function as the gateway answers it (env vars are never returned: secrets)."""
        return {
            "id": row["id"],
            "title": row["title"],
            "provider": row["provider"],
            "entrypoint": row["entrypoint"],
            "image": row["image"],
            "runner": row["runner"],
            "dependencies": json.loads(row["dependencies"]),
            "description": row["description"],
            "version": row["version"],
            "type": row["type"],
            "schema": row["arguments_schema"],
            "artifact_sha256": row["artifact_sha256"],
            "created": ibm_db.iso(row["created_at"]),
            "updated": ibm_db.iso(row["updated_at"]),
        }

    def visible(self, user: IbmUser) -> list[dict[str, Any]]:
        rows = self._store.query(
            "SELECT * FROM gw_functions WHERE owner = ? OR provider IS NOT NULL"
            " ORDER BY provider IS NOT NULL, title",
            (user.name,),
        )
        return [self.describe(r) for r in rows]

    def find(self, user: IbmUser, title: Any, provider: str | None) -> Any:
        if isinstance(title, str) and "/" in title and not provider:
            provider, title = title.split("/", 1)
        row = self._store.query_one(
            "SELECT * FROM gw_functions WHERE owner = ? AND title = ?",
            (owner_of(user, provider), title),
        )
        if row is None:
            shown = f"{provider}/{title}" if provider else title
            raise not_found(f"Qiskit Function [{shown}] was not found")
        return row

    # -- jobs ----------------------------------------------------------------------------------
    def run(self, user: IbmUser, crn: str, body: Mapping[str, Any]) -> dict[str, Any]:
        function = self.find(user, body.get("title"), body.get("provider") or None)
        if function["image"]:
            raise bad_request(
                f"Qiskit Function [{function['title']}] runs a custom image; the local gateway"
                " runs functions uploaded with an entrypoint only"
            )
        text = body.get("arguments") or "{}"
        if not isinstance(text, str):
            raise bad_request("arguments: must be the arguments as JSON text")
        try:
            arguments = loads_json(text, "arguments")
        except ValueError as exc:
            raise bad_request(str(exc)) from None
        if function["arguments_schema"]:
            schema = json.loads(function["arguments_schema"])
            errors = sorted(
                jsonschema.validators.validator_for(schema)(schema).iter_errors(arguments),
                key=str,
            )
            if errors:
                raise bad_request(
                    "arguments: " + "; ".join(f"{e.json_path}: {e.message}" for e in errors)
                )
        job_id, token = ibm_db.new_id(), secrets.token_urlsafe(32)
        self._store.execute(
            "INSERT INTO gw_jobs (id, author, instance, function_id, arguments, token_sha256,"
            " status, time_limit, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                job_id,
                user.name,
                crn,
                function["id"],
                text,
                _sha256(token),
                "QUEUED",
                self.time_limit,
                ibm_db.now(),
            ),
        )
        self.event(job_id, "STATUS_CHANGE", "RUN", {"status": "QUEUED"})
        self.executor.submit(job_id, token)
        return {"id": job_id, "compute_profile": None}

    def job_row(self, user: IbmUser, job_id: str) -> Any:
        row = self._store.query_one(
            "SELECT * FROM gw_jobs WHERE id = ? AND author = ?", (job_id, user.name)
        )
        if row is None:
            raise not_found(f"Job [{job_id}] not found")
        return row

    def provider_job_row(self, user: IbmUser, job_id: str) -> Any:
        """Any user's job of a provider function, for that provider's admins (else 404)."""
        row = self._store.query_one(
            "SELECT j.*, f.provider FROM gw_jobs j JOIN gw_functions f ON f.id = j.function_id"
            " WHERE j.id = ?",
            (job_id,),
        )
        if row is None or user.name not in self.providers.get(row["provider"] or "", ()):
            raise not_found(f"Job [{job_id}] not found")
        return row

    def describe_job(self, row: Any, with_result: bool) -> dict[str, Any]:
        function = self._row(row["function_id"])
        return {
            "id": row["id"],
            "status": row["status"],
            "sub_status": row["sub_status"],
            "result": row["result"] if with_result else None,
            "program": self.describe(function) if function is not None else None,
            "created": ibm_db.iso(row["created_at"]),
            "updated": ibm_db.iso(row["finished_at"] or row["started_at"] or row["created_at"]),
            "compute_profile": None,
        }

    def jobs(
        self, user: IbmUser, query: Mapping[str, Any], provider: str | None = None
    ) -> dict[str, Any]:
        """The caller's jobs; with ``provider`` (its admins only) every user's jobs of it."""
        sql = "SELECT j.* FROM gw_jobs j JOIN gw_functions f ON f.id = j.function_id"
        if provider:
            sql += " WHERE f.provider = ?"
            params: list[Any] = [provider]
        else:
            sql += " WHERE j.author = ?"
            params = [user.name]
        if query.get("status"):
            sql += " AND j.status = ?"
            params.append(query["status"])
        if query.get("function"):
            sql += " AND f.title = ? AND f.provider IS ?"
            params += [query["function"], query.get("provider") or None]
        rows = self._store.query(sql + " ORDER BY j.created_at DESC", params)
        offset, limit = int(query.get("offset") or 0), int(query.get("limit") or 10)
        page = rows[offset : offset + limit]
        return {
            "count": len(rows),
            "next": None,
            "previous": None,
            "results": [self.describe_job(r, False) for r in page],
        }

    def logs(self, row: Any) -> str:
        if row["status"] == "RUNNING":
            live = self.executor.log_text(row["id"])
            if live is not None:
                return live
        return row["logs"]

    def stop(self, row: Any) -> str:
        changed = self._store.execute(
            "UPDATE gw_jobs SET status = 'STOPPED', finished_at = ?"
            f" WHERE id = ? AND status IN ({','.join('?' * len(ACTIVE))})",
            (ibm_db.now(), row["id"], *ACTIVE),
        )
        if not changed:
            return "Job already in terminal state."
        self.executor.kill(row["id"])
        self.event(row["id"], "STATUS_CHANGE", "STOP", {"status": "STOPPED"})
        return "Job has been stopped."

    # -- the job's own calls (job token) -------------------------------------------------------
    def job_for_token(self, token: str) -> Any:
        return self._store.query_one(
            "SELECT * FROM gw_jobs WHERE token_sha256 = ?", (_sha256(token),)
        )

    def save_result(self, job: Any, result: Any) -> None:
        if not isinstance(result, str):
            raise bad_request("result: send the result as JSON text in the 'result' form field")
        self._store.execute("UPDATE gw_jobs SET result = ? WHERE id = ?", (result, job["id"]))

    def sub_status(self, job: Any, value: Any) -> None:
        if value not in SUB_STATUSES:
            raise bad_request(f"sub_status: {value!r} is not one of {list(SUB_STATUSES)}")
        changed = self._store.execute(
            "UPDATE gw_jobs SET sub_status = ? WHERE id = ? AND status = 'RUNNING'",
            (value, job["id"]),
        )
        if not changed:
            raise ApiError(403, "sub_status can be set only while the job is running")
        self.event(job["id"], "STATUS_CHANGE", "SET_SUB_STATUS", {"sub_status": value})

    def add_runtime_job(self, job: Any, body: Any) -> None:
        """``associate_runtime_job_with_serverless_job``: a runtime job the function started."""
        runtime_job = body.get("runtime_job") if isinstance(body, dict) else None
        session = body.get("runtime_session") if isinstance(body, dict) else None
        if not isinstance(runtime_job, str) or not runtime_job:
            raise bad_request("runtime_job: give the runtime job's id as a string")
        if session is not None and not isinstance(session, str):
            raise bad_request("runtime_session: give the session's id as a string or null")
        self._store.execute(
            "INSERT OR IGNORE INTO gw_runtime_jobs (job_id, runtime_job, runtime_session,"
            " created_at) VALUES (?,?,?,?)",
            (job["id"], runtime_job, session, ibm_db.now()),
        )

    def runtime_jobs(self, row: Any) -> list[dict[str, Any]]:
        return [
            {"runtime_job": r["runtime_job"], "runtime_session": r["runtime_session"]}
            for r in self._store.query(
                "SELECT runtime_job, runtime_session FROM gw_runtime_jobs WHERE job_id = ?"
                " ORDER BY created_at",
                (row["id"],),
            )
        ]

    def event(self, job_id: str, kind: str, context: str, data: dict[str, Any]) -> None:
        origin = "API" if context in ("SEND_ERROR", "SET_SUB_STATUS", "STOP") else "SCHEDULER"
        event = {"event_type": kind, "origin": origin, "context": context, "data": data}
        with self._store.transaction() as conn:
            seq = conn.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM gw_job_events WHERE job_id = ?", (job_id,)
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO gw_job_events (job_id, seq, event, created_at) VALUES (?,?,?,?)",
                (job_id, seq, json.dumps(event), ibm_db.now()),
            )

    def events(self, row: Any, kind: str | None) -> list[dict[str, Any]]:
        out = []
        for ev in self._store.query(
            "SELECT event, created_at FROM gw_job_events WHERE job_id = ? ORDER BY seq",
            (row["id"],),
        ):
            event = {**json.loads(ev["event"]), "created": ibm_db.iso(ev["created_at"])}
            if kind is None or event["event_type"] == kind:
                out.append(event)
        return out
