"""The package layout: the root is the framework, each folder one vendor or one layer.

``pulumi_quantum/`` itself holds the framework (the neutral base, the dynamic-provider machinery,
the catalogue and its code generator); vendor code lives in ``braket/``, ``ibm/``, ``storage/``
(resources) and ``clients/`` (where requests go and with which keys, for every vendor); the
command line in ``cli/``; the plugin in ``plugin/``; the local cloud in ``local/``. The JSON
Schemas have one home (see ``tests/unit/test_schema.py``). docs/architecture.md draws the map.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from pulumi_quantum.catalogue import CATALOGUE

from .test_import_graph import import_graph

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "pulumi_quantum"
VENDORS = ("pulumi_quantum.braket", "pulumi_quantum.ibm", "pulumi_quantum.storage")
JOINS_VENDORS = {"pulumi_quantum.catalogue"}
"""The one root module that names every vendor: the catalogue, by design."""

PROVIDER_CLASSES = {
    "pulumi_quantum.braket.task:QuantumTaskProvider",
    "pulumi_quantum.braket.job:JobProvider",
    "pulumi_quantum.braket.spending_limit:SpendingLimitProvider",
    "pulumi_quantum.storage.bucket:ResultsBucketProvider",
    "pulumi_quantum.ibm.program:RuntimeProgramProvider",
    "pulumi_quantum.ibm.session:SessionProvider",
    "pulumi_quantum.ibm.session:BatchProvider",
    "pulumi_quantum.ibm.function:FunctionProvider",
}
"""Where the provider classes live. Existing stacks hold them pickled by reference (module path
and class name) in every resource's ``__provider``: moving one breaks every stack that has it."""


def _root_modules() -> list[str]:
    return sorted(f"pulumi_quantum.{p.stem}" for p in PACKAGE.glob("*.py") if p.stem != "__init__")


def test_no_vendor_code_at_the_package_root():
    """A root module that imports a vendor package is that vendor's code (or a command built
    on it) out of its folder; only the catalogue joins the vendors."""
    graph = import_graph()
    misplaced = {
        module: sorted(t for t in graph[module] if t.startswith(VENDORS))
        for module in _root_modules()
        if module not in JOINS_VENDORS
    }
    assert {m: v for m, v in misplaced.items() if v} == {}


def test_no_root_module_shares_its_name_with_a_module_of_a_subpackage():
    """``schema`` meant the metadata JSON Schemas at the root and the Pulumi package schema in
    ``plugin/``. The local cloud is left out: its modules are named for the service they serve
    (``local/braket/service_model.py`` loads botocore's Braket model for the local Braket)."""
    root = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "__main__"}
    clashes = sorted(
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if p.parent != PACKAGE and p.stem in root and "local" not in p.relative_to(PACKAGE).parts
    )
    assert clashes == []


def test_every_command_of_the_cli_lives_in_the_cli_package_or_the_local_cloud():
    from pulumi_quantum import cli

    modules = [module for module, _ in cli._COMMAND_PROVIDERS]
    assert all(m.startswith(("pulumi_quantum.cli.", "pulumi_quantum.local.")) for m in modules)
    for module, function in cli._COMMAND_PROVIDERS:
        assert callable(getattr(importlib.import_module(module), function))


def test_both_vendors_find_their_account_in_clients():
    """AWS's endpoint/credential rules and IBM's are neighbours, not one in a resource folder."""
    clients = {p.stem for p in (PACKAGE / "clients").glob("*.py")}
    assert {"braket", "ibm"} <= clients
    assert not (PACKAGE / "ibm" / "config.py").exists()
    for vendor in ("braket", "ibm"):
        tree = ast.parse((PACKAGE / "clients" / f"{vendor}.py").read_text(encoding="utf-8"))
        names = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        assert "check_target" in names, vendor


def test_provider_classes_stay_where_pickled_state_finds_them():
    assert {decl.provider_class for decl in CATALOGUE} == PROVIDER_CLASSES
    for path in PROVIDER_CLASSES:
        module, _, name = path.partition(":")
        assert isinstance(getattr(importlib.import_module(module), name), type)
