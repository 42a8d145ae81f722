"""A Qiskit Function folder: code plus a ``function.json`` manifest of the ``Function``'s settings.

One definition of what a manifest may hold, shared by :meth:`.Function.from_folder` (a program
deploying the folder) and ``pulumi-quantum validate`` (GitOps review of it), so the two never
disagree on the fields. The manifest holds the resource's inputs (``title``, ``entrypoint``,
``dependencies``, ``description``, ``version``, ``arguments_schema``, ``runner``,
``provider``); not ``source`` (the folder itself) nor ``env_vars`` (secrets: from stack config).
Manifests are read as program metadata files are (:func:`.metadata.read_metadata_file`), so
a JSON error points at its line and column the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

MANIFEST = "function.json"
"""The file that makes a folder a function folder."""
NOT_IN_MANIFEST = frozenset({"source", "env_vars", "import_id"})
"""Inputs a manifest does not hold: the folder itself, secrets, bookkeeping."""
OUT_OF_MANIFEST = {
    "source": " — the folder holding function.json is the source",
    "env_vars": " — env_vars are secrets: give them in the program (from stack config), not "
    "in a committed file",
}


class ManifestError(ValueError):
    """A function folder's manifest that cannot be deployed as it stands."""


def manifest_fields() -> dict[str, Any]:
    """The manifest's fields: the Function's declared inputs a folder can hold."""
    from .declarations import FUNCTION

    return {p.name: p for p in FUNCTION.inputs if p.name not in NOT_IN_MANIFEST}


def unknown_field_hint(name: str, fields: dict[str, Any]) -> str:
    """Why ``name`` is not a manifest field and what to write instead (``""``: no idea)."""
    from ..values import did_you_mean

    return OUT_OF_MANIFEST.get(name) or did_you_mean(name, fields)


def read_manifest(folder: Path) -> dict[str, Any]:
    """The settings in ``folder``'s manifest, its field names checked (values are checked by the
    resource at preview, as ``pulumi-quantum validate`` checks them).

    Raises :class:`ManifestError` naming the file, with the line and column of the problem (a
    JSON error, or every unknown field at once), as ``validate`` reports it.
    """
    from .metadata import MetadataFileError, read_metadata_file

    manifest = folder / MANIFEST
    if not manifest.is_file():
        raise ManifestError(
            f"{manifest}: no such file; a function folder holds its settings (title, "
            f"entrypoint, ...) in {MANIFEST}"
        )
    try:
        document = read_metadata_file(manifest)
    except MetadataFileError as exc:
        raise ManifestError(str(exc)) from None
    values = document.document
    if not isinstance(values, dict):
        raise ManifestError(f"{manifest}:1:1: must be a JSON object of the function's settings")
    fields = manifest_fields()
    unknown = [
        "{}:{}:{}: unknown field {!r}{}".format(
            manifest, *document.position((name,)), name, unknown_field_hint(name, fields)
        )
        for name in values
        if name not in fields
    ]
    if unknown:
        raise ManifestError("; ".join(unknown))
    return values
