"""Runtime program: run a circuit on the backend and publish the measurement counts.

Inputs: ``circuit`` (a QuantumCircuit; default a Bell pair) and ``shots`` (default 1000).
"""


def main(backend, user_messenger, **kwargs):
    from qiskit import QuantumCircuit, transpile

    circuit = kwargs.get("circuit")
    if circuit is None:
        circuit = QuantumCircuit(2)
        circuit.h(0)
        circuit.cx(0, 1)
        circuit.measure_all()
    shots = int(kwargs.get("shots", 1000))
    job = backend.run(transpile(circuit, backend), shots=shots)
    counts = job.result().get_counts()
    user_messenger.publish({"shots": shots, "distinct_outcomes": len(counts)})
    return counts
