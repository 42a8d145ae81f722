"""WSGI application of the local IBM server: dispatch, auth, fault knobs, JSON errors.

One URL space serves what IBM split across hosts (auth, API and runtime): ``/users/me``
answers the same base URL for ``http`` and ``services.runtime``, so the client's three
sessions all land here. Every endpoint, of the legacy runtime and of the current platform
alike, is a row of the one route table (:mod:`.routes`): the app matches it, applies the
fault knobs, authenticates the caller as the row says and calls the row's handler. Handlers
are thin and call the service classes, which hold the rules.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import WebsocketMismatch
from werkzeug.wrappers import Request, Response

from ..faults import Faults
from ..store import StorageUnavailable, Store
from . import backends, db, platform, stream
from .accounts import Accounts, IbmUser
from .errors import ApiError, bad_request, unavailable
from .jobs import Jobs
from .programs import Programs, parse_paging
from .routes import Api, Auth, Route, Router
from .sessions import Sessions
from .validation import json_body

log = logging.getLogger(__name__)

API_VERSION = {
    "new_api": True,
    "api-auth": "0.1.0",
    "api-runtime": "0.1.0",
    "api-local": "pulumi-quantum",
}


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")


def _text(text: str) -> Response:
    return Response(text, status=200, mimetype="text/plain")


def _no_content() -> Response:
    return Response(status=204)


class IbmRuntimeApp:
    """The WSGI callable. ``close()`` stops job execution (called by the server on stop)."""

    def __init__(
        self,
        store: Store,
        faults: Faults,
        public_url_getter: Callable[[], str],
        users: Iterable[IbmUser] | None = None,
    ) -> None:
        db.migrate(store)
        self.store = store
        self.faults = faults
        self._public_url = public_url_getter
        self.accounts = Accounts(store, users)
        self.programs = Programs(store)
        self.sessions = Sessions(store, self.accounts)
        self.jobs = Jobs(store, self.accounts, self.programs, self.sessions)
        self._stopping = threading.Event()
        self.platform = platform.Platform(store, self.accounts, self.sessions, self.jobs, faults)
        self._router = Router()
        owners = {
            Api.ADMIN: self,
            Api.LEGACY: self,
            Api.PLATFORM: self.platform.api,
            Api.IAM: self.platform,
            Api.CATALOG: self.platform,
        }
        # Every route's handler is looked up once, here: a table row without one fails at start.
        self._handlers: dict[Route, Callable[..., Response]] = {
            route: getattr(owners[route.api], f"_{route.handler}") for route in self._router.routes
        }

    def close(self) -> None:
        self._stopping.set()  # ends open result streams
        self.jobs.executor.close()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        response = self._dispatch(request)
        return response(environ, start_response)

    # -- dispatch ------------------------------------------------------------------------------
    def _dispatch(self, request: Request) -> Response:
        try:
            if request.method == "CONNECT":  # someone uses this address as an HTTPS proxy
                self._apply_faults()
                raise self.platform.refuse_tunnel(request)
            route, args = self._router.match(request)
            if route.api is not Api.ADMIN:
                self._apply_faults()
            handler = self._handlers[route]
            if route.auth is Auth.ACCESS_TOKEN:
                return handler(request, self.accounts.authenticate(request.headers), **args)
            if route.auth is Auth.IAM:
                return handler(request, self.platform.api.caller(request), **args)
            if route.auth is Auth.IAM_INSTANCE:
                return handler(request, *self.platform.api.authorize(request), **args)
            return handler(request, **args)
        except ApiError as exc:
            return exc.response()
        except StorageUnavailable as exc:
            log.error(
                "local IBM runtime: %s %s not committed: %s", request.method, request.path, exc
            )
            return unavailable(f"{exc}; nothing was changed. Try again later.").response()
        except MethodNotAllowed as exc:
            return ApiError(
                405,
                f"method {request.method} not allowed on {request.path}; "
                f"allowed: {sorted(exc.valid_methods or [])}",
            ).response()
        except WebsocketMismatch:
            return ApiError(
                400,
                f"{request.path} is a WebSocket endpoint: connect with 'Upgrade: websocket'",
            ).response()
        except NotFound:
            return ApiError(404, f"no such endpoint: {request.method} {request.path}").response()
        except HTTPException as exc:
            return ApiError(exc.code or 500, exc.description or str(exc)).response()
        except Exception:
            log.exception(
                "local IBM runtime: unhandled error on %s %s", request.method, request.path
            )
            return ApiError(500, "internal error of the local IBM runtime").response()

    def _apply_faults(self) -> None:
        self.faults.delay()
        if self.faults.should_throttle():
            raise ApiError(
                429,
                "Too many requests (local fault injection: throttle_rate).",
                headers={"Retry-After": "1"},
            )
        if self.faults.should_fail():
            raise ApiError(500, "Internal server error (local fault injection: error_rate).")

    # -- admin ---------------------------------------------------------------------------------
    def _version(self, request: Request) -> Response:
        return _json(API_VERSION)

    def _health(self, request: Request) -> Response:
        problems = self.store.problems()
        if problems:
            return _json({"status": "unhealthy", "service": "ibm", "problems": problems}, 503)
        return _json({"status": "ok"})

    def _faults_get(self, request: Request) -> Response:
        return _json(self.faults.as_dict())

    def _faults_set(self, request: Request) -> Response:
        body = json_body(request.get_data(), "fault knobs")
        if not isinstance(body, dict):
            raise bad_request("invalid fault knobs: body must be a JSON object")
        try:
            self.faults.update(body)
        except ValueError as exc:
            raise bad_request(str(exc)) from None
        return _json(self.faults.as_dict())

    # -- accounts ------------------------------------------------------------------------------
    def _login(self, request: Request) -> Response:
        body = json_body(request.get_data(), "login")
        token = body.get("apiToken") if isinstance(body, dict) else None
        access_token, user = self.accounts.login(token)
        return _json(
            {"id": access_token, "ttl": 1209600, "userId": user.name, "created": db.iso(db.now())}
        )

    def _user_info(self, request: Request, user: IbmUser) -> Response:
        base = self._public_url().rstrip("/")
        ws = "ws" + base[4:] if base.startswith("http") else base
        return _json(
            {
                "id": user.name,
                "username": user.name,
                "urls": {"http": base, "ws": ws, "services": {"runtime": base}},
                "canScheduleBackends": False,
                "instances": list(user.instances),
            }
        )

    def _network(self, request: Request, user: IbmUser) -> Response:
        return _json(self.accounts.network(user))

    def _logout(self, request: Request, user: IbmUser) -> Response:
        return _no_content()

    # -- backends ------------------------------------------------------------------------------
    def _backends_list(self, request: Request, user: IbmUser) -> Response:
        provider = request.args.get("provider")
        if provider:
            self.accounts.check_instance(user, provider)
        return _json({"devices": backends.names()})

    def _backend_configuration(self, request: Request, user: IbmUser, name: str) -> Response:
        return _json(backends.configuration(name))

    def _backend_properties(self, request: Request, user: IbmUser, name: str) -> Response:
        return _json(backends.properties(name))

    def _backend_defaults(self, request: Request, user: IbmUser, name: str) -> Response:
        backends.require(name)
        return _json({})  # no pulse calibrations: the local backends are not pulse-enabled

    def _backend_status(self, request: Request, user: IbmUser, name: str) -> Response:
        return _json(backends.status(name, self.jobs.pending_on(backends.require(name))))

    # -- programs ------------------------------------------------------------------------------
    def _programs_list(self, request: Request, user: IbmUser) -> Response:
        limit, offset = parse_paging(request.args)
        return _json(self.programs.list(user, limit, offset))

    def _program_create(self, request: Request, user: IbmUser) -> Response:
        body = json_body(request.get_data(), "program")
        return _json(self.programs.create(user, body), status=201)

    def _program_get(self, request: Request, user: IbmUser, pid: str) -> Response:
        return _json(self.programs.get(user, pid))

    def _program_update(self, request: Request, user: IbmUser, pid: str) -> Response:
        self.programs.update(user, pid, json_body(request.get_data(), "program update"))
        return _no_content()

    def _program_delete(self, request: Request, user: IbmUser, pid: str) -> Response:
        self.programs.delete(user, pid)
        return _no_content()

    def _program_data(self, request: Request, user: IbmUser, pid: str) -> Response:
        self.programs.update_data(user, pid, request.get_data())
        return _no_content()

    def _program_public(self, request: Request, user: IbmUser, pid: str) -> Response:
        self.programs.set_public(user, pid, True)
        return _no_content()

    def _program_private(self, request: Request, user: IbmUser, pid: str) -> Response:
        self.programs.set_public(user, pid, False)
        return _no_content()

    # -- sessions ------------------------------------------------------------------------------
    def _session_create(self, request: Request, user: IbmUser) -> Response:
        body = json_body(request.get_data(), "session", allow_empty=True)
        return _json(self.sessions.create(user, body), status=201)

    def _session_get(self, request: Request, user: IbmUser, sid: str) -> Response:
        return _json(self.sessions.get(user, sid))

    def _session_close(self, request: Request, user: IbmUser, sid: str) -> Response:
        self.sessions.close(user, sid, json_body(request.get_data(), "session update"))
        return _no_content()

    def _session_cancel(self, request: Request, user: IbmUser, sid: str) -> Response:
        self.sessions.cancel(user, sid)
        self.jobs.cancel_session_jobs(sid)
        return _no_content()

    # -- jobs ----------------------------------------------------------------------------------
    def _job_create(self, request: Request, user: IbmUser) -> Response:
        return _json(self.jobs.submit(user, json_body(request.get_data(), "job")))

    def _jobs_list(self, request: Request, user: IbmUser) -> Response:
        return _json(self.jobs.list(user, request.args))

    def _job_get(self, request: Request, user: IbmUser, jid: str) -> Response:
        exclude = request.args.get("exclude_params") == "true"
        return _json(self.jobs.get(user, jid, exclude_params=exclude))

    def _job_delete(self, request: Request, user: IbmUser, jid: str) -> Response:
        self.jobs.delete(user, jid)
        return _no_content()

    def _job_results(self, request: Request, user: IbmUser, jid: str) -> Response:
        return _text(self.jobs.results(user, jid))

    def _job_interim(self, request: Request, user: IbmUser, jid: str) -> Response:
        return _text(self.jobs.interim_results(user, jid))

    def _job_logs(self, request: Request, user: IbmUser, jid: str) -> Response:
        return _text(self.jobs.logs(user, jid))

    def _job_metrics(self, request: Request, user: IbmUser, jid: str) -> Response:
        return _json(self.jobs.metrics(user, jid))

    def _job_cancel(self, request: Request, user: IbmUser, jid: str) -> Response:
        self.jobs.cancel(user, jid)
        return _no_content()

    def _job_tags(self, request: Request, user: IbmUser, jid: str) -> Response:
        self.jobs.update_tags(user, jid, json_body(request.get_data(), "job tags"))
        return _no_content()

    def _job_type(self, request: Request, user: IbmUser, jid: str) -> Response:
        self.jobs.get(user, jid, exclude_params=True)  # 404/403 as for the job itself
        return _json({"type": "RUNTIME"})

    # -- qiskit-ibmq-provider 0.20: hub/group/project backends, result stream -----------------
    def _hgp(self, user: IbmUser, hub: str, group: str, project: str) -> str:
        return self.accounts.check_instance(user, f"{hub}/{group}/{project}")

    def _hgp_devices(self, request: Request, user: IbmUser, **hgp: str) -> Response:
        self._hgp(user, **hgp)
        return _json(backends.configurations())

    def _hgp_properties(self, request: Request, user: IbmUser, name: str, **hgp: str) -> Response:
        self._hgp(user, **hgp)
        return _json(backends.properties(name))

    def _hgp_defaults(self, request: Request, user: IbmUser, name: str, **hgp: str) -> Response:
        self._hgp(user, **hgp)
        return self._backend_defaults(request, user, name)

    def _hgp_status(self, request: Request, user: IbmUser, name: str, **hgp: str) -> Response:
        self._hgp(user, **hgp)
        return _json(backends.queue_status(name, self.jobs.pending_on(backends.require(name))))

    def _hgp_jobs_limit(self, request: Request, user: IbmUser, name: str, **hgp: str) -> Response:
        instance = self._hgp(user, **hgp)
        return _json(
            backends.job_limit(name, self.jobs.active_on(backends.require(name), instance))
        )

    def _job_stream(self, request: Request, user: IbmUser, jid: str) -> Response:
        return stream.stream_job(
            request, lambda: self.jobs.interim_progress(user, jid), self._stopping
        )
