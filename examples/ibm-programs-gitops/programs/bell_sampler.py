"""Runtime program: sample a Bell pair and return the counts."""


def main(backend, user_messenger, **kwargs):
    from qiskit import QuantumCircuit, transpile

    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    shots = int(kwargs.get("shots", 1000))
    return backend.run(transpile(circuit, backend), shots=shots).result().get_counts()
