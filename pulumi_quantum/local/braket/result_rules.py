"""Which result types a task may ask for at its shot count, checked at CreateQuantumTask.

Braket's managed simulators refuse an impossible request when the task is created, not after it
ran: a ``state_vector`` (or ``amplitude``, ``density_matrix``) with ``shots > 0``, a ``sample``
with ``shots = 0``, a ``shots = 0`` task that asks for no result type at all, or a result type the
device does not offer. The rule is read from the device's own published capabilities
(``supportedResultTypes`` with ``minShots``/``maxShots`` per action), so it is the one the SDK's
``AwsDevice(arn).properties`` shows; the wording of the shots messages is that of
amazon-braket-default-simulator, the simulator SV1 and DM1 publish the capabilities of.
"""

from __future__ import annotations

import re
from typing import Any

from .exceptions import ValidationException

_OPENQASM_RESULT = re.compile(r"^\s*#pragma\s+braket\s+result\s+(\w+)", re.MULTILINE)


def _key(name: str) -> str:
    """``state_vector`` (OpenQASM), ``statevector`` (JAQCD) and ``StateVector`` (capabilities)."""
    return name.replace("_", "").lower()


def requested(program: Any) -> list[str]:
    """Result-type names a braket.ir program asks for (OpenQASM pragmas or JAQCD results)."""
    source = getattr(program, "source", None)
    if isinstance(source, str):
        return _OPENQASM_RESULT.findall(source)
    return [r.type for r in getattr(program, "results", None) or []]


def check(action_caps: dict[str, Any], program: Any, shots: int, device_arn: str) -> None:
    """Raise Braket's ValidationException if the program's result types do not fit ``shots``."""
    offered = {_key(r["name"]): r for r in action_caps.get("supportedResultTypes") or []}
    if not offered:  # an action without result types (e.g. analog programs): nothing to check
        return
    names = requested(program)
    if shots == 0 and not names:
        raise ValidationException(
            "action: Result types must be specified in the IR when shots=0; add a result type "
            "(e.g. '#pragma braket result probability') or run with shots > 0"
        )
    for name in names:
        spec = offered.get(_key(name))
        if spec is None:
            raise ValidationException(
                f"action: result type {name} is not supported by {device_arn}; it supports "
                f"{sorted(r['name'] for r in offered.values())}"
            )
        low, high = spec.get("minShots") or 0, spec.get("maxShots")
        if shots < low or (high is not None and shots > high):
            detail = (
                "sample can only be specified when shots>0"
                if _key(name) == "sample"
                else "statevector, amplitude and densitymatrix result types not available "
                "when shots>0"
                if high == 0
                else f"{spec['name']} needs shots in [{low}, {high}]"
            )
            raise ValidationException(f"action: {detail} (got shots={shots} for {name})")
