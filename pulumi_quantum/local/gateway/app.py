"""WSGI application of the local gateway: routing, authentication, the client's wire shapes.

Every user request carries ``Authorization: Bearer <IBM Cloud API key>`` (or an IAM token of
the local platform), ``Service-CRN`` (one of the key's instances) and ``Service-Channel``, as
qiskit-serverless's ``get_headers`` sends them. A running job calls back (``result``,
``sub_status``, ``event``) with the token the executor gave it, which opens that job only.
Errors answer ``{"message": ...}``: the client joins the body's values into its exception.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Request, Response

from ..ibm.accounts import Accounts, IbmUser
from ..ibm.errors import ApiError, bad_request, forbidden
from ..limits import loads_json
from ..store import StorageUnavailable, Store
from . import db, rules
from .executor import FunctionExecutor, files_dir
from .functions import Functions

log = logging.getLogger(__name__)

CHANNELS = ("ibm_quantum_platform", "ibm_cloud")
_P = "/api/v1"
_RULES = [
    ("GET", "/_local/health", "health", "none"),
    ("GET", f"{_P}/dependencies-versions", "dependencies", "user"),
    ("GET", f"{_P}/programs", "programs", "user"),
    ("POST", f"{_P}/programs/upload", "upload", "user"),
    ("GET", f"{_P}/programs/get_by_title/<path:title>", "get_by_title", "user"),
    ("POST", f"{_P}/programs/run", "run", "user"),
    ("GET", f"{_P}/jobs", "jobs", "user"),
    ("GET", f"{_P}/jobs/provider", "provider_jobs", "user"),
    ("GET", f"{_P}/jobs/<jid>", "job", "user"),
    ("GET", f"{_P}/jobs/<jid>/logs", "logs", "user"),
    ("GET", f"{_P}/jobs/<jid>/provider-logs", "provider_logs", "user"),
    ("POST", f"{_P}/jobs/<jid>/stop", "stop", "user"),
    ("GET", f"{_P}/jobs/<jid>/events", "events", "user"),
    ("GET", f"{_P}/jobs/<jid>/runtime_jobs", "runtime_jobs", "user"),
    ("POST", f"{_P}/jobs/<jid>/runtime_jobs", "add_runtime_job", "job"),
    ("GET", f"{_P}/jobs/<jid>/result", "job_result", "user"),
    ("POST", f"{_P}/jobs/<jid>/result", "save_result", "job"),
    ("PATCH", f"{_P}/jobs/<jid>/sub_status", "sub_status", "job"),
    ("POST", f"{_P}/jobs/<jid>/event", "send_event", "job"),
    ("GET", f"{_P}/files", "files_list", "user"),
    ("POST", f"{_P}/files/upload", "files_upload", "user"),
    ("GET", f"{_P}/files/download", "files_download", "user"),
    ("DELETE", f"{_P}/files/delete", "files_delete", "user"),
    ("GET", f"{_P}/files/provider", "files_list", "provider"),
    ("POST", f"{_P}/files/provider/upload", "files_upload", "provider"),
    ("GET", f"{_P}/files/provider/download", "files_download", "provider"),
    ("DELETE", f"{_P}/files/provider/delete", "files_delete", "provider"),
]


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")


def _error(exc: ApiError) -> Response:
    return Response(
        json.dumps({"message": exc.message}),
        status=exc.status,
        mimetype="application/json",
        headers=exc.headers,
    )


def _bearer(request: Request) -> str:
    auth = request.headers.get("Authorization", "")
    if not auth.lower().startswith("bearer ") or not auth[7:].strip():
        raise ApiError(401, "Authentication credentials were not provided: send 'Bearer <API key>'")
    return auth[7:].strip()


class GatewayApp:
    def __init__(
        self,
        store: Store,
        accounts: Accounts,
        public_url: Callable[[], str],
        time_limit: int = 3600,
        platform_env: Callable[[], dict[str, str]] = dict,
    ) -> None:
        db.migrate(store)
        self.store = store
        self.accounts = accounts
        self.executor = FunctionExecutor(store, accounts, public_url, self._event, platform_env)
        self.functions = Functions(store, self.executor, time_limit=time_limit)
        self._map = Map(
            [
                Rule(path, methods=[m], endpoint=(name, auth), defaults={"scope": auth})
                for m, path, name, auth in _RULES
            ],
            strict_slashes=False,
        )

    def _event(self, job_id: str, kind: str, context: str, data: dict[str, Any]) -> None:
        self.functions.event(job_id, kind, context, data)

    def close(self) -> None:
        self.executor.close()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        return self._dispatch(Request(environ))(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        try:
            (name, auth), args = self._map.bind_to_environ(request.environ).match()
            handler = getattr(self, f"_{name}")
            if auth == "none":
                return handler(request)
            if auth == "job":
                return handler(request, self._job_caller(request, args["jid"]))
            return handler(request, self._user(request), **args)
        except ApiError as exc:
            return _error(exc)
        except StorageUnavailable as exc:
            return _error(ApiError(503, f"{exc}; nothing was changed. Try again later."))
        except MethodNotAllowed as exc:
            allowed = sorted(exc.valid_methods or [])
            return _error(ApiError(405, f"{request.method} not allowed; allowed: {allowed}"))
        except NotFound:
            return _error(ApiError(404, f"no such endpoint: {request.method} {request.path}"))
        except HTTPException as exc:
            return _error(ApiError(exc.code or 500, exc.description or str(exc)))
        except Exception:
            log.exception("local gateway: unhandled error on %s %s", request.method, request.path)
            return _error(ApiError(500, "internal error of the local gateway"))

    # -- authentication --------------------------------------------------------------------------
    def _user(self, request: Request) -> IbmUser:
        bearer = _bearer(request)
        user = self.accounts.user_for_api_key(bearer)
        if user is None and bearer.count(".") == 2:
            user = self.accounts.iam_user(bearer)
        if user is None:
            raise ApiError(401, "Invalid token: use an IBM Cloud API key of the local platform")
        channel = request.headers.get("Service-Channel")
        if channel is not None and channel not in CHANNELS:
            raise bad_request(f"Service-Channel: {channel!r} is not one of {list(CHANNELS)}")
        crn = request.headers.get("Service-CRN")
        if not crn:
            raise ApiError(401, "Service-CRN header is missing: send your instance's CRN")
        if crn not in user.crns:
            raise forbidden(f"the API key has no access to instance {crn!r}")
        return user

    def _job_caller(self, request: Request, job_id: str) -> Any:
        job = self.functions.job_for_token(_bearer(request))
        if job is None or job["id"] != job_id:
            raise ApiError(403, "this token does not belong to the job")
        if job["status"] != "RUNNING":  # the token ends with the job
            raise ApiError(403, f"job {job_id} is {job['status']}: its token is no longer valid")
        return job

    # -- admin -----------------------------------------------------------------------------------
    def _health(self, request: Request) -> Response:
        problems = self.store.problems()
        return _json(
            {"status": "unhealthy" if problems else "ok", "problems": problems},
            503 if problems else 200,
        )

    # -- functions -------------------------------------------------------------------------------
    def _dependencies(self, request: Request, user: IbmUser, scope: str) -> Response:
        return _json(list(rules.allow_list()))

    def _programs(self, request: Request, user: IbmUser, scope: str) -> Response:
        return _json(self.functions.visible(user))

    def _upload(self, request: Request, user: IbmUser, scope: str) -> Response:
        upload = request.files.get("artifact")
        data = upload.read(rules.MAX_ARTIFACT_BYTES + 1) if upload is not None else None
        return _json(self.functions.upload(user, request.form, data))

    def _get_by_title(self, request: Request, user: IbmUser, title: str, scope: str) -> Response:
        row = self.functions.find(user, title, request.args.get("provider") or None)
        return _json(self.functions.describe(row))

    def _run(self, request: Request, user: IbmUser, scope: str) -> Response:
        try:
            body = loads_json(request.get_data(), "body", finite=True)
        except ValueError as exc:
            raise bad_request(str(exc)) from None
        if not isinstance(body, dict):
            raise bad_request("the body must be a JSON object with title and arguments")
        return _json(self.functions.run(user, request.headers["Service-CRN"], body))

    # -- jobs ------------------------------------------------------------------------------------
    def _jobs(self, request: Request, user: IbmUser, scope: str) -> Response:
        return _json(self.functions.jobs(user, request.args))

    def _provider_jobs(self, request: Request, user: IbmUser, scope: str) -> Response:
        provider = request.args.get("provider")
        if not provider:
            raise bad_request("provider: give the provider whose jobs to list")
        self.functions.check_provider_admin(user, provider)
        return _json(self.functions.jobs(user, request.args, provider=provider))

    def _job(self, request: Request, user: IbmUser, jid: str, scope: str) -> Response:
        row = self.functions.job_row(user, jid)
        with_result = request.args.get("with_result", "true").lower() != "false"
        return _json(self.functions.describe_job(row, with_result))

    def _job_result(self, request: Request, user: IbmUser, jid: str, scope: str) -> Response:
        """The result alone (what qiskit-serverless 0.33+ reads; older clients read it from the
        job): ``{"result": <JSON text>}``, or 204 while there is none."""
        result = self.functions.job_row(user, jid)["result"]
        return Response(status=204) if result is None else _json({"result": result})

    def _logs(self, request: Request, user: IbmUser, jid: str, scope: str) -> Response:
        return _json({"logs": self.functions.logs(self.functions.job_row(user, jid))})

    def _provider_logs(self, request: Request, user: IbmUser, jid: str, scope: str) -> Response:
        row = self.functions.provider_job_row(user, jid)
        return _json({"logs": self.functions.logs(row)})

    def _stop(self, request: Request, user: IbmUser, jid: str, scope: str) -> Response:
        return _json({"message": self.functions.stop(self.functions.job_row(user, jid))})

    def _events(self, request: Request, user: IbmUser, jid: str, scope: str) -> Response:
        row = self.functions.job_row(user, jid)
        return _json(self.functions.events(row, request.args.get("type") or None))

    def _runtime_jobs(self, request: Request, user: IbmUser, jid: str, scope: str) -> Response:
        row = self.functions.job_row(user, jid)
        return _json({"runtime_jobs": self.functions.runtime_jobs(row)})

    def _add_runtime_job(self, request: Request, job: Any) -> Response:
        try:
            body = loads_json(request.get_data(), "body")
        except ValueError as exc:
            raise bad_request(str(exc)) from None
        self.functions.add_runtime_job(job, body)
        return _json({"id": job["id"]})

    def _save_result(self, request: Request, job: Any) -> Response:
        self.functions.save_result(job, request.form.get("result"))
        return _json({"id": job["id"]})

    def _sub_status(self, request: Request, job: Any) -> Response:
        self.functions.sub_status(job, request.form.get("sub_status"))
        return _json({"id": job["id"]})

    def _send_event(self, request: Request, job: Any) -> Response:
        try:
            body = loads_json(request.get_data(), "body")
        except ValueError as exc:
            raise bad_request(str(exc)) from None
        if not isinstance(body, dict) or body.get("type") != "ERROR":
            raise bad_request("an event is a JSON object with type 'ERROR'")
        data = {k: body.get(k) for k in ("code", "message", "exception", "args")}
        self.functions.event(job["id"], "ERROR", "SEND_ERROR", data)
        return _json({"id": job["id"]})

    # -- files -----------------------------------------------------------------------------------
    def _folder(self, request: Request, user: IbmUser, scope: str) -> Path:
        title, provider = request.args.get("function"), request.args.get("provider") or None
        function = self.functions.find(user, title, provider)
        if scope == "provider":
            if not function["provider"]:
                raise bad_request("provider files exist for provider functions only")
            self.functions.check_provider_admin(user, function["provider"])
            return files_dir(self.store, f"provider:{function['provider']}", None, title)
        return files_dir(self.store, user.name, function["provider"], function["title"])

    @staticmethod
    def _file(folder: Path, name: Any) -> Path:
        clean = secure_filename(name or "")
        if not clean or clean != name or not re.match(r"^[\w.-]+$", clean):
            raise bad_request(f"file: {name!r} is not a plain file name")
        return folder / clean

    def _files_list(self, request: Request, user: IbmUser, scope: str) -> Response:
        folder = self._folder(request, user, scope)
        names = sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
        return _json({"results": names})

    def _files_upload(self, request: Request, user: IbmUser, scope: str) -> Response:
        folder = self._folder(request, user, scope)
        upload = request.files.get("file")
        if upload is None:
            raise bad_request("file: send the file as the multipart field 'file'")
        target = self._file(folder, upload.filename)
        folder.mkdir(parents=True, exist_ok=True)
        upload.save(target)
        return _json({"message": f"{target.name} uploaded"})

    def _files_download(self, request: Request, user: IbmUser, scope: str) -> Response:
        target = self._file(self._folder(request, user, scope), request.args.get("file"))
        if not target.is_file():
            raise ApiError(404, f"file {target.name!r} not found")
        return Response(target.read_bytes(), mimetype="application/octet-stream")

    def _files_delete(self, request: Request, user: IbmUser, scope: str) -> Response:
        target = self._file(self._folder(request, user, scope), request.args.get("file"))
        if not target.is_file():
            raise ApiError(404, f"file {target.name!r} not found")
        target.unlink()
        return _json({"message": "Requested file was deleted."})
