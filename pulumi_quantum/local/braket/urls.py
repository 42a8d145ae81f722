"""Routing: (HTTP method, raw path) -> operation, built from the model's ``http`` traits.

Labels are matched on the *raw* (still percent-encoded) path: boto3 encodes ``/`` inside an ARN
label as ``%2F``, and decoding before matching would split the ARN into path segments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from urllib.parse import unquote

from botocore.model import OperationModel

from .exceptions import UnknownOperation
from .service_model import service_model

_LABEL = re.compile(r"\{([A-Za-z0-9_]+)(\+?)\}")


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    operation: OperationModel


def _compile(request_uri: str) -> re.Pattern[str]:
    path = request_uri.split("?", 1)[0]
    out, last = [], 0
    for m in _LABEL.finditer(path):
        out.append(re.escape(path[last : m.start()]))
        out.append(f"(?P<{m.group(1)}>{'.+' if m.group(2) else '[^/]+'})")
        last = m.end()
    out.append(re.escape(path[last:]))
    return re.compile("".join(out) + r"/?\Z")


@cache
def routes() -> tuple[Route, ...]:
    model = service_model()
    table = []
    for name in model.operation_names:
        op = model.operation_model(name)
        table.append(Route(op.http["method"], _compile(op.http["requestUri"]), op))
    # Literal routes before label routes, longer before shorter, so /x/{a}/cancel beats /x/{a}.
    table.sort(key=lambda r: (r.pattern.pattern.count("(?P<"), -len(r.pattern.pattern)))
    return tuple(table)


def resolve(method: str, raw_path: str) -> tuple[OperationModel, dict[str, str]]:
    """Find the operation for a request; returns it with its decoded URI labels."""
    for route in routes():
        if route.method != method:
            continue
        m = route.pattern.match(raw_path)
        if m:
            return route.operation, {k: unquote(v) for k, v in m.groupdict().items()}
    raise UnknownOperation(f"no Braket operation is served at {method} {raw_path}")
