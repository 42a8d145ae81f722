"""``Function``: a Qiskit Function (qiskit-serverless gateway), its folder uploaded as a tar.

Lifecycle (docs/ibm.md, "Function"):

* ``check`` (preview, no remote call) packs ``source`` into a reproducible tar (sorted members,
  zero times and owners, ``__pycache__`` left out) and validates what IBM validates: the
  entrypoint is in the folder, the tar is at most 50 MB, ``version`` is ``x.y.z``, every
  dependency is pinned with ``==``, ``arguments_schema`` is a valid JSON Schema. Its sha256 is
  ``content_sha256``: editing a file is an in-place update (a re-upload).
* ``create``/``update`` check the dependencies against the gateway's allow-list (a remote call,
  so not at preview), then upload: the gateway's upload is an upsert keyed on (author or
  provider, title), so ``title`` and ``provider`` replace. A create finding a function of that
  title already there adopts it only when it holds this very tar (a create retried after a
  crash); otherwise it stops and says how to import it.
* The resource id is the title (``provider/title`` for a provider's function): the upsert key
  and what ``get_by_title`` reads, so ``read`` (refresh, ``pulumi import``) needs nothing else;
  the gateway's own id is the ``function_id`` output.
* ``delete``: the gateway has no delete API, so the function is **retained** and a warning says
  so.

``env_vars`` are secret: marked secret in state, never read back, redacted from errors.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from .. import rules
from .._provider import CheckErrors, ProviderError, QuantumProvider, declared_diff, is_unknown
from ..hints import adopt_option
from ._generated import FunctionArgs, FunctionBase
from .declarations import FUNCTION
from .function_folder import read_manifest

__all__ = ["Function", "FunctionArgs", "FunctionProvider", "input_problems"]

SKIPPED_DIRS = frozenset({"__pycache__", ".git"})
"""Folders left out of the tar: caches that change when the code runs locally."""
UPLOADED = tuple(p.name for p in FUNCTION.inputs if p.name != "source")
"""The form fields of ``programs/upload`` beside the artifact (named as the client names them)."""


@dataclass(frozen=True)
class Packed:
    """A folder as the reproducible tar the gateway receives."""

    data: bytes
    files: frozenset[str]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


class SourceError(ValueError):
    """The folder cannot be packed (missing, a link inside, unreadable)."""


def pack(folder: Path) -> Packed:
    """The folder as a tar whose bytes depend only on the files' paths, contents and
    executable bits, so its sha256 is a content hash."""
    if not folder.is_dir():
        raise SourceError(f"{str(folder)!r} is not a folder")
    buffer = io.BytesIO()
    names: set[str] = set()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for root, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
            for name in sorted(files):
                path = Path(root) / name
                rel = path.relative_to(folder).as_posix()
                if path.is_symlink() or not path.is_file():
                    raise SourceError(f"{rel!r} is a link or special file; the gateway takes files")
                info = tarfile.TarInfo(rel)
                data = path.read_bytes()
                info.size = len(data)
                info.mode = 0o755 if os.access(path, os.X_OK) else 0o644
                tar.addfile(info, io.BytesIO(data))
                names.add(rel)
    return Packed(buffer.getvalue(), frozenset(names))


def _project_dir() -> Path:
    """Relative paths are relative to the Pulumi project (the engine's working directory)."""
    return Path.cwd()


def _packed(source: Any) -> Packed:
    path = Path(str(source))
    folder = path if path.is_absolute() else _project_dir() / path
    if not folder.is_dir():
        raise SourceError(f"{str(source)!r} is not a folder")
    return pack(folder)


class FunctionProvider(QuantumProvider):
    """Dynamic provider of :class:`Function`; holds no state (see ``_provider``)."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        from ..clients.ibm import check_target

        errors = CheckErrors()
        errors.add_all(check_target())
        checked = FUNCTION.defaults({k: news.get(k) for k in (p.name for p in FUNCTION.inputs)})
        if news.get("import_id") is not None:
            checked["import_id"] = news["import_id"]
        for field, message in input_problems(checked):
            errors.add(field, message)
        return errors.result(checked)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return declared_diff(FUNCTION, olds, news)

    def create(self, props: dict[str, Any]) -> CreateResult:
        from ..clients.ibm_gateway import gateway_client

        if props.get("import_id"):
            return self._adopt(str(props["import_id"]), props)
        packed = _for_upload(props)
        with gateway_client() as client:
            existing = client.get_by_title(props["title"], props.get("provider"))
            if existing is not None and existing.get("artifact_sha256") != packed.sha256:
                shown = _shown_title(props)
                raise ProviderError(
                    f"title: a function titled {shown!r} already exists in this account and "
                    "uploading would overwrite it (the gateway's upload is an upsert); choose "
                    f"another title, or adopt it by adding {adopt_option(shown)} to this resource"
                )
            # Absent, or this very tar already there (a create retried after a crash): upload.
            info = _upload(client, props, packed)
        return CreateResult(_shown_title(props), _outputs(props, info, packed))

    def _adopt(self, title: str, props: dict[str, Any]) -> CreateResult:
        """``ResourceOptions(import_=<title>)``: take over the existing function, then upload
        the desired folder and settings."""
        from ..clients.ibm_gateway import gateway_client

        provider, _, name = title.rpartition("/")
        with gateway_client() as client:
            if client.get_by_title(name, provider or None) is None:
                raise ProviderError(
                    f"import: no function {title!r} is visible to this account; check the "
                    "title (and the API key/instance in use)"
                )
            info = _upload(client, props, _for_upload(props))
        return CreateResult(_shown_title(props), _outputs(props, info, _for_upload(props)))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        from ..clients.ibm_gateway import gateway_client

        packed = _for_upload(news)
        with gateway_client() as client:
            info = _upload(client, news, packed)
        return UpdateResult(_outputs(news, info, packed))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        from ..clients.ibm_gateway import gateway_client

        provider, _, title = id_.rpartition("/")  # the id is the title (provider/title)
        with gateway_client() as client:
            info = client.get_by_title(title, provider or None)
        if info is None:
            return ReadResult(None, {})  # gone: refresh drops it
        outs = {**props, **FUNCTION.read_fields(info)}
        if not outs.get("content_sha256"):
            outs["content_sha256"] = props.get("content_sha256")  # a gateway that does not say
        inputs = {k: outs.get(k) for k in UPLOADED if k != "env_vars"}
        inputs.update({k: props[k] for k in ("source", "env_vars") if props.get(k) is not None})
        inputs["content_sha256"] = outs["content_sha256"]
        return ReadResult(id_, outs, inputs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        import pulumi

        pulumi.log.warn(
            f"ibm.Function {id_!r} (gateway id {props.get('function_id')}) is retained: Qiskit "
            "Functions have "
            "no delete API. It stays in the account and can still be run; it is no longer "
            "managed by this stack."
        )


def input_problems(checked: dict[str, Any]) -> list[tuple[str, str]]:
    """What IBM would refuse in a function's inputs, as ``(field, message)``, every one at once.

    The one set of rules for the resource's ``check`` (preview) and for ``pulumi-quantum
    validate``'s function folders, so review and preview never disagree. Unknown values
    (preview) are skipped. Packs ``source`` (relative paths: to the project, the working
    directory) and records the tar's sha256 as ``checked["content_sha256"]`` (unknown while
    ``source`` is; absent when the folder cannot be packed).
    """
    problems: list[tuple[str, str]] = []
    title = checked.get("title")
    bad_title = not isinstance(title, str) or not rules.FUNCTION_TITLE.match(title)
    if title is not None and not is_unknown(title) and bad_title:
        problems.append(
            (
                "title",
                f"{title!r} is not a valid function title; use letters, digits, '.', '_' or "
                "'-' (at most 255 characters; give the provider in 'provider')",
            )
        )
    version = checked.get("version")
    if version and not is_unknown(version) and not rules.FUNCTION_VERSION.match(str(version)):
        problems.append(("version", f"{version!r} is not in the x.y.z format (e.g. '1.0.0')"))
    runner = checked.get("runner")
    if runner and not is_unknown(runner) and runner not in rules.FUNCTION_RUNNERS:
        problems.append(("runner", f"{runner!r} is not one of {list(rules.FUNCTION_RUNNERS)}"))
    deps = checked.get("dependencies")
    if deps and not is_unknown(deps):
        unpinned = rules.unpinned_dependencies(d for d in deps if not is_unknown(d))
        if unpinned:
            problems.append(("dependencies", "; ".join(unpinned)))
    schema = checked.get("arguments_schema")
    if schema and not is_unknown(schema):
        problem = _schema_problem(schema)
        if problem:
            problems.append(("arguments_schema", problem))
    env_vars = checked.get("env_vars")
    if env_vars and not is_unknown(env_vars):
        bad = sorted(k for k in env_vars if not k.isidentifier())
        if bad:
            problems.append(("env_vars", f"{bad}: names must be letters, digits and '_'"))
    problems.extend(_source_problems(checked))
    return problems


def _source_problems(checked: dict[str, Any]) -> list[tuple[str, str]]:
    source, entrypoint = checked.get("source"), checked.get("entrypoint")
    if source is None or is_unknown(source):
        checked["content_sha256"] = source
        return []
    try:
        packed = _packed(source)
    except (SourceError, OSError) as exc:
        return [("source", f"{exc}; give the function's folder, relative to the project")]
    checked["content_sha256"] = packed.sha256
    problems = []
    if len(packed.data) > rules.MAX_FUNCTION_ARTIFACT_BYTES:
        problems.append(
            (
                "source",
                f"the folder packs to {len(packed.data)} bytes, over IBM's "
                f"{rules.MAX_FUNCTION_ARTIFACT_BYTES}-byte limit; move data out of it",
            )
        )
    known = entrypoint and not is_unknown(entrypoint)
    if known and str(entrypoint).removeprefix("./") not in packed.files:
        problems.append(
            (
                "entrypoint",
                f"{entrypoint!r} is not in the folder {source!r}; give the path of "
                "the script relative to it (e.g. 'main.py')",
            )
        )
    return problems


def _shown_title(props: Mapping[str, Any]) -> str:
    provider = props.get("provider")
    return f"{provider}/{props['title']}" if provider else str(props["title"])


def _schema_problem(schema: Any) -> str | None:
    import jsonschema

    if not isinstance(schema, Mapping):
        return f"must be a JSON Schema object, not {type(schema).__name__}"
    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except jsonschema.SchemaError as exc:
        where = "/".join(str(p) for p in exc.path)
        return f"not a valid JSON Schema{f' at /{where}' if where else ''}: {exc.message}"
    return None


def _for_upload(props: Mapping[str, Any]) -> Packed:
    """The folder packed again at apply time; refused when it changed since the preview."""
    try:
        packed = _packed(props.get("source"))
    except (SourceError, OSError) as exc:
        raise ProviderError(f"source: {exc}") from None
    expected = props.get("content_sha256")
    if expected and packed.sha256 != expected:
        raise ProviderError(
            f"source: the folder {props.get('source')!r} changed after the preview hashed it; "
            "run the update again so the plan matches what gets uploaded"
        )
    return packed


def _check_allow_list(client: Any, dependencies: Any) -> None:
    """Every pin on the gateway's allow-list (a remote call: at create/update, not preview)."""
    if not dependencies:
        return
    allowed = {}
    for pin in client.dependencies_versions():
        name, _, version = pin.partition("==")
        allowed[_canonical(name)] = version
    problems = []
    for dep in dependencies:
        match = rules.FUNCTION_PIN.match(str(dep).strip())
        if match is None:
            continue  # check reported it
        name, version = match.groups()
        have = allowed.get(_canonical(name))
        if have is None:
            problems.append(f"{name!r} is not on the gateway's allow-list")
        elif have != version:
            problems.append(f"{name}=={version} is not available; the allow-list has =={have}")
    if problems:
        raise ProviderError(
            "dependencies: " + "; ".join(problems) + "; pin releases the gateway lists "
            "(GET dependencies-versions; qiskit-serverless: client.dependencies_versions())"
        )


def _canonical(name: str) -> str:
    import re

    return re.sub(r"[-_.]+", "-", name).lower()


def _upload(client: Any, props: Mapping[str, Any], packed: Packed) -> dict[str, Any]:
    _check_allow_list(client, props.get("dependencies"))
    fields: dict[str, Any] = {name: props.get(name) for name in UPLOADED}
    if fields.get("arguments_schema") is not None:
        fields["arguments_schema"] = json.dumps(fields["arguments_schema"])
    env_vars = dict(props.get("env_vars") or {})
    return client.upload(fields, packed.data, secrets=list(env_vars.values()))


def _outputs(props: Mapping[str, Any], info: Mapping[str, Any], packed: Packed) -> dict[str, Any]:
    """Outputs after an upload: the inputs as written plus what the gateway reports."""
    outs = {**FUNCTION.state(props), **FUNCTION.outputs_from(info)}
    outs["content_sha256"] = packed.sha256  # the tar just uploaded (the gateway may not say)
    return outs


class Function(FunctionBase):
    """A Qiskit Function uploaded from a folder; retained (with a warning) on destroy.

    ``Function("double", title="double", source="fn", entrypoint="main.py")``. Adopt an
    existing one with ``opts=ResourceOptions(import_=<title>)``. Inputs and outputs:
    :data:`.declarations.FUNCTION`.
    """

    PROVIDER = FunctionProvider

    @classmethod
    def from_folder(
        cls,
        folder: str | os.PathLike[str],
        *,
        resource_name: str | None = None,
        title_prefix: str = "",
        opts: pulumi.ResourceOptions | None = None,
        **inputs: Any,
    ) -> Function:
        """The function of a folder holding a ``function.json`` (its title, entrypoint,
        version, dependencies, arguments schema, ...), the folder itself being ``source``.

        The manifest is the one ``pulumi-quantum validate`` reviews, so a program deploys
        exactly what was reviewed. ``resource_name`` defaults to the folder's name with ``_``
        as ``-``; ``title_prefix`` goes before the title (titles are unique per account: a
        ``f"{project}-{stack}-"`` prefix lets stacks deploy side by side); ``inputs`` (e.g.
        ``env_vars`` from stack config, which a committed manifest never holds) override the
        manifest's. A missing or malformed manifest, or an unknown field in it, raises
        :class:`~.function_folder.ManifestError` naming the file and field; the values are
        checked at preview like any other input.
        """
        path = Path(folder)
        settings = {**read_manifest(path), **inputs}
        title = settings.get("title")
        if title_prefix and title is not None:  # none: check says the title is required
            settings["title"] = (
                title_prefix + title
                if isinstance(title, str)
                else pulumi.Output.concat(title_prefix, title)
            )
        name = resource_name or path.name.replace("_", "-")
        return cls(name, opts=opts, source=str(path), **settings)
