"""A Qiskit Function: sample a Bell pair and save the counts as the job's result.

Run by IBM's gateway (or the local cloud's) with the runtime contract of qiskit-serverless:
``get_arguments()`` gives the caller's arguments (validated against ``arguments_schema`` in
``function.json``), ``save_result`` stores what ``job.result()`` returns.
"""

from qiskit import QuantumCircuit
from qiskit.primitives import StatevectorSampler
from qiskit_serverless import get_arguments, save_result

arguments = get_arguments()
shots = int(arguments.get("shots", 100))

bell = QuantumCircuit(2)
bell.h(0)
bell.cx(0, 1)
bell.measure_all()
[result] = StatevectorSampler().run([bell], shots=shots).result()
counts = result.data.meas.get_counts()
print(f"sampled {shots} shots: {counts}")
save_result({"counts": counts, "shots": shots})
