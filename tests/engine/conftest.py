"""Fixtures for tests that drive the real Pulumi engine."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .harness import EngineProject, make_project


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
