"""Runtime program metadata: read, merge, validate and locate problems in the source text.

Both ``RuntimeProgram.check`` (preview time) and ``pulumi-quantum validate`` (GitOps review) go
through this module, so a metadata file that passes review passes preview and vice versa.

The merge follows ``IBMRuntimeService.upload_program``: metadata comes from a dict or a JSON
file, and individual fields (``name``, ``description``, ...) take precedence over the same
fields in the metadata.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import json_schemas
from .._provider import is_unknown

METADATA_FIELDS = ("name", "max_execution_time", "description", "is_public", "spec")
"""The fields of program metadata an individual input may override (IBM's list)."""


class MetadataFileError(Exception):
    """A metadata file that cannot be read or is not JSON; carries the parse position."""

    def __init__(self, path: str, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(f"{path}:{line}:{column}: {message}")
        self.path = path
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True)
class MetadataDocument:
    """Parsed metadata plus, when it came from a file, where and the text (for positions)."""

    document: Any
    path: str | None = None
    text: str | None = None

    def position(self, path: tuple[str | int, ...]) -> tuple[int, int]:
        """(line, column), 1-based, of the value at ``path``; (1, 1) if not locatable."""
        if self.text is None:
            return (1, 1)
        return locate(self.text, path)


def read_metadata_file(path: str | Path, base_dir: str | Path | None = None) -> MetadataDocument:
    """Read and parse a metadata JSON file; relative paths resolve against ``base_dir``."""
    shown = str(path)
    resolved = Path(path)
    if base_dir is not None and not resolved.is_absolute():
        resolved = Path(base_dir) / resolved
    try:
        text = resolved.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MetadataFileError(
            shown, f"metadata file not found (looked for {resolved.resolve()})"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MetadataFileError(shown, f"cannot read metadata file: {exc}") from None
    return MetadataDocument(parse_json(text, shown), shown, text)


def parse_json(text: str, shown: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise MetadataFileError(shown, f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None


def merge_metadata(metadata: Mapping[str, Any] | None, overrides: Mapping[str, Any]) -> dict:
    """Merge like ``upload_program``: an override that is not ``None`` wins; ``is_public``
    defaults to ``False``. Unknown metadata fields are kept so validation can reject them."""
    merged: dict[str, Any] = dict(metadata or {})
    for field in METADATA_FIELDS:
        value = overrides.get(field)
        if value is not None:
            merged[field] = value
    if merged.get("is_public") is None:
        merged["is_public"] = False
    return merged


def validate_metadata(document: Any) -> list[json_schemas.SchemaProblem]:
    """All schema problems of merged metadata (empty when valid)."""
    return json_schemas.validate(document, json_schemas.RUNTIME_PROGRAM_METADATA)


def strip_unknowns(document: Any) -> tuple[Any, list[tuple[str | int, ...]]]:
    """Replace preview-time unknowns with nothing checkable; return their paths.

    An unknown value cannot be validated yet (it is another resource's output), so problems at
    or below those paths are dropped; the engine calls ``check`` again once values are known.
    """
    unknown_paths: list[tuple[str | int, ...]] = []

    def walk(value: Any, path: tuple[str | int, ...]) -> Any:
        if is_unknown(value):
            unknown_paths.append(path)
            return None
        if isinstance(value, Mapping):
            return {k: walk(v, (*path, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, (*path, i)) for i, v in enumerate(value)]
        return value

    return walk(document, ()), unknown_paths


def locate(text: str, path: tuple[str | int, ...]) -> tuple[int, int]:
    """1-based (line, column) of the node at ``path`` in JSON ``text``.

    JSON is valid YAML flow syntax, and PyYAML (already a dependency of the Pulumi SDK) keeps the
    start position of every node, so its composer maps a path to a position without a hand-written
    JSON scanner. A path ending in a missing key (a required field) points at the parent object;
    an unknown key points at the key itself. Anything PyYAML cannot compose falls back to 1:1.
    """
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return (1, 1)
    mark = node.start_mark if node is not None else None
    for part in path:
        child = None
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == str(part):
                    child = value_node
                    mark = key_node.start_mark
                    break
        elif (
            isinstance(node, yaml.SequenceNode)
            and isinstance(part, int)
            and 0 <= part < len(node.value)
        ):
            child = node.value[part]
            mark = child.start_mark
        if child is None:
            break
        node = child
    if mark is None:
        return (1, 1)
    return (mark.line + 1, mark.column + 1)
