"""The local Braket as a WSGI application.

Request pipeline: admin endpoints (``/_local/health``, ``/_local/faults``,
``/_local/reservations``, unauthenticated on loopback) and Braket's public offer file
(``offers.OFFER_PATH``, unauthenticated as AWS's is) -> route by the model -> SigV4 check (its
credential scope's region becomes the request's region) -> fault knobs -> parse + validate by the
model -> the backend rule -> serialise by the model. Every failure on the way is the error AWS
sends for it (modelled Braket errors, or AWS's SigV4 errors).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qs, quote

from werkzeug.wrappers import Request, Response

from ..faults import Faults
from ..store import StorageUnavailable
from . import responses
from .auth import SessionLookup, verify_sigv4
from .devices import REQUEST_REGION
from .exceptions import (
    BraketError,
    InternalServiceException,
    NotImplementedOperation,
    StorageUnavailableException,
    ThrottlingException,
    ValidationException,
)
from .models import BraketBackend
from .offers import OFFER_PATH, offer_file
from .pulse import CALIBRATIONS_PATH, REQUEST_ENDPOINT, native_gate_calibrations
from .urls import resolve

log = logging.getLogger(__name__)
_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")


def raw_uri(environ: Mapping[str, Any]) -> str:
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
        sessions: SessionLookup | None = None,
    ) -> None:
        self.runner = runner
        self.sessions = sessions
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
        except StorageUnavailable as exc:
            log.error("Braket request %s not committed: %s", request_id, exc)
            status, headers, body = responses.serialize_error(StorageUnavailableException(str(exc)))
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
            problems = self.runner.problems() if self.runner is not None else []
            problems += self.backend.store.problems()
            return Response(
                json.dumps(
                    {"status": "unhealthy", "service": "braket", "problems": problems}
                    if problems
                    else {"status": "ok", "service": "braket"}
                ),
                status=503 if problems else 200,
                mimetype="application/json",
            )
        if request.path == "/_local/faults":
            if request.method == "POST":
                try:
                    self.faults.update_json(request.get_data())
                except (ValueError, TypeError) as exc:
                    return Response(
                        json.dumps({"message": str(exc)}), status=400, mimetype="application/json"
                    )
            return Response(json.dumps(self.faults.as_dict()), mimetype="application/json")
        if request.path == "/_local/reservations":
            return self._reservations(request)
        if request.path == OFFER_PATH and request.method in ("GET", "HEAD"):
            return Response(offer_file(), mimetype="text/csv")
        if request.path.startswith(CALIBRATIONS_PATH) and request.method == "GET":
            return self._calibrations(request.path[len(CALIBRATIONS_PATH) :])
        if request.path == "/_local/runner" and self.runner is not None:
            if request.method == "POST":
                try:
                    doc = _admin_object(request.get_data(), "runner")
                except ValueError as exc:
                    return Response(
                        json.dumps({"message": str(exc)}), status=400, mimetype="application/json"
                    )
                self.runner.pause(bool(doc.get("paused")))
            return Response(json.dumps({"paused": self.runner.paused}), mimetype="application/json")
        return None

    def _calibrations(self, device_path: str) -> Response:
        """The native gate calibrations a pulse-capable QPU's ``nativeGateCalibrationsRef``
        names (a presigned S3 URL on AWS; see pulse.py)."""
        for device in self.backend.devices.values():
            qpu = device.qpu
            if qpu and qpu.family == "rigetti" and device.arn.endswith(f"/qpu/{device_path}"):
                body = json.dumps(native_gate_calibrations(qpu))
                return Response(body, mimetype="application/json")
        message = f"no native gate calibrations for {device_path!r}"
        return Response(json.dumps({"message": message}), status=404, mimetype="application/json")

    def _reservations(self, request: Request) -> Response:
        """Braket Direct reservations, which AWS sells through its console: a local window.

        ``POST {"deviceArn", "startAt", "endAt"}`` (ISO 8601 or epoch seconds; default: now,
        for one hour) -> ``{"reservationArn": ...}``; ``GET`` lists them.
        """
        if request.method != "POST":
            body = {"reservations": self.backend.reservations.list()}
            return Response(json.dumps(body), mimetype="application/json")
        try:
            doc = _admin_object(request.get_data(), "reservation")
            start = _when(doc.get("startAt"), default=time.time())
            end = _when(doc.get("endAt"), default=start + 3600)
            arn = self.backend.reservations.create(str(doc.get("deviceArn")), start, end)
        except (ValueError, TypeError, OverflowError, BraketError) as exc:
            message = exc.message if isinstance(exc, BraketError) else str(exc)
            return Response(
                json.dumps({"message": message}), status=400, mimetype="application/json"
            )
        body = {"reservationArn": arn, "deviceArn": doc["deviceArn"], "startAt": start,
                "endAt": end}  # fmt: skip
        return Response(json.dumps(body), status=201, mimetype="application/json")

    def _handle(self, request: Request) -> Response:
        uri = raw_uri(request.environ)
        raw_path, _, raw_query = uri.partition("?")
        operation, labels = resolve(request.method, raw_path)
        body = request.get_data(cache=True)
        caller = verify_sigv4(
            method=request.method,
            url=f"http://{request.host}{uri}",
            headers=request.headers,
            body=body,
            secrets=self.secrets(),
            sessions=self.sessions,
        )
        REQUEST_REGION.set(caller.region)
        # The address this server is bound to (loopback), never a client-supplied Host header.
        REQUEST_ENDPOINT.set(
            f"http://{request.environ['SERVER_NAME']}:{request.environ['SERVER_PORT']}"
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


def _admin_object(raw: bytes, what: str) -> dict[str, Any]:
    """An admin endpoint's JSON object body (empty: ``{}``); ValueError naming ``what``."""
    from ..limits import loads_json

    doc = loads_json(raw or b"{}", what, finite=True)
    if not isinstance(doc, dict):
        raise ValueError(f"{what}: the body must be a JSON object, got {type(doc).__name__}")
    return doc


def _when(value: Any, default: float) -> float:
    """Epoch seconds from an ISO 8601 string or a number (None -> default)."""
    if value is None:
        return default
    if isinstance(value, int | float):
        return float(value)
    when = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if when.tzinfo is None:
        raise ValidationException(f"{value!r}: give a time zone (e.g. 2030-01-01T10:00:00Z)")
    return when.timestamp()
