"""The same resources as the quickstart, pointed at real accounts through configuration only.

Nothing in this program names an endpoint or a credential: the providers read them when they
run, from stack config (``quantum:*``) or from the vendors' own environment variables and
credential chains. See README.md for the exact ``pulumi config set`` lines. Not run here: no
vendor cloud is reachable from this project's machines.
"""

from pathlib import Path

import pulumi

from pulumi_quantum.braket import QuantumTask, SpendingLimit
from pulumi_quantum.ibm import RuntimeProgram, Session

PROGRAMS = Path(__file__).resolve().parent.parent / "programs"
config = pulumi.Config()

# -- IBM Quantum ------------------------------------------------------------------------------
programs = {
    source.stem: RuntimeProgram(
        source.stem.replace("_", "-"),
        data=str(source),
        metadata=str(source.with_suffix(".json")),
    )
    for source in sorted(PROGRAMS.glob("*.py"))
}
session = Session(
    "work",
    backend=config.get("ibmBackend") or "ibm_brisbane",
    max_time=config.get("sessionMaxTime") or "1h",
    on_delete="close",
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
pulumi.export("program_ids", {name: p.program_id for name, p in programs.items()})
pulumi.export("session_id", session.session_id)
pulumi.export("spending_limit_arn", budget.spending_limit_arn)
