"""Fixtures for tests that drive the real Pulumi engine."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .harness import EngineProject, make_project, make_yaml_project


@pytest.fixture
def engine_project(tmp_path: Path) -> Iterator[Callable[..., EngineProject]]:
    """Factory: ``engine_project(program_source, env={...})`` → an EngineProject.

    Stacks left with resources are destroyed at teardown so a failing test leaves no objects
    behind in a shared local cloud.
    """
    made: list[EngineProject] = []

    def factory(program: str, **kwargs: object) -> EngineProject:
        project = make_project(tmp_path / f"p{len(made)}", program, **kwargs)  # type: ignore[arg-type]
        made.append(project)
        return project

    yield factory
    for project in made:
        if project._stack is not None and project.resources():
            project.destroy()


@pytest.fixture
def yaml_project(tmp_path: Path) -> Iterator[Callable[..., EngineProject]]:
    """Factory: ``yaml_project(pulumi_yaml_body, env={...})`` → an EngineProject for Pulumi YAML.

    Same teardown as ``engine_project``: stacks left with resources are destroyed.
    """
    made: list[EngineProject] = []

    def factory(program: str, **kwargs: object) -> EngineProject:
        project = make_yaml_project(tmp_path / f"y{len(made)}", program, **kwargs)  # type: ignore[arg-type]
        made.append(project)
        return project

    yield factory
    for project in made:
        if project._stack is not None and project.resources():
            project.destroy()
