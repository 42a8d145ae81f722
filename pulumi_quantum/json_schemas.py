"""JSON Schemas shipped with the package, and their compiled validators.

The schemas are user documentation as much as validation rules (titles, descriptions, examples),
so they live as plain JSON files, in one place: ``pulumi_quantum/schema/*.json`` inside the
package (so an installed wheel has them). The repository's top-level ``schema/`` that people,
editors and the examples' ``$schema`` keys use is a symbolic link to that folder, not a copy
(a unit test keeps it so). This module is named apart from :mod:`pulumi_quantum.plugin.schema`
(the plugin's Pulumi package schema), and sits in the neutral base because the local cloud's
IBM server validates program metadata against the same schema (through :mod:`.rules`).

Compiling a validator (and resolving the metaschema it references) costs far more than using
one, and ``check`` runs once per resource per preview, so validators are built once and cached.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from . import verdicts
from .values import did_you_mean, json_pointer

if TYPE_CHECKING:  # pragma: no cover
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

RUNTIME_PROGRAM_METADATA = "runtime-program-metadata"


@dataclass(frozen=True)
class SchemaProblem:
    """One validation failure: where (a path / JSON pointer into the document) and what."""

    path: tuple[str | int, ...]
    message: str

    @property
    def pointer(self) -> str:
        return json_pointer(self.path)

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.message}"


def schema_names() -> list[str]:
    """Names of the schemas shipped in the package (file names without ``.schema.json``)."""
    folder = resources.files(__package__).joinpath("schema")
    return sorted(
        entry.name.removesuffix(".schema.json")
        for entry in folder.iterdir()
        if entry.name.endswith(".schema.json")
    )


def schema_text(name: str = RUNTIME_PROGRAM_METADATA) -> str:
    """The schema file exactly as shipped (for ``pulumi-quantum schema``)."""
    if name not in schema_names():
        raise KeyError(f"unknown schema {name!r}; known: {', '.join(schema_names())}")
    return resources.files(__package__).joinpath("schema", f"{name}.schema.json").read_text()


@functools.cache
def load_schema(name: str = RUNTIME_PROGRAM_METADATA) -> dict[str, Any]:
    return json.loads(schema_text(name))


@functools.cache
def validator(name: str = RUNTIME_PROGRAM_METADATA) -> Draft202012Validator:
    """The compiled validator for a schema; built on first use, then reused."""
    from jsonschema import Draft202012Validator

    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def validate(document: Any, name: str = RUNTIME_PROGRAM_METADATA) -> list[SchemaProblem]:
    """Every problem of ``document`` against schema ``name``, sorted by position.

    Messages are rewritten where jsonschema's are unhelpful: a missing required field is reported
    at its own pointer, and each unknown field gets its own entry with a "did you mean" hint.
    """
    subject = _canonical_or_none(document)
    libraries = verdicts.library_versions(*_VALIDATOR_LIBRARIES)
    key = _schema_key(name)
    if subject is not None and verdicts.passed("json-schema", libraries, subject, key):
        return []  # this document passed this schema before, with these libraries
    problems: list[SchemaProblem] = []
    schema = load_schema(name)
    for error in validator(name).iter_errors(document):
        problems.extend(_explain(error, schema))
    unique = list(dict.fromkeys(problems))  # keep the first of identical problems, in order
    # "x is not of type 'object'" from our schema and "... 'object', 'boolean'" from the
    # metaschema say the same thing twice: keep the shorter wording.
    unique = [
        p
        for p in unique
        if not any(
            q.path == p.path and q.message != p.message and p.message.startswith(q.message)
            for q in unique
        )
    ]
    if not unique and subject is not None:
        verdicts.remember("json-schema", libraries, subject, key)
    return sorted(unique, key=lambda p: ([str(part) for part in p.path], p.message))


@functools.cache
def _schema_key(name: str) -> bytes:
    return schema_text(name).encode()


_VALIDATOR_LIBRARIES = (
    ("jsonschema", "jsonschema"),
    ("referencing", "referencing"),
    ("jsonschema_specifications", "jsonschema-specifications"),
)
"""What a schema verdict depends on besides the schema and the document."""


def _canonical_or_none(document: Any) -> str | None:
    """One spelling of a JSON document (None for a value JSON cannot spell: not remembered)."""
    try:
        return json.dumps(document, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError):
        return None


def _explain(error: ValidationError, root_schema: dict[str, Any]) -> list[SchemaProblem]:
    path = tuple(error.absolute_path)
    instance = error.instance
    if error.validator == "required" and isinstance(instance, dict):
        return [
            SchemaProblem((*path, field), "required field is missing")
            for field in error.validator_value
            if field not in instance
        ]
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        known = list((error.schema or {}).get("properties", {}))
        return [
            SchemaProblem(
                (*path, field),
                f"unknown field {field!r}{did_you_mean(field, known)}"
                + ("" if did_you_mean(field, known) else f" (allowed: {', '.join(known)})"),
            )
            for field in instance
            if field not in known
        ]
    if error.context:
        # anyOf/oneOf failures: the most specific sub-error says what is actually wrong.
        from jsonschema.exceptions import best_match

        best = best_match(error.context)
        if best is not None:
            return [SchemaProblem(tuple(best.absolute_path), best.message)]
    return [SchemaProblem(path, error.message)]
