"""Benchmarks share the engine harness through the package, never through the test suite.

``bench/`` once imported ``tests.engine.harness``: a benchmark then depended on the test suite's
layout, and moving a test helper broke a benchmark. The harness lives in
``pulumi_quantum/testing/engine.py``; the engine tests and the benchmarks both import it there.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_bench_imports_no_engine_test_module():
    offending = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted((ROOT / "bench").glob("*.py"))
        for name in imported_modules(path)
        if name == "tests.engine" or name.startswith("tests.engine.")
    }
    assert offending == set()


def test_engine_tests_and_bench_share_one_harness():
    from pulumi_quantum.testing import engine
    from tests.engine import harness

    assert harness.make_project is engine.make_project
    assert harness.EngineProject is engine.EngineProject
    assert "pulumi_quantum.testing.engine" in imported_modules(ROOT / "bench" / "stack_bench.py")
