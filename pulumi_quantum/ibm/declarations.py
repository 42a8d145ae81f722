"""The IBM Qiskit Runtime resources, declared once (see :mod:`pulumi_quantum.declare`)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from ..declare import ESTIMATED_COST, IMPORT_ID, URN_SEED, Prop, ResourceDecl, boolean, or_field

#: Key of the marker a create puts in the program's ``spec``: which resource uploaded it. The
#: runtime API has no tags or idempotency token; the spec is the one free-form field it returns,
#: and reads strip the marker again (:func:`user_spec`), so it never shows up as an input or a
#: diff.
MARKER_KEY = "x-pulumi-quantum-resource"


# ------------------------------------------------------------------- converters of the reads
def user_spec(spec: Any, _response: Any = None) -> Any:
    """The spec as the user wrote it: the marker removed (None when nothing else is left)."""
    if not isinstance(spec, Mapping):
        return spec or None
    shown = {k: v for k, v in spec.items() if k != MARKER_KEY}
    return shown or None


def decoded_size(data: Any, _response: Any = None) -> int | None:
    """Size in bytes of the base64 program source IBM returns to its owner (None without it)."""
    if not isinstance(data, str) or not data:
        return None
    try:
        return len(base64.b64decode(data.strip(), validate=True))
    except (ValueError, binascii.Error):
        return None


def parsed_json(value: Any, _response: Any = None) -> Any:
    """A JSON document the gateway answers as text (a function's ``schema``) → its value;
    empty or absent → None."""
    if not isinstance(value, str):
        return value or None
    if not value:
        return None
    try:
        return json.loads(value) or None
    except ValueError:
        return value


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
    home="program",
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
            read="name",
        ),
        Prop(
            "description",
            "string",
            "Program description (here or in metadata).",
            "str",
            change="in-place",
            read="description",
        ),
        Prop(
            "max_execution_time",
            "integer",
            "Maximum execution time in seconds, 1 to 28800 (here or in metadata).",
            "int",
            change="in-place",
            read="cost",  # the runtime API's name for it; some versions say max_execution_time
            convert=or_field("max_execution_time"),
        ),
        Prop(
            "is_public",
            "boolean",
            "Whether every user of the service can run the program.",
            "bool",
            change="in-place",
            read="is_public",
            convert=boolean,
        ),
        Prop(
            "spec",
            "object",
            "backend_requirements, parameters, return_values, interim_results (JSON Schemas).",
            "Mapping[str, Any]",
            change="in-place",
            items="any",
            out_py="dict[str, Any]",
            read="spec",
            convert=user_spec,
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
        Prop(
            "data_size",
            "integer",
            "Size of the program source in bytes.",
            "int",
            role="output",
            read="data",
            convert=decoded_size,
        ),
        Prop(
            "creation_date",
            "string",
            "When the program was uploaded.",
            "str",
            role="output",
            read="creation_date",
        ),
        Prop(
            "update_date",
            "string",
            "When the program was last updated.",
            "str",
            role="output",
            read="update_date",
        ),
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
        read="backend_name",
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
        read="max_ttl",
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
_SESSION_OUTPUTS = (
    Prop("session_id", "string", "The session id (also the resource id).", "str", role="output"),
    Prop(
        "channel",
        "string",
        "``ibm_quantum_platform`` or ``ibm_quantum`` (legacy).",
        "str",
        role="output",
    ),
    Prop("active", "boolean", "Whether the session still accepts jobs.", "bool", role="output"),
    ESTIMATED_COST,
    Prop(
        "instance_usage",
        "object",
        "The instance's usage as read at preview, before the session was opened (platform "
        "channel): ``{instance, consumed_seconds, limit_seconds, remaining_seconds, "
        "limit_reached}``; null when it could not be read or the channel has no usage API. "
        "See docs/cost.md. Never a change by itself.",
        "dict[str, Any]",
        role="output",
        items="any",
    ),
)
_SESSION_DETAILS = tuple(
    Prop(name, kind, doc, py, role="output", read=name)
    for name, kind, doc, py in (
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
    home="session",
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
        *_SESSION_DETAILS,
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
    home="session",
    props=(
        *_SESSION_INPUTS,
        _ON_DELETE,
        Prop("mode", "string", 'Always ``"batch"``.', "str", role="output"),
        *_SESSION_OUTPUTS,
        *_SESSION_DETAILS,
        IMPORT_ID,
    ),
)

FUNCTION = ResourceDecl(
    module="ibm",
    name="Function",
    doc=(
        "A Qiskit Function (qiskit-serverless gateway ``programs/upload``): a folder of code "
        "uploaded as a tar, diffed by the tar's sha256, so editing a file re-uploads in place. "
        "Functions have no delete API: destroy retains the function and warns."
    ),
    import_id="the function's title (``provider/title`` for a provider's function)",
    home="function",
    props=(
        Prop(
            "title",
            "string",
            "Function title: letters, digits, ``.``, ``_``, ``-``; the upsert key, so a change "
            "replaces.",
            "str",
            required=True,
            read="title",
        ),
        Prop(
            "source",
            "string",
            "The function's folder, relative to the Pulumi project; uploaded as a tar "
            "(<= 50 MB), compared by ``content_sha256``.",
            "str",
            required=True,
            change="none",
        ),
        Prop(
            "entrypoint",
            "string",
            "The script the function runs, relative to ``source`` (e.g. ``main.py``).",
            "str",
            required=True,
            change="in-place",
            read="entrypoint",
        ),
        Prop(
            "dependencies",
            "array",
            "Python packages, each pinned with ``==`` to a release of the gateway's allow-list.",
            "Sequence[str]",
            change="in-place",
            items="string",
            out_py="list[str]",
            read="dependencies",
        ),
        Prop(
            "env_vars",
            "object",
            "Environment variables of the function's jobs (secret: never read back, never shown).",
            "Mapping[str, str]",
            change="in-place",
            items="string",
            out_py="dict[str, str]",
            secret=True,
        ),
        Prop(
            "description",
            "string",
            "Description.",
            "str",
            change="in-place",
            read="description",
        ),
        Prop(
            "version",
            "string",
            "Version, ``x.y.z``.",
            "str",
            change="in-place",
            read="version",
        ),
        Prop(
            "arguments_schema",
            "object",
            "JSON Schema of the arguments; ``run`` validates against it.",
            "Mapping[str, Any]",
            change="in-place",
            items="any",
            out_py="dict[str, Any]",
            read="schema",
            convert=parsed_json,
        ),
        Prop(
            "runner",
            "string",
            '``"ray"`` or ``"fleets"``.',
            "str",
            change="in-place",
            default="ray",
            read="runner",
        ),
        Prop(
            "provider",
            "string",
            "The provider publishing it (its admins only); unset for your own function.",
            "str",
            read="provider",
        ),
        Prop(
            "function_id",
            "string",
            "The gateway's id of the function.",
            "str",
            role="output",
            read="id",
        ),
        Prop(
            "function_type",
            "string",
            "The function's type as the gateway reports it.",
            "str",
            role="output",
            read="type",
        ),
        Prop(
            "function_version",
            "string",
            "The version the gateway holds.",
            "str",
            role="output",
            read="version",
        ),
        Prop(
            "content_sha256",
            "string",
            "sha256 of the folder's (reproducible) tar: a change re-uploads in place.",
            "str",
            role="output",
            change="in-place",
            read="artifact_sha256",
        ),
        Prop(
            "created", "string", "When it was first uploaded.", "str", role="output", read="created"
        ),
        Prop(
            "updated", "string", "When it was last uploaded.", "str", role="output", read="updated"
        ),
        IMPORT_ID,
    ),
)
