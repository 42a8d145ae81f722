"""``RuntimeProgram``: a Qiskit Runtime program, inputs as ``IBMRuntimeService.upload_program``.

Lifecycle (see docs/ibm.md, "RuntimeProgram", for the details):

* ``check`` (preview, no remote calls) reads the program file and the metadata file, merges the
  metadata with the individual inputs, validates it against the shipped JSON Schema and reports
  every problem at once, naming each by JSON pointer (and file:line:col for metadata files);
* ``diff`` compares the source by sha256 and the effective metadata field by field; nothing ever
  forces a replacement, so ``program_id`` is stable;
* ``create``/``update`` re-read the program file and refuse to upload it if it changed since
  ``check`` hashed it (the plan would not be what gets applied);
* ``read`` powers refresh (out-of-band edits, deletion);
* adopting an existing program is ``ResourceOptions(import_=<id>)``, which the resource turns
  into the hidden ``import_id`` input (the engine's import path calls ``read`` without the
  pickled provider, which no Python dynamic resource can survive); the
  ``pulumi-resource-quantum`` plugin serves ``pulumi import`` natively.

State keeps the source's sha256 and size, never its text, when ``data`` is a path. Inline source
is the user's own input and Pulumi stores inputs, so in that case the text is in state as an input
(never as an output); use a path to keep it out.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from .._provider import (
    CheckErrors,
    ProviderError,
    QuantumProvider,
    declared_diff,
    is_unknown,
)
from ..hints import adopt_option
from ._generated import RuntimeProgramArgs, RuntimeProgramBase
from .declarations import MARKER_KEY, RUNTIME_PROGRAM
from .metadata import (
    METADATA_FIELDS,
    MetadataDocument,
    MetadataFileError,
    merge_metadata,
    read_metadata_file,
    strip_unknowns,
    validate_metadata,
)
from .source import ProgramSource, ProgramSourceError, load_source

__all__ = ["RuntimeProgram", "RuntimeProgramArgs", "RuntimeProgramProvider"]

COMPARED = tuple(p.name for p in RUNTIME_PROGRAM.props if p.change == "in-place")
"""What ``diff`` compares; all update in place. ``data`` and ``metadata`` are compared through
their normalised forms (hash; merged fields), so re-pointing at an identical file is no change."""

UPLOADED = tuple(p.name for p in RUNTIME_PROGRAM.inputs if p.change == "in-place")
"""The metadata an upload sends (``upload_program``'s arguments beside the data): the inputs
that update in place. ``is_public`` is its own endpoint on update (``set_program_visibility``)."""


def upload_args(props: Mapping[str, Any]) -> dict[str, Any]:
    """``UPLOADED`` as the runtime client takes them: whole seconds, a flag, the marked spec."""
    args = {name: props.get(name) for name in UPLOADED}
    args["max_execution_time"] = int(props["max_execution_time"])
    args["is_public"] = bool(args["is_public"])
    args["spec"] = wire_spec(props)
    return args


def _project_dir() -> Path:
    """Relative paths are relative to the Pulumi project: the engine starts the program and the
    dynamic provider host in the project directory."""
    return Path.cwd()


def _load_metadata(metadata: Any) -> MetadataDocument:
    if metadata is None:
        return MetadataDocument({})
    if isinstance(metadata, str):
        return read_metadata_file(metadata, _project_dir())
    if isinstance(metadata, Mapping):
        return MetadataDocument(dict(metadata))
    raise MetadataFileError(
        "metadata", f"must be a dict or the path of a JSON file, not {type(metadata).__name__}"
    )


class RuntimeProgramProvider(QuantumProvider):
    """Dynamic provider of :class:`RuntimeProgram`; holds no state (see ``_provider``)."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        from ..clients.ibm import check_target

        errors = CheckErrors()
        errors.add_all(check_target())
        data = news.get("data")
        checked: dict[str, Any] = {"data": data}
        if is_unknown(data):
            checked["data_sha256"] = data
            checked["data_size"] = data
        else:
            try:
                source = load_source(data, _project_dir())
                checked["data_sha256"] = source.sha256
                checked["data_size"] = source.size
            except ProgramSourceError as exc:
                errors.add("data", str(exc))

        if news.get("import_id") is not None:
            checked["import_id"] = news["import_id"]
        if news.get("urn_seed") is not None:
            checked["urn_seed"] = news["urn_seed"]
        metadata = news.get("metadata")
        checked["metadata"] = metadata
        overrides = {f: news.get(f) for f in METADATA_FIELDS}
        given = {f for f, v in overrides.items() if v is not None}
        document = MetadataDocument({})
        metadata_unknown = is_unknown(metadata)
        if not metadata_unknown:
            try:
                document = _load_metadata(metadata)
            except MetadataFileError as exc:
                errors.add("metadata", str(exc))
        base = document.document
        if not isinstance(base, Mapping):
            errors.add(
                "metadata",
                f"{document.path or 'metadata'}: must be a JSON object, not {type(base).__name__}",
            )
            base = {}
        merged = merge_metadata(base, overrides)
        for field in METADATA_FIELDS:
            checked[field] = merged.get(field)

        if not errors.failures or all(f.property == "data" for f in errors.failures):
            stripped, unknown_paths = strip_unknowns(merged)
            for problem in validate_metadata(stripped):
                path = problem.path
                if any(path[: len(u)] == u for u in unknown_paths if u):
                    continue
                field = str(path[0]) if path else "metadata"
                if metadata_unknown and field not in given:
                    continue  # the metadata may still supply it once known
                if field in given or document.path is None:
                    where = ""
                else:
                    line, column = document.position(path)
                    where = f"{document.path}:{line}:{column}: "
                errors.add(field, f"{where}{problem}")
        return errors.result(checked)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return declared_diff(RUNTIME_PROGRAM, olds, news)

    def create(self, props: dict[str, Any]) -> CreateResult:
        from ..clients.ibm import runtime_client
        from ..clients.ibm_runtime import DuplicateProgramError

        source = _source_for_upload(props)
        if props.get("import_id"):
            return self._adopt(str(props["import_id"]), props)
        with runtime_client() as client:
            try:
                created = client.create_program(data_base64=source.base64(), **upload_args(props))
            except DuplicateProgramError:
                own = own_programs_named(client, props["name"])
                retried = _same_upload(own, props)
                if retried is None:
                    raise ProviderError(_duplicate_message(own, props)) from None
                # The runtime API has no idempotency token: a create that uploaded and then
                # crashed before Pulumi saved state left this program behind. The caller's own
                # program, carrying this resource's marker, with the same source: this resource's
                # earlier upload. Adopt it so the re-run converges instead of failing.
                return self._adopt(retried, props)
            program_id = str(created["id"])
            if "creation_date" not in created:
                created = client.get_program(program_id)
        return CreateResult(program_id, _outputs(program_id, props, created, source))

    def _adopt(self, program_id: str, props: dict[str, Any]) -> CreateResult:
        """Take over an existing program, then bring it to the desired state.

        This is how ``pulumi import`` is done for this resource: the engine's import path calls
        the dynamic provider's ``read`` without the pickled provider, so
        ``ResourceOptions(import_=...)`` cannot work for any Python dynamic resource.
        """
        from ..clients.ibm import runtime_client
        from ..clients.ibm_runtime import NotFoundError, program_data_sha256

        with runtime_client() as client:
            try:
                info = client.get_program(program_id)
            except NotFoundError:
                raise ProviderError(
                    f"import: no program {program_id!r} is visible to this account; check "
                    "the id (and the token/instance in use)"
                ) from None
        current = _outputs_from_service(program_id, info, {})
        current["data_sha256"] = program_data_sha256(info)
        if marker_of(info) != resource_marker(props):
            current["spec"] = {"(marker)": None}  # not ours yet: the update writes our marker
        return CreateResult(program_id, self.update(program_id, current, props).outs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        from ..clients.ibm import runtime_client
        from ..clients.ibm_runtime import DuplicateProgramError

        changed = set(RUNTIME_PROGRAM.diff(olds, news)[0])
        source = _source_for_upload(news)
        with runtime_client() as client:
            if "data_sha256" in changed:
                client.update_program_data(id_, source.base64())
            fields = {
                f: (wire_spec(news) or {}) if f == "spec" else news.get(f)
                for f in UPLOADED
                if f in changed and f != "is_public"
            }
            try:
                client.update_program_metadata(id_, fields)
            except DuplicateProgramError:
                own = own_programs_named(client, news["name"])
                raise ProviderError(_duplicate_message(own, news)) from None
            if "is_public" in changed:
                client.set_program_visibility(id_, bool(news.get("is_public")))
            info = client.get_program(id_)
        return UpdateResult(_outputs(id_, news, info, source))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        from ..clients.ibm import runtime_client
        from ..clients.ibm_runtime import NotFoundError, program_data_sha256

        with runtime_client() as client:
            try:
                info = client.get_program(id_)
            except NotFoundError:
                return ReadResult(None, {})  # gone: refresh drops it, the next up recreates it
        outs = _outputs_from_service(id_, info, props)
        sha = program_data_sha256(info)
        if sha is not None:
            outs["data_sha256"] = sha
        inputs = {k: outs[k] for k in (*COMPARED, "data_size")}
        return ReadResult(id_, outs, inputs)

    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        from ..clients.ibm import runtime_client

        with runtime_client() as client:
            client.delete_program(id_)  # already gone (404) counts as deleted


def _source_for_upload(props: Mapping[str, Any]) -> ProgramSource:
    try:
        source = load_source(props.get("data"), _project_dir())
    except ProgramSourceError as exc:
        raise ProviderError(f"data: {exc}") from None
    expected = props.get("data_sha256")
    if expected and source.sha256 != expected:
        raise ProviderError(
            f"data: program file {source.path!r} changed after the preview hashed it "
            f"(sha256 {expected[:12]}… then, {source.sha256[:12]}… now); run the update again "
            "so the plan matches what gets uploaded"
        )
    return source


def resource_marker(props: Mapping[str, Any]) -> str | None:
    """A stable, non-revealing id of this resource (its URN parts, hashed); None without them."""
    import hashlib

    seed = props.get("urn_seed")
    if not seed or is_unknown(seed):
        return None
    return hashlib.sha256(f"RuntimeProgram\n{seed}".encode()).hexdigest()[:32]


def marker_of(info: Mapping[str, Any]) -> str | None:
    spec = info.get("spec")
    return spec.get(MARKER_KEY) if isinstance(spec, Mapping) else None


def wire_spec(props: Mapping[str, Any]) -> dict[str, Any] | None:
    """The spec as sent: the user's spec plus this resource's marker."""
    spec = dict(props.get("spec") or {})
    marker = resource_marker(props)
    if marker:
        spec[MARKER_KEY] = marker
    return spec or None


def own_programs_named(client: Any, name: str) -> list[dict[str, Any]]:
    """The caller's own programs called ``name``, each as GET returns it to its owner.

    The listing also holds other accounts' public programs (names are unique per owner only);
    the service returns a program's source only to its owner, so "GET returns the data" is the
    proof of ownership. Never another account's program: those are read-only to the caller.
    """
    own = []
    for listed in client.list_programs():
        if listed.get("name") != name:
            continue
        full = listed if listed.get("data") else client.get_program(str(listed["id"]))
        if full.get("data"):
            own.append(dict(full))
    return own


def _same_upload(own: list[dict[str, Any]], props: Mapping[str, Any]) -> str | None:
    """Id of the caller's program that is this resource's earlier upload, if there is one:
    its marker is this resource's and it holds the same source. A program another stack or
    resource uploaded (another marker) or one made outside Pulumi (none) is never adopted
    silently; ``ResourceOptions(import_=...)`` does that on purpose."""
    from ..clients.ibm_runtime import program_data_sha256

    marker = resource_marker(props)
    for program in own:
        if (
            marker
            and marker_of(program) == marker
            and program_data_sha256(program) == props.get("data_sha256")
        ):
            return str(program["id"])
    return None


def _duplicate_message(own: list[dict[str, Any]], props: Mapping[str, Any]) -> str:
    name = props["name"]
    if not own:
        return (
            f"name: a program named {name!r} already exists in this account; choose another name "
            "or delete the existing program"
        )
    existing = str(own[0]["id"])
    if marker_of(own[0]) and marker_of(own[0]) != resource_marker(props):
        whose = "another Pulumi resource (another stack, or another name) manages it"
    elif marker_of(own[0]):
        whose = "this resource uploaded it earlier, with another source"
    else:
        whose = "it was made outside Pulumi"
    return (
        f"name: a program named {name!r} already exists in this account (id {existing!r}; "
        f"{whose}); choose another name, delete the existing program, or adopt it by adding "
        f"{adopt_option(existing)} to this resource"
    )


def _outputs(
    program_id: str, desired: Mapping[str, Any], info: Mapping[str, Any], source: ProgramSource
) -> dict[str, Any]:
    """Outputs after a write: the values just written, plus what only the service knows (the
    dates, read as declared)."""
    return {
        "program_id": program_id,
        **{name: desired.get(name) for name in UPLOADED},
        "is_public": bool(desired.get("is_public")),
        **RUNTIME_PROGRAM.outputs_from(info),
        "data_sha256": source.sha256,  # the source just uploaded (the service may not say)
        "data_size": source.size,
    }


def _outputs_from_service(
    program_id: str, info: Mapping[str, Any], previous: Mapping[str, Any]
) -> dict[str, Any]:
    """Outputs as the service reports them (refresh/import), read as the declaration says; what
    the service does not tell (the source's hash; its size, to a non-owner) stays as it was."""
    outs = {"program_id": program_id, **RUNTIME_PROGRAM.read_fields(info)}
    outs["data_sha256"] = previous.get("data_sha256")
    if outs["data_size"] is None:
        outs["data_size"] = previous.get("data_size")
    return outs


class RuntimeProgram(RuntimeProgramBase):
    """A Qiskit Runtime program (``/programs``), created and updated in place.

    ``RuntimeProgram("hello", RuntimeProgramArgs(data="hello.py", metadata="hello.json"))`` or
    with keyword arguments: ``RuntimeProgram("hello", data="hello.py", metadata="hello.json")``.
    Adopt an existing program with ``opts=ResourceOptions(import_=<program id>)``. Inputs and
    outputs: :data:`.declarations.RUNTIME_PROGRAM`.
    """

    PROVIDER = RuntimeProgramProvider
