"""Request limits in front of every local service: size, JSON depth, paging numbers.

One WSGI middleware, applied by the server to Braket, S3 and IBM alike, so a bad request is a
clear 4xx in the service's own error format instead of a 500 (RecursionError on deeply nested
JSON, OverflowError on a 20-digit offset) or a 50 MB body read before anyone checked who sent it:

* a body larger than the service's limit → 413, decided from Content-Length (or by reading at
  most one byte past the limit) *before* authentication reads anything. Admin endpoints
  (``/_local/...``) are bounded too, at :data:`MAX_ADMIN_BODY` (their bodies are a few fault
  knobs); a body sent without Content-Length (chunked) is read into a spooled file, never more
  than one byte past the limit, so memory stays bounded whatever the client sends;
* a JSON body nested deeper than :data:`MAX_JSON_DEPTH` → 400 naming the limit;
* a paging query parameter (``offset``, ``limit``, ``skip``, ``maxResults``) that is not a whole
  number from 0 to 2**31-1 → 400 naming the parameter.
"""

from __future__ import annotations

import io
import json
import math
import tempfile
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

MAX_JSON_BODY = 8 * 1024 * 1024
"""Braket and IBM requests: the largest real ones (a program upload) are a few hundred KB."""
MAX_S3_BODY = 256 * 1024 * 1024
"""S3 objects on the local cloud: task results are KBs; far below S3's 5 GB, on purpose."""
MAX_ADMIN_BODY = 64 * 1024
"""``/_local/*`` (faults, reservations, runner, STS expiry): a few small JSON fields."""
SPOOL_IN_MEMORY = 1024 * 1024
"""A body without Content-Length larger than this is spooled to disk while it is measured."""
MAX_GATEWAY_BODY = 51 * 1024 * 1024
"""The local Qiskit Functions gateway: a 50 MB artifact plus its form fields."""
MAX_JSON_DEPTH = 64
MAX_PAGING = 2**31 - 1
PAGING_PARAMS = ("offset", "limit", "skip", "maxResults")

Renderer = Callable[[int, str, str], tuple[list[tuple[str, str]], bytes]]


def braket_error(status: int, code: str, message: str) -> tuple[list[tuple[str, str]], bytes]:
    """AWS REST-JSON: boto3 reads the code from ``x-amzn-ErrorType``."""
    code = "ValidationException" if status == 400 else code
    headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)]
    return headers, json.dumps({"message": message}).encode()


def ibm_error(status: int, code: str, message: str) -> tuple[list[tuple[str, str]], bytes]:
    """Both shapes the IBM clients read (see ``local/ibm/errors.py``)."""
    body = {
        "error": {"code": code, "message": message, "status_code": status},
        "errors": [{"code": code, "message": message}],
    }
    return [("Content-Type", "application/json")], json.dumps(body).encode()


def s3_error(status: int, code: str, message: str) -> tuple[list[tuple[str, str]], bytes]:
    """S3's error XML (botocore parses ``Error/Code``)."""
    from xml.sax.saxutils import escape

    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error>"
    )
    return [("Content-Type", "application/xml")], body.encode()


_REASONS = {400: "400 Bad Request", 413: "413 Request Entity Too Large"}


def gateway_error(status: int, code: str, message: str) -> tuple[list[tuple[str, str]], bytes]:
    """qiskit-serverless's gateway: ``{"message": ...}`` (the client joins the values)."""
    return [("Content-Type", "application/json")], json.dumps({"message": message}).encode()


def json_depth_exceeds(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text nests arrays/objects deeper than ``limit`` (strings skipped).

    A byte scan, not a parse: json.loads itself is what recurses too deep.
    """
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth, in_string, escaped = 0, False, False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


def loads_json(text: str | bytes, what: str, *, finite: bool = False) -> Any:
    """``json.loads`` for text the middleware did not see (a JSON string inside a JSON field,
    an admin body): ``ValueError`` naming ``what`` instead of the ``RecursionError`` that deep
    nesting raises, and with ``finite`` also for ``Infinity``/``NaN``/``1e400``, which no
    knob or count can hold.
    """
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if json_depth_exceeds(raw):
        raise ValueError(f"{what}: the JSON nests deeper than {MAX_JSON_DEPTH} levels; flatten it")

    def refuse(constant: str) -> Any:
        raise ValueError(f"{what}: {constant} is not a JSON number")

    def number(literal: str) -> float:
        value = float(literal)
        if not math.isfinite(value):
            raise ValueError(f"{what}: {literal[:40]} is out of range")
        return value

    try:
        if finite:
            return json.loads(text, parse_constant=refuse, parse_float=number)
        return json.loads(text)
    except UnicodeDecodeError as exc:
        raise ValueError(f"{what}: not UTF-8 text ({exc.reason})") from None
    except ValueError as exc:
        if str(exc).startswith(what):
            raise
        raise ValueError(f"{what}: not valid JSON ({exc})") from None


def paging_problem(query: str) -> str | None:
    for name, values in parse_qs(query, keep_blank_values=True).items():
        if name not in PAGING_PARAMS:
            continue
        for value in values:
            if not (value.isascii() and value.isdigit() and int(value) <= MAX_PAGING):
                return f"{name} must be a whole number from 0 to {MAX_PAGING}, got {value[:40]!r}"
    return None


class RequestLimits:
    """WSGI middleware enforcing the limits above; ``render`` speaks the service's error form."""

    def __init__(
        self,
        app: Callable[..., Any],
        render: Renderer,
        *,
        max_body: int = MAX_JSON_BODY,
        json_bodies: bool = True,
    ) -> None:
        self.app, self.render, self.max_body, self.json_bodies = app, render, max_body, json_bodies

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable:
        problem = self._problem(environ)
        if problem is not None:
            status, code, message = problem
            headers, body = self.render(status, code, message)
            # The body was not read: tell the client not to reuse the connection for it.
            start_response(_REASONS[status], [*headers, ("Connection", "close")])
            return [body]
        return self.app(environ, start_response)

    def _problem(self, environ: dict[str, Any]) -> tuple[int, str, str] | None:
        admin = environ.get("PATH_INFO", "").startswith("/_local/")
        if not admin:
            query_problem = paging_problem(environ.get("QUERY_STRING", ""))
            if query_problem:
                return 400, "InvalidArgument", query_problem
        limit = MAX_ADMIN_BODY if admin else self.max_body
        length_text = environ.get("CONTENT_LENGTH") or ""
        try:
            length = int(length_text) if length_text else None
        except ValueError:
            return 400, "InvalidArgument", f"Content-Length {length_text[:20]!r} is not a number"
        too_big = (
            413,
            "EntityTooLarge",
            f"the request body is larger than this endpoint's limit of {limit} bytes",
        )
        if length is not None and length > limit:
            return too_big
        if length is None and environ.get("wsgi.input_terminated"):
            # No Content-Length (chunked): measure it, keeping at most limit + 1 bytes.
            body_file = _spool(environ["wsgi.input"], limit + 1)
            size = body_file.seek(0, io.SEEK_END)
            body_file.seek(0)
            if size > limit:
                return too_big
            environ["wsgi.input"], environ["CONTENT_LENGTH"] = body_file, str(size)
            length = size
        if admin or not self.json_bodies or not length:
            return None
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        if json_depth_exceeds(body):
            return (
                400,
                "InvalidArgument",
                f"the JSON body nests deeper than {MAX_JSON_DEPTH} levels; flatten it",
            )
        return None


def _spool(stream: Any, most: int) -> Any:
    """Copy at most ``most`` bytes of ``stream`` into a file kept in memory while it is small."""
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 (returned)
    left = most
    while left > 0:
        chunk = stream.read(min(left, 64 * 1024))
        if not chunk:
            break
        out.write(chunk)
        left -= len(chunk)
    return out


def guard(name: str, app: Callable[..., Any]) -> Callable[..., Any]:
    """The limits for service ``name`` (braket, s3, ibm, gateway) around its WSGI app."""
    if name == "s3":
        return RequestLimits(app, s3_error, max_body=MAX_S3_BODY, json_bodies=False)
    if name == "gateway":  # multipart uploads; JSON bodies are parsed with loads_json
        return RequestLimits(app, gateway_error, max_body=MAX_GATEWAY_BODY, json_bodies=False)
    return RequestLimits(app, braket_error if name == "braket" else ibm_error)
