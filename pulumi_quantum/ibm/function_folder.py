"""A Qiskit Function folder: code plus a ``function.json`` manifest of the ``Function``'s settings.

One definition of what a manifest may hold, shared by :meth:`.Function.from_folder` (a program
deploying the folder) and ``pulumi-quantum validate`` (GitOps review of it), so the two never
disagree on the fields. The manifest holds the resource's inputs (``title``, ``entrypoint``,
``dependencies``, ``description``, ``version``, ``arguments_schema``, ``runner``,
``provider``); not ``source`` (the folder itself) nor ``env_vars`` (secrets: from stack config).
Nothing here imports Pulumi, so the CLI reads manifests without it.
"""

from __future__ import annotations

import json
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

    Raises :class:`ManifestError` naming the file and every unknown field at once.
    """
    manifest = folder / MANIFEST
    try:
        text = manifest.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError(
            f"{manifest}: no such file; a function folder holds its settings (title, "
            f"entrypoint, ...) in {MANIFEST}"
        ) from None
    try:
        values = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ManifestError(f"{manifest}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
    if not isinstance(values, dict):
        raise ManifestError(f"{manifest}: must be a JSON object of the function's settings")
    fields = manifest_fields()
    unknown = [
        f"unknown field {name!r}{unknown_field_hint(name, fields)}"
        for name in values
        if name not in fields
    ]
    if unknown:
        raise ManifestError(f"{manifest}: " + "; ".join(unknown))
    return values
