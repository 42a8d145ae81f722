"""Drive the real Pulumi engine through the Automation API on throwaway projects.

Shared by the engine tests (``tests/engine``) and the benchmarks (``bench/``), so neither
imports the other. Each use builds a project in a temp dir (Pulumi.yaml + __main__.py), a local
file backend next to it, and runs preview/up/refresh/destroy with the engine that
scripts/bootstrap provides. The program runs through the language host in the project's interpreter
(this repo's virtualenv), exactly as `pulumi up` would for a user.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi import automation as auto


def engine_bin_dir() -> Path:
    """Directory holding the pinned engine (see scripts/env.sh); fails loudly if missing."""
    explicit = os.environ.get("PQ_ENGINE_BIN")
    candidates = [Path(explicit)] if explicit else []
    found = shutil.which("pulumi")
    if found:
        candidates.append(Path(found).parent)
    for candidate in candidates:
        if (candidate / "pulumi").exists():
            return candidate
    raise RuntimeError("no Pulumi engine found: run scripts/bootstrap and source scripts/env.sh")


def engine_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for the CLI: offline, no plugin downloads, this interpreter for Python."""
    bin_dir = engine_bin_dir()
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{bin_dir}{os.pathsep}"
        + os.environ.get("PATH", ""),
        "PULUMI_PYTHON_CMD": sys.executable,
        "PULUMI_SKIP_UPDATE_CHECK": "1",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PULUMI_CONFIG_PASSPHRASE": "engine-tests",
    }
    env.update(extra or {})
    return env


@dataclass
class EngineProject:
    """One throwaway Pulumi project with a local file backend."""

    directory: Path
    backend: Path
    env: dict[str, str]
    stack_name: str = "test"
    _stack: auto.Stack | None = field(default=None, repr=False)

    def write_program(self, source: str) -> None:
        (self.directory / "__main__.py").write_text(textwrap.dedent(source))

    @property
    def stack(self) -> auto.Stack:
        if self._stack is None:
            workspace = auto.LocalWorkspace(
                work_dir=str(self.directory),
                env_vars=self.env,
                pulumi_command=auto.PulumiCommand(
                    str(engine_bin_dir().parent), skip_version_check=True
                ),
            )
            self._stack = auto.Stack.create_or_select(self.stack_name, workspace)
        return self._stack

    def set_config(self, values: Mapping[str, str], *, secret: bool = False) -> None:
        for key, value in values.items():
            self.stack.set_config(key, auto.ConfigValue(value=value, secret=secret))

    def preview(self, **kwargs: Any) -> auto.PreviewResult:
        return self.stack.preview(**kwargs)

    def up(self, **kwargs: Any) -> auto.UpResult:
        return self.stack.up(**kwargs)

    def refresh(self, **kwargs: Any) -> auto.RefreshResult:
        return self.stack.refresh(**kwargs)

    def destroy(self, **kwargs: Any) -> auto.DestroyResult:
        return self.stack.destroy(**kwargs)

    def export_state(self) -> dict[str, Any]:
        deployment = self.stack.export_stack()
        return dict(deployment.deployment)

    def state_text(self) -> str:
        """The whole exported state as text (for secret-leak searches)."""
        return json.dumps(self.export_state(), sort_keys=True)

    def resources(self, type_suffix: str = "") -> list[dict[str, Any]]:
        return [
            r
            for r in self.export_state().get("resources", [])
            if r.get("type", "").endswith(type_suffix)
            and not r.get("type", "").startswith("pulumi:")
        ]


def make_project(
    tmp_dir: Path,
    program: str,
    *,
    name: str = "engine-test",
    env: Mapping[str, str] | None = None,
) -> EngineProject:
    """Create a project in ``tmp_dir/project`` with a file backend in ``tmp_dir/backend``."""
    directory = tmp_dir / "project"
    backend = tmp_dir / "backend"
    directory.mkdir(parents=True, exist_ok=True)
    backend.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text(
        f"name: {name}\nruntime:\n  name: python\nbackend:\n  url: file://{backend}\n"
    )
    project = EngineProject(directory, backend, engine_env({**(env or {})}))
    project.env["PULUMI_BACKEND_URL"] = f"file://{backend}"
    project.write_program(program)
    return project


def make_yaml_project(
    tmp_dir: Path,
    program: str,
    *,
    name: str = "engine-yaml-test",
    env: Mapping[str, str] | None = None,
) -> EngineProject:
    """Like :func:`make_project`, for a Pulumi YAML program (``runtime: yaml``).

    ``program`` is the rest of Pulumi.yaml (``config:``, ``variables:``, ``resources:``,
    ``outputs:``); name, runtime and the file backend are written here. The engine runs it through
    ``pulumi-language-yaml`` found on PATH (scripts/bootstrap builds it; scripts/env.sh adds it).
    """
    directory = tmp_dir / "project"
    backend = tmp_dir / "backend"
    directory.mkdir(parents=True, exist_ok=True)
    backend.mkdir(parents=True, exist_ok=True)
    header = f"name: {name}\nruntime: yaml\nbackend:\n  url: file://{backend}\n"
    (directory / "Pulumi.yaml").write_text(header + textwrap.dedent(program))
    project = EngineProject(directory, backend, engine_env({**(env or {})}))
    project.env["PULUMI_BACKEND_URL"] = f"file://{backend}"
    return project
