"""How many qubits a task may simulate, counted as amazon-braket-default-simulator counts them.

The simulator allocates every declared qubit (``qubit[n] q;`` with ``n`` folded from constants,
variables and inputs by its interpreter) plus each distinct physical qubit (``$k``) the program
names, then maps them onto contiguous indices (``BaseLocalSimulator._contiguous_qubit_mapping``);
JAQCD programs get one qubit per distinct index their instructions touch. Counting literals only
let ``const int n = 27; qubit[n] q;`` and ``qubit[30+30] q;`` through a 26-qubit device.

Declaration sizes are folded by the simulator's own front end (its parser and ``Interpreter``),
given only the program's declarations, so nothing runs but the arithmetic; an arithmetic that
would build an integer wider than :data:`MAX_BITS` (``2**(2**40)``) is refused before Python
computes it, as it would hold the server for minutes.
"""

from __future__ import annotations

import re
from typing import Any

MAX_BITS = 256
"""Widest integer a declaration may compute while its qubits are counted."""

_PHYSICAL = re.compile(r"\$(\d+)")


class FoldingError(ValueError):
    """A declaration the budget will not evaluate (too large an integer)."""


def openqasm_qubits(source: str, inputs: dict[str, Any] | None = None) -> int:
    """Qubits the simulator allocates for ``source``; raises ValueError when its declarations do
    not evaluate (the simulation would fail the same way)."""
    from ...rules import parse_openqasm

    physical = len(set(_PHYSICAL.findall(source)))
    program, problem = parse_openqasm(source)
    if program is None:
        raise ValueError(problem)
    from openqasm3 import ast as oq

    sizes = [s.size for s in program.statements if isinstance(s, oq.QubitDeclaration)]
    if all(size is None or isinstance(size, oq.IntegerLiteral) for size in sizes):
        return physical + sum(1 if size is None else size.value for size in sizes)
    return physical + _folded_declarations(source, inputs or {})


def _folded_declarations(source: str, inputs: dict[str, Any]) -> int:
    """Declared qubits, sizes evaluated by the simulator's interpreter on the declarations only."""
    from braket.default_simulator.openqasm.parser import openqasm_ast as ast
    from braket.default_simulator.openqasm.parser.openqasm_parser import parse

    declarations = (
        ast.ConstantDeclaration,
        ast.ClassicalDeclaration,
        ast.IODeclaration,
        ast.QubitDeclaration,
    )
    program = parse(source)
    kept = [s for s in program.statements if isinstance(s, declarations)]
    interpreter = _bounded()()
    interpreter.context.load_inputs(inputs)
    try:
        for statement in kept:
            if isinstance(statement, ast.ClassicalDeclaration) and not _pure(statement):
                continue  # a measurement or call: it cannot size a qubit register
            interpreter.visit(statement)
    except FoldingError:
        raise
    except Exception as exc:
        raise ValueError(f"{type(exc).__name__}: {exc}") from None
    return int(interpreter.context.num_qubits)


def _pure(statement: Any) -> bool:
    from braket.default_simulator.openqasm.parser import openqasm_ast as ast

    found = [statement.init_expression]
    while found:
        node = found.pop()
        if isinstance(node, ast.QuantumMeasurement | ast.FunctionCall):
            return False
        if isinstance(node, ast.QASMNode):
            found.extend(vars(node).values())
        elif isinstance(node, list):
            found.extend(node)
    return True


def _bounded_interpreter_class() -> type:
    from braket.default_simulator.openqasm.interpreter import Interpreter
    from braket.default_simulator.openqasm.parser import openqasm_ast as ast

    def width(value: Any) -> int:
        number = getattr(value, "value", None)
        return abs(number).bit_length() if isinstance(number, int) else 0

    class BoundedInterpreter(Interpreter):
        """The simulator's interpreter, refusing integers wider than MAX_BITS."""

        def visit(self, node: Any) -> Any:
            if not isinstance(node, ast.BinaryExpression):
                return super().visit(node)
            lhs, rhs = self.visit(node.lhs), self.visit(node.rhs)
            op = node.op.name
            rhs_value = getattr(rhs, "value", 0)
            if op == "**" and isinstance(rhs_value, int):
                grows = max(width(lhs), 1) * max(rhs_value, 0)
            elif op == "<<" and isinstance(rhs_value, int):
                grows = width(lhs) + max(rhs_value, 0)
            else:
                grows = 0
            if grows > MAX_BITS:
                raise FoldingError(
                    f"a qubit-count expression computes a {grows}-bit integer; sizes must be "
                    f"at most {MAX_BITS} bits"
                )
            result = super().visit(ast.BinaryExpression(node.op, lhs, rhs))
            if width(result) > MAX_BITS:
                raise FoldingError(
                    f"a qubit-count expression computes an integer wider than {MAX_BITS} bits"
                )
            return result

    return BoundedInterpreter


_BOUNDED: type | None = None


def _bounded() -> Any:
    global _BOUNDED
    if _BOUNDED is None:
        _BOUNDED = _bounded_interpreter_class()
    return _BOUNDED


def jaqcd_qubits(program: dict[str, Any]) -> int:
    """Distinct qubits a JAQCD program's instructions and results touch."""
    used: set[int] = set()
    for item in [*(program.get("instructions") or []), *(program.get("results") or [])]:
        if not isinstance(item, dict):
            continue
        for key in ("target", "control"):
            if isinstance(item.get(key), int):
                used.add(item[key])
        for key in ("targets", "controls"):
            values = item.get(key)
            if isinstance(values, list):
                used.update(v for v in values if isinstance(v, int))
    return len(used)


def qubit_problem(source: str, advertised: int, device_arn: str) -> str | None:
    """Why an OpenQASM program (qubits after folding) does not fit ``advertised`` qubits; for
    checks that collect problems (a program set's per-program failures) instead of raising."""
    try:
        used = openqasm_qubits(source)
    except ValueError as exc:
        return f"the program's qubit declarations do not evaluate: {exc}"
    if used > advertised:
        return f"the program uses {used} qubits; {device_arn} advertises {advertised} (qubitCount)"
    return None
