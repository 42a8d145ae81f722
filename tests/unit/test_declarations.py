"""One declaration per resource: the generated code and docs follow it, and so does behaviour."""

from __future__ import annotations

import inspect
import subprocess
import sys
from dataclasses import MISSING, fields
from pathlib import Path

import pytest

from pulumi_quantum.catalogue import all_declarations

ROOT = Path(__file__).resolve().parents[2]
DECLS = {d.name: d for d in all_declarations()}


def _resource_and_args(name: str):
    import importlib

    decl = DECLS[name]
    module = importlib.import_module(f"pulumi_quantum.{decl.module}")
    return getattr(module, name), getattr(module, f"{name}Args")


def test_generated_code_and_docs_are_fresh():
    done = subprocess.run(
        [sys.executable, "-m", "pulumi_quantum.codegen", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def test_codegen_check_notices_a_stale_file(tmp_path, monkeypatch):
    from pulumi_quantum import codegen

    stale = tmp_path / "README.md"
    stale.write_text("<!-- generated: summary -->\nold\n<!-- /generated -->\n")
    monkeypatch.setattr(codegen, "ROOT", tmp_path)
    monkeypatch.setattr(codegen, "generated_modules", dict)
    assert codegen.main(["--check"]) == 1
    assert codegen.main([]) == 0
    assert "`quantum:braket:QuantumTask`" in stale.read_text()
    assert codegen.main(["--check"]) == 0


@pytest.mark.parametrize("name", sorted(DECLS))
def test_args_and_keywords_are_the_declared_inputs(name):
    decl = DECLS[name]
    resource, args = _resource_and_args(name)
    inputs = {p.name for p in decl.inputs}
    assert {f.name for f in fields(args)} == inputs
    required = {f.name for f in fields(args) if f.default is MISSING}
    assert {p.name for p in decl.inputs if p.required} == required
    params = inspect.signature(resource.__init__).parameters
    keywords = {n for n, p in params.items() if p.kind is inspect.Parameter.KEYWORD_ONLY}
    assert keywords == inputs  # typed keywords, not **kwargs: IDEs see them
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    annotated = set(inspect.get_annotations(resource.__mro__[1]))
    assert annotated == inputs | {p.name for p in decl.outputs}
    assert not {p.name for p in decl.hidden} & annotated


@pytest.mark.parametrize("name", sorted(DECLS))
def test_diff_follows_the_declaration(name):
    decl = DECLS[name]
    olds = {p.name: f"old-{p.name}" for p in decl.props}
    for prop in decl.props:
        news = {**olds, prop.name: f"new-{prop.name}"}
        changes, replaces = decl.diff(olds, news)
        compared = prop.role != "hidden" and prop.change != "none"
        if not compared or (prop.role == "output" and prop.change != "in-place"):
            assert changes == [], prop.name
        elif prop.change == "in-place":
            assert (changes, replaces) == ([prop.name], []), prop.name
        else:
            assert (changes, replaces) == ([prop.name], [prop.name]), prop.name


def test_diff_treats_empty_and_whole_floats_as_the_same():
    task = DECLS["QuantumTask"]
    assert task.diff({"shots": 100, "tags": None}, {"shots": 100.0, "tags": {}}) == ([], [])


@pytest.mark.parametrize("name", sorted(DECLS))
def test_camel_names_round_trip_and_hide_bookkeeping(name):
    decl = DECLS[name]
    state = {p.name: p.name for p in decl.props}
    camel = decl.to_camel(state)
    assert not {p.camel for p in decl.hidden} & set(camel)
    assert decl.from_camel(camel) == {p.name: p.name for p in decl.props if p.role != "hidden"}
    assert decl.from_camel({"noSuchInput": 1}) == {"noSuchInput": 1}  # check names it


def test_request_mapping_uses_the_wire_names():
    task = DECLS["QuantumTask"]
    request = task.request(
        {"device_arn": "arn", "shots": 10, "tags": {}, "wait_for_completion": True}
    )
    assert request == {"deviceArn": "arn", "shots": 10}


def test_declarations_import_without_pulumi():
    code = (
        "import sys; from pulumi_quantum.catalogue import all_declarations; all_declarations(); "
        "assert 'pulumi' not in sys.modules, sorted(m for m in sys.modules if 'pulumi.' in m)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
