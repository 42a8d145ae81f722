"""The programs IBM's runtime provided itself, beside the ones users upload.

Kept apart from ``runner.py`` so the server does not import the runner module: the job process
starts it with ``python -m pulumi_quantum.local.ibm.runner``, and a runner already imported by
its package makes ``runpy`` print a RuntimeWarning into every job's log.
"""

from __future__ import annotations

BUILTIN_PROGRAMS = ("circuit-runner", "qasm3-runner")
"""Run by the runner itself (``IBMBackend.run`` / ``provider.run_circuits`` submit them)."""

PUBLIC_OWNER = "ibm"
"""Owner of IBM's public programs: no account has this name, so nobody may change them."""

_RANDOM_CIRCUITS = """
import random

from qiskit import transpile
from qiskit.circuit.random import random_circuit


def prepare_circuits(backend):
    circuit = random_circuit(num_qubits=5, depth=4, measure=True, seed=random.randint(0, 1000))
    return transpile(circuit, backend)


def main(backend, user_messenger, **kwargs):
    iterations = kwargs.pop("iterations", {default})
    for it in range(iterations):
        qc = prepare_circuits(backend)
        result = backend.run(qc).result()
        user_messenger.publish({{"iteration": it, "counts": result.get_counts()}})
    return {answer!r}
"""


def _spec(required: bool) -> dict[str, object]:
    return {
        "backend_requirements": {"min_num_qubits": 5},
        "parameters": {
            "$schema": "https://json-schema.org/draft/2019-09/schema",
            "properties": {
                "iterations": {"type": "integer", "minimum": 0, "description": "Iterations."}
            },
            "required": ["iterations"] if required else [],
        },
        "return_values": {"type": "string"},
        "interim_results": {
            "properties": {
                "iteration": {"type": "integer"},
                "counts": {"type": "object", "description": "Histogram of one random circuit."},
            }
        },
    }


PUBLIC_PROGRAMS: dict[str, dict[str, object]] = {
    # The examples IBM's runtime offered every account (the 0.20 client's tutorials run them):
    # each iteration runs a random 5-qubit circuit and publishes its counts as interim result.
    "hello-world": {
        "description": "A sample runtime program.",
        "cost": 300,
        "source": _RANDOM_CIRCUITS.format(default=1, answer="Hello, World!"),
        "spec": _spec(required=False),
    },
    "sample-program": {
        "description": "A sample runtime program.",
        "cost": 300,
        "source": _RANDOM_CIRCUITS.format(default=5, answer="All done!"),
        "spec": _spec(required=True),
    },
}
"""Program id (= name) -> metadata and source; installed by ``Programs`` as public programs."""
