"""The engine tests' harness: :mod:`pulumi_quantum.testing.engine` (shared with ``bench/``),
plus where this repository is."""

from __future__ import annotations

from pathlib import Path

from pulumi_quantum.testing.engine import (
    EngineProject,
    engine_bin_dir,
    engine_env,
    make_project,
    make_yaml_project,
)

REPO_ROOT = Path(__file__).resolve().parents[2]

__all__ = [
    "REPO_ROOT",
    "EngineProject",
    "engine_bin_dir",
    "engine_env",
    "make_project",
    "make_yaml_project",
]
