"""The package's import graph: no cycles, no upward imports, and a local cloud free of Pulumi.

The graph is read from the source with :mod:`ast` (every ``import`` statement, including the
ones inside functions, which run as surely as the top-level ones; ``if TYPE_CHECKING:`` blocks
are not imports at run time and are skipped). Each module belongs to a layer; a module may import
its own layer and the layers below it, never one above. ``pulumi_quantum/local`` (the local
quantum cloud) is a side layer: it may import only the neutral base (modules that import
nothing from Pulumi), so the emulator never loads the Pulumi SDK or the provider side.

Run as a script (``python tests/unit/test_import_graph.py``) it prints the cycles and the
upward imports it finds: the before/after figures of issue 32.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "pulumi_quantum"

BASE = "base"
"""Neutral modules: import nothing from Pulumi nor from the provider side; anyone may use them."""

LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        BASE,
        (
            "pulumi_quantum.values",
            "pulumi_quantum.declare",
            "pulumi_quantum.durations",
            "pulumi_quantum.rules",
            "pulumi_quantum.verdicts",
            "pulumi_quantum.service_model",
            "pulumi_quantum._lazy",
            "pulumi_quantum.json_schemas",
            "pulumi_quantum.qasm",
            "pulumi_quantum.hints",
        ),
    ),
    (
        "framework",
        (
            "pulumi_quantum._provider",
            "pulumi_quantum._resource",
            "pulumi_quantum.noop",
            "pulumi_quantum.target",
        ),
    ),
    ("clients", ("pulumi_quantum.clients", "pulumi_quantum.pricing")),
    ("resources", ("pulumi_quantum.braket", "pulumi_quantum.ibm", "pulumi_quantum.storage")),
    ("catalogue", ("pulumi_quantum.catalogue",)),
    (
        "commands",
        (
            "pulumi_quantum",  # the package itself: the public facade, its names from the catalogue
            "pulumi_quantum.plugin",
            "pulumi_quantum.codegen",
            "pulumi_quantum.cli",  # the command line: its entry point and each subcommand
            "pulumi_quantum.policy",  # the CrossGuard policy pack: its rules read the catalogue
        ),
    ),
)
"""Lowest first. A module's layer is that of the longest prefix listed (a package covers its
submodules); ``pulumi_quantum.local`` is handled apart (see :data:`LOCAL`)."""

LOCAL = "pulumi_quantum.local"


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Module → every module it imports (any package, absolute names)."""
    paths = sorted(package.rglob("*.py"))
    known = {module_name(p, package.parent) for p in paths}
    graph: dict[str, set[str]] = {}
    for path in paths:
        name = module_name(path, package.parent)
        is_package = path.name == "__init__.py"
        here = name if is_package else name.rpartition(".")[0]
        edges: set[str] = set()
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                edges.update(alias.name for alias in node.names)
                continue
            base = here
            for _ in range(max(node.level - 1, 0)):
                base = base.rpartition(".")[0]
            target = ".".join(p for p in (base if node.level else "", node.module or "") if p)
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                edges.add(sub if sub in known else target)
        edges.discard(name)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), within the package."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def strongconnect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in graph:
                continue
            if nxt not in index:
                strongconnect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in sorted(graph):
        if node not in index:
            strongconnect(node)
    return found


def listed_layer(module: str) -> int | None:
    """Rank of the layer that lists the module (0 = base), or None when none does."""
    best: tuple[int, int] | None = None
    for rank, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            inside = module.startswith(prefix + ".") and prefix != "pulumi_quantum"
            if (module == prefix or inside) and (best is None or len(prefix) > best[1]):
                best = (rank, len(prefix))
    return None if best is None else best[0]


def layer_of(module: str, graph: dict[str, set[str]] | None = None) -> int:
    """The module's layer: the one that lists it, else the highest it imports from (a new
    helper module that imports only the base is base, one that uses ``_provider`` is
    framework, and so on), so a module added without a line here is still placed."""
    graph = import_graph() if graph is None else graph
    return _ranks(graph).get(module, 0)


def _ranks(graph: dict[str, set[str]]) -> dict[str, int]:
    ranks: dict[str, int] = {}
    visiting: set[str] = set()

    def rank(module: str) -> int:
        if module in ranks:
            return ranks[module]
        listed = listed_layer(module)
        if listed is not None or module in visiting:  # a cycle is reported on its own
            return listed or 0
        visiting.add(module)
        inside = [t for t in graph.get(module, ()) if t in graph and not t.startswith(LOCAL)]
        ranks[module] = max((rank(t) for t in inside), default=0)
        visiting.discard(module)
        return ranks[module]

    for module in graph:
        ranks[module] = rank(module) if listed_layer(module) is None else listed_layer(module)
    return ranks


def upward_imports(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(importer, imported) pairs where the imported module sits in a higher layer."""
    ranks = _ranks(graph)
    found = []
    for module, edges in sorted(graph.items()):
        if module.startswith(LOCAL):
            continue
        mine = ranks[module]
        for target in sorted(edges):
            if target not in graph or target.startswith(LOCAL):
                continue
            theirs = ranks[target]
            if theirs > mine:
                found.append((module, target))
    return found


def local_leaks(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Imports of the local cloud that reach Pulumi or any non-base module of the package."""
    ranks = _ranks(graph)
    found = []
    for module, edges in sorted(graph.items()):
        if not module.startswith(LOCAL):
            continue
        for target in sorted(edges):
            if target.split(".")[0] == "pulumi" or (
                target.startswith("pulumi_quantum")
                and not target.startswith(LOCAL)
                and ranks.get(target, 0) != 0
            ):
                found.append((module, target))
    return found


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_crossings(package: Path = PACKAGE) -> list[str]:
    """Imports of another package's private names or private modules.

    A private module (``braket/_common.py``) serves its own package and the packages inside it
    (the root's ``_provider`` serves them all); a private name (``_canonical``) serves only its
    own package. Anything wider belongs in a public name of a neutral module.
    """
    paths = sorted(package.rglob("*.py"))
    known = {module_name(p, package.parent) for p in paths}
    found = []
    for path in paths:
        name = module_name(path, package.parent)
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            base = here
            for _ in range(max(node.level - 1, 0)):
                base = base.rpartition(".")[0]
            target = ".".join(p for p in (base if node.level else "", node.module or "") if p)
            if not target.startswith(package.name):
                continue
            modules = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in known]
            for module in [target, *modules]:
                parts = module.split(".")
                for i, part in enumerate(parts):
                    owner = ".".join(parts[:i])
                    if _private(part) and not (here == owner or here.startswith(owner + ".")):
                        found.append(f"{name} imports private module {module}")
            home = target  # a package; a module's names belong to its package
            if (package.parent / Path(*target.split("."))).with_suffix(".py").exists():
                home = target.rpartition(".")[0]
            for alias in node.names:
                if f"{target}.{alias.name}" in known or not _private(alias.name):
                    continue
                if here != home:
                    found.append(f"{name} imports private name {target}.{alias.name}")
    return sorted(set(found))


def private_fields_read_elsewhere(package: Path = PACKAGE) -> list[str]:
    """Reads of ``ResourceDecl``'s private fields (``decl._by_name``) outside ``declare.py``."""
    private = {"_by_name", "_by_camel"}
    found = []
    for path in sorted(package.rglob("*.py")):
        if path.name == "declare.py" and path.parent == package:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in private:
                found.append(f"{module_name(path, package.parent)} reads .{node.attr}")
    return found


def stale_layer_entries(graph: dict[str, set[str]]) -> list[str]:
    """Entries of :data:`LAYERS` naming no module or package of the source tree."""
    return [
        prefix
        for _, prefixes in LAYERS
        for prefix in prefixes
        if not any(m == prefix or m.startswith(prefix + ".") for m in graph)
    ]


# ------------------------------------------------------------------------------------ tests
def test_graph_reader_sees_function_level_and_relative_imports(tmp_path):
    pkg = tmp_path / "pulumi_quantum"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("from typing import TYPE_CHECKING\n")
    (pkg / "sub" / "a.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import b\n"
        "def f():\n    from .. import declare\n    from . import c\n"
    )
    (pkg / "sub" / "c.py").write_text("from .a import f\n")
    (pkg / "declare.py").write_text("def g():\n    from .sub.a import f\n")
    graph = import_graph(pkg)
    # the TYPE_CHECKING import of b is not one; the function-level ones are
    assert graph["pulumi_quantum.sub.a"] == {
        "typing",
        "pulumi_quantum.declare",
        "pulumi_quantum.sub.c",
    }
    assert graph["pulumi_quantum.sub.c"] == {"pulumi_quantum.sub.a"}
    assert cycles(graph) == [
        ["pulumi_quantum.declare", "pulumi_quantum.sub.a", "pulumi_quantum.sub.c"]
    ]


def test_no_import_cycles():
    assert cycles(import_graph()) == []


def test_the_layer_table_names_real_modules():
    assert stale_layer_entries(import_graph()) == []


def test_an_unlisted_module_sits_at_the_layer_of_its_imports():
    graph = {
        "pulumi_quantum.helper": {"re", "pulumi_quantum.values"},
        "pulumi_quantum.uses_provider": {"pulumi_quantum._provider"},
        "pulumi_quantum._provider": {"pulumi.dynamic", "pulumi_quantum.values"},
        "pulumi_quantum.values": set(),
        "pulumi_quantum.local.app": {"pulumi_quantum.helper", "pulumi_quantum.uses_provider"},
    }
    assert layer_of("pulumi_quantum.helper", graph) == 0
    assert layer_of("pulumi_quantum.uses_provider", graph) == 1
    assert local_leaks(graph) == [("pulumi_quantum.local.app", "pulumi_quantum.uses_provider")]


def test_no_upward_imports():
    assert upward_imports(import_graph()) == []


def test_private_names_stay_in_their_package():
    assert private_crossings() == []
    assert private_fields_read_elsewhere() == []


def test_private_crossing_reader_sees_them(tmp_path):
    pkg = tmp_path / "pulumi_quantum"
    for sub in ("braket", "storage", "plugin"):
        (pkg / sub).mkdir(parents=True)
        (pkg / sub / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "declare.py").write_text("_canonical = 1\n")
    (pkg / "_provider.py").write_text("x = 1\n")
    (pkg / "braket" / "_common.py").write_text("def error_code(): ...\n")
    (pkg / "braket" / "task.py").write_text("from . import _common\nfrom .._provider import x\n")
    (pkg / "storage" / "bucket.py").write_text("from ..braket._common import error_code\n")
    (pkg / "plugin" / "provider.py").write_text(
        "from ..declare import _canonical\ndef f(decl):\n    return decl._by_name\n"
    )
    assert private_crossings(pkg) == [
        "pulumi_quantum.plugin.provider imports private name pulumi_quantum.declare._canonical",
        "pulumi_quantum.storage.bucket imports private module pulumi_quantum.braket._common",
    ]
    assert private_fields_read_elsewhere(pkg) == ["pulumi_quantum.plugin.provider reads ._by_name"]


def test_local_cloud_imports_neither_pulumi_nor_the_provider_side():
    assert local_leaks(import_graph()) == []


def test_local_cloud_loads_no_pulumi_module_at_run_time():
    """The static rule, proven dynamically: importing every local module loads no ``pulumi``."""
    local = sorted(m for m in import_graph() if m.startswith(LOCAL))
    code = (
        "import importlib, sys\n"
        f"for name in {local!r}:\n    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'pulumi' or m.startswith('pulumi.')\n"
        "             or m.startswith(('pulumi_quantum._provider', 'pulumi_quantum.braket',\n"
        "                              'pulumi_quantum.ibm', 'pulumi_quantum.clients')))\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


if __name__ == "__main__":  # the before/after summary of issue 32
    graph = import_graph()
    print(
        f"modules: {len(graph)}; edges inside the package: "
        f"{sum(len([t for t in e if t in graph]) for e in graph.values())}"
    )
    print(f"cycles: {cycles(graph)}")
    print("upward imports:", *[f"  {a} -> {b}" for a, b in upward_imports(graph)], sep="\n")
    print(
        "local cloud reaching Pulumi/provider side:",
        *[f"  {a} -> {b}" for a, b in local_leaks(graph)],
        sep="\n",
    )
    print(f"stale layer entries: {stale_layer_entries(graph)}")
    print("private crossings:", *private_crossings(), *private_fields_read_elsewhere(), sep="\n  ")
