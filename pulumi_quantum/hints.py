"""Hints in the syntax of the language the user wrote the program in.

An error that tells a Pulumi YAML user to add ``opts=ResourceOptions(import_=...)`` cannot be
acted on. The Python dynamic resources are always served to a Python program; the provider plugin
(``pulumi-resource-quantum``) serves Pulumi YAML and the generated SDKs, so it sets the language
at start-up from the project file the engine starts it beside (:func:`language_of_project`), and
every hint spells the resource option the way that language does.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["adopt_option", "language_of_project", "set_language"]

_IMPORT_OPTION: dict[str, str] = {
    "python": "opts=ResourceOptions(import_={id!r})",
    "yaml": "options: {{import: {id}}}",
    "nodejs": '{{ import: "{id}" }} (the resource options)',
    "go": 'pulumi.Import(pulumi.ID("{id}"))',
    "dotnet": 'new CustomResourceOptions {{ ImportId = "{id}" }}',
    "java": 'CustomResourceOptions.builder().importId("{id}").build()',
}
"""Runtime name (``runtime:`` in ``Pulumi.yaml``) → how its programs give the ``import``
resource option."""

_language = "python"


def set_language(runtime: str | None) -> None:
    """Spell later hints for programs of ``runtime`` (``None``/unknown: a neutral spelling)."""
    global _language
    _language = (runtime or "").strip().lower()


def adopt_option(resource_id: str) -> str:
    """The ``import`` resource option adopting ``resource_id``, as the program's language writes
    it (e.g. ``options: {import: ID}`` in Pulumi YAML)."""
    template = _IMPORT_OPTION.get(_language)
    if template is None:
        return f"the import resource option (id {resource_id!r})"
    return template.format(id=resource_id)


def language_of_project(directory: Path) -> str | None:
    """The ``runtime`` of the Pulumi project in ``directory`` or above, or ``None``.

    The engine starts provider plugins in the project's directory; ``runtime`` is a name or a
    mapping with a ``name`` (``runtime: {name: python, options: ...}``).
    """
    import yaml  # PyYAML comes with the pulumi SDK

    for folder in (directory, *directory.parents):
        for name in ("Pulumi.yaml", "Pulumi.yml"):
            project = folder / name
            if not project.is_file():
                continue
            try:
                document = yaml.safe_load(project.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, yaml.YAMLError):
                return None
            runtime = document.get("runtime") if isinstance(document, dict) else None
            if isinstance(runtime, dict):
                runtime = runtime.get("name")
            return runtime if isinstance(runtime, str) else None
    return None
