"""Typed API errors of the local IBM runtime and their wire form.

qiskit-ibm-provider's ``RetrySession`` reads ``response.json()["error"]["message"]`` and
``["code"]`` into the exception text it raises; the runtime API proper answers
``{"errors": [{"code", "message", "more_info"}]}``. Every error body carries both shapes so
either generation of client reports the server's message instead of a bare status line.
"""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Response


class ApiError(Exception):
    """An error answered to the client as JSON with an HTTP status."""

    def __init__(
        self,
        status: int,
        message: str,
        code: int | str | None = None,
        name: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code if code is not None else status
        self.name = name or _DEFAULT_NAMES.get(status, "ERROR")
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "status": self.status,
                "code": self.code,
                "name": self.name,
                "message": self.message,
            },
            "errors": [{"code": self.code, "message": self.message}],
        }

    def response(self) -> Response:
        return Response(
            json.dumps(self.body()),
            status=self.status,
            mimetype="application/json",
            headers=self.headers,
        )


_DEFAULT_NAMES = {
    400: "BAD_REQUEST",
    401: "AUTHENTICATION_ERROR",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_SERVER_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


def bad_request(message: str, code: int | str = 400) -> ApiError:
    return ApiError(400, message, code=code)


def not_found(what: str, ident: str, code: int | str = 404) -> ApiError:
    return ApiError(404, f"{what} {ident!r} not found", code=code)


def forbidden(message: str) -> ApiError:
    return ApiError(403, message)


def conflict(message: str) -> ApiError:
    return ApiError(409, message)


def unavailable(message: str) -> ApiError:
    """A write the local cloud could not commit (disk full, read-only database): 503, as IBM's
    API answers when it cannot serve, with ``Retry-After`` for clients that honour it."""
    return ApiError(503, message, code="service_unavailable", headers={"Retry-After": "1"})
