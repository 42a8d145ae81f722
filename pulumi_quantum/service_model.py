"""Validate a request against botocore's Braket service model, before anything is sent.

Amazon Braket rejects bad requests only after the program has been deployed up to that point;
Pulumi's ``check`` runs at preview, so validating there means a typo fails ``pulumi preview``
instead of half an ``up``. The rules are not written per field: botocore ships the service model
that AWS generates its SDKs from (required members, string lengths, numeric ranges, enums,
patterns, list sizes, union structures, JSON-valued strings, timestamps), and this module walks it.
A new parameter in a future botocore is validated without a code change here.

Every failure is reported against the *Pulumi* property name (``device_arn``,
``associations[0].arn``, ``time_period.start_at``), so the message points at the line of the
user's program to fix.

The model is read from the JSON botocore ships (``botocore/data/<service>/<version>/
service-2.json.gz``, newest version, as botocore's ``Loader`` picks it) into :class:`ModelShape`,
a read-only view with the attributes of ``botocore.model.Shape`` this walker uses. Importing
``botocore.model`` itself pulls in botocore's auth, HTTP and urllib3 stack (~110 ms), which the
first check of every provider process would pay at preview for a model it only reads;
tests/unit/test_braket_model_view.py proves the view equals botocore's ``ServiceModel`` for every
shape of the service.

Neutral by design (it imports nothing from Pulumi): the provider side (``check`` at preview) and
the local Braket (request bodies) share it without the local cloud loading the Pulumi SDK.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from functools import cache
from typing import Any, Protocol

from .documented_rules import prose_problem
from .values import is_unknown


class Failures(Protocol):
    """Where :func:`validate_request` reports (``_provider.CheckErrors`` is one)."""

    def add(self, prop: str, reason: str) -> None: ...


_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def snake_case(name: str) -> str:
    """``outputS3KeyPrefix`` → ``output_s3_key_prefix``; the Pulumi spelling of a member name."""
    return _CAMEL.sub(r"_\1", name).lower()


# botocore.model.Shape's trait lists (METADATA_ATTRS / SERIALIZED_ATTRS), same order.
_METADATA_TRAITS = (
    "required", "min", "max", "pattern", "sensitive", "enum", "idempotencyToken", "error",
    "exception", "endpointdiscoveryid", "retryable", "document", "union", "contextParam",
    "clientContextParams", "requiresLength",
)  # fmt: skip
_SERIALIZED_TRAITS = (
    "locationName", "queryName", "flattened", "location", "payload", "streaming",
    "timestampFormat", "xmlNamespace", "resultWrapper", "xmlAttribute", "eventstream", "event",
    "eventheader", "eventpayload", "jsonvalue", "hostLabel",
)  # fmt: skip


class ModelShape:
    """One shape of a botocore service model, resolved like ``botocore.model.ShapeResolver``.

    A member reference's traits (``{"shape": "String", "location": "uri"}``) are merged over the
    shape's definition, as botocore does. Only what validation reads is offered: ``name``,
    ``type_name``, ``metadata``, ``serialization``, ``enum``, ``members``, ``required_members``,
    ``member`` (lists), ``key`` / ``value`` (maps).
    """

    __slots__ = ("_definition", "_shapes", "metadata", "name", "serialization", "type_name")

    def __init__(self, shapes: Mapping[str, Any], ref: Mapping[str, Any]) -> None:
        self._shapes = shapes
        self.name: str = ref["shape"]
        definition = shapes[self.name]
        if len(ref) > 1:
            definition = {**definition, **{k: v for k, v in ref.items() if k != "shape"}}
        self._definition = definition
        self.type_name: str = definition["type"]
        self.metadata = {k: definition[k] for k in _METADATA_TRAITS if k in definition}
        serialization = {k: definition[k] for k in _SERIALIZED_TRAITS if k in definition}
        if "locationName" in serialization:
            serialization["name"] = serialization.pop("locationName")
        self.serialization = serialization

    def _resolve(self, key: str) -> ModelShape:
        return ModelShape(self._shapes, self._definition[key])

    @property
    def documentation(self) -> str:
        """The member's documentation when it has its own, else the shape's (as botocore)."""
        return self._definition.get("documentation", "")

    @property
    def enum(self) -> list[str]:
        return self.metadata.get("enum", [])

    @property
    def required_members(self) -> list[str]:
        return self.metadata.get("required", [])

    @property
    def members(self) -> dict[str, ModelShape]:
        refs = self._definition.get("members", {})
        return {name: ModelShape(self._shapes, ref) for name, ref in refs.items()}

    @property
    def member(self) -> ModelShape:
        return self._resolve("member")

    @property
    def key(self) -> ModelShape:
        return self._resolve("key")

    @property
    def value(self) -> ModelShape:
        return self._resolve("value")


@cache
def service_definition(service: str = "braket") -> dict[str, Any]:
    """The service model's JSON as botocore ships it (newest API version; once per process)."""
    import gzip
    from importlib import resources

    service_dir = resources.files("botocore").joinpath("data", service)
    version = max(entry.name for entry in service_dir.iterdir() if entry.is_dir())
    folder = service_dir.joinpath(version)
    if folder.joinpath("service-2.sdk-extras.json").is_file():
        # botocore merges SDK extras over some models (S3's, not Braket's): let it do so.
        from botocore.loaders import Loader

        return Loader().load_service_model(service, "service-2")
    packed = folder.joinpath("service-2.json.gz")
    if packed.is_file():
        return json.loads(gzip.decompress(packed.read_bytes()))
    return json.loads(folder.joinpath("service-2.json").read_text())


def input_shape(operation: str, service: str = "braket") -> ModelShape:
    """The input shape of ``operation`` (e.g. ``CreateQuantumTask``)."""
    definition = service_definition(service)
    return ModelShape(definition["shapes"], definition["operations"][operation]["input"])


def validate_request(
    operation: str,
    request: Mapping[str, Any],
    errors: Failures,
    *,
    names: Mapping[str, str] | None = None,
    skip: Iterable[str] = (),
    service: str = "braket",
) -> None:
    """Add a failure to ``errors`` for every way ``request`` breaks ``operation``'s input shape.

    ``request`` uses the API's member names (camelCase). ``names`` maps a top-level member to the
    Pulumi property to blame when it is not simply the snake_case spelling. Members in ``skip``
    (e.g. the idempotency token the provider fills in itself) are not checked. Values still unknown
    at preview are accepted.
    """
    shape = input_shape(operation, service)
    rename = dict(names or {})
    skipped = set(skip)

    def prop(member: str) -> str:
        return rename.get(member, snake_case(member))

    for member in shape.required_members:
        if member not in skipped and request.get(member) is None:
            errors.add(prop(member), f"{prop(member)} is required by Braket {operation}")
    for member, value in request.items():
        if member in skipped or value is None:
            continue
        if member not in shape.members:
            errors.add(prop(member), f"{prop(member)} is not a parameter of Braket {operation}")
            continue
        _check_value(shape.members[member], value, prop(member), errors.add, top=prop(member))


def body_problems(
    operation: str, document: Mapping[str, Any], service: str = "braket"
) -> list[str]:
    """Every way a request *body* (raw JSON, API member names) breaks the operation's shapes.

    The local Braket runs this before botocore's parser, which would coerce ``"10"`` or ``1.5``
    into a long: the service refuses what the preview refuses, by the same code.
    """
    shape = input_shape(operation, service)
    problems: list[str] = []
    for member, value in document.items():
        member_shape = shape.members.get(member)
        if member_shape is None or value is None:
            continue
        if member_shape.serialization.get("location"):
            continue  # a URI, query or header member: not in the body
        _check_value(
            member_shape, value, member, lambda _top, reason: problems.append(reason), top=member
        )
    return problems


def _check_value(
    shape: Any, value: Any, path: str, report: Callable[[str, str], None], *, top: str
) -> None:
    if is_unknown(value):
        return

    def fail(reason: str) -> None:
        # CheckFailure.property must be a top-level property; the path inside goes in the text.
        report(top, f"{path} {reason}")

    kind = shape.type_name
    meta = shape.metadata
    if kind == "string":
        _check_string(shape, value, fail)
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            fail(f"must be a whole number, got {type(value).__name__} {value!r}")
            return
        _check_range(meta, value, fail, "")
    elif kind in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            fail(f"must be a number, got {type(value).__name__} {value!r}")
            return
        _check_range(meta, value, fail, "")
    elif kind == "boolean":
        if not isinstance(value, bool):
            fail(f"must be true or false, got {value!r}")
    elif kind == "timestamp":
        _check_timestamp(value, fail)
    elif kind == "list":
        if not isinstance(value, list | tuple):
            fail(f"must be a list, got {type(value).__name__}")
            return
        _check_range(meta, len(value), fail, " items")
        for i, item in enumerate(value):
            _check_value(shape.member, item, f"{path}[{i}]", report, top=top)
    elif kind == "map":
        if not isinstance(value, Mapping):
            fail(f"must be a map of keys to values, got {type(value).__name__}")
            return
        _check_range(meta, len(value), fail, " entries")
        for key, item in value.items():
            _check_value(shape.key, key, f"{path} key {key!r}", report, top=top)
            _check_value(shape.value, item, f"{path}[{key!r}]", report, top=top)
    elif kind == "structure":
        _check_structure(shape, value, path, report, fail, top=top)


def _check_structure(
    shape: Any,
    value: Any,
    path: str,
    report: Callable[[str, str], None],
    fail: Callable[[str], None],
    *,
    top: str,
) -> None:
    if not isinstance(value, Mapping):
        fail(f"must be an object with fields {_fields(shape)}, got {type(value).__name__}")
        return
    for member in shape.required_members:
        if value.get(member) is None and value.get(snake_case(member)) is None:
            fail(f"needs field {snake_case(member)!r}")
    present = 0
    for key, item in value.items():
        member = _member_name(shape, key)
        if member is None:
            fail(f"has unknown field {key!r}; allowed: {_fields(shape)}")
            continue
        if item is None:
            continue
        present += 1
        _check_value(shape.members[member], item, f"{path}.{snake_case(member)}", report, top=top)
    if meta_union(shape) and present != 1:
        fail(f"must set exactly one of {_fields(shape)}")


def meta_union(shape: Any) -> bool:
    return bool(shape.metadata.get("union"))


def _member_name(shape: Any, key: str) -> str | None:
    """Accept both the API spelling (``startAt``) and the Pulumi one (``start_at``)."""
    if key in shape.members:
        return key
    for member in shape.members:
        if snake_case(member) == key:
            return member
    return None


def _fields(shape: Any) -> str:
    return ", ".join(snake_case(m) for m in shape.members)


def _check_string(shape: Any, value: Any, fail: Callable[[str], None]) -> None:
    if not isinstance(value, str):
        fail(f"must be a string, got {type(value).__name__} {value!r}")
        return
    meta = shape.metadata
    _check_range(meta, len(value), fail, " characters")
    enum = getattr(shape, "enum", None) or []
    if enum and value not in enum:
        fail(f"is {value!r}; allowed values: {', '.join(enum)}")
    pattern = meta.get("pattern")
    if pattern and re.fullmatch(pattern, value) is None:
        fail(f"is {_preview(value)}, which does not match the pattern {pattern!r}")
    prose = prose_problem(getattr(shape, "documentation", None), value)
    if prose:  # rules the model states only in the member's documentation
        fail(prose)
    if shape.serialization.get("jsonvalue"):
        try:
            json.loads(value)
        except ValueError as exc:
            fail(f"must be valid JSON: {exc}")
        except RecursionError:  # the caller's input, not a crash of the check (or the server)
            fail("must be valid JSON nested a few dozen levels at most; it nests deeper")


def _check_range(meta: Mapping[str, Any], size: float, fail: Callable[[str], None], unit: str):
    low, high = meta.get("min"), meta.get("max")
    if low is not None and size < low:
        fail(f"must be at least {low}{unit}, got {size}{unit}")
    if high is not None and size > high:
        fail(f"must be at most {high}{unit}, got {size}{unit}")


def _check_timestamp(value: Any, fail: Callable[[str], None]) -> None:
    if isinstance(value, datetime) or (
        isinstance(value, int | float) and not isinstance(value, bool)
    ):
        return
    if isinstance(value, str):
        from botocore.utils import parse_timestamp

        try:
            parse_timestamp(value)
            return
        except (ValueError, TypeError):
            pass
    fail(f"must be an ISO 8601 date-time or epoch seconds, got {_preview(value)}")


def _preview(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
