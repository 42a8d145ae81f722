"""A parameter sweep: one Braket task per rotation angle, counts exported per angle.

The circuit is a single-qubit ``rx(theta)`` rotation followed by a measurement; the probability
of reading ``1`` is ``sin^2(theta / 2)``, so the exported counts climb from all-``0`` at
``theta = 0`` to all-``1`` at ``theta = pi``. The angle is an OpenQASM 3 ``input``, so every task
shares one program text and differs only in ``inputs`` — changing the sweep (config
``angles``, ``shots``) replaces exactly the tasks whose angle or shots changed.
"""

import math

import pulumi

from pulumi_quantum.braket import QuantumTask
from pulumi_quantum.storage import ResultsBucket

SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
PROGRAM = """OPENQASM 3.0;
input float theta;
qubit[1] q;
bit[1] c;
rx(theta) q[0];
c = measure q;
"""

config = pulumi.Config()
steps = config.get_int("steps") or 5
shots = config.get_int("shots") or 200
angles = [math.pi * i / (steps - 1) for i in range(steps)]

bucket = ResultsBucket(
    "results",
    bucket=f"amazon-braket-sweep-{pulumi.get_project()}-{pulumi.get_stack()}".lower()[:63],
    force_destroy=True,
)

tasks = [
    QuantumTask(
        f"rx-{i}",
        source=PROGRAM,
        inputs={"theta": theta},
        device_arn=SV1,
        shots=shots,
        output_s3_bucket=bucket.bucket,
        output_s3_key_prefix=f"sweep/rx-{i}",
        tags={"experiment": "rx-sweep", "theta": f"{theta:.4f}"},
    )
    for i, theta in enumerate(angles)
]

# Keyed by task name, so `pulumi-quantum results task_arns.rx-2` picks one task.
pulumi.export("angles", {f"rx-{i}": theta for i, theta in enumerate(angles)})
pulumi.export("counts", {f"rx-{i}": task.measurement_counts for i, task in enumerate(tasks)})
pulumi.export("task_arns", {f"rx-{i}": task.quantum_task_arn for i, task in enumerate(tasks)})
