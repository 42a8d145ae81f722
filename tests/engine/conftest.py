"""Fixtures for tests that drive the real Pulumi engine."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .harness import EngineProject, make_project, make_yaml_project


@pytest.fixture(scope="session", autouse=True)
def fresh_quantum_schema() -> None:
    """The engine's cached schema of the quantum plugin (per name and version) may predate this
    checkout's catalogue: drop it, so the engine asks the plugin (scripts/bootstrap does too)."""
    schemas = Path(os.environ.get("PULUMI_HOME") or Path.home() / ".pulumi") / "schemas"
    for cached in schemas.glob("quantum-*.json"):
        cached.unlink(missing_ok=True)


def _projects(
    tmp_path: Path, make: Callable[..., EngineProject], prefix: str
) -> Iterator[Callable[..., EngineProject]]:
    """A project factory whose stacks left with resources are destroyed at teardown, so a
    failing test leaves no objects behind in a shared local cloud."""
    made: list[EngineProject] = []

    def factory(program: str, **kwargs: object) -> EngineProject:
        project = make(tmp_path / f"{prefix}{len(made)}", program, **kwargs)
        made.append(project)
        return project

    yield factory
    for project in made:
        if project._stack is not None and project.resources():
            project.destroy()


@pytest.fixture
def engine_project(tmp_path: Path) -> Iterator[Callable[..., EngineProject]]:
    """Factory: ``engine_project(program_source, env={...})`` → an EngineProject."""
    yield from _projects(tmp_path, make_project, "p")


@pytest.fixture
def yaml_project(tmp_path: Path) -> Iterator[Callable[..., EngineProject]]:
    """Factory: ``yaml_project(pulumi_yaml_body, env={...})`` → an EngineProject for Pulumi YAML."""
    yield from _projects(tmp_path, make_yaml_project, "y")
