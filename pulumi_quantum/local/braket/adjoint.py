"""SV1's ``adjoint_gradient`` result type, which amazon-braket-default-simulator does not offer.

``#pragma braket result adjoint_gradient expectation(<observable>) <parameters|all>`` (what the
SDK's ``Circuit.adjoint_gradient`` writes) asks for the expectation of an observable and its
gradient with respect to the program's free parameters (``input float``), at ``shots = 0``.

How it is computed here: the pragma becomes one plain ``expectation`` pragma per term of the
observable (the simulator has no sums in result pragmas), the simulator's exact expectations
are combined with the terms' coefficients, and each partial derivative is a central difference
of those exact expectations with step ``STEP`` (error below 1e-8 for the gate set's smooth,
bounded expectations; checked against the parameter-shift rule on Braket's ``LocalSimulator`` in
tests/local/test_braket_adjoint_gradient.py). That is not Braket's adjoint method, but the
value it returns is the same quantity: ``{"expectation": e, "gradient": {name: de/dname}}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

STEP = 1e-6
_PRAGMA = re.compile(
    r"^(?P<indent>[ \t]*)#pragma\s+braket\s+result\s+adjoint_gradient\s+expectation\s*"
    r"\((?P<observable>.*)\)\s*(?P<parameters>[\w\s,]*?)[ \t]*$",
    re.MULTILINE,
)
_RESULT_PRAGMA = re.compile(r"^\s*#pragma\s+braket\s+result\s+", re.MULTILINE)
_TERM = re.compile(
    r"^(?:(?P<coefficient>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*\*\s*)?(?P<factors>.+?)\s*$"
)


@dataclass(frozen=True)
class GradientRequest:
    """One adjoint_gradient pragma, rewritten into per-term expectation pragmas."""

    source: str  # the program with the pragma replaced
    first_index: int  # where its terms start among the program's result types
    coefficients: tuple[float, ...]
    parameters: tuple[str, ...]
    observable: str


def request(source: str, inputs: dict[str, float] | None) -> GradientRequest | None:
    """The adjoint_gradient pragma of ``source`` rewritten, or None if it has none.

    Raises ValueError for a request that cannot be computed (named parameters that are not
    inputs of the task, more than one adjoint_gradient, an observable that does not parse).
    """
    matches = list(_PRAGMA.finditer(source))
    if not matches:
        return None
    if len(matches) > 1:
        raise ValueError("a program may request at most one adjoint_gradient result type")
    match = matches[0]
    inputs = inputs or {}
    named = [p.strip() for p in match["parameters"].split(",") if p.strip()]
    if named in ([], ["all"]):
        parameters = tuple(sorted(inputs))
    else:
        missing = [p for p in named if p not in inputs]
        if missing:
            raise ValueError(
                f"adjoint_gradient: parameter(s) {missing} are not inputs of the task "
                f"(inputs: {sorted(inputs)})"
            )
        parameters = tuple(named)
    coefficients, pragmas = [], []
    for term in _split_terms(match["observable"]):
        text = term.strip()
        sign = -1.0 if text.startswith("-") else 1.0
        parsed = _TERM.match(text.lstrip("+-").strip())
        if parsed is None or not parsed["factors"] or parsed["factors"][0] in "+-*":
            raise ValueError(f"adjoint_gradient: cannot read the observable term {term!r}")
        coefficients.append(sign * float(parsed["coefficient"] or 1.0))
        pragmas.append(f"{match['indent']}#pragma braket result expectation {parsed['factors']}")
    rewritten = source[: match.start()] + "\n".join(pragmas) + source[match.end() :]
    first = len(_RESULT_PRAGMA.findall(source[: match.start()]))
    return GradientRequest(
        rewritten, first, tuple(coefficients), parameters, match["observable"].strip()
    )


def _split_terms(expression: str) -> list[str]:
    """Top-level ``+``/``-`` terms of an observable (signs kept with their term)."""
    terms, depth, start = [], 0, 0
    for i, char in enumerate(expression):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char in "+-" and depth == 0 and i > start:
            before = expression[start:i].rstrip()
            if before and before[-1] not in "*eE":
                terms.append(expression[start:i])
                start = i
    terms.append(expression[start:])
    return [t for t in terms if t.strip()]


def apply(simulator: Any, program: Any, gradient: GradientRequest, result: Any) -> None:
    """Replace the per-term expectations in ``result`` by the adjoint_gradient result type."""
    from braket.task_result.gate_model_task_result_v1 import ResultTypeValue

    count = len(gradient.coefficients)
    terms = result.resultTypes[gradient.first_index : gradient.first_index + count]
    inputs = dict(program.inputs or {})

    def expectation(values: dict[str, float]) -> float:
        if values == inputs:
            found = terms
        else:
            run = simulator.run(program.copy(update={"inputs": values}), shots=0)
            found = run.resultTypes[gradient.first_index : gradient.first_index + count]
        return sum(c * float(rt.value) for c, rt in zip(gradient.coefficients, found, strict=True))

    value = expectation(inputs)
    derivatives = {}
    for name in gradient.parameters:
        up = expectation({**inputs, name: inputs[name] + STEP})
        down = expectation({**inputs, name: inputs[name] - STEP})
        derivatives[name] = (up - down) / (2 * STEP)
    observable: list[str] | str
    if count == 1:
        observable, targets = list(terms[0].type.observable), [list(terms[0].type.targets or [])]
    else:
        observable = _without_qubits(gradient.observable)
        targets = [list(rt.type.targets or []) for rt in terms]
    merged = ResultTypeValue.parse_obj(
        {
            "type": {
                "type": "adjoint_gradient",
                "observable": observable,
                "targets": targets,
                "parameters": list(gradient.parameters),
            },
            "value": {"expectation": value, "gradient": derivatives},
        }
    )
    result.resultTypes[gradient.first_index : gradient.first_index + count] = [merged]


def _without_qubits(observable: str) -> str:
    """``2 * z(q[0]) @ x(q[1]) + y(q[1])`` -> ``2 * z @ x + y`` (the schema's sum form)."""
    return re.sub(r"\s+", " ", re.sub(r"\(\s*[^()]*\)", "", observable)).strip()
