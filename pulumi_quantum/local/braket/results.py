"""Build ``results.json`` exactly as Amazon Braket writes it for SV1 / DM1 / TN1.

The simulation itself is amazon-braket-default-simulator's: its ``run(...)`` returns the
amazon-braket-schemas ``GateModelTaskResult`` object, the same schema the managed simulators
write. What the service adds on top, and what this module does:

* **JSON encoding of values.** The simulator hands back numpy arrays and complex numbers, which
  the schema's ``.json()`` cannot encode. Braket writes complex numbers as ``[re, im]`` pairs
  (the SDK's ``GateModelQuantumTaskResult.cast_result_types`` turns them back into ``complex``
  for ``amplitude`` and ``statevector``; ``density_matrix`` stays nested ``[re, im]`` lists),
  arrays as lists, measurements as 0/1 integers.
* **``measurements`` omitted when shots=0** (the schema requires at least one shot when present;
  the simulator returns an empty list).
* **Service metadata.** ``taskMetadata`` carries the task ARN as ``id``, the device ARN as
  ``deviceId``, the shots, the ``deviceParameters`` the client sent (when they parse as one of
  the schema's device-parameter models), created/ended times and status ``COMPLETED``;
  ``additionalMetadata`` carries the action as sent and ``simulatorMetadata`` with the execution
  duration in milliseconds.

* **Result-type values for shots > 0.** For OpenQASM programs the simulator returns the parsed
  result-type *specs* without values, which ``GateModelTaskResult`` rejects (``resultTypes`` is
  a list of ``{type, value}``); Braket's managed simulators return the values estimated from the
  shots. They are computed here from the measurements with the simulator's own observables
  (eigenvalues indexed by the measured, basis-rotated bits), the estimator the SDK itself uses
  for JAQCD results. JAQCD results keep ``resultTypes`` out, as the SDK computes them from the
  action.

Everything here is module level and picklable: it runs in the runner's worker processes.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from ...rules import split_pragmas
from . import adjoint, program_sets
from .program_sets import PROGRAM_SET_ACTION

OPENQASM_ACTION = "braket.ir.openqasm.program"
JAQCD_ACTION = "braket.ir.jaqcd.program"
AHS_ACTION = "braket.ir.ahs.program"
RUNNABLE_ACTIONS = (OPENQASM_ACTION, JAQCD_ACTION, PROGRAM_SET_ACTION)
"""Gate-model actions the local simulators run (``braket.ir.*`` schema names); QuEra Aquila's
analog programs (``AHS_ACTION``) run on the default simulator's Rydberg simulator."""

_SIMULATOR_METADATA_HEADER = {"name": "braket.task_result.simulator_metadata", "version": "1"}


def parse_action(action: str | dict[str, Any]) -> Any:
    """The braket.ir program object for an action (OpenQASM, JAQCD or AHS); raises on bad input."""
    document = json.loads(action) if isinstance(action, str) else action
    name = (document.get("braketSchemaHeader") or {}).get("name")
    if name == AHS_ACTION:
        from braket.ir.ahs import Program as AhsProgram

        return AhsProgram.parse_obj(document)
    if name == JAQCD_ACTION:
        from braket.ir.jaqcd import Program as JaqcdProgram

        return JaqcdProgram.parse_obj(document)
    if name == OPENQASM_ACTION:
        from braket.ir.openqasm import Program

        return Program.parse_obj(document)
    if name == PROGRAM_SET_ACTION:
        from braket.ir.openqasm import ProgramSet

        return ProgramSet.parse_obj(document)
    raise ValueError(f"action: braketSchemaHeader.name {name!r} is not one of {RUNNABLE_ACTIONS}")


_VERSION_LINE = re.compile(r"^\s*OPENQASM\s+[\d.]+\s*;[^\n]*\n?", re.MULTILINE)


def with_gates(source: str, gates: tuple[tuple[str, str], ...]) -> str:
    """``source`` with the definitions of the gates it uses and does not define itself, placed
    after its ``OPENQASM`` line (or first)."""
    needed = [
        definition
        for name, definition in gates
        if re.search(rf"\b{name}\s*[(\s]", source) and not re.search(rf"\bgate\s+{name}\b", source)
    ]
    if not needed:
        return source
    block = "\n".join(needed) + "\n"
    header = _VERSION_LINE.search(source)
    if header is None or source[: header.start()].strip():
        return block + source
    return source[: header.end()] + block + source[header.end() :]


def jsonable(value: Any) -> Any:
    """numpy / complex values as Braket's JSON: arrays -> lists, complex -> [re, im]."""
    import numpy as np

    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()] if value.dtype.kind == "c" else value.tolist()
    if isinstance(value, complex | np.complexfloating):
        return [float(value.real), float(value.imag)]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def _device_parameters(device_parameters: dict[str, Any]) -> dict[str, Any] | None:
    """The client's deviceParameters, if they are a schema model the result may carry."""
    if not device_parameters:
        return None
    from braket.task_result import TaskMetadata

    try:
        TaskMetadata.parse_obj(
            {"id": "x", "shots": 0, "deviceId": "x", "deviceParameters": device_parameters}
        )
    except Exception:
        return None
    return device_parameters


def simulate(
    simulator: Any,
    action: str,
    shots: int,
    task_arn: str,
    device_arn: str,
    device_parameters: str | None = None,
    simulation_gates: tuple[tuple[str, str], ...] = (),
) -> bytes:
    """Run one program on ``simulator``; returns results.json bytes (a GateModelTaskResult).

    ``simulation_gates`` are (name, OpenQASM definition) pairs of a QPU's native gates the
    simulator lacks; they are added to the simulated program only.
    """
    from braket.task_result import GateModelTaskResult

    params = json.loads(device_parameters or "{}")
    params = params if isinstance(params, dict) else {}
    program = parse_action(action)
    if program.braketSchemaHeader.name == PROGRAM_SET_ACTION:
        return _program_set_result(
            simulator, program, shots, task_arn, device_arn, params, simulation_gates
        )
    gradient = None
    if program.braketSchemaHeader.name == OPENQASM_ACTION:
        source = split_pragmas(program.source)  # every glued pragma honoured, as on Braket
        source = with_gates(source, simulation_gates) if simulation_gates else source
        if "adjoint_gradient" in program.source:
            gradient = adjoint.request(source, program.inputs)
            source = gradient.source if gradient is not None else source
        if source != program.source:
            program = program.copy(update={"source": source})
    started = time.perf_counter()
    result = simulator.run(program, shots=shots)
    if gradient is not None:
        adjoint.apply(simulator, program, gradient, result)
    if program.braketSchemaHeader.name == AHS_ACTION:
        return _analog_result(result, shots, task_arn, device_arn)
    duration_ms = max(0, round((time.perf_counter() - started) * 1000))

    if shots > 0 and result.resultTypes and not hasattr(result.resultTypes[0], "value"):
        result.resultTypes = _sampled_result_types(result)
    measurements, result.measurements = result.measurements, None  # large: kept out of .dict()
    document = json.loads(json.dumps(jsonable(result.dict()), default=_enum_value))
    if measurements:
        import numpy as np

        document["measurements"] = np.asarray(measurements, dtype=np.int8).tolist()
    if not document.get("resultTypes") and program.braketSchemaHeader.name == JAQCD_ACTION:
        document.pop("resultTypes", None)  # JAQCD: the SDK reads them from the action
    metadata = document["taskMetadata"]
    metadata.update(id=task_arn, deviceId=device_arn, shots=shots, status="COMPLETED")
    metadata["deviceParameters"] = _device_parameters(params)
    extra = document.setdefault("additionalMetadata", {})
    extra["action"] = json.loads(action)
    extra["simulatorMetadata"] = {
        "braketSchemaHeader": _SIMULATOR_METADATA_HEADER,
        "executionDuration": duration_ms,
    }
    document = _drop_nulls(document)
    # Never write what the SDK cannot read. The shots are 0/1 ints by construction: checking
    # one of them keeps this cheap for 100k-shot results.
    GateModelTaskResult.parse_obj({**document, "measurements": document["measurements"][:1]}
                                  if "measurements" in document else document)  # fmt: skip
    return json.dumps(document).encode()


def _program_set_result(
    simulator: Any,
    program_set: Any,
    shots: int,
    task_arn: str,
    device_arn: str,
    params: dict[str, Any],
    simulation_gates: tuple[tuple[str, str], ...],
) -> bytes:
    """A program set run on the default simulator (its ``run_program_set``), as a
    ``ProgramSetTaskResult`` with the service's ids."""
    programs = [
        p.copy(update={"source": with_gates(split_pragmas(p.source), simulation_gates)})
        for p in program_set.programs
    ]
    result = simulator.run(program_set.copy(update={"programs": programs}), shots=shots)
    document = program_sets.result_document(
        result, program_set, task_arn, device_arn, _device_parameters(params)
    )
    return json.dumps(document).encode()


def _analog_result(result: Any, shots: int, task_arn: str, device_arn: str) -> bytes:
    """An AnalogHamiltonianSimulationTaskResult as the simulator wrote it, with service ids."""
    document = json.loads(result.json())
    document["taskMetadata"].update(id=task_arn, deviceId=device_arn, shots=shots)
    return json.dumps(document).encode()


def _sampled_result_types(result: Any) -> list[dict[str, Any]]:
    """{type, value} for each result-type spec, estimated from the result's measurements."""
    import numpy as np

    measurements = np.asarray(result.measurements, dtype=int)
    measured = list(result.measuredQubits)
    out = []
    for spec in result.resultTypes:
        spec_dict = json.loads(spec.json())
        out.append({"type": spec_dict, "value": _sampled_value(spec_dict, measurements, measured)})
    return out


def _sampled_value(spec: dict[str, Any], measurements: Any, measured: list[int]) -> Any:
    import numpy as np

    kind, targets = spec["type"], spec.get("targets")
    if kind == "probability":
        bits = measurements[:, [measured.index(q) for q in targets]] if targets else measurements
        index = bits @ (1 << np.arange(bits.shape[1])[::-1])
        return (np.bincount(index, minlength=2 ** bits.shape[1]) / len(bits)).tolist()
    if kind not in ("expectation", "variance", "sample"):
        raise ValueError(f"result type {kind!r} is only available with shots=0")
    if targets is None:  # a one-qubit observable applied to every measured qubit
        return [_observable_value(kind, spec["observable"], [q], measurements, measured)
                for q in measured]  # fmt: skip
    return _observable_value(kind, spec["observable"], targets, measurements, measured)


def _observable_value(
    kind: str, ir_observable: list[Any], targets: list[int], measurements: Any, measured: list[int]
) -> Any:
    import numpy as np
    from braket.default_simulator.result_types import _from_braket_observable

    observable = _from_braket_observable(ir_observable, targets)
    qubits = list(observable.measured_qubits or targets)
    bits = measurements[:, [measured.index(q) for q in qubits]]
    index = bits @ (1 << np.arange(len(qubits))[::-1])
    samples = np.real(np.asarray(observable.eigenvalues)[index])
    if kind == "sample":
        return samples.tolist()
    return float(samples.mean() if kind == "expectation" else samples.var())


def _enum_value(value: Any) -> Any:
    if hasattr(value, "value"):
        return value.value
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _drop_nulls(document: dict[str, Any]) -> dict[str, Any]:
    """Braket's results.json leaves unset optional fields out rather than writing null.

    Only the envelope and the two metadata blocks: the action is echoed exactly as sent.
    """
    out = {k: v for k, v in document.items() if v is not None}
    for block in ("taskMetadata", "additionalMetadata"):
        if isinstance(out.get(block), dict):
            out[block] = {k: v for k, v in out[block].items() if v is not None}
    return out
