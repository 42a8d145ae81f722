"""A thin REST client for the current IBM Quantum Platform's sessions (``/api/v1``).

It speaks what qiskit-ibm-runtime 0.44 speaks, without importing it (a second of import time
in every provider process, and no REST surface of its own for sessions by id):

* auth: the IBM Cloud API key is exchanged for an IAM bearer token at
  ``{IAM_URL}/identity/token`` (``grant_type=urn:ibm:params:oauth:grant-type:apikey``), as
  ``ibm_cloud_sdk_core``'s ``IAMTokenManager`` does; the token is cached in process memory
  until shortly before it expires and never stored anywhere else;
* every call carries ``Authorization: Bearer``, ``Service-CRN: <instance CRN>`` and
  ``IBM-API-Version``;
* sessions: ``POST /sessions {mode, backend, instance, max_ttl}``, ``GET /sessions/{id}``,
  close = ``PATCH /sessions/{id} {"accepting_jobs": false}``, cancel =
  ``DELETE /sessions/{id}/close``;
* usage: ``GET /instances/usage`` (IBM's ``GetUsageResponse``: ``usage_consumed_seconds``,
  ``usage_limit_seconds`` when the instance has a limit, ``usage_limit_reached``,
  ``usage_period``), what ``QiskitRuntimeService.usage()`` reads.

Retries, errors and redaction are the IBM clients' shared transport (:mod:`.ibm_http`: urllib3
``Retry``; typed errors whose text never contains the API key or the bearer token).
"""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Any

import requests
from urllib3.util import Retry

from .ibm_http import (
    DEFAULT_TIMEOUT,
    BadRequestError,
    IBMTransport,
    NotAuthorizedError,
    ServerError,
    TransportClient,
    json_object,
    server_message,
)
from .ibm_sessions import SessionCalls

API_VERSION = "2025-05-01"
"""The ``IBM-API-Version`` qiskit-ibm-runtime 0.44 sends."""
APIKEY_GRANT = "urn:ibm:params:oauth:grant-type:apikey"
_REFRESH_MARGIN = 60.0

# IAM tokens of this provider process keyed by (IAM URL, sha256 of the API key): memory only.
_TOKENS: dict[tuple[str, str], tuple[str, float]] = {}
_TOKENS_LOCK = threading.Lock()


class IBMPlatformClient(SessionCalls, TransportClient):
    """Sessions of one instance (CRN) on the current platform."""

    channel = "ibm_quantum_platform"

    def __init__(
        self,
        api_url: str,
        api_key: str,
        instance: str,
        *,
        iam_url: str,
        timeout: float = DEFAULT_TIMEOUT,
        retry: Retry | None = None,
    ) -> None:
        if not api_key:
            raise NotAuthorizedError(
                "no IBM Cloud API key: set stack config 'quantum:ibmApiKey' (as a secret: "
                "pulumi config set --secret quantum:ibmApiKey ...) or QISKIT_IBM_TOKEN"
            )
        if not instance or not instance.startswith("crn:"):
            raise BadRequestError(
                f"the IBM Quantum Platform names an instance by its CRN ('crn:v1:...'), got "
                f"{instance!r}: set quantum:ibmInstance or QISKIT_IBM_INSTANCE to the CRN"
            )
        self.url = api_url.rstrip("/")
        self.iam_url = iam_url.rstrip("/")
        self.instance = instance
        self._key = api_key
        self._bearer: str | None = None
        self.transport = IBMTransport(
            f"the IBM Quantum Platform at {self.url}",
            "Check the API key (quantum:ibmApiKey / QISKIT_IBM_TOKEN) and that it belongs to an "
            f"account owning instance {instance}",
            lambda: (self._key, self._bearer),
            timeout=timeout,
            retry=retry,
        )

    def __repr__(self) -> str:  # never show the key
        return f"IBMPlatformClient(url={self.url!r}, instance={self.instance!r})"

    # -- auth ---------------------------------------------------------------------------------
    @property
    def _cache_key(self) -> tuple[str, str]:
        return (self.iam_url, hashlib.sha256(self._key.encode()).hexdigest())

    def _token(self) -> str:
        with _TOKENS_LOCK:
            cached = _TOKENS.get(self._cache_key)
        if cached is not None and cached[1] - _REFRESH_MARGIN > time.time():
            self._bearer = cached[0]  # so that error messages redact it too
            return self._bearer
        what = "IAM token exchange"
        response = self.transport.request(
            "POST",
            f"{self.iam_url}/identity/token",
            what=what,
            where=f"IBM Cloud IAM at {self.iam_url}",
            raise_for_status=False,  # IAM's 4xx means the key: mapped here, not as a request's
            data={"grant_type": APIKEY_GRANT, "apikey": self._key},
            headers={"Accept": "application/json"},
        )
        if response.status_code >= 400:
            detail = self.transport.redact(server_message(response))
            if response.status_code in (400, 401, 403):
                raise NotAuthorizedError(
                    f"{what}: the API key was refused (HTTP {response.status_code}): {detail}. "
                    "Check quantum:ibmApiKey / QISKIT_IBM_TOKEN",
                    response.status_code,
                )
            raise ServerError(f"{what}: HTTP {response.status_code}: {detail}")
        body = json_object(response, what)
        token = body.get("access_token")
        if not token:
            raise ServerError(f"{what}: IAM answered no access_token")
        expiry = float(body.get("expiration") or time.time() + float(body.get("expires_in", 0)))
        with _TOKENS_LOCK:
            _TOKENS[self._cache_key] = (str(token), expiry)
        self._bearer = str(token)
        return self._bearer

    # -- transport ----------------------------------------------------------------------------
    def _request(self, method: str, path: str, *, what: str, **kwargs: Any) -> requests.Response:
        headers = {
            "Authorization": f"Bearer {self._token()}",
            "Service-CRN": self.instance,
            "IBM-API-Version": API_VERSION,
            "Accept": "application/json",
        }
        return self.transport.request(
            method, f"{self.url}{path}", what=what, headers=headers, **kwargs
        )

    def _api(self, method: str, path: str, *, what: str, **kwargs: Any) -> requests.Response:
        return self._request(method, path, what=what, **kwargs)  # paths: under the API URL

    # -- sessions -----------------------------------------------------------------------------
    def create_session(
        self,
        *,
        backend: str | None = None,
        instance: str | None = None,
        max_time: int | None = None,
        mode: str | None = None,
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {"mode": mode or "dedicated", "instance": self.instance}
        if backend:
            payload["backend"] = backend
        if max_time:
            payload["max_ttl"] = max_time
        what = f"open {payload['mode']} session on {backend!r}"
        return json_object(self._request("POST", "/sessions", what=what, json=payload), what)

    # -- the instance's usage -----------------------------------------------------------------
    def usage(self) -> dict[str, Any]:
        """The instance's usage and limit, as IBM reports them (``GET /instances/usage``)."""
        what = f"read the usage of instance {self.instance}"
        return json_object(self._request("GET", "/instances/usage", what=what), what)
