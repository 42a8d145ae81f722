"""The job subprocess: ``python -m pulumi_quantum.local.ibm.runner JOB_DIR``.

Runs one job in its own process so a program cannot crash, block or leak into the server,
and so a time limit can be enforced by killing it. Protocol with the parent (``jobs.py``),
all files inside JOB_DIR:

* in: ``job.json`` (job id, program id, backend name, params as the client's JSON text) and,
  for uploaded programs, ``program.py``;
* out: ``started`` (written after imports, right before user code runs: the parent starts the
  max_execution_time clock there, so interpreter start-up is not charged to the program),
  ``interim.jsonl`` (``user_messenger.publish`` messages), ``outcome.json`` (final status,
  result text or error), stdout/stderr go to the log file the parent opened.

Values cross the boundary in the vendor's own encoding (``RuntimeEncoder``/``RuntimeDecoder``),
so circuits arrive as QuantumCircuit objects exactly as in IBM's runtime.
"""

from __future__ import annotations

import json
import runpy
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pulumi_quantum.local.ibm.builtin import BUILTIN_PROGRAMS


class UserMessenger:
    """The ``user_messenger`` argument of a program's ``main``, as in IBM's runtime."""

    def __init__(self, job_dir: Path, encoder: Any) -> None:
        self._path = job_dir / "interim.jsonl"
        self._encoder = encoder
        self.final: Any = None
        self.has_final = False

    def publish(self, message: Any, encoder: Any = None, final: bool = False) -> None:
        if final:
            self.final, self.has_final = message, True
            return
        text = json.dumps(message, cls=encoder or self._encoder)
        with self._path.open("a", encoding="utf-8") as fh:
            fh.write(text.replace("\n", " ") + "\n")


def simulator() -> Any:
    """qiskit's BasicSimulator (qiskit >= 1.0), or BasicAer on older qiskit."""
    try:
        from qiskit.providers.basic_provider import BasicSimulator
    except ImportError:  # qiskit < 1.0
        from qiskit import BasicAer

        return BasicAer.get_backend("qasm_simulator")
    return BasicSimulator()


UNSUPPORTED_INSTRUCTION = "Instruction {} is not supported."
"""IBM's wording of error 7001 (its error code registry), raised as qiskit's ``JobError`` as
IBM's circuit runner did: qiskit-ibm-provider 0.11 reads ``JobError: '<message>'`` out of a
failed job's results and shows just the message (``IBMCircuitJob._parse_result_for_errors``)."""


def unsupported_instruction(circuit: Any, backend: Any) -> str | None:
    """The first instruction the simulator cannot run and nothing can decompose (an opaque
    gate: no definition), which IBM refuses as error 7001; None if every one can run."""
    supported = set(backend.target.operation_names) | {"barrier", "measure", "reset", "delay"}
    for instruction in circuit.data:
        operation = instruction.operation
        if operation.name not in supported and getattr(operation, "definition", None) is None:
            return str(operation.name)
    return None


def run_circuits(backend: Any, params: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """The circuit path of ``IBMBackend.run``: simulate and answer a ``Result`` dict."""
    from qiskit import QuantumCircuit, transpile
    from qiskit.providers import JobError

    circuits = params.get("circuits")
    if not isinstance(circuits, list):
        circuits = [circuits]
    for index, circuit in enumerate(circuits):
        if not isinstance(circuit, QuantumCircuit):
            raise ValueError(
                f"params.circuits[{index}] is a {type(circuit).__name__}, not a QuantumCircuit;"
                " the local runtime executes QuantumCircuit objects only (no OpenQASM 3 text)"
            )
        name = unsupported_instruction(circuit, backend)
        if name is not None:
            raise JobError(UNSUPPORTED_INSTRUCTION.format(name))
    shots = int(params.get("shots") or 4000)
    run_options: dict[str, Any] = {"shots": shots, "memory": bool(params.get("memory", False))}
    if params.get("seed_simulator") is not None:
        run_options["seed_simulator"] = int(params["seed_simulator"])
    compiled = transpile(circuits, backend, optimization_level=0)
    result = backend.run(compiled, **run_options).result().to_dict()
    result["backend_name"] = spec["backend"]
    result["job_id"] = spec["job_id"]
    result["date"] = datetime.now(UTC).isoformat()
    return result


def main(argv: list[str]) -> int:
    from ..budget import limit_address_space
    from .platform.primitives import finish
    from .platform.primitives import main as run_primitive_job

    limit_address_space()  # a job larger than the machine fails itself, not the machine
    job_dir = Path(argv[1]).resolve()
    spec = json.loads((job_dir / "job.json").read_text(encoding="utf-8"))
    if spec.get("platform"):  # the current platform's V2 primitives (platform/)
        return run_primitive_job(argv)
    return finish(job_dir, lambda: _run_program(job_dir, spec))


def _run_program(job_dir: Path, spec: dict[str, Any]) -> str:
    """Run a legacy runtime job (a built-in program or the uploaded ``program.py``); answer its
    result in the vendor's encoding."""
    with warnings.catch_warnings():  # the runner's own imports: not the program's log
        warnings.simplefilter("ignore", DeprecationWarning)
        from qiskit_ibm_provider.utils.json import RuntimeDecoder, RuntimeEncoder

    params = json.loads(spec["params"], cls=RuntimeDecoder)
    backend = simulator()
    messenger = UserMessenger(job_dir, RuntimeEncoder)
    (job_dir / "started").write_text(str(time.time()), encoding="utf-8")
    if spec["program_id"] in BUILTIN_PROGRAMS:
        result = run_circuits(backend, params, spec)
    else:
        namespace = runpy.run_path(str(job_dir / "program.py"), run_name="__runtime__")
        entry = namespace.get("main")
        if not callable(entry):
            raise AttributeError(
                "the program defines no main(backend, user_messenger, **kwargs) function"
            )
        result = entry(backend, messenger, **params)
        if result is None and messenger.has_final:
            result = messenger.final
    return json.dumps(result, cls=RuntimeEncoder)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
