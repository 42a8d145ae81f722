"""Function folders for ``pulumi-quantum validate``: a folder with a ``function.json`` manifest.

A Qiskit Function deployed from GitOps is a folder of code plus the settings ``ibm.Function``
uploads with it. The folder holds them in ``function.json``: the resource's inputs (``title``,
``entrypoint``, ``dependencies``, ``description``, ``version``, ``arguments_schema``,
``runner``, ``provider``; not ``env_vars``, which are secrets and belong in stack config). A
program deploys it with ``Function.from_folder(folder)``.

The manifest's fields come from the resource's declaration (one definition, in
:mod:`pulumi_quantum.ibm.function_folder`, shared with ``Function.from_folder``), and its values
are checked by the resource's own preview rules
(:func:`pulumi_quantum.ibm.function.input_problems`), so review and ``pulumi preview`` never
disagree. Problems point at the manifest field they are about.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..ibm.function_folder import MANIFEST, manifest_fields, unknown_field_hint

JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "array": (list,),
    "object": (dict,),
}


@dataclass(frozen=True)
class Finding:
    """One problem in a function folder: at ``pointer`` of its manifest (``None``: whole file)."""

    line: int
    column: int
    pointer: str | None
    message: str


def is_function_manifest(path: Path) -> bool:
    return path.name == MANIFEST


def function_folders_under(directory: Path) -> list[Path]:
    """Every function folder at or below ``directory`` (hidden folders skipped)."""
    return sorted(
        p.parent
        for p in directory.rglob(MANIFEST)
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(directory).parts)
    )


def inside_any(path: Path, folders: list[Path]) -> bool:
    return any(path.is_relative_to(folder) for folder in folders)


def check_function_folder(manifest: Path) -> list[Finding]:
    """Every problem of the folder ``manifest`` describes, as preview would report them."""
    from ..ibm.function import input_problems
    from ..ibm.metadata import MetadataFileError, read_metadata_file

    try:
        document = read_metadata_file(manifest)
    except MetadataFileError as exc:
        return [Finding(exc.line, exc.column, None, exc.message)]
    values = document.document
    if not isinstance(values, dict):
        return [Finding(1, 1, "", f"must be a JSON object of the function's settings ({MANIFEST})")]
    fields = manifest_fields()
    findings: list[Finding] = []

    def at(field: str, message: str) -> Finding:
        line, column = document.position((field,))
        return Finding(line, column, f"/{field}", message)

    for name in values:
        if name in fields:
            continue
        findings.append(at(name, f"unknown field {name!r}{unknown_field_hint(name, fields)}"))
    for name, prop in fields.items():
        value = values.get(name)
        if value is None:
            if prop.required:
                findings.append(Finding(1, 1, f"/{name}", "required field is missing"))
            continue
        if not isinstance(value, JSON_TYPES[prop.kind]):
            findings.append(at(name, f"must be a JSON {prop.kind}, not {type(value).__name__}"))
    if findings:
        return sorted(findings, key=lambda f: (f.line, f.column))  # the rules assume the shapes
    checked = {name: values.get(name) for name in fields}
    checked["source"] = str(manifest.parent)  # relative paths: to the working directory
    for field, message in input_problems(checked):
        if field == "source":
            findings.append(Finding(1, 1, None, f"the folder {manifest.parent}: {message}"))
        else:
            findings.append(at(field, message))
    return sorted(findings, key=lambda f: (f.line, f.column))
