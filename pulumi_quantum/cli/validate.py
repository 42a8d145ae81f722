"""``pulumi-quantum validate`` and ``pulumi-quantum schema``: metadata review for GitOps.

``validate PATH...`` checks runtime program metadata files (or every ``*.json`` under a
directory) with exactly the rules ``RuntimeProgram`` applies at preview, so CI can reject a bad
change in review instead of at deploy. When a program file sits beside a metadata file
(``hello.json`` / ``hello.metadata.json`` next to ``hello.py``) it is checked too: it must
compile and define ``main``. A folder holding a ``function.json`` is a Qiskit Function folder,
checked with the rules ``ibm.Function`` applies at preview (see ``function_folders``).

Output, one line per problem: ``file:line:col: /json/pointer: message`` (``--format text``),
a JSON report (``--format json``), or GitHub workflow annotations (``--format github``) that show
up inline on the pull request. Exit status: 0 all valid, 1 any problem, 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TextIO

from .. import json_schemas
from ..ibm.metadata import MetadataFileError, read_metadata_file, validate_metadata
from ..ibm.source import ProgramSourceError, check_source
from . import missing_file
from .function_folders import (
    MANIFEST,
    check_function_folder,
    function_folders_under,
    inside_any,
    is_function_manifest,
)

FORMATS = ("text", "json", "github")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    column: int
    pointer: str | None  # None for problems outside a JSON document (program files)
    message: str
    kind: str = "runtime program metadata"  # the annotation's title (not in the JSON report)

    def report(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "kind"}

    def text(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        if self.pointer is None:
            return f"{where}: {self.message}"
        return f"{where}: {self.pointer or '/'}: {self.message}"

    def github(self) -> str:
        message = self.message if self.pointer is None else f"{self.pointer or '/'}: {self.message}"
        return (
            f"::error file={_gh_property(self.file)},line={self.line},col={self.column},"
            f"title={_gh_property(self.kind)}::{_gh_data(message)}"
        )


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def collect_files(paths: list[str]) -> tuple[list[Path], list[Path], list[Problem]]:
    """Metadata files and function manifests named by ``paths``.

    A directory gives every function folder below it (a folder holding ``function.json``) and
    every other ``*.json`` below it, outside those folders, as program metadata; hidden folders
    are skipped.
    """
    files: list[Path] = []
    functions: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            folders = function_folders_under(path)
            found = sorted(
                p
                for p in path.rglob("*.json")
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
                and not inside_any(p, folders)
            )
            if not found and not folders:
                problems.append(Problem(raw, 1, 1, None, "no *.json metadata files in directory"))
            files.extend(found)
            functions.extend(folder / MANIFEST for folder in folders)
        elif path.is_file():
            (functions if is_function_manifest(path) else files).append(path)
        else:  # a usage error, not a finding: one line and exit code 2 (cli.main)
            raise missing_file(raw)
    return list(dict.fromkeys(files)), list(dict.fromkeys(functions)), problems


def validate_function_folder(manifest: Path) -> list[Problem]:
    """A function folder's problems, each at its manifest field (see ``function_folders``)."""
    return [
        Problem(str(manifest), f.line, f.column, f.pointer, f.message, kind="Qiskit Function")
        for f in check_function_folder(manifest)
    ]


def program_beside(metadata_file: Path) -> Path | None:
    """``hello.py`` for ``hello.json`` or ``hello.metadata.json``, if it exists."""
    stem = metadata_file.name.removesuffix(".json").removesuffix(".metadata")
    candidate = metadata_file.with_name(f"{stem}.py")
    return candidate if candidate.is_file() else None


def validate_file(path: Path) -> list[Problem]:
    shown = str(path)
    try:
        document = read_metadata_file(path)
    except MetadataFileError as exc:
        return [Problem(shown, exc.line, exc.column, None, exc.message)]
    problems = []
    for problem in validate_metadata(document.document):
        line, column = document.position(problem.path)
        problems.append(Problem(shown, line, column, problem.pointer, problem.message))
    problems.sort(key=lambda p: (p.line, p.column))  # stable: schema order within a position
    program = program_beside(path)
    if program is not None:
        try:
            check_source(program.read_text(encoding="utf-8"), str(program))
        except ProgramSourceError as exc:
            problems.append(Problem(str(program), exc.line or 1, exc.column or 1, None, str(exc)))
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(str(program), 1, 1, None, f"cannot read program file: {exc}"))
    return problems


RUNTIME_PROGRAM_TOKEN = "quantum:ibm:RuntimeProgram"


def check_yaml_program(program: Path, metadata_files: list[Path]) -> list[Problem]:
    """A Pulumi YAML program's RuntimeProgram resources against the metadata files checked.

    Pulumi YAML has no glob, so a GitOps folder deployed from YAML lists its programs
    explicitly; this keeps the list and the folder in step: every resource's ``data`` and
    ``metadata`` exist, and every metadata file is deployed by exactly one resource.
    """
    import yaml  # PyYAML comes with the pulumi SDK; only this option needs it

    shown = str(program)
    try:
        document = yaml.safe_load(program.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        return [Problem(shown, 1, 1, None, f"cannot read the Pulumi YAML program: {exc}")]
    resources = document.get("resources") if isinstance(document, dict) else None
    problems: list[Problem] = []
    deployed: dict[Path, str] = {}
    for name, resource in (resources or {}).items():
        if not isinstance(resource, dict) or resource.get("type") != RUNTIME_PROGRAM_TOKEN:
            continue
        props = resource.get("properties") or {}
        for field in ("data", "metadata"):
            value = props.get(field)
            if not isinstance(value, str):
                continue  # inline source or an interpolation: nothing on disk to check
            target = (program.parent / value).resolve()
            if not target.is_file():
                problems.append(
                    Problem(shown, 1, 1, None, f"resources.{name}.{field}: no file {value}")
                )
            elif field == "metadata":
                if target in deployed:
                    problems.append(
                        Problem(
                            shown,
                            1,
                            1,
                            None,
                            f"resources.{name}: {value} is deployed twice (also by "
                            f"{deployed[target]})",
                        )
                    )
                deployed[target] = name
    for path in metadata_files:
        if path.resolve() not in deployed:
            problems.append(
                Problem(
                    str(path),
                    1,
                    1,
                    None,
                    f"not deployed: add a {RUNTIME_PROGRAM_TOKEN} resource for it to {shown}",
                )
            )
    return problems


def run_validate(
    args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    files, functions, problems = collect_files(args.paths)
    for path in files:
        problems.extend(validate_file(path))
    for manifest in functions:
        problems.extend(validate_function_folder(manifest))
    if getattr(args, "yaml_program", None):
        problems.extend(check_yaml_program(Path(args.yaml_program), files))
    if args.format == "json":
        report: dict[str, Any] = {
            "valid": not problems,
            "files": [str(p) for p in files],
            "functions": [str(p.parent) for p in functions],
            "problems": [p.report() for p in problems],
        }
        out.write(json.dumps(report, indent=2) + "\n")
    else:
        for problem in problems:
            out.write((problem.github() if args.format == "github" else problem.text()) + "\n")
        bad = len({p.file for p in problems})
        checked = f"{len(files)} metadata file(s)"
        if functions:
            checked += f" and {len(functions)} function folder(s)"
        summary = (
            f"{len(problems)} problem(s) in {bad} file(s); checked {checked}"
            if problems
            else f"all {checked} valid"
        )
        err.write(summary + "\n")
    return 1 if problems else 0


def run_schema(args: argparse.Namespace, out: TextIO | None = None) -> int:
    (out or sys.stdout).write(json_schemas.schema_text(args.name))
    return 0


def add_validate_commands(subparsers: Any) -> None:
    """Register ``validate`` and ``schema`` on the ``pulumi-quantum`` argparse subparsers."""
    validate = subparsers.add_parser(
        "validate",
        help="check runtime program metadata files and function folders (for CI / code review)",
        description=__doc__.split("\n\n")[1],
    )
    validate.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="metadata JSON file, function.json, or a directory of them",
    )
    validate.add_argument(
        "--format", choices=FORMATS, default="text", help="output format (default: text)"
    )
    validate.add_argument(
        "--yaml-program",
        metavar="PULUMI_YAML",
        help="also check that this Pulumi YAML program deploys exactly these metadata files "
        "(one quantum:ibm:RuntimeProgram each, with existing data and metadata files)",
    )
    validate.set_defaults(func=run_validate)

    show = subparsers.add_parser("schema", help="print the runtime program metadata JSON Schema")
    show.add_argument(
        "name",
        nargs="?",
        default=json_schemas.RUNTIME_PROGRAM_METADATA,
        choices=json_schemas.schema_names(),
        help="schema to print (default: %(default)s)",
    )
    show.set_defaults(func=run_schema)
