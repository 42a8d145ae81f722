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
NO_SUCH_UPLOAD = (
    "The specified upload does not exist. The upload ID may be invalid, or the upload may have "
    "been aborted or completed."
)

Refusal = tuple[str, str, str]
"""(HTTP status line, S3 error code, message)."""


class Payload(NamedTuple):
    """An operation's XML request body: its root element and where the model describes it."""

    root: str
    input_shape: Any
    member: str


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
        if operation.deprecated:  # e.g. PutBucketLifecycle: its successor shares the URI
            continue
        shape = operation.input_shape
        payload = shape.serialization.get("payload") if shape is not None else None
        if payload is None or shape.members[payload].type_name != "structure":
            continue
        member = shape.members[payload]
        uri = operation.http["requestUri"]
        path, _, query = uri.partition("?")
        sub: str | None = re.split(r"[&=]", query)[0] or None
        if sub is None:
            sub = next(
                (
                    m.serialization["name"]
                    for n, m in shape.members.items()
                    if m.serialization.get("location") == "querystring"
                    and n in shape.required_members
                ),
                None,
            )
        root = member.serialization.get("name", member.name)
        table[(operation.http["method"], "{Key+}" in path, sub)] = Payload(root, shape, payload)
    return table


def expected_payload(method: str, has_key: bool, query: Mapping[str, Any]) -> Payload | None:
    """The XML body this request must carry, None if it carries no XML."""
    table = _payloads()
    for name in query:
        found = table.get((method, has_key, name))
        if found is not None:
            return found
    if not query:
        return table.get((method, has_key, None))
    return None


def xml_problem(body: bytes, payload: Payload) -> str | None:
    """Why ``body`` is not a valid document for ``payload`` (None when it is, or is empty:
    S3 answers a missing required body itself, and moto copes)."""
    if not body.strip():
        return None
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
    from botocore.parsers import ResponseParserError, RestXMLParser
    from botocore.validate import ParamValidator

    response = {"body": body, "headers": {}, "status_code": 200}
    try:
        parsed = RestXMLParser().parse(response, payload.input_shape).get(payload.member, {})
    except (ResponseParserError, ValueError, TypeError, KeyError, AttributeError) as exc:
        return f"<{root}> does not match its schema ({type(exc).__name__}: {exc})"
    report = ParamValidator().validate(parsed, payload.input_shape.members[payload.member])
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
