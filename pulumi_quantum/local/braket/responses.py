"""Wire format of the local Braket, driven entirely by botocore's braket service model.

* ``parse_request``: URI labels, query string, headers and the JSON body become the operation's
  input parameters, typed per the input shape (botocore's own rest-json parser does the body).
* ``validate``: botocore's ``ParamValidator`` (required members, types, minimums) plus the
  constraints it leaves out (maximum lengths/values, enums, patterns), checked generically over the
  shape tree so every operation gets the same rules boto3's model documents.
* ``serialize_output`` / ``serialize_error``: Python results back to rest-json per the output
  shape (timestamps in the format each shape declares) and errors as AWS sends them.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from botocore.model import OperationModel, Shape
from botocore.parsers import RestJSONParser
from botocore.validate import ParamValidator

from ...documented_rules import prose_problem
from .exceptions import BraketError, ValidationException


def parse_request(
    operation: OperationModel,
    labels: Mapping[str, str],
    query: Mapping[str, list[str]],
    headers: Mapping[str, str],
    body: bytes,
) -> dict[str, Any]:
    shape = operation.input_shape
    if shape is None:
        return {}
    if body.strip():
        try:
            document = json.loads(body)
        except ValueError as exc:
            raise ValidationException(f"request body is not valid JSON: {exc}") from None
        if not isinstance(document, dict):
            raise ValidationException("request body must be a JSON object")
        from ...service_model import body_problems  # the preview's checks, one truth

        problems = body_problems(operation.name, document)
        if problems:
            raise ValidationException(
                f"{len(problems)} validation error(s) in {operation.name}: " + "; ".join(problems)
            )
    try:
        params = RestJSONParser().parse(
            {"body": body or b"{}", "headers": dict(headers), "status_code": 200}, shape
        )
    except (ValueError, TypeError) as exc:
        raise ValidationException(f"request body does not match {shape.name}: {exc}") from None
    params.pop("ResponseMetadata", None)
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if location == "uri" and wire in labels:
            params[name] = labels[wire]
        elif location == "querystring" and wire in query:
            values = query[wire]
            params[name] = (
                [_scalar(member.member, v, name) for v in values]
                if member.type_name == "list"
                else _scalar(member, values[-1], name)
            )
    return params


def _scalar(shape: Shape, raw: str, field: str) -> Any:
    try:
        if shape.type_name in ("integer", "long"):
            return int(raw)
        if shape.type_name in ("float", "double"):
            return float(raw)
        if shape.type_name == "boolean":
            return raw.lower() == "true"
    except ValueError:
        raise ValidationException(f"{field}: {raw!r} is not a valid {shape.type_name}") from None
    return raw


def model_errors(operation: OperationModel, params: dict[str, Any]) -> list[str]:
    """Every way ``params`` break the operation's input constraints in the model (any service:
    the local STS uses it too)."""
    shape = operation.input_shape
    if shape is None:
        return []
    errors: list[str] = []
    report = ParamValidator().validate(params, shape)
    if report.has_errors():
        errors.extend(
            line.strip() for line in report.generate_report().splitlines() if line.strip()
        )
    _constraints(shape, params, "", errors)  # all failures at once, not the first kind only
    return errors


def validate(operation: OperationModel, params: dict[str, Any]) -> None:
    """Raise ValidationException naming every field that breaks the model's constraints."""
    errors = model_errors(operation, params)
    if errors:
        raise ValidationException(
            f"{len(errors)} validation error(s) in {operation.name}: " + "; ".join(errors)
        )


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _constraints(shape: Shape, value: Any, path: str, errors: list[str]) -> None:
    """Max length/value, enum, pattern and documented rules (botocore's validator checks only
    minimums and types; a value of the wrong type is skipped here, it has its own error)."""
    meta = shape.metadata
    name = path or shape.name
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        for member, member_shape in shape.members.items():
            if member in value and value[member] is not None:
                sub = f"{path}.{member}" if path else member
                _constraints(member_shape, value[member], sub, errors)
    elif kind == "list" and isinstance(value, list | tuple):
        if "max" in meta and len(value) > meta["max"]:
            errors.append(f"{name}: at most {meta['max']} items allowed, got {len(value)}")
        for i, item in enumerate(value):
            _constraints(shape.member, item, f"{name}[{i}]", errors)
    elif kind == "map" and isinstance(value, dict):
        if "max" in meta and len(value) > meta["max"]:
            errors.append(f"{name}: at most {meta['max']} entries allowed, got {len(value)}")
        for key, item in value.items():
            _constraints(shape.key, key, f"{name} key {key!r}", errors)
            _constraints(shape.value, item, f"{name}[{key!r}]", errors)
    elif kind == "string" and isinstance(value, str):
        if "max" in meta and len(value) > meta["max"]:
            errors.append(f"{name}: length {len(value)} exceeds the maximum of {meta['max']}")
        if shape.enum and value not in shape.enum:
            errors.append(f"{name}: {value!r} is not one of {list(shape.enum)}")
        if "pattern" in meta and not _regex(meta["pattern"]).fullmatch(value):
            errors.append(f"{name}: {value!r} does not match the pattern {meta['pattern']}")
        prose = prose_problem(shape.documentation, value)
        if prose:  # a rule the model states only in the member's documentation
            errors.append(f"{name}: {prose}")
    elif (
        kind in ("integer", "long", "float", "double")
        and isinstance(value, int | float)
        and not isinstance(value, bool)
        and "max" in meta
        and value > meta["max"]
    ):
        errors.append(f"{name}: {value} exceeds the maximum of {meta['max']}")


def serialize_output(operation: OperationModel, result: Mapping[str, Any] | None) -> bytes:
    shape = operation.output_shape
    if shape is None or not result:
        return b"{}"
    return json.dumps(_serialize(shape, result), separators=(",", ":")).encode()


def _serialize(shape: Shape, value: Any) -> Any:
    kind = shape.type_name
    if kind == "structure":
        out = {}
        for member, member_shape in shape.members.items():
            if value.get(member) is not None:
                wire = member_shape.serialization.get("name", member)
                out[wire] = _serialize(member_shape, value[member])
        return out
    if kind == "list":
        return [_serialize(shape.member, v) for v in value]
    if kind == "map":
        return {k: _serialize(shape.value, v) for k, v in value.items()}
    if kind == "timestamp":
        return _timestamp(value, shape.serialization.get("timestampFormat", "unixTimestamp"))
    if kind == "blob":
        return base64.b64encode(value).decode()
    return value


def _timestamp(value: dt.datetime | float, fmt: str) -> str | float:
    when = (
        value if isinstance(value, dt.datetime) else dt.datetime.fromtimestamp(value, dt.UTC)
    ).astimezone(dt.UTC)
    if fmt == "iso8601":
        return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
    if fmt == "rfc822":
        return when.strftime("%a, %d %b %Y %H:%M:%S GMT")
    return when.timestamp()


def serialize_error(error: BraketError) -> tuple[int, dict[str, str], bytes]:
    headers = {"x-amzn-ErrorType": error.code, "Content-Type": "application/json"}
    return error.status, headers, json.dumps(error.body()).encode()
