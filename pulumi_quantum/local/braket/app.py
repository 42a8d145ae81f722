"""The local Braket as a WSGI application.

Request pipeline: admin endpoints (``/_local/health``, ``/_local/faults``, unauthenticated on
loopback) -> route by the model -> SigV4 check -> fault knobs -> parse + validate by the model ->
the backend rule -> serialise by the model. Every failure on the way is a modelled Braket error.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qs, quote

from werkzeug.wrappers import Request, Response

from ..faults import Faults
from . import responses
from .auth import verify_sigv4
from .exceptions import (
    BraketError,
    InternalServiceException,
    NotImplementedOperation,
    ThrottlingException,
)
from .models import BraketBackend
from .urls import resolve

log = logging.getLogger(__name__)
_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")


def _raw_uri(environ: Mapping[str, Any]) -> str:
    """Path + query exactly as sent (werkzeug's PATH_INFO has %2F already decoded)."""
    raw = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if raw:
        return raw
    query = environ.get("QUERY_STRING")
    path = quote(
        environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""), safe="/~:@!$&'()*+,;="
    )
    return f"{path}?{query}" if query else path


class BraketApp:
    def __init__(
        self,
        backend: BraketBackend,
        faults: Faults,
        secrets: Callable[[], Mapping[str, str]],
        runner: Any = None,
    ) -> None:
        self.runner = runner
        self.backend = backend
        self.faults = faults
        self.secrets = secrets

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        request_id = str(uuid.uuid4())
        try:
            response = self._admin(request) or self._handle(request)
        except BraketError as error:
            status, headers, body = responses.serialize_error(error)
            response = Response(body, status=status, headers=headers)
        except Exception:
            log.exception("unhandled error in the local Braket (request %s)", request_id)
            status, headers, body = responses.serialize_error(
                InternalServiceException(
                    f"internal error in the local Braket (request {request_id})"
                )
            )
            response = Response(body, status=status, headers=headers)
        response.headers["x-amzn-RequestId"] = request_id
        return response(environ, start_response)

    def _admin(self, request: Request) -> Response | None:
        if request.path == "/_local/health":
            return Response(
                json.dumps({"status": "ok", "service": "braket"}), mimetype="application/json"
            )
        if request.path == "/_local/faults":
            if request.method == "POST":
                try:
                    self.faults.update(json.loads(request.get_data() or b"{}"))
                except (ValueError, TypeError) as exc:
                    return Response(
                        json.dumps({"message": str(exc)}), status=400, mimetype="application/json"
                    )
            return Response(json.dumps(self.faults.as_dict()), mimetype="application/json")
        if request.path == "/_local/runner" and self.runner is not None:
            if request.method == "POST":
                doc = json.loads(request.get_data() or b"{}")
                self.runner.pause(bool(doc.get("paused")))
            return Response(json.dumps({"paused": self.runner.paused}), mimetype="application/json")
        return None

    def _handle(self, request: Request) -> Response:
        raw_uri = _raw_uri(request.environ)
        raw_path, _, raw_query = raw_uri.partition("?")
        operation, labels = resolve(request.method, raw_path)
        body = request.get_data(cache=True)
        caller = verify_sigv4(
            method=request.method,
            url=f"http://{request.host}{raw_uri}",
            headers=request.headers,
            body=body,
            secrets=self.secrets(),
        )
        self.faults.delay()
        if self.faults.should_throttle():
            raise ThrottlingException("Rate exceeded")
        if self.faults.should_fail():
            raise InternalServiceException("injected internal error (local fault knob error_rate)")
        query = parse_qs(raw_query, keep_blank_values=True)
        params = responses.parse_request(operation, labels, query, request.headers, body)
        responses.validate(operation, params)
        handler = getattr(self.backend, _SNAKE.sub("_", operation.name).lower(), None)
        if handler is None:
            raise NotImplementedOperation(f"{operation.name} is not available in the local Braket")
        log.debug("%s by %s", operation.name, caller.access_key)
        result = handler(params)
        return Response(
            responses.serialize_output(operation, result),
            status=operation.http.get("responseCode", 200),
            mimetype="application/json",
        )
