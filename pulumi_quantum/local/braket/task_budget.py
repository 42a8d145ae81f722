"""CreateQuantumTask's resource budget: refuse, as Braket's ValidationException, what this machine
cannot run, before anything parses or simulates it (see :mod:`pulumi_quantum.local.budget`).

Two steps, because the first must come before the (slow) parser and the second needs it:

* :func:`check_size` - program bytes and statement count, from the raw action;
* :func:`check_qubits` - qubits after folding (:mod:`.qubit_count`) against the device's advertised
  ``qubitCount`` (QPU emulations in Braket's own wording) and against the state-size ceiling of the
  simulator the task would run on.
"""

from __future__ import annotations

from typing import Any

from .. import budget
from .exceptions import ValidationException
from .qubit_count import jaqcd_qubits, openqasm_qubits
from .results import AHS_ACTION, JAQCD_ACTION, OPENQASM_ACTION


def check_size(name: str, action: dict[str, Any]) -> None:
    """Program text or instruction list too large to parse quickly: refuse it unparsed."""
    problem = None
    if name == OPENQASM_ACTION and isinstance(action.get("source"), str):
        problem = budget.program_size_problem(action["source"])
    elif name == JAQCD_ACTION and isinstance(action.get("instructions"), list):
        count, most = len(action["instructions"]), budget.max_instructions()
        if count > most:
            problem = (
                f"the program has {count} instructions; this local cloud accepts at most {most} "
                "(PQ_LOCAL_MAX_INSTRUCTIONS). Split it into smaller tasks"
            )
    if problem:
        raise ValidationException(f"action: {problem}")


def _qubits(name: str, action: dict[str, Any]) -> int:
    if name == OPENQASM_ACTION:
        try:
            return openqasm_qubits(action["source"], action.get("inputs"))
        except ValueError as exc:
            raise ValidationException(
                f"action: the program's qubit declarations do not evaluate: {exc}"
            ) from None
    if name == JAQCD_ACTION:
        return jaqcd_qubits(action)
    if name == AHS_ACTION:  # one qubit per filled site
        filling = (action.get("setup") or {}).get("ahs_register", {}).get("filling") or []
        return sum(1 for f in filling if f == 1)
    return 0


def check_qubits(device: Any, name: str, action: dict[str, Any], advertised: int) -> None:
    """Qubits (folded) within the device's ``qubitCount`` and the simulator's memory ceiling."""
    used = _qubits(name, action)
    if used > advertised and name != AHS_ACTION:
        if device.qpu is not None:  # Braket's wording for QPUs (qpu_rules)
            raise ValidationException(
                f"Used {used} qubits, which is more than the device qubit count of {advertised}"
            )
        raise ValidationException(
            f"action: the program uses {used} qubits; {device.arn} advertises {advertised} "
            "(qubitCount)"
        )
    density = device.backend == "density_matrix"
    problem = budget.state_problem(used, density, device.name)
    if problem:
        raise ValidationException(f"action: {problem}")
