"""Program sets (``braket.ir.openqasm.program_set``): many OpenQASM programs, each with lists of
inputs, run as one quantum task — what the SDK's ``braket.program_sets.ProgramSet`` sends
(amazon-braket-sdk >= 1.97).

Braket's contract, as the SDK and amazon-braket-schemas describe it:

* ``shots`` of CreateQuantumTask is the *total* over every executable (a program once per index
  of its input lists); each executable runs ``shots / executables`` shots, so ``shots`` must be a
  positive multiple of the executable count (``ProgramSet.total_shots``,
  ``ProgramSetQuantumTaskResult.from_object``); the device publishes ``maximumExecutables`` and
  ``maximumTotalShots`` in its ``braket.ir.openqasm.program_set`` action;
* programs that Braket refuses make a ``ValidationException`` whose ``reason`` is
  ``ProgramSetValidationFailed`` and whose ``programSetValidationFailures`` list each failing
  ``programIndex`` with its ``errors`` (botocore's Braket model; the SDK's
  ``_create_program_set_task`` adds the first failure to the message);
* results are a ``ProgramSetTaskResult`` (``braket.task_result``) in ``results.json``;
  ``GetQuantumTask``'s ``actionMetadata`` carries ``programCount`` and ``executableCount``.

Result types are not part of a program set (observables are measured by the SDK from the
samples): a program with a ``#pragma braket result`` is refused, as amazon-braket-default-simulator
refuses it.
"""

from __future__ import annotations

from typing import Any

from ...qasm import openqasm_problem
from ...rules import requested_result_types
from .exceptions import ValidationException
from .qubit_count import qubit_problem

PROGRAM_SET_ACTION = "braket.ir.openqasm.program_set"


def action_metadata(action: str) -> dict[str, Any]:
    """GetQuantumTask's ``actionMetadata`` for a stored action (JSON text)."""
    import json

    document = json.loads(action)
    name = document["braketSchemaHeader"]["name"]
    if name != PROGRAM_SET_ACTION:
        return {"actionType": name, "programCount": 1}
    executables = 0
    for program in document["programs"]:
        lengths = [len(v) for v in (program.get("inputs") or {}).values()]
        executables += lengths[0] if lengths else 1
    return {
        "actionType": name,
        "programCount": len(document["programs"]),
        "executableCount": executables,
    }


def counts(program_set: Any) -> tuple[int, int]:
    """(programCount, executableCount) of a parsed ``braket.ir.openqasm.ProgramSet``."""
    return len(program_set.programs), program_set.num_executables


def check(
    program_set: Any,
    shots: int,
    action_caps: dict[str, Any],
    qubit_count: int,
    device_arn: str,
    program_problem: Any = None,
    min_shots: int = 1,
) -> None:
    """Raise Braket's ValidationException for a program set ``device_arn`` would refuse.

    ``program_problem(source) -> str | None`` is the device's own per-program rule (a QPU's);
    without one the simulators' front end applies (parse, supported gates, qubit count).
    ``min_shots`` is the device's least shot count, which every executable must get.
    """
    programs, executables = counts(program_set)
    limit = action_caps.get("maximumExecutables")
    if limit is not None and executables > limit:
        raise ValidationException(
            f"action: the program set has {executables} executables; {device_arn} runs at most "
            f"{limit} (maximumExecutables)"
        )
    total = action_caps.get("maximumTotalShots")
    if shots <= 0 or shots % executables or (total is not None and shots > total):
        raise ValidationException(
            f"shots: a program set's shots are the total over its {executables} executables: "
            f"a positive multiple of {executables}"
            + (f" of at most {total} (maximumTotalShots)" if total is not None else "")
            + f", but found {shots}"
        )
    if shots // executables < min_shots:
        raise ValidationException(
            f"Shot count should be between {min_shots} and {action_caps.get('maximumTotalShots')} "
            f"per executable on {device_arn}, but found {shots // executables} "
            f"({shots} over {executables} executables)."
        )
    failures = []
    for index, program in enumerate(program_set.programs):
        errors = _problems(program.source, qubit_count, device_arn, program_problem)
        if errors:
            failures.append({"programIndex": index, "errors": errors})
    if failures:
        first = failures[0]
        raise ValidationException(
            f"action: {len(failures)} of the {programs} programs failed validation "
            f"(program {first['programIndex']}: {first['errors'][0]})",
            reason="ProgramSetValidationFailed",
            programSetValidationFailures=failures,
        )


def _problems(source: str, qubits: int, device_arn: str, program_problem: Any) -> list[str]:
    if requested_result_types({"source": source}):
        return ["result types are not supported in a program set; remove its #pragma braket result"]
    if program_problem is not None:
        problem = program_problem(source)
        return [problem] if problem else []
    problem = openqasm_problem(source) or qubit_problem(source, qubits, device_arn)
    return [problem] if problem else []


def result_document(
    result: Any,
    sent: Any,
    task_arn: str,
    device_arn: str,
    device_parameters: dict[str, Any] | None,
) -> dict[str, Any]:
    """The simulator's ``ProgramSetTaskResult`` with the service's ids, as Braket writes it;
    each program result's ``source`` is the program as ``sent`` (not as simulated)."""
    import json

    from braket.task_result import ProgramSetTaskResult

    document = json.loads(result.json())
    for program_result, program in zip(document["programResults"], sent.programs, strict=True):
        program_result["source"] = json.loads(program.json())
    metadata = document["taskMetadata"]
    metadata.update(id=task_arn, deviceId=device_arn, status="COMPLETED")
    metadata["deviceParameters"] = device_parameters
    parsed = ProgramSetTaskResult.parse_obj(document)  # never write what the SDK cannot read
    return json.loads(parsed.json(exclude_none=True))
