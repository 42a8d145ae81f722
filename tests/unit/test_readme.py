"""The README is read in five minutes: at most 250 lines; everything else lives in docs/."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_is_at_most_250_lines():
    assert len(README.splitlines()) <= 250


def test_readme_has_the_two_commands_the_generated_table_and_the_docs_index():
    assert "scripts/quickstart" in README and "scripts/test" in README
    assert "<!-- generated: summary -->" in README  # filled by python -m pulumi_quantum.codegen
    assert "(docs/README.md)" in README and (ROOT / "docs" / "README.md").exists()


def test_readme_has_one_example_per_vendor():
    blocks = re.findall(r"```python\n(.*?)```", README, re.DOTALL)
    assert any("from pulumi_quantum.braket import" in b for b in blocks)
    assert any("from pulumi_quantum.ibm import" in b for b in blocks)


def test_readme_says_why_each_dependency_is_there():
    section = README.split("## Why each dependency is here", 1)[1]
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    declared = re.findall(r'^\s*"([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?[<>=!~ ]', pyproject, re.M)
    missing = sorted(
        name for name in set(declared) if f"`{name}" not in section and name != "pulumi-quantum"
    )
    assert missing == []
