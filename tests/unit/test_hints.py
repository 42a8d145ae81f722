"""Adoption hints in the syntax of the program's language (the plugin serves YAML and SDKs)."""

from __future__ import annotations

import pytest

from pulumi_quantum import hints


@pytest.fixture(autouse=True)
def python_again():
    yield
    hints.set_language("python")


@pytest.mark.parametrize(
    ("runtime", "expected"),
    [
        ("runtime: yaml\n", "options: {import: prog-1}"),
        (
            "runtime:\n  name: python\n  options: {toolchain: pip}\n",
            "opts=ResourceOptions(import_='prog-1')",
        ),
        ("runtime: nodejs\n", '{ import: "prog-1" }'),
        ("runtime: go\n", 'pulumi.Import(pulumi.ID("prog-1"))'),
    ],
)
def test_the_import_option_is_spelled_as_the_projects_language(tmp_path, runtime, expected):
    (tmp_path / "Pulumi.yaml").write_text(f"name: p\n{runtime}")
    nested = tmp_path / "src"
    nested.mkdir()
    hints.set_language(hints.language_of_project(nested))
    assert expected in hints.adopt_option("prog-1")


def test_no_project_gives_a_neutral_hint(tmp_path):
    hints.set_language(hints.language_of_project(tmp_path / "nowhere"))
    assert hints.adopt_option("prog-1") == "the import resource option (id 'prog-1')"


def test_python_programs_keep_the_python_spelling():
    assert hints.adopt_option("prog-1") == "opts=ResourceOptions(import_='prog-1')"
