"""The IBM Qiskit Runtime resources, declared once (see :mod:`pulumi_quantum.declare`)."""

from __future__ import annotations

from ..declare import IMPORT_ID, URN_SEED, Prop, ResourceDecl

RUNTIME_PROGRAM = ResourceDecl(
    module="ibm",
    name="RuntimeProgram",
    doc=(
        "A Qiskit Runtime program (``/programs``, as ``upload_program(data, metadata)`` takes "
        "it), created and updated in place: never replaced. ``data`` is the program source "
        "(text containing ``def main(``) or the path of the file holding it, relative to the "
        "Pulumi project; ``metadata`` is a map or the path of a JSON file (see ``pulumi-quantum "
        "schema``). The individual fields override the same metadata fields."
    ),
    import_id="the program id",
    props=(
        Prop(
            "data",
            "string",
            "Program source text, or the path of its file; compared by sha256 of the content.",
            "str",
            required=True,
            change="none",
        ),
        Prop(
            "metadata",
            "any",
            "Metadata map, or the path of a JSON metadata file; merged into the fields below.",
            "Mapping[str, Any] | str",
            change="none",
            out_py="Any",
        ),
        Prop(
            "name",
            "string",
            "Program name (here or in metadata): letters, digits, ``.``, ``_``, ``-``; <= 100.",
            "str",
            change="in-place",
        ),
        Prop(
            "description",
            "string",
            "Program description (here or in metadata).",
            "str",
            change="in-place",
        ),
        Prop(
            "max_execution_time",
            "integer",
            "Maximum execution time in seconds, 1 to 28800 (here or in metadata).",
            "int",
            change="in-place",
        ),
        Prop(
            "is_public",
            "boolean",
            "Whether every user of the service can run the program.",
            "bool",
            change="in-place",
        ),
        Prop(
            "spec",
            "object",
            "backend_requirements, parameters, return_values, interim_results (JSON Schemas).",
            "Mapping[str, Any]",
            change="in-place",
            items="any",
            out_py="dict[str, Any]",
        ),
        Prop(
            "program_id", "string", "The program id (also the resource id).", "str", role="output"
        ),
        Prop(
            "data_sha256",
            "string",
            "sha256 of the program source: a change uploads the new source in place.",
            "str",
            role="output",
            change="in-place",
        ),
        Prop("data_size", "integer", "Size of the program source in bytes.", "int", role="output"),
        Prop("creation_date", "string", "When the program was uploaded.", "str", role="output"),
        Prop("update_date", "string", "When the program was last updated.", "str", role="output"),
        URN_SEED,
        IMPORT_ID,
    ),
)

_SESSION_INPUTS = (
    Prop(
        "backend",
        "string",
        "The backend to hold, e.g. ``ibm_brisbane``.",
        "str",
        required=True,
    ),
    Prop(
        "instance",
        "string",
        "A CRN (platform) or ``hub/group/project`` (legacy); default: the configured instance.",
        "str",
    ),
    Prop(
        "max_time",
        "duration",
        'Seconds, or a string like ``"2h 30m 40s"``; 300 s to 8 h; sent as IBM\'s ``max_ttl``.',
        "int | str",
        out_py="int",
    ),
)
_ON_DELETE = Prop(
    "on_delete",
    "string",
    '``"close"`` (stop accepting jobs, let running ones finish) or ``"cancel"`` (also cancel '
    "them); changes in place, with no remote call.",
    "str",
    change="in-place",
    default="close",
)
_SESSION_OUTPUTS = tuple(
    Prop(name, kind, doc, py, role="output")
    for name, kind, doc, py in (
        ("session_id", "string", "The session id (also the resource id).", "str"),
        ("channel", "string", "``ibm_quantum_platform`` or ``ibm_quantum`` (legacy).", "str"),
        ("active", "boolean", "Whether the session still accepts jobs.", "bool"),
        ("state", "string", "IBM's state: open, active, inactive or closed.", "str"),
        ("accepting_jobs", "boolean", "Whether IBM accepts new jobs in it.", "bool"),
        ("max_ttl", "integer", "Maximum time to live, seconds.", "int"),
        ("interactive_ttl", "integer", "Interactive time to live, seconds.", "int"),
        ("active_ttl", "integer", "Remaining active time, seconds.", "int"),
        ("started_at", "string", "When it started.", "str"),
        ("activated_at", "string", "When it was activated.", "str"),
        ("closed_at", "string", "When it closed.", "str"),
        ("last_job_started", "string", "When its last job started.", "str"),
        ("last_job_completed", "string", "When its last job completed.", "str"),
        ("elapsed_time", "integer", "Seconds used so far.", "int"),
        ("backend_name", "string", "The backend IBM reports for it.", "str"),
    )
)

SESSION = ResourceDecl(
    module="ibm",
    name="Session",
    doc=(
        "A Qiskit Runtime session held open for the stack's lifetime; closed (or cancelled) "
        "on delete. Every input but ``on_delete`` replaces it."
    ),
    import_id="the session id",
    props=(
        *_SESSION_INPUTS,
        Prop(
            "mode",
            "string",
            '``"dedicated"`` or ``"batch"``.',
            "str",
            default="dedicated",
        ),
        _ON_DELETE,
        *_SESSION_OUTPUTS,
        IMPORT_ID,
    ),
)

BATCH = ResourceDecl(
    module="ibm",
    name="Batch",
    doc=(
        "A Qiskit Runtime batch (a session in ``batch`` mode) held for the stack's lifetime. "
        "Every input but ``on_delete`` replaces it."
    ),
    import_id="the batch (session) id",
    props=(
        *_SESSION_INPUTS,
        _ON_DELETE,
        Prop("mode", "string", 'Always ``"batch"``.', "str", role="output"),
        *_SESSION_OUTPUTS,
        IMPORT_ID,
    ),
)
