"""What a QPU accepts: the checks Braket runs at CreateQuantumTask before a task reaches a device.

Braket validates a QPU task synchronously and answers a program the device cannot run with a
``ValidationException`` from CreateQuantumTask (no task is created). The messages follow the ones
Braket is publicly seen to send (sources in docs/braket-devices.md):

* ``[line 4] uses a gate: h which is either not supported by the device, not defined via a
  defcal, or not used in the right scope (e.g., ...)`` (Braket's 2026 wording; older
  messages read "... not supported by the device or defined via a defcal")
* ``In verbatim boxes, native gates are required. h is not a device native gate.``
* ``[line 3] has disconnected qubits 0 and 14``
* ``Used 54 qubits, which is more than the device qubit count of 49``
* AHS programs: the pydantic report of the AHS validators, e.g.
  ``1 validation error for DrivingFieldValidator ...`` (Braket quotes the same validators that
  amazon-braket-default-simulator ships, so we run those with Aquila's limits).

The remaining checks (physical qubits must exist, result types a QPU cannot return) use the same
``[line N]`` shape in wording of our own.
"""

from __future__ import annotations

import math
import re
import warnings
from typing import Any

from ...rules import parse_openqasm
from .exceptions import ValidationException
from .qpus import Qpu, aquila_constants


def openqasm_problem(qpu: Qpu, source: str) -> str | None:
    """What ``qpu`` would refuse in ``source`` (``check_openqasm``'s message), or None."""
    try:
        check_openqasm(qpu, source)
    except ValidationException as exc:
        return exc.message
    return None


def check_openqasm(qpu: Qpu, source: str) -> None:
    """Raise ValidationException for the first thing ``qpu`` would refuse in ``source``."""
    from openqasm3 import ast

    program, problem = parse_openqasm(source)
    if program is None:
        raise ValidationException(f"action: the OpenQASM program does not parse: {problem}")
    supported = {op.lower() for op in qpu.operations}
    native = {g.lower() for g in qpu.native_gates}
    qubits = set(qpu.qubits())
    defined: set[str] = set()
    used_physical: set[int] = set()
    declared = 0
    verbatim_next = False

    def physical(q: Any, line: int) -> int | None:
        name = getattr(q, "name", None)
        if isinstance(name, str) and name.startswith("$"):
            index = int(name[1:])
            if index not in qubits:
                raise ValidationException(
                    f"[line {line}] uses qubit ${index} which is not a qubit of the device "
                    f"(valid qubits: {min(qubits)}..{max(qubits)})"
                )
            used_physical.add(index)
            return index
        return None

    def gate(stmt: ast.QuantumGate, in_verbatim: bool) -> None:
        line = stmt.span.start_line if stmt.span else 0
        name = stmt.name.name.lower()
        if stmt.modifiers:
            modifier = stmt.modifiers[0].modifier.name
            # Braket's own wording, its typo included ([issue-683] in docs/braket-devices.md).
            raise ValidationException(
                f"[line {line}] uses an unsupported GateModifer: '{modifier}'"
            )
        targets = [physical(q, line) for q in stmt.qubits]
        if in_verbatim and qpu.family == "rigetti" and name == "rx":
            _check_rigetti_rx(stmt, line)
        if in_verbatim:
            if name not in native and name not in defined:
                # Braket's wording, as its developer guide quotes it ("Troubleshooting OpenQASM")
                raise ValidationException(
                    f"In verbatim boxes, native gates are required. {name} is not a device "
                    "native gate."
                )
            pair = [t for t in targets if t is not None]
            if len(pair) == 2 and qpu.edges and not _connected(qpu, *pair):
                raise ValidationException(  # the same guide's wording, numbers without '$'
                    f"[line {line}] has disconnected qubits {pair[0]} and {pair[1]}"
                )
        elif name not in supported and name not in defined:
            raise ValidationException(
                f"[line {line}] uses a gate: {name} which is either not supported by the device, "
                "not defined via a defcal, or not used in the right scope (e.g., when a device "
                "does not support using native gates outside of verbatim)"
            )

    def walk(statements: list[Any], in_verbatim: bool) -> None:
        nonlocal declared, verbatim_next
        for stmt in statements:
            if isinstance(stmt, ast.Pragma):
                # Several pragmas glued on one line parse as one: Braket honours each.
                for command in _GLUED.split(stmt.command.strip()):
                    verbatim_next = command.strip() == "braket verbatim"
                    _check_result_pragma(command.strip(), stmt.span.start_line if stmt.span else 0)
                continue
            if isinstance(stmt, ast.Box):
                walk(stmt.body, in_verbatim or verbatim_next)
            elif isinstance(stmt, ast.QuantumGateDefinition):
                walk(stmt.body, False)  # its body must use what the device supports
                defined.add(stmt.name.name.lower())
            elif isinstance(stmt, ast.QubitDeclaration):
                size = stmt.size.value if isinstance(stmt.size, ast.IntegerLiteral) else 1
                declared += size
            elif isinstance(stmt, ast.QuantumGate):
                gate(stmt, in_verbatim)
            elif isinstance(stmt, ast.QuantumMeasurementStatement):
                physical(stmt.measure.qubit, stmt.span.start_line if stmt.span else 0)
            elif isinstance(stmt, ast.ForInLoop | ast.WhileLoop):
                walk(stmt.block, in_verbatim)
            elif isinstance(stmt, ast.BranchingStatement):
                walk(stmt.if_block, in_verbatim)
                walk(stmt.else_block, in_verbatim)
            verbatim_next = False

    walk(program.statements, False)
    used = declared + len(used_physical)
    if used > qpu.qubit_count:
        raise ValidationException(
            f"Used {used} qubits, which is more than the device qubit count of {qpu.qubit_count}"
        )


# Result types a QPU returns (its supportedResultTypes): the rest need a simulator.
_GLUED = re.compile(r"#pragma\b")  # "braket result x#pragma braket result y": two pragmas
_QPU_RESULTS = {"sample", "expectation", "variance", "probability"}


def _check_result_pragma(command: str, line: int) -> None:
    if command.startswith("braket result "):
        kind = command.split()[2]
        if kind not in _QPU_RESULTS:
            raise ValidationException(
                f"[line {line}] requests the result type {kind}, which the device does not "
                f"support; a QPU returns {sorted(_QPU_RESULTS)}"
            )


_RIGETTI_RX_ANGLES = (-math.pi, -math.pi / 2, math.pi / 2, math.pi)


def _check_rigetti_rx(stmt: Any, line: int) -> None:
    """Rigetti runs ``rx`` natively at +-pi/2 and +-pi only, compared exactly (Braket refuses
    1.5707963267948968 for pi/2): Braket's message, from [qbp-233] in docs/braket-devices.md."""
    angle = _constant(stmt.arguments[0]) if stmt.arguments else None
    if angle is None or angle in _RIGETTI_RX_ANGLES:
        return  # an input parameter: bound later, not checked here
    raise ValidationException(
        f"[line {line}] Invalid RX angle '{angle!r}' with verbatim usage on Rigetti device. "
        "Valid angles are (-π, -π/2, π/2, π) or a custom gate can be declared via Pulse "
        "control.  If you are inputting float values of pi use a precision of 16"
    )


def _constant(node: Any) -> float | None:
    """The value of a constant angle expression (numbers, pi, + - * /), None otherwise."""
    from openqasm3 import ast

    if isinstance(node, ast.FloatLiteral | ast.IntegerLiteral):
        return float(node.value)
    if isinstance(node, ast.Identifier):
        return math.pi if node.name in ("pi", "π") else None
    if isinstance(node, ast.UnaryExpression) and node.op.name == "-":
        inner = _constant(node.expression)
        return None if inner is None else -inner
    if isinstance(node, ast.BinaryExpression):
        left, right = _constant(node.lhs), _constant(node.rhs)
        if left is None or right is None:
            return None
        operations = {
            "+": lambda: left + right,
            "-": lambda: left - right,
            "*": lambda: left * right,
            "/": lambda: left / right if right else None,
        }
        compute = operations.get(node.op.name)
        return compute() if compute is not None else None
    return None


def _connected(qpu: Qpu, a: int, b: int) -> bool:
    return (a, b) in qpu.edges or (b, a) in qpu.edges


def check_ahs(qpu: Qpu, action: dict[str, Any]) -> None:
    """Validate an AHS program against Aquila's limits with the AHS validators Braket uses."""
    from braket.analog_hamiltonian_simulator.rydberg.validators.ir_validator import (
        validate_program,
    )
    from braket.ir.ahs import Program

    try:
        program = Program.parse_obj(action)
    except Exception as exc:
        raise ValidationException(f"action: invalid braket.ir.ahs.program: {exc}") from None
    sites = len(program.setup.ahs_register.sites)
    if sites > qpu.qubit_count:
        raise ValidationException(
            f"Used {sites} qubits, which is more than the device qubit count of {qpu.qubit_count}"
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            validate_program(program, aquila_constants())
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            raise ValidationException(str(exc)) from None
    # The simulator only warns about values outside the device's ranges; the QPU refuses them.
    errors = [m for w in caught if (m := _RANGE_WARNING.search(str(w.message)))]
    if errors:
        lines = [
            f"  Value {m['index']} ({m['value']}) in {m['field']} time_series outside the allowed "
            f"range [{float(m['low'])}, {float(m['high'])}] (type=value_error)"
            for m in errors
        ]
        raise ValidationException(
            f"{len(lines)} validation error{'s' if len(lines) > 1 else ''} for "
            "DrivingFieldValidator\n__root__\n" + "\n".join(lines)
        )


_RANGE_WARNING = re.compile(
    r"Value (?P<index>\d+) \((?P<value>[^)]+)\) in (?P<field>\w+) time series outside the "
    r"typical range \[(?P<low>[^,\]]+), (?P<high>[^\]]+)\]"
)
