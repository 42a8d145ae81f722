"""What the local S3 refuses before moto sees a request, read from botocore's S3 service model.

moto implements S3's happy paths; fed a body or parameter S3 itself refuses, parts of it raise
(a tagging document with the wrong root, ``partNumber=abc``, a policy that is not JSON, which
it then re-parses on every later request to the bucket) and the client saw a 500. The rules
here are S3's own answers, derived from the model botocore ships rather than listed by hand:

* every request body the model declares as an XML payload (``PUT ?tagging`` ->
  ``Tagging``, ``PUT ?lifecycle`` -> ``LifecycleConfiguration``, ``POST ?delete`` ->
  ``Delete``, ...) must have that root element and parse into its shape with every required
  member present (``MalformedXML`` otherwise);
* ``partNumber`` is a whole number from 1 to 10,000 (``InvalidArgument``), and an
  ``uploadId`` names an open upload (``NoSuchUpload``, checked by the caller);
* a bucket policy is a JSON object with statements S3 would accept (``MalformedPolicy``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

MALFORMED_XML = (
    "The XML you provided was not well-formed or did not validate against our published schema"
)
MAX_PART_NUMBER = 10_000
EMPTY_BODY = ("400 Bad Request", "MissingRequestBodyError", "Request Body is empty")
NO_SUCH_KEY = ("404 Not Found", "NoSuchKey", "The specified key does not exist.")
NO_SUCH_UPLOAD = (
    "The specified upload does not exist. The upload ID may be invalid, or the upload may have "
    "been aborted or completed."
)

Refusal = tuple[str, str, str]
"""(HTTP status line, S3 error code, message)."""


class Payload(NamedTuple):
    """An operation's XML request body: its root element and where the model describes it
    (``member`` None: the body is the input shape's own non-URI members, as SelectObject)."""

    root: str
    input_shape: Any
    member: str | None
    required: bool


def _sub_resource(operation: Any) -> str | None:
    """The query name in the ``requestUri`` (``?tagging``), else the required query-string
    member (CompleteMultipartUpload: ``uploadId``), else None."""
    query = operation.http["requestUri"].partition("?")[2]
    sub: str | None = re.split(r"[&=]", query)[0] or None
    shape = operation.input_shape
    if sub is None and shape is not None:
        sub = next(
            (
                m.serialization["name"]
                for n, m in shape.members.items()
                if m.serialization.get("location") == "querystring" and n in shape.required_members
            ),
            None,
        )
    return sub


@functools.cache
def _routes() -> dict[tuple[str, bool, str | None], bool]:
    """(method, has key, sub-resource) of every operation -> whether it reads a body."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("s3")
    routes: dict[tuple[str, bool, str | None], bool] = {}
    for name in model.operation_names:
        operation = model.operation_model(name)
        shape = operation.input_shape
        takes_body = shape is not None and (
            "payload" in shape.serialization
            or any(not m.serialization.get("location") for m in shape.members.values())
        )
        has_key = "{Key+}" in operation.http["requestUri"]
        route = (operation.http["method"], has_key, _sub_resource(operation))
        routes[route] = routes.get(route, False) or takes_body
    return routes


def post_refusal(has_key: bool, query: Mapping[str, Any]) -> Refusal | None:
    """S3 serves POST only with an operation's sub-resource (``?uploads``, ``?delete``...)."""
    routes = _routes()
    if any(("POST", has_key, name) in routes for name in query):
        return None
    return (
        "405 Method Not Allowed",
        "MethodNotAllowed",
        "The specified method is not allowed against this resource.",
    )


def ignores_body(method: str, has_key: bool, query: Mapping[str, Any]) -> bool:
    """Whether the operation reads no body (CreateMultipartUpload): S3 ignores one sent."""
    routes = _routes()
    matched = [routes[(method, has_key, n)] for n in query if (method, has_key, n) in routes]
    return bool(matched) and not any(matched)


def object_sub_resource(method: str, query: Mapping[str, Any]) -> str | None:
    """The sub-resource of an existing object this request addresses (``?tagging``, ``?acl``,
    ``?restore``...), None for the object itself or a multipart upload."""
    for name in query:
        if name not in ("uploads", "uploadId", "partNumber") and (method, True, name) in _routes():
            return name
    return None


@functools.cache
def _payloads() -> dict[tuple[str, bool, str | None], Payload]:
    """(method, has key, sub-resource) -> the XML payload it takes, from the model.

    The sub-resource is the query name in the operation's ``requestUri`` (``?tagging``), else
    its required query-string member (CompleteMultipartUpload: ``uploadId``), else None.
    """
    import botocore.session

    model = botocore.session.get_session().get_service_model("s3")
    table: dict[tuple[str, bool, str | None], Payload] = {}
    for name in model.operation_names:
        operation = model.operation_model(name)
        shape = operation.input_shape
        if operation.deprecated or shape is None:  # PutBucketLifecycle: successor, same URI
            continue
        payload = shape.serialization.get("payload")
        if payload is not None and shape.members[payload].type_name == "structure":
            member = shape.members[payload]
            root = member.serialization.get("name", member.name)
            found = Payload(root, shape, payload, payload in shape.required_members)
        elif payload is None and "name" in shape.serialization:  # body = the shape's members
            found = Payload(shape.serialization["name"], shape, None, True)
        else:
            continue
        has_key = "{Key+}" in operation.http["requestUri"]
        table[(operation.http["method"], has_key, _sub_resource(operation))] = found
    return table


def expected_payload(method: str, has_key: bool, query: Mapping[str, Any]) -> Payload | None:
    """The XML body this request must carry, None if it carries no XML."""
    table, routes = _payloads(), _routes()
    for name in query:
        if (method, has_key, name) in routes:  # an operation's sub-resource: its body or none
            return table.get((method, has_key, name))
    return table.get((method, has_key, None))  # other query names do not make an operation


def xml_problem(body: bytes, payload: Payload) -> str | None:
    """Why ``body`` is not a valid document for ``payload`` (None when it is; the caller
    handles an empty body)."""
    import xml.etree.ElementTree as ET

    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        return "DTDs and entity declarations are not allowed"  # stops entity expansion
    try:
        element = ET.fromstring(body)
    except ET.ParseError as exc:
        return str(exc)
    found, root = element.tag.rpartition("}")[2], payload.root
    if found != root:
        return f"the root element must be <{root}>, not <{found}>"
    if len(element) == 0 and not (element.text or "").strip():
        return f"<{root}> is empty"
    from botocore.parsers import ResponseParserError, RestXMLParser
    from botocore.validate import ParamValidator

    response = {"body": body, "headers": {}, "status_code": 200}
    shape = payload.input_shape
    try:
        parsed = RestXMLParser().parse(response, shape)
    except (ResponseParserError, ValueError, TypeError, KeyError, AttributeError) as exc:
        return f"<{root}> does not match its schema ({type(exc).__name__}: {exc})"
    if payload.member is None:  # only the body's members: the rest travel in the URI
        missing = [
            name
            for name in shape.required_members
            if not shape.members[name].serialization.get("location") and name not in parsed
        ]
        return f"<{root}> lacks {', '.join(missing)}" if missing else None
    report = ParamValidator().validate(
        parsed.get(payload.member, {}), shape.members[payload.member]
    )
    if report.has_errors():
        return report.generate_report().replace("\n", " ").strip()
    return None


def part_number_problem(query: Mapping[str, list[str]]) -> Refusal | None:
    for value in query.get("partNumber", []):
        if not (value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_PART_NUMBER):
            return (
                "400 Bad Request",
                "InvalidArgument",
                f"Part number must be an integer between 1 and {MAX_PART_NUMBER}, inclusive",
            )
    return None


_EFFECTS = ("Allow", "Deny")


def policy_problem(body: bytes) -> str | None:
    """Why a bucket policy is one S3 refuses (None when it is acceptable).

    S3 parses the policy at PutBucketPolicy; these are the grammar rules it reports first.
    """
    from .limits import loads_json

    if not body.lstrip().startswith(b"{"):
        return "Policies must be valid JSON and the first byte must be '{'"
    try:
        policy = loads_json(body, "policy", finite=True)
    except ValueError:
        return "Policies must be valid JSON and the first byte must be '{'"
    statements = policy.get("Statement")
    if statements is None:
        return "Missing required field Statement"
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        return "Statement must be a non-empty list of statement objects"
    for statement in statements:
        if not isinstance(statement, dict):
            return "Statement must be a non-empty list of statement objects"
        if statement.get("Effect") not in _EFFECTS:
            return f"Invalid effect: {str(statement.get('Effect'))[:40]}"
        for either in (("Principal", "NotPrincipal"), ("Action", "NotAction")):
            if not any(k in statement for k in either):
                return f"Missing required field {either[0]}"
        for field in ("Action", "NotAction", "Resource", "NotResource"):
            value = statement.get(field)
            values = [value] if isinstance(value, str) else value
            if value is not None and not (
                isinstance(values, list) and values and all(isinstance(v, str) for v in values)
            ):
                return f"{field} must be a string or a non-empty list of strings"
        if not any(k in statement for k in ("Resource", "NotResource")):
            return "Policy has invalid resource"
    return None
