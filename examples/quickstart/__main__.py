"""The quickstart stack: a realistic set of quantum-cloud resources on the local quantum cloud.

* a Qiskit Function (today's IBM Quantum Platform: the successor of runtime programs) uploaded
  from its folder ``examples/functions/bell_counts/``, its settings read from the folder's
  ``function.json`` (reviewed by ``pulumi-quantum validate``); editing a file re-uploads it;
* two Qiskit Runtime programs uploaded from ``examples/programs/`` (source + metadata JSON), for
  the legacy runtime the local cloud still emulates;
* a runtime session and a batch on the local IBM backend ``ibm_loopback_5q``, on the current
  IBM Quantum Platform (``quantum:ibmChannel`` in ``Pulumi.yaml``); join them from
  qiskit-ibm-runtime with ``Session.from_id(session_id)`` / ``Batch.from_id(batch_id)``;
* an S3 bucket for Braket results and three Braket tasks: a Bell pair and a 5-qubit GHZ state on
  SV1, and a noisy Bell pair on DM1 (a depolarizing channel, so outcomes 01/10 appear);
* a spending limit on the IonQ Forte 1 QPU (Braket has none for simulators).

With no configuration everything goes to the local quantum cloud (``scripts/quickstart`` starts
it). The same program runs against real accounts through config only; see
``examples/real-accounts``. Paths are relative to this file, so the program works whatever the
working directory of the engine is.
"""

from pathlib import Path

import pulumi

from pulumi_quantum.braket import QuantumTask, SpendingLimit
from pulumi_quantum.ibm import Batch, Function, RuntimeProgram, Session
from pulumi_quantum.storage import ResultsBucket

PROGRAMS = Path(__file__).resolve().parent.parent / "programs"
FUNCTIONS = Path(__file__).resolve().parent.parent / "functions"
SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
DM1 = "arn:aws:braket:::device/quantum-simulator/amazon/dm1"

config = pulumi.Config()
shots = config.get_int("shots") or 200
bucket_name = (
    config.get("resultsBucket")
    or (f"amazon-braket-{pulumi.get_project()}-{pulumi.get_stack()}".lower()[:63])
)


# -- IBM Qiskit Functions and Qiskit Runtime -------------------------------------------------
# Titles are unique per account: one per project and stack, like the program names.
functions = {
    manifest.parent.name: Function.from_folder(
        manifest.parent, title_prefix=f"{pulumi.get_project()}-{pulumi.get_stack()}-"
    )
    for manifest in sorted(FUNCTIONS.glob("*/function.json"))
}
programs = {
    source.stem: RuntimeProgram(
        source.stem.replace("_", "-"),
        data=str(source),
        metadata=str(source.with_suffix(".json")),
        # Program names are unique per account: one per project and stack, so this stack, other
        # stacks and the other examples deploy side by side, in any order.
        name=f"{pulumi.get_project()}-{pulumi.get_stack()}-{source.stem.replace('_', '-')}",
    )
    for source in sorted(PROGRAMS.glob("*.py"))
}
session = Session("work", backend="ibm_loopback_5q", max_time="1h")
batch = Batch("sweeps", backend="ibm_loopback_5q", max_time="2h", on_delete="cancel")

# -- Amazon Braket --------------------------------------------------------------------------
# force_destroy: the quickstart's teardown removes its results too (a bucket that existed before
# is adopted and never deleted).
results = ResultsBucket("results", bucket=bucket_name, force_destroy=True)

CIRCUITS = {
    "bell": (SV1, "OPENQASM 3.0; qubit[2] q; bit[2] c; h q[0]; cnot q[0], q[1]; c = measure q;"),
    "ghz5": (
        SV1,
        "OPENQASM 3.0; qubit[5] q; bit[5] c; h q[0];"
        " cnot q[0], q[1]; cnot q[1], q[2]; cnot q[2], q[3]; cnot q[3], q[4]; c = measure q;",
    ),
    "noisy-bell": (
        DM1,
        "OPENQASM 3.0;\nqubit[2] q;\nbit[2] c;\nh q[0];\ncnot q[0], q[1];\n"
        "#pragma braket noise depolarizing(0.1) q[0]\n"
        "#pragma braket noise depolarizing(0.1) q[1]\n"
        "c = measure q;\n",
    ),
}
tasks = {
    name: QuantumTask(
        name,
        source=source,
        device_arn=device,
        output_s3_bucket=results.bucket,
        output_s3_key_prefix=f"quickstart/{name}",
        shots=shots,
        tags={"stack": pulumi.get_stack(), "example": "quickstart"},
    )
    for name, (device, source) in CIRCUITS.items()
}

# Braket has no spending limits for simulators: the budget caps a QPU (IonQ Forte 1).
budget = SpendingLimit(
    "forte-budget",
    device_arn="arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1",
    spending_limit="100.00",
)

# -- Outputs --------------------------------------------------------------------------------
for name, task in tasks.items():
    pulumi.export(f"{name.replace('-', '_')}_counts", task.measurement_counts)
pulumi.export("task_arns", {name: task.quantum_task_arn for name, task in tasks.items()})
pulumi.export("function_ids", {name: f.function_id for name, f in functions.items()})
pulumi.export("function_titles", {name: f.title for name, f in functions.items()})
pulumi.export("program_ids", {name: p.program_id for name, p in programs.items()})
pulumi.export("session_id", session.session_id)
pulumi.export("session_channel", session.channel)
pulumi.export("session_state", session.state)
pulumi.export("batch_id", batch.session_id)
pulumi.export("results_bucket", results.bucket)
pulumi.export("spending_limit_arn", budget.spending_limit_arn)
