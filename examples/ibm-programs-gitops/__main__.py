"""GitOps for Qiskit Runtime programs: the ``programs/`` folder is the source of truth.

Every ``programs/<name>.json`` metadata file with its ``programs/<name>.py`` source becomes one
``RuntimeProgram``. Adding a file to the folder uploads a program, editing one updates it in
place, deleting one deletes it. Pull requests run ``pulumi-quantum validate programs/`` (see the
README) so a malformed metadata file is caught in review, before ``pulumi up``.
"""

from pathlib import Path

import pulumi

from pulumi_quantum.ibm import RuntimeProgram

PROGRAMS = Path(__file__).resolve().parent / "programs"

programs = {
    metadata.stem: RuntimeProgram(
        metadata.stem,
        data=str(metadata.with_suffix(".py")),
        metadata=str(metadata),
        # Program names are unique per account: one per project and stack, so stacks (and the
        # YAML twin in yaml/) deploy side by side, in any order.
        name=f"{pulumi.get_project()}-{pulumi.get_stack()}-{metadata.stem.replace('_', '-')}",
    )
    for metadata in sorted(PROGRAMS.glob("*.json"))
}

pulumi.export("program_ids", {name: program.program_id for name, program in programs.items()})
pulumi.export("data_sha256", {name: program.data_sha256 for name, program in programs.items()})
