"""What IBM's gateway checks on ``programs/upload``, as pure functions (no HTTP, no SQL).

Each check raises :class:`~..ibm.errors.ApiError` 400 naming the field and the fix, so the
client's ``QiskitServerlessException`` carries the reason. The allow-list of dependencies is
what this machine can honour: a local function runs in the local cloud's own interpreter (no
image is built), so a ``name==version`` pin is accepted only when exactly that release is
installed here - the same contract as IBM's served list, answered truthfully.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import tarfile
from functools import lru_cache
from importlib import metadata
from typing import Any

import jsonschema

from ...rules import (
    FUNCTION_PIN,
    FUNCTION_RUNNERS,
    FUNCTION_TITLE,
    FUNCTION_VERSION,
    MAX_FUNCTION_ARTIFACT_BYTES,
)
from ..ibm.errors import ApiError, bad_request

MAX_ARTIFACT_BYTES = MAX_FUNCTION_ARTIFACT_BYTES
TITLE = FUNCTION_TITLE
VERSION = FUNCTION_VERSION
PIN = FUNCTION_PIN
RUNNERS = FUNCTION_RUNNERS
ALLOWED_PACKAGES = (
    "qiskit",
    "qiskit-ibm-runtime",
    "qiskit-serverless",
    "numpy",
    "scipy",
    "requests",
)
"""Packages a function may pin (when installed): what the interpreter running functions has."""


def allow_list() -> tuple[str, ...]:
    """``name==version`` for each allowed package installed in the Python that runs functions
    (``PQ_LOCAL_GATEWAY_PYTHON``, else this one): the ``dependencies-versions`` answer."""
    from .executor import FUNCTION_PYTHON

    return _allow_list(os.environ.get(FUNCTION_PYTHON) or "")


_VERSIONS = """
import json, sys
from importlib import metadata
found = {}
for name in sys.argv[1:]:
    try:
        found[name] = metadata.version(name)
    except metadata.PackageNotFoundError:
        pass
print(json.dumps(found))
"""


@lru_cache(maxsize=4)
def _allow_list(python: str) -> tuple[str, ...]:
    if python:
        out = subprocess.run(
            [python, "-c", _VERSIONS, *ALLOWED_PACKAGES],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        found = json.loads(out)
        return tuple(f"{name}=={found[name]}" for name in ALLOWED_PACKAGES if name in found)
    pins = []
    for name in ALLOWED_PACKAGES:
        try:
            pins.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return tuple(pins)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def title(value: Any) -> str:
    if not isinstance(value, str) or not TITLE.match(value):
        raise bad_request(
            f"title: {value!r} is not a valid function title; use letters, digits, '.', '_'"
            " or '-' (at most 255 characters, no '/': give the provider separately)"
        )
    return value


def version(value: Any) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or not VERSION.match(value):
        raise bad_request(f"version: {value!r} is not in the x.y.z format (e.g. '1.0.0')")
    return value


def runner(value: Any) -> str:
    value = value or "ray"
    if value not in RUNNERS:
        raise bad_request(f"runner: {value!r} is not one of {list(RUNNERS)}")
    return value


def json_field(form: Any, name: str, kind: type, default: Any) -> Any:
    text = form.get(name)
    if text in (None, ""):
        return default
    try:
        value = json.loads(text)
    except ValueError:
        raise bad_request(f"{name}: not valid JSON") from None
    if not isinstance(value, kind):
        raise bad_request(f"{name}: must be a JSON {kind.__name__}")
    return value


def dependencies(values: list[Any]) -> list[str]:
    """Every entry pinned with ``==`` to a release in :func:`allow_list`; all problems at once."""
    allowed = {}
    for pin in allow_list():
        name, _, ver = pin.partition("==")
        allowed[_canonical(name)] = ver
    problems = []
    for value in values:
        match = PIN.match(value.strip()) if isinstance(value, str) else None
        if match is None:
            problems.append(f"{value!r} is not pinned with '==' (e.g. 'qiskit==1.4.0')")
            continue
        name, ver = match.groups()
        if _canonical(name) not in allowed:
            problems.append(f"{name!r} is not on the allow-list (GET dependencies-versions)")
        elif allowed[_canonical(name)] != ver:
            problems.append(
                f"{name}=={ver} is not available; the allow-list has "
                f"{name}=={allowed[_canonical(name)]}"
            )
    if problems:
        raise bad_request("dependencies: " + "; ".join(problems))
    return [v.strip() for v in values]


def env_vars(value: dict[str, Any]) -> dict[str, str]:
    bad = [k for k, v in value.items() if not isinstance(v, str) or not re.match(r"^\w+$", k)]
    if bad:
        raise bad_request(f"env_vars: {bad} must be names of letters/digits/_ with string values")
    return value


def arguments_schema(text: Any) -> str | None:
    """A JSON Schema (as text), checked against its meta-schema with jsonschema."""
    if text in (None, ""):
        return None
    try:
        schema = json.loads(text)
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except (ValueError, jsonschema.SchemaError) as exc:
        message = getattr(exc, "message", str(exc))
        raise bad_request(f"arguments_schema: not a valid JSON Schema ({message})") from None
    return json.dumps(schema)


def artifact(data: bytes, entrypoint: str) -> bytes:
    """The tar must be at most 50 MB, readable, with safe member names and the entrypoint."""
    if len(data) > MAX_ARTIFACT_BYTES:
        raise ApiError(
            413, f"artifact: {len(data)} bytes is over the {MAX_ARTIFACT_BYTES}-byte limit"
        )
    if not entrypoint or entrypoint.startswith("/") or ".." in entrypoint.split("/"):
        raise bad_request(f"entrypoint: {entrypoint!r} must be a relative path inside the artifact")
    try:
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            names = set()
            for member in tar.getmembers():
                if member.name.startswith("/") or ".." in member.name.split("/"):
                    raise bad_request(f"artifact: member {member.name!r} escapes the folder")
                if not (member.isfile() or member.isdir()):
                    raise bad_request(f"artifact: member {member.name!r} is not a file or folder")
                names.add(member.name.removeprefix("./"))
    except tarfile.TarError as exc:
        raise bad_request(f"artifact: not a tar archive ({exc})") from None
    if entrypoint.removeprefix("./") not in names:
        raise bad_request(f"entrypoint: {entrypoint!r} is not in the uploaded artifact")
    return data
