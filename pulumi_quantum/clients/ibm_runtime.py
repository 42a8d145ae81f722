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

Transport - urllib3 ``Retry`` (429 and 5xx, ``Retry-After`` honoured), typed errors, and
messages that never contain the API token or the access token - is the IBM clients' shared
:mod:`.ibm_http`; this module adds the legacy login and the calls.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Mapping
from typing import Any

import requests
from urllib3.util import Retry

from .ibm_http import (
    DEFAULT_TIMEOUT,
    RETRY_STATUSES,
    BadRequestError,
    ConflictError,
    IBMRuntimeError,
    IBMTransport,
    NotAuthorizedError,
    NotFoundError,
    ServerError,
    ThrottledError,
    TransportClient,
    json_object,
    make_retry,
)
from .ibm_sessions import SessionCalls

__all__ = [
    "DEFAULT_TIMEOUT",
    "RETRY_STATUSES",
    "BadRequestError",
    "DuplicateProgramError",
    "IBMRuntimeClient",
    "IBMRuntimeError",
    "NotAuthorizedError",
    "NotFoundError",
    "ServerError",
    "ThrottledError",
    "make_retry",
    "program_data_sha256",
]

DuplicateProgramError = ConflictError
"""409 on ``POST /programs``: a program with this name already exists."""

# Access tokens and runtime URLs of this provider process, keyed by (auth URL, sha256 of the API
# token): logging in costs two round trips, which per resource operation was a third of a large
# stack's IBM time. Process memory only — never pickled, never in state; a rejected cached token
# is dropped and the login redone once.
_LOGINS: dict[tuple[str, str], tuple[str, str | None]] = {}
_LOGINS_LOCK = threading.Lock()


class IBMRuntimeClient(SessionCalls, TransportClient):
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
        self.transport = IBMTransport(
            f"the IBM Quantum runtime at {self.url}",
            "Check the token (quantum:ibmToken / QISKIT_IBM_TOKEN) and instance "
            "(quantum:ibmInstance / QISKIT_IBM_INSTANCE)",
            lambda: (self._token, self._access_token),
            timeout=timeout,
            retry=retry,
        )

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
            return self.transport.request(method, url, what=what, headers=headers, **kwargs)
        except NotAuthorizedError as exc:
            if exc.status != 401 or not auth or not self._from_cache:
                raise
        self._forget_login()  # a cached access token the service no longer accepts
        return self._request(method, url, what=what, auth=auth, headers=headers, **kwargs)

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
            access = json_object(response, "login").get("id")
            if not access:
                raise NotAuthorizedError("login: the service returned no access token")
            self._access_token = str(access)
            with _LOGINS_LOCK:
                _LOGINS[self._cache_key] = (self._access_token, None)
        return self._access_token

    def _api(self, method: str, path: str, *, what: str, **kwargs: Any) -> requests.Response:
        return self._request(method, self._runtime(path), what=what, **kwargs)

    def _runtime(self, path: str) -> str:
        if self._runtime_url is None:
            me = json_object(self._request("GET", f"{self.url}/users/me", what="login"), "login")
            urls = me.get("urls") or {}
            runtime = (urls.get("services") or {}).get("runtime") or urls.get("http")
            if not runtime:
                raise ServerError("login: the service did not say where its runtime API is")
            self._runtime_url = str(runtime).rstrip("/")
            with _LOGINS_LOCK:
                _LOGINS[self._cache_key] = (self._login(), self._runtime_url)
        return f"{self._runtime_url}{path}"

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
        return json_object(
            self._request("POST", self._runtime("/programs"), what=what, json=payload), what
        )

    def get_program(self, program_id: str) -> dict[str, Any]:
        what = f"read program {program_id!r}"
        return json_object(
            self._request("GET", self._runtime(f"/programs/{program_id}"), what=what), what
        )

    def list_programs(self) -> list[dict[str, Any]]:
        """Every program visible to the account (pages through ``limit``/``offset``)."""
        programs: list[dict[str, Any]] = []
        while True:
            page = json_object(
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
        return json_object(
            self._request("POST", self._runtime("/sessions"), what=what, json=payload), what
        )


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
