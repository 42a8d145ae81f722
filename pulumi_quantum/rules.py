r"""Validation rules that the preview ``check`` and the local servers share: one truth per rule.

A rule that lives twice drifts: a name the preview accepts and the service refuses (or the
reverse) is found only at ``up``, half-way through a deployment. So each rule that is not already
carried by a vendor's data (botocore's service model, checked by ``service_model.py`` on both
sides; the shipped runtime-program JSON Schema) lives here, and both sides call it:

* S3 bucket names — ``ResultsBucket`` / ``QuantumTask.output_s3_bucket`` at preview, the local S3's
  CreateBucket;
* Braket tags — every resource's ``tags`` at preview, the local Braket's TagResource and creates;
* result types against shots — a Braket ``QuantumTask``'s result types at preview (the rules that
  hold on every Braket device, :func:`result_type_shot_problem`), the local Braket's
  CreateQuantumTask (the same names, checked against each device's ``supportedResultTypes``);
* OpenQASM programs — syntax (line, column, token) and undefined gates, in :mod:`.qasm`: a
  ``QuantumTask``'s ``source``/``action`` at preview, the local Braket's CreateQuantumTask;
* the size of a quantum task's action (Braket's quotas page: 3 MB), :func:`action_size_problem`
  — at preview before anything parses the program, and in the local Braket's CreateQuantumTask;
* spending limits only on QPUs — ``SpendingLimit.device_arn`` at preview, the local Braket's
  CreateSpendingLimit ("Simulators do not support spending limits", the API reference says);
* program name and description — the shipped runtime-program JSON Schema is the truth: the
  preview validates metadata with it and the local IBM server takes its ``name`` and
  ``description`` subschemas from it (:func:`program_field_schema`). Its name pattern ends in
  ``(?![\s\S])`` rather than ``$``, which in Python's ``re`` also matches before a final newline.

Every function returns problems as text (empty when fine) and touches no remote API.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from typing import Any

from .qasm import parse_openqasm as parse_openqasm  # one parser for preview, QPU rules, server

# S3 bucket naming rules (general purpose buckets): 3-63 chars, lowercase letters, digits, dots
# and hyphens, starting and ending with a letter or digit, no "..", not shaped like an IP address.
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_IP = re.compile(r"\d+\.\d+\.\d+\.\d+")

# Braket (and AWS generally): tag keys 1-128, values 0-256 of letters, digits, spaces, _.:/=+-@;
# at most 50 tags; keys starting with "aws:" are reserved.
MAX_TAGS = 50
_TAG_KEY = re.compile(r"[\w\s.:/=+\-@]{1,128}")
_TAG_VALUE = re.compile(r"[\w\s.:/=+\-@]{0,256}")


def bucket_name_problem(name: Any) -> str | None:
    """Why ``name`` is not a valid S3 bucket name, or None when it is."""
    if not isinstance(name, str):
        return f"bucket must be a string, got {name!r}"
    if not _BUCKET.fullmatch(name) or ".." in name or _IP.fullmatch(name):
        return (
            f"bucket {name!r} is not a valid S3 bucket name: use 3-63 lowercase letters, digits,"
            " '.' and '-', starting and ending with a letter or digit (no '..')"
        )
    return None


# Braket's simulators are the devices under ``device/quantum-simulator/`` (SV1, DM1, TN1, ...);
# the ARN says so without a GetDevice call, so the preview can apply the rule offline.
_SIMULATOR_ARN = re.compile(r"arn:aws[a-z-]*:braket:[a-z0-9-]*:[0-9]*:device/quantum-simulator/.+")
SIMULATOR_SPENDING_LIMIT = "Simulators do not support spending limits"
"""CreateSpendingLimit's rule, in the words of Braket's API reference."""


def spending_limit_device_problem(device_arn: Any) -> str | None:
    """Why a spending limit cannot be set on ``device_arn`` (a simulator), or None."""
    if isinstance(device_arn, str) and _SIMULATOR_ARN.fullmatch(device_arn):
        return (
            f"{SIMULATOR_SPENDING_LIMIT}: {device_arn} is a simulator; spending limits apply to "
            "QPUs (e.g. arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1)"
        )
    return None


MAX_ACTION_BYTES = 3 * 1024 * 1024
"""Amazon Braket's limit on a quantum task's action ("limited to 3MB in size", the quotas page's
additional quotas and limits), in UTF-8 bytes of the action JSON. botocore's service model gives
``action`` no ``max`` (a ``jsonvalue`` string), so the limit is stated here. Read as MiB, the
larger reading: a program between 3,000,000 and 3,145,728 bytes passes preview rather than being
refused for a limit Braket may not apply."""


def action_size_problem(action: str) -> str | None:
    """Why a CreateQuantumTask ``action`` (its JSON text) is too large for Braket, or None.

    Measured on the text, so nothing parses a program that would be refused anyway (the OpenQASM
    parser holds some 600 bytes per byte of program).
    """
    size = len(action.encode("utf-8", "surrogatepass"))
    if size <= MAX_ACTION_BYTES:
        return None
    return (
        f"the action is {size:,} bytes; Amazon Braket limits a quantum task's action to 3 MB "
        f"({MAX_ACTION_BYTES:,} bytes). Split the program into smaller tasks"
    )


def tag_problems(tags: Mapping[str, Any]) -> list[str]:
    """Every way ``tags`` break Braket's tag rules."""
    problems = []
    if len(tags) > MAX_TAGS:
        problems.append(f"at most {MAX_TAGS} tags are allowed, got {len(tags)}")
    for key, value in tags.items():
        if not isinstance(key, str) or not _TAG_KEY.fullmatch(key):
            problems.append(
                f"tag key {key!r} must be 1-128 letters, digits, spaces or _.:/=+-@ characters"
            )
        elif key.lower().startswith("aws:"):
            problems.append(f"tag key {key!r} uses the reserved prefix 'aws:'")
        if not isinstance(value, str) or not _TAG_VALUE.fullmatch(value):
            problems.append(
                f"tag value for {key!r} must be at most 256 letters, digits, spaces or "
                "_.:/=+-@ characters"
            )
    return problems


@functools.cache
def _program_schema() -> dict[str, Any]:
    from .json_schemas import schema_text

    return json.loads(schema_text())


def program_field_schema(field: str) -> dict[str, Any]:
    """The shipped schema's subschema for a program field (what the local IBM server enforces)."""
    return dict(_program_schema()["properties"][field])


# ``#pragma braket result expectation z(q[0])`` → ``expectation``; JAQCD spells the same names in
# ``results[].type`` (``statevector``), the device capabilities in CamelCase (``StateVector``).
_OPENQASM_RESULT = re.compile(r"^\s*#pragma\s+braket\s+result\s+(\w+)", re.MULTILINE)
# Result types that are exact quantities of the final state: every Braket device that offers them
# (SV1, DM1, the local simulator) publishes maxShots 0 for them; no QPU offers them at all.
EXACT_ONLY = frozenset({"statevector", "amplitude", "densitymatrix"})


# A ``#pragma`` that does not start its line: string concatenation glues ``"...;" "#pragma ..."``
# into one line, which OpenQASM's grammar reads as *one* pragma running to the line's end.
_GLUED_PRAGMA = re.compile(r"(?<=\S)[ \t]*(?=#pragma\b)")


def split_pragmas(source: str) -> str:
    """``source`` with every ``#pragma`` on a line of its own, as Amazon Braket reads it.

    Braket honours each of several pragmas on one line (``cnot q[0], q[1];#pragma braket result
    expectation z(q[0])#pragma braket result sample z(q[1])``); the OpenQASM parser that
    amazon-braket-default-simulator (and so ``LocalSimulator``) uses keeps only the first. Text in
    ``//`` comments is left alone. Lines after a split move down; only the simulated program and
    the result-type rules see this form, so error messages keep the client's line numbers.
    """
    if "#pragma" not in source:
        return source
    lines = []
    for line in source.split("\n"):
        code, sep, comment = line.partition("//")
        lines.append(_GLUED_PRAGMA.sub("\n", code) + sep + comment)
    return "\n".join(lines)


def result_type_key(name: str) -> str:
    """One spelling for a result type: ``state_vector``, ``statevector``, ``StateVector``."""
    return name.replace("_", "").lower()


def requested_result_types(program: Mapping[str, Any] | Any) -> list[str]:
    """Result-type names a Braket program asks for: OpenQASM pragmas or JAQCD ``results``.

    Takes a braket.ir program object or its JSON as a dict.
    """
    get = program.get if isinstance(program, Mapping) else lambda k: getattr(program, k, None)
    source = get("source")
    if isinstance(source, str):
        return _OPENQASM_RESULT.findall(split_pragmas(source))
    results = get("results") or []
    return [r["type"] if isinstance(r, Mapping) else r.type for r in results]


def result_type_shot_problem(names: list[str], shots: int) -> str | None:
    """Why result types ``names`` cannot be asked for at ``shots`` on any Braket device.

    The wording of the shots messages is amazon-braket-default-simulator's.
    """
    if shots == 0 and not names:
        return (
            "Result types must be specified in the IR when shots=0; add a result type "
            "(e.g. '#pragma braket result probability') or run with shots > 0"
        )
    for name in names:
        key = result_type_key(name)
        if key == "sample" and shots == 0:
            return f"sample can only be specified when shots>0 (got shots=0 for {name})"
        if key == "adjointgradient" and shots > 0:
            return f"adjoint_gradient is only available when shots=0 (got shots={shots})"
        if key in EXACT_ONLY and shots > 0:
            return (
                "statevector, amplitude and densitymatrix result types not available when "
                f"shots>0 (got shots={shots} for {name})"
            )
    return None


# ------------------------------------------------- Qiskit Functions (the gateway's upload)
FUNCTION_TITLE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")
"""A function title (``ibm.Function.title`` at preview, the local gateway's upload)."""
FUNCTION_VERSION = re.compile(r"^\d+\.\d+\.\d+$")
"""``x.y.z``, as IBM's gateway requires."""
FUNCTION_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([A-Za-z0-9][A-Za-z0-9.+!_-]*)$")
"""A dependency pinned with ``==``."""
FUNCTION_RUNNERS = ("ray", "fleets")
MAX_FUNCTION_ARTIFACT_BYTES = 50 * 1024 * 1024
"""IBM's limit on the uploaded tar (the client's ``MAX_ARTIFACT_FILE_SIZE_MB_DEFAULT``)."""


def unpinned_dependencies(values: Any) -> list[str]:
    """The entries of a function's ``dependencies`` not pinned with ``==`` (as text)."""
    return [
        f"{value!r} is not pinned with '==' (e.g. 'qiskit==1.4.0')"
        for value in values
        if not (isinstance(value, str) and FUNCTION_PIN.match(value.strip()))
    ]
