"""One catalogue of resources: the plugin, the package exports and the dynamic types follow it."""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_quantum import catalogue
from pulumi_quantum.declare import declared_in

ROOT = Path(__file__).resolve().parents[2]


def test_every_declaration_of_a_vendor_package_is_in_the_catalogue():
    for package in catalogue.packages():
        module = importlib.import_module(f"pulumi_quantum.{package}.declarations")
        declared = set(declared_in(vars(module)))
        listed = {d for d in catalogue.CATALOGUE if d.module == package}
        assert declared == listed, package


@pytest.mark.parametrize("decl", catalogue.CATALOGUE, ids=lambda d: d.token)
def test_classes_and_dynamic_type_come_from_the_declaration(decl):
    module_name, _, provider_name = decl.provider_class.partition(":")
    module = importlib.import_module(module_name)
    resource = getattr(module, decl.name)
    assert getattr(module, provider_name) is resource.PROVIDER
    assert resource.DECL is decl
    # the dynamic type is in every stack's URNs: derived, and what it always was
    assert f"pulumi-python:dynamic/quantum/{decl.module}:{decl.name}" == resource.TYPE
    if decl.timeout_input:
        assert decl.prop(decl.timeout_input).role == "input"


def test_plugin_tables_are_the_catalogue():
    from pulumi_quantum.plugin.provider import PROVIDER_CLASSES, TIMEOUT_DEFAULTS, QuantumPlugin

    assert {d.token: d.provider_class for d in catalogue.CATALOGUE} == PROVIDER_CLASSES
    assert TIMEOUT_DEFAULTS == {
        "quantum:braket:QuantumTask": "wait_timeout_seconds",
        "quantum:braket:Job": "wait_timeout_seconds",
    }
    assert set(QuantumPlugin().registry.tokens) == {d.token for d in catalogue.CATALOGUE}


@pytest.mark.parametrize("package", ["braket", "ibm", "storage"])
def test_package_exports_are_derived_and_the_type_checkers_view_agrees(package):
    module = importlib.import_module(f"pulumi_quantum.{package}")
    expected = set()
    for decl in (d for d in catalogue.CATALOGUE if d.module == package):
        expected |= {decl.name, f"{decl.name}Args", f"{decl.name}Provider"}
        expected |= {t.name for t in decl.types}
    assert set(module.__all__) == expected
    for name in module.__all__:
        assert getattr(module, name).__name__ == name
    # the one hand-written list (for type checkers) names exactly the derived exports
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    typed = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING"
        for sub in node.body
        if isinstance(sub, ast.ImportFrom)
        for alias in sub.names
    }
    assert typed == expected


def test_star_import_gives_the_catalogue_packages():
    code = (
        "import json, sys\nfrom pulumi_quantum import *\nimport pulumi_quantum\n"
        "print(json.dumps(sorted(n for n in pulumi_quantum.__all__ if n in globals())))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == sorted(["__version__", *catalogue.packages()])


def test_importing_the_package_reads_no_catalogue():
    code = (
        "import sys, pulumi_quantum\nfrom pulumi_quantum import verdicts\n"
        "assert 'pulumi_quantum.catalogue' not in sys.modules, 'catalogue loaded'\n"
        "assert not any(m.startswith('pulumi_quantum.braket') for m in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
