"""Request-body parsing and JSON Schema validation with messages that name the field.

The clients send JSON with or without a ``Content-Type`` header (qiskit-ibm-provider posts
``data=json.dumps(...)``), so bodies are parsed regardless of the header. Schemas are checked
with jsonschema and *all* problems are reported in one 400, each prefixed by its field path.
"""

from __future__ import annotations

from typing import Any

from ...rules import program_field_schema
from .errors import bad_request

MAX_TIME_LIMIT = 8 * 3600
"""Upper bound for program max_execution_time and session max time (IBM's 8 h)."""

PROGRAM_CREATE = {
    "type": "object",
    "properties": {
        # name and description: the shipped runtime-program schema's rules, one truth with the
        # preview check (pulumi_quantum.rules).
        "name": program_field_schema("name"),
        "data": {"type": "string", "minLength": 1},
        "cost": {"type": "integer", "minimum": 1, "maximum": MAX_TIME_LIMIT},
        "description": program_field_schema("description"),
        "is_public": {"type": "boolean"},
        "spec": {"type": "object"},
    },
    "required": ["name", "data", "cost"],
    "additionalProperties": False,
}

PROGRAM_UPDATE = {
    "type": "object",
    "properties": {
        k: PROGRAM_CREATE["properties"][k] for k in ("name", "description", "cost", "spec")
    },
    "minProperties": 1,
    "additionalProperties": False,
}

SESSION_CREATE = {
    "type": "object",
    "properties": {
        "backend": {"type": "string", "minLength": 1},
        "instance": {"type": "string", "minLength": 1},
        "max_session_ttl": {"type": "integer", "minimum": 1, "maximum": MAX_TIME_LIMIT},
        "mode": {"enum": ["dedicated", "batch"]},
    },
    "additionalProperties": False,
}

SESSION_UPDATE = {
    "type": "object",
    "properties": {"accepting_jobs": {"const": False}},
    "required": ["accepting_jobs"],
    "additionalProperties": False,
}

JOB_CREATE = {
    "type": "object",
    "properties": {
        "program_id": {"type": "string", "minLength": 1},
        "params": {"type": "object"},
        "backend": {"type": "string", "minLength": 1},
        "hub": {"type": "string"},
        "group": {"type": "string"},
        "project": {"type": "string"},
        "session_id": {"type": "string", "minLength": 1},
        "tags": {"type": "array", "items": {"type": "string"}},
        "cost": {"type": "integer", "minimum": 1, "maximum": MAX_TIME_LIMIT},
        "log_level": {"enum": ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]},
        "runtime": {"type": ["string", "null"]},  # qiskit-ibmq-provider sends null
        "start_session": {"type": "boolean"},
        "session_time": {"type": ["integer", "string", "null"]},
    },
    "required": ["program_id"],
    "additionalProperties": False,
}

TAGS_UPDATE = {
    "type": "object",
    "properties": {"tags": {"type": "array", "items": {"type": "string"}}},
    "required": ["tags"],
    "additionalProperties": False,
}


_validators: dict[int, Any] = {}


def _validator_for(schema: dict[str, Any]) -> Any:
    """Compiled validator per schema (schemas are module constants, so ``id`` is stable)."""
    validator = _validators.get(id(schema))
    if validator is None:
        import jsonschema  # imported on first use: only the server needs it

        validator = jsonschema.Draft202012Validator(schema)
        _validators[id(schema)] = validator
    return validator


def _path(error: Any) -> str:
    if error.validator == "required":
        return ""
    if error.validator == "additionalProperties":
        return ""
    return ".".join(str(p) for p in error.absolute_path) or "body"


def validate(body: Any, schema: dict[str, Any], what: str) -> dict[str, Any]:
    """Return ``body`` if it matches ``schema``; else 400 listing every problem."""
    errors = sorted(_validator_for(schema).iter_errors(body), key=lambda e: list(e.path))
    if errors:
        parts = []
        for error in errors:
            where = _path(error)
            parts.append(f"{where}: {error.message}" if where else error.message)
        raise bad_request(f"invalid {what}: " + "; ".join(parts))
    return body


def json_body(raw: bytes, what: str, *, allow_empty: bool = False) -> Any:
    if not raw.strip():
        if allow_empty:
            return {}
        raise bad_request(f"invalid {what}: the request body must be a JSON object")
    from ..limits import loads_json  # deep nesting is the caller's 400, not a RecursionError

    try:
        return loads_json(raw, "body")
    except ValueError as exc:
        raise bad_request(f"invalid {what}: {exc}") from None


def int_arg(args: Any, name: str, default: int | None) -> int | None:
    """A non-negative integer query parameter, or 400 naming it."""
    value = args.get(name)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        raise bad_request(f"invalid query parameter {name}: {value!r} is not an integer") from None
    if number < 0:
        raise bad_request(f"invalid query parameter {name}: must be >= 0")
    return number
