"""Which result types a task may ask for at its shot count, checked at CreateQuantumTask.

Braket's managed simulators refuse an impossible request when the task is created, not after it
ran: a ``state_vector`` (or ``amplitude``, ``density_matrix``) with ``shots > 0``, a ``sample``
with ``shots = 0``, a ``shots = 0`` task that asks for no result type at all, or a result type the
device does not offer. The rules that hold on every device live in :mod:`pulumi_quantum.rules`
(the preview applies them too); this module adds what only the device knows, read from its own
published capabilities (``supportedResultTypes`` with ``minShots``/``maxShots`` per action), so
it is the rule the SDK's ``AwsDevice(arn).properties`` shows.
"""

from __future__ import annotations

from typing import Any

from ...rules import requested_result_types, result_type_key, result_type_shot_problem
from .exceptions import ValidationException


def check(action_caps: dict[str, Any], program: Any, shots: int, device_arn: str) -> None:
    """Raise Braket's ValidationException if the program's result types do not fit ``shots``."""
    offered = {result_type_key(r["name"]): r for r in action_caps.get("supportedResultTypes") or []}
    if not offered:  # an action without result types (e.g. analog programs): nothing to check
        return
    names = requested_result_types(program)
    problem = result_type_shot_problem(names, shots)
    if problem:
        raise ValidationException(f"action: {problem}")
    for name in names:
        spec = offered.get(result_type_key(name))
        if spec is None:
            raise ValidationException(
                f"action: result type {name} is not supported by {device_arn}; it supports "
                f"{sorted(r['name'] for r in offered.values())}"
            )
        low, high = spec.get("minShots") or 0, spec.get("maxShots")
        if shots < low or (high is not None and shots > high):
            raise ValidationException(
                f"action: {spec['name']} needs shots in [{low}, {high}] on {device_arn} "
                f"(got shots={shots} for {name})"
            )
