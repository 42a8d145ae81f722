"""A thin REST client for the Qiskit Runtime API (programs and sessions).

Why not qiskit-ibm-provider itself: it no longer has the ``/programs`` calls (those lived in
qiskit-ibmq-provider, which cannot be installed next to it), importing it costs about a second in
every provider process, and it retries with a hand-written loop. This client speaks the same wire
protocol as those clients:

* auth as ``IBMProvider(token=..., url=...)`` does it: ``POST {url}/users/loginWithToken
  {"apiToken": ...}`` → ``{"id": <access token>}``; ``GET {url}/users/me`` → service URLs; every
  runtime call carries ``X-Access-Token`` and goes to ``urls.services.runtime``;
* ``/programs`` as qiskit-ibmq-provider's runtime REST adapter calls it (``cost`` is the
  max execution time, data is base64 text, ``PUT /programs/{id}/data`` as octet-stream);
* ``/sessions`` as qiskit-ibm-provider's ``RuntimeSession`` adapter calls it.

Retries (429 and 5xx, exponential backoff, ``Retry-After`` honoured) are urllib3's ``Retry``
mounted on the ``requests`` session — library retry, not a loop here. Errors become typed
exceptions whose messages never contain the API token or the access token.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Mapping
from typing import Any, Self

import requests
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

from .._provider import ProviderError, redact

DEFAULT_TIMEOUT = 30.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# A POST that was throttled (429) or refused as unavailable (503) was not processed, so it is
# safe to send again; a POST answered with 500/502/504 may have been, so it is not retried.
_UNPROCESSED_STATUSES = frozenset({429, 503})


class IBMRuntimeError(ProviderError):
    """Base class of runtime API errors; ``status`` is the HTTP status (None: no response)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class NotAuthorizedError(IBMRuntimeError):
    """401/403: bad token, or the account may not do this."""


class NotFoundError(IBMRuntimeError):
    """404: the program or session does not exist (or is not visible to this account)."""


class DuplicateProgramError(IBMRuntimeError):
    """409: a program with this name already exists."""


class ThrottledError(IBMRuntimeError):
    """429 that persisted through every retry."""


class ServerError(IBMRuntimeError):
    """5xx that persisted through every retry, or no usable response at all."""


class BadRequestError(IBMRuntimeError):
    """400 and other 4xx: the service rejected the request's content."""


class _RuntimeRetry(Retry):
    """urllib3 Retry that also retries non-idempotent methods on 429/503 (never processed)."""

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if status_code in _UNPROCESSED_STATUSES and self.total:
            return True
        return super().is_retry(method, status_code, has_retry_after)


def make_retry(total: int = 5, backoff_factor: float = 0.5, backoff_max: float = 30.0) -> Retry:
    return _RuntimeRetry(
        total=total,
        connect=total,
        read=0,  # a request that reached the server may have been processed: do not resend
        status=total,
        backoff_factor=backoff_factor,
        backoff_max=backoff_max,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=Retry.DEFAULT_ALLOWED_METHODS,
        respect_retry_after_header=True,
        raise_on_status=False,  # hand the last response back so it is mapped to a typed error
    )


# Access tokens and runtime URLs of this provider process, keyed by (auth URL, sha256 of the API
# token): logging in costs two round trips, which per resource operation was a third of a large
# stack's IBM time. Process memory only — never pickled, never in state; a rejected cached token
# is dropped and the login redone once.
_LOGINS: dict[tuple[str, str], tuple[str, str | None]] = {}
_LOGINS_LOCK = threading.Lock()


class HttpClient:
    """What both IBM clients share: one pooled ``requests`` session with urllib3 ``Retry``
    (429/5xx backoff honouring ``Retry-After``), closed by ``close`` or a ``with`` block."""

    def _open_http(self, timeout: float, retry: Retry | None) -> None:
        self._timeout = timeout
        self._http = requests.Session()
        adapter = HTTPAdapter(max_retries=retry or make_retry())
        self._http.mount("http://", adapter)
        self._http.mount("https://", adapter)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class IBMRuntimeClient(HttpClient):
    """Programs and sessions of one account on one runtime service.

    ``url`` is the authentication URL (``QISKIT_IBM_URL``), exactly what ``IBMProvider(url=...)``
    takes. Login happens lazily on the first call.
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        instance: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry: Retry | None = None,
    ) -> None:
        if not token:
            raise NotAuthorizedError(
                "no IBM Quantum API token: set stack config 'quantum:ibmToken' (as a secret: "
                "pulumi config set --secret quantum:ibmToken ...) or QISKIT_IBM_TOKEN"
            )
        self.url = url.rstrip("/")
        self.instance = instance
        self._token = token
        self._access_token: str | None = None
        self._runtime_url: str | None = None
        self._from_cache = False
        self._open_http(timeout, retry)

    def __repr__(self) -> str:  # never show the token
        return f"IBMRuntimeClient(url={self.url!r}, instance={self.instance!r})"

    # -- transport ----------------------------------------------------------------------------
    def _request(
        self,
        method: str,
        url: str,
        *,
        what: str,
        auth: bool = True,
        **kwargs: Any,
    ) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if auth:
            headers["X-Access-Token"] = self._login()
        try:
            response = self._http.request(
                method, url, headers=headers, timeout=self._timeout, **kwargs
            )
        except requests.RequestException as exc:
            raise ServerError(
                f"{what}: cannot reach the IBM Quantum runtime at {self.url}: "
                f"{self._redact(type(exc).__name__ + ': ' + str(exc))}"
            ) from None
        if response.status_code == 401 and auth and self._from_cache:
            self._forget_login()
            return self._request(method, url, what=what, auth=auth, headers=headers, **kwargs)
        if response.status_code >= 400:
            raise self._error(response, what)
        return response

    @property
    def _cache_key(self) -> tuple[str, str]:
        return (self.url, hashlib.sha256(self._token.encode()).hexdigest())

    def _forget_login(self) -> None:
        with _LOGINS_LOCK:
            _LOGINS.pop(self._cache_key, None)
        self._access_token = self._runtime_url = None
        self._from_cache = False

    def _login(self) -> str:
        if self._access_token is None:
            with _LOGINS_LOCK:
                cached = _LOGINS.get(self._cache_key)
            if cached is not None:
                self._access_token, self._runtime_url = cached
                self._from_cache = True
                return self._access_token
            response = self._request(
                "POST",
                f"{self.url}/users/loginWithToken",
                what="login",
                auth=False,
                json={"apiToken": self._token},
            )
            access = _json(response, "login").get("id")
            if not access:
                raise NotAuthorizedError("login: the service returned no access token")
            self._access_token = str(access)
            with _LOGINS_LOCK:
                _LOGINS[self._cache_key] = (self._access_token, None)
        return self._access_token

    def _runtime(self, path: str) -> str:
        if self._runtime_url is None:
            me = _json(self._request("GET", f"{self.url}/users/me", what="login"), "login")
            urls = me.get("urls") or {}
            runtime = (urls.get("services") or {}).get("runtime") or urls.get("http")
            if not runtime:
                raise ServerError("login: the service did not say where its runtime API is")
            self._runtime_url = str(runtime).rstrip("/")
            with _LOGINS_LOCK:
                _LOGINS[self._cache_key] = (self._login(), self._runtime_url)
        return f"{self._runtime_url}{path}"

    def _redact(self, text: str) -> str:
        return redact(text, self._token, self._access_token)

    def _error(self, response: requests.Response, what: str) -> IBMRuntimeError:
        status = response.status_code
        detail = self._redact(_server_message(response))
        if status in (401, 403):
            verb = "is not authorised" if status == 403 else "was refused: the token is not valid"
            return NotAuthorizedError(
                f"{what}: the request {verb} (HTTP {status}): {detail}. Check the token "
                "(quantum:ibmToken / QISKIT_IBM_TOKEN) and instance (quantum:ibmInstance / "
                "QISKIT_IBM_INSTANCE)",
                status,
            )
        if status == 404:
            return NotFoundError(f"{what}: not found (HTTP 404): {detail}", status)
        if status == 409:
            return DuplicateProgramError(f"{what}: conflict (HTTP 409): {detail}", status)
        if status == 429:
            return ThrottledError(
                f"{what}: still throttled (HTTP 429) after retrying with backoff: {detail}",
                status,
            )
        if status >= 500:
            return ServerError(
                f"{what}: the service failed (HTTP {status}) after retrying with backoff: {detail}",
                status,
            )
        return BadRequestError(f"{what}: rejected (HTTP {status}): {detail}", status)

    # -- programs -----------------------------------------------------------------------------
    def create_program(
        self,
        *,
        data_base64: str,
        name: str,
        description: str,
        max_execution_time: int,
        is_public: bool = False,
        spec: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "name": name,
            "data": data_base64,
            "cost": max_execution_time,
            "description": description,
            "is_public": is_public,
        }
        if spec is not None:
            payload["spec"] = dict(spec)
        what = f"create program {name!r}"
        return _json(
            self._request("POST", self._runtime("/programs"), what=what, json=payload), what
        )

    def get_program(self, program_id: str) -> dict[str, Any]:
        what = f"read program {program_id!r}"
        return _json(
            self._request("GET", self._runtime(f"/programs/{program_id}"), what=what), what
        )

    def list_programs(self) -> list[dict[str, Any]]:
        """Every program visible to the account (pages through ``limit``/``offset``)."""
        programs: list[dict[str, Any]] = []
        while True:
            page = _json(
                self._request(
                    "GET",
                    self._runtime("/programs"),
                    what="list programs",
                    params={"limit": 100, "offset": len(programs)},
                ),
                "list programs",
            )
            batch = page.get("programs") or []
            programs.extend(batch)
            if not batch or len(programs) >= int(page.get("count", len(programs))):
                return programs

    def find_program_by_name(self, name: str) -> dict[str, Any] | None:
        return next((p for p in self.list_programs() if p.get("name") == name), None)

    def update_program_data(self, program_id: str, data_base64: str) -> None:
        self._request(
            "PUT",
            self._runtime(f"/programs/{program_id}/data"),
            what=f"update data of program {program_id!r}",
            data=data_base64,
            headers={"Content-Type": "application/octet-stream"},
        )

    def update_program_metadata(self, program_id: str, fields: Mapping[str, Any]) -> None:
        """PATCH name/description/max_execution_time/spec (only those given)."""
        payload = {("cost" if k == "max_execution_time" else k): v for k, v in fields.items()}
        if payload:
            self._request(
                "PATCH",
                self._runtime(f"/programs/{program_id}"),
                what=f"update metadata of program {program_id!r}",
                json=payload,
            )

    def set_program_visibility(self, program_id: str, public: bool) -> None:
        self._request(
            "PUT",
            self._runtime(f"/programs/{program_id}/{'public' if public else 'private'}"),
            what=f"make program {program_id!r} {'public' if public else 'private'}",
        )

    def delete_program(self, program_id: str) -> bool:
        """Delete; returns False when it was already gone (404 counts as success)."""
        try:
            self._request("DELETE", self._runtime(f"/programs/{program_id}"), what="delete program")
        except NotFoundError:
            return False
        return True

    # -- sessions -----------------------------------------------------------------------------
    def create_session(
        self,
        *,
        backend: str | None = None,
        instance: str | None = None,
        max_time: int | None = None,
        mode: str | None = None,
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {}
        if mode:
            payload["mode"] = mode
        if backend:
            payload["backend"] = backend
        if instance or self.instance:
            payload["instance"] = instance or self.instance
        if max_time:
            payload["max_session_ttl"] = max_time
        what = f"open session on {backend!r}"
        return _json(
            self._request("POST", self._runtime("/sessions"), what=what, json=payload), what
        )

    def get_session(self, session_id: str) -> dict[str, Any]:
        what = f"read session {session_id!r}"
        return _json(
            self._request("GET", self._runtime(f"/sessions/{session_id}"), what=what), what
        )

    def close_session(self, session_id: str) -> bool:
        """Stop accepting jobs; running jobs finish. False if already gone."""
        try:
            self._request(
                "PATCH",
                self._runtime(f"/sessions/{session_id}"),
                what=f"close session {session_id!r}",
                json={"accepting_jobs": False},
            )
        except NotFoundError:
            return False
        return True

    def cancel_session(self, session_id: str) -> bool:
        """Close now and cancel queued/running jobs. False if already gone."""
        try:
            self._request(
                "DELETE",
                self._runtime(f"/sessions/{session_id}/close"),
                what=f"cancel session {session_id!r}",
            )
        except NotFoundError:
            return False
        return True


def program_data_sha256(program: Mapping[str, Any]) -> str | None:
    """sha256 of the program *source* the service holds (its ``data`` is base64), if returned."""
    data = program.get("data")
    if not isinstance(data, str) or not data:
        return None
    try:
        raw = base64.b64decode(data.strip(), validate=True)
    except ValueError:
        return None
    return hashlib.sha256(raw).hexdigest()


def _json(response: requests.Response, what: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise ServerError(
            f"{what}: the service answered HTTP {response.status_code} with a body that is not JSON"
        ) from None
    if not isinstance(body, dict):
        raise ServerError(f"{what}: unexpected response shape ({type(body).__name__})")
    return body


def _server_message(response: requests.Response) -> str:
    """The server's own error text: ``{"error": {"message"}}`` or ``{"errors": [{"message"}]}``."""
    try:
        body = response.json()
    except ValueError:
        return (response.text or response.reason or "").strip()[:500]
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return "; ".join(str(e.get("message", e)) for e in errors)
        if isinstance(error, str):
            return error
    return str(body)[:500]
