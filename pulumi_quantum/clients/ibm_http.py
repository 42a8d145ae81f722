"""The one HTTP transport of the IBM clients: the legacy runtime's and the platform's.

Both clients (:mod:`.ibm_runtime`, :mod:`.ibm_platform`) send through :class:`IBMTransport`,
so they retry, time out, map errors and redact secrets the same way:

* retries (429 and 5xx, exponential backoff, ``Retry-After`` honoured) are urllib3's ``Retry``
  mounted on one pooled ``requests`` session - library retry, not a loop here. A POST is
  resent only on 429/503 (the service did not process it), never on 500/502/504;
* an HTTP error becomes a typed :class:`IBMRuntimeError` subclass carrying the status, with
  the service's own message and a hint naming the client's credential settings;
* every message is passed through :func:`~pulumi_quantum._provider.redact` with the client's
  secrets (API token or key, access or bearer token), so none reaches an exception, a log or
  Pulumi state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Self

import requests
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

from .._provider import ProviderError, redact

DEFAULT_TIMEOUT = 30.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# A POST that was throttled (429) or refused as unavailable (503) was not processed, so it is
# safe to send again; a POST answered with 500/502/504 may have been, so it is not retried.
UNPROCESSED_STATUSES = frozenset({429, 503})


class IBMRuntimeError(ProviderError):
    """Base class of IBM API errors; ``status`` is the HTTP status (None: no response)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class NotAuthorizedError(IBMRuntimeError):
    """401/403: bad credentials, or the account may not do this."""


class NotFoundError(IBMRuntimeError):
    """404: the program, session or job does not exist (or is not visible to this account)."""


class ConflictError(IBMRuntimeError):
    """409: the request conflicts with what exists (e.g. a program name already taken)."""


class ThrottledError(IBMRuntimeError):
    """429 that persisted through every retry."""


class ServerError(IBMRuntimeError):
    """5xx that persisted through every retry, or no usable response at all."""


class BadRequestError(IBMRuntimeError):
    """400 and other 4xx: the service rejected the request's content."""


class _IBMRetry(Retry):
    """urllib3 Retry that also retries non-idempotent methods on 429/503 (never processed)."""

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if status_code in UNPROCESSED_STATUSES and self.total:
            return True
        return super().is_retry(method, status_code, has_retry_after)


def make_retry(total: int = 5, backoff_factor: float = 0.5, backoff_max: float = 30.0) -> Retry:
    """The retry policy of both IBM clients (tests pass a faster one)."""
    return _IBMRetry(
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


class IBMTransport:
    """One pooled ``requests`` session with urllib3 ``Retry``, typed errors and redaction.

    ``where`` names the service in "cannot reach" messages (e.g. ``the IBM Quantum runtime at
    http://...``); ``credential_hint`` ends every 401/403 message (which settings to check);
    ``secrets()`` returns the values to redact, read at each error so a token obtained later
    is covered too.
    """

    def __init__(
        self,
        where: str,
        credential_hint: str,
        secrets: Callable[[], Iterable[str | None]],
        *,
        timeout: float = DEFAULT_TIMEOUT,
        retry: Retry | None = None,
    ) -> None:
        self.where = where
        self.timeout = timeout
        self._hint = credential_hint
        self._secrets = secrets
        self._http = requests.Session()
        adapter = HTTPAdapter(max_retries=retry or make_retry())
        self._http.mount("http://", adapter)
        self._http.mount("https://", adapter)

    def redact(self, text: str) -> str:
        return redact(text, *self._secrets())

    def request(
        self,
        method: str,
        url: str,
        *,
        what: str,
        where: str | None = None,
        raise_for_status: bool = True,
        **kwargs: Any,
    ) -> requests.Response:
        """Send with retries; an unreachable service is a :class:`ServerError`, an HTTP error
        (unless ``raise_for_status=False``) the typed error of :meth:`error`."""
        try:
            response = self._http.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise ServerError(
                f"{what}: cannot reach {where or self.where}: "
                f"{self.redact(type(exc).__name__ + ': ' + str(exc))}"
            ) from None
        if raise_for_status and response.status_code >= 400:
            raise self.error(response, what)
        return response

    def error(self, response: requests.Response, what: str) -> IBMRuntimeError:
        """The typed error of an HTTP error response, its text redacted."""
        status = response.status_code
        detail = self.redact(server_message(response))
        if status in (401, 403):
            verb = (
                "is not authorised" if status == 403 else "was refused: the credentials are invalid"
            )
            return NotAuthorizedError(
                f"{what}: the request {verb} (HTTP {status}): {detail}. {self._hint}", status
            )
        if status == 404:
            return NotFoundError(f"{what}: not found (HTTP 404): {detail}", status)
        if status == 409:
            return ConflictError(f"{what}: conflict (HTTP 409): {detail}", status)
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

    def close(self) -> None:
        self._http.close()


class TransportClient:
    """Base of the IBM clients: owns an :class:`IBMTransport`, closed by ``close`` or ``with``."""

    transport: IBMTransport

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def json_object(response: requests.Response, what: str) -> dict[str, Any]:
    """The response's JSON object; a :class:`ServerError` when it is not one."""
    try:
        body = response.json()
    except ValueError:
        raise ServerError(
            f"{what}: the service answered HTTP {response.status_code} with a body that is not JSON"
        ) from None
    if not isinstance(body, dict):
        raise ServerError(f"{what}: unexpected response shape ({type(body).__name__})")
    return body


def server_message(response: requests.Response) -> str:
    """The server's own error text: ``{"error": {"message"}}`` or ``{"errors": [{"message"}]}``
    (IBM's two error shapes), else the body's start. Not redacted: the transport redacts it."""
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
