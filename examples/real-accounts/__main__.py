"""The same resources as the quickstart, pointed at real accounts through configuration only.

Nothing in this program names an endpoint or a credential: the providers read them when they
run, from stack config (``quantum:*``) or from the vendors' own environment variables and
credential chains. See README.md for the exact ``pulumi config set`` lines. Not run here: no
vendor cloud is reachable from this project's machines.
"""

from pathlib import Path

import pulumi

from pulumi_quantum.braket import QuantumTask, SpendingLimit
from pulumi_quantum.ibm import Batch, Function, RuntimeProgram, Session

PROGRAMS = Path(__file__).resolve().parent.parent / "programs"
FUNCTIONS = Path(__file__).resolve().parent.parent / "functions"
config = pulumi.Config()


# -- IBM Quantum ------------------------------------------------------------------------------
# Qiskit Functions live on today's IBM Quantum Platform (its Qiskit Functions gateway, with
# quantum:ibmApiKey + the CRN in quantum:ibmInstance): each folder of examples/functions with a
# function.json is one Function. Programs live on the legacy runtime (quantum:ibmToken / ibmUrl,
# retired by IBM: keep them only while that service is yours); the session and the batch on
# whichever channel the stack config names (see README.md).
# Titles are unique per account: one per project and stack.
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
session = Session(
    "work",
    backend=config.get("ibmBackend") or "ibm_brisbane",
    max_time=config.get("sessionMaxTime") or "1h",
    on_delete="close",
)
batch = Batch(
    "sweeps",
    backend=config.get("ibmBackend") or "ibm_brisbane",
    max_time=config.get("batchMaxTime") or "2h",
    on_delete="cancel",
)

# -- Amazon Braket ------------------------------------------------------------------------------
# A bucket you own, named amazon-braket-* as Braket requires for its default service role.
bucket = config.require("resultsBucket")
device = config.get("braketDevice") or "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
bell = QuantumTask(
    "bell",
    source="OPENQASM 3.0; qubit[2] q; bit[2] c; h q[0]; cnot q[0], q[1]; c = measure q;",
    device_arn=device,
    shots=config.get_int("shots") or 100,
    output_s3_bucket=bucket,
    output_s3_key_prefix="pulumi-quantum/bell",
    tags={"stack": pulumi.get_stack()},
    opts=pulumi.ResourceOptions(custom_timeouts=pulumi.CustomTimeouts(create="2h")),
)
budget = SpendingLimit(
    "device-budget", device_arn=device, spending_limit=config.get("budgetUsd") or "50.00"
)

pulumi.export("bell_counts", bell.measurement_counts)
pulumi.export("function_ids", {name: f.function_id for name, f in functions.items()})
pulumi.export("program_ids", {name: p.program_id for name, p in programs.items()})
pulumi.export("session_id", session.session_id)
pulumi.export("session_state", session.state)
pulumi.export("batch_id", batch.session_id)
pulumi.export("spending_limit_arn", budget.spending_limit_arn)
