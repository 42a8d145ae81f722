"""Runtime program: prepare a GHZ state on ``num_qubits`` and report how often parity is even.

A GHZ state measures as all-zeros or all-ones, so the even-parity fraction is a one-number
health check of a backend (1.0 on an ideal simulator for an even number of qubits).
"""


def main(backend, user_messenger, **kwargs):
    from qiskit import QuantumCircuit, transpile

    num_qubits = int(kwargs.get("num_qubits", 3))
    shots = int(kwargs.get("shots", 500))
    circuit = QuantumCircuit(num_qubits)
    circuit.h(0)
    for qubit in range(1, num_qubits):
        circuit.cx(qubit - 1, qubit)
    circuit.measure_all()
    counts = backend.run(transpile(circuit, backend), shots=shots).result().get_counts()
    even = sum(n for bits, n in counts.items() if bits.replace(" ", "").count("1") % 2 == 0)
    result = {"num_qubits": num_qubits, "shots": shots, "even_parity_fraction": even / shots}
    user_messenger.publish(result)
    return result
