"""Which Python runs the jobs of the newest IBM clients when the operator names none.

Why: the local cloud's own environment keeps qiskit 1.x (qiskit-ibm-provider 0.11 needs it)
and cannot hold qiskit-serverless (its cloudpickle pin breaks amazon-braket-sdk). Two kinds of
job therefore need another interpreter: the platform's primitive jobs of qiskit 2.x clients
(QPY 17; ``PQ_IBM_PRIMITIVES_PYTHON``) and Qiskit Function jobs, whose code imports
``qiskit_serverless`` (``PQ_LOCAL_GATEWAY_PYTHON``). ``scripts/bootstrap --test-tools`` builds
exactly such interpreters, the client virtualenvs under ``<cache>/client-venvs/`` (``<cache>``:
``$PQ_CACHE``, else ``$XDG_CACHE_HOME/pulumi-quantum``, else ``~/.cache/pulumi-quantum``).

So ``local start`` / ``serve`` fill each variable left unset with the Python of a client
virtualenv that has what those jobs import (the preferred kind first, then the newest), and
say so; when none has it, the jobs run on the local cloud's own Python and a line says what
will fail and how to fix it. A variable the operator set always wins.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path

from ..caches import cache_root
from .gateway.executor import FUNCTION_PYTHON
from .ibm.executor import PRIMITIVES_PYTHON


@dataclass(frozen=True)
class Need:
    variable: str
    package: str
    """The import package the jobs need (a folder of that name in site-packages)."""
    prefer: tuple[str, ...]
    """Client virtualenv names (``<name>-<hash>``) to try first, in order."""
    jobs: str
    """What runs under it, for the messages."""


NEEDS = (
    Need(
        PRIMITIVES_PYTHON,
        "qiskit_ibm_runtime",
        ("ibm-runtime-latest", "qiskit-serverless"),
        "primitive jobs of qiskit 2.x clients (QPY 17)",
    ),
    Need(
        FUNCTION_PYTHON,
        "qiskit_serverless",
        ("qiskit-serverless",),
        "Qiskit Function jobs that import qiskit_serverless",
    ),
)


@dataclass(frozen=True)
class Choice:
    need: Need
    python: str | None
    source: str
    """``"environment"`` (the operator's), ``"client venv"`` or ``"none"``."""

    def message(self, root: Path) -> str:
        name = self.need.variable
        if self.source == "environment":
            return f"{name}={self.python} (from the environment)"
        if self.source == "client venv":
            return f"{name}={self.python} (client virtualenv; set {name} to choose another)"
        return (
            f"{name} is unset and no client virtualenv under {root} has {self.need.package}: "
            f"{self.need.jobs} fail; run scripts/bootstrap --test-tools, or set {name} to a "
            f"Python that has it"
        )


def venv_root(environ: Mapping[str, str]) -> Path:
    """``<cache>/client-venvs``, by the rule ``scripts/env.sh`` uses for ``PQ_CACHE``."""
    return cache_root(environ) / "client-venvs"


def _has(venv: Path, package: str) -> bool:
    return any(venv.glob(f"lib/python3*/site-packages/{package}/__init__.py"))


def find_python(root: Path, need: Need) -> Path | None:
    """The Python of the client virtualenv that fits ``need`` best, or None."""
    if not root.is_dir():
        return None
    fitting = [
        venv
        for venv in root.iterdir()
        if venv.is_dir() and (venv / "bin" / "python").exists() and _has(venv, need.package)
    ]

    def rank(venv: Path) -> tuple[int, float]:
        kinds = [i for i, name in enumerate(need.prefer) if venv.name.startswith(f"{name}-")]
        return (kinds[0] if kinds else len(need.prefer), -venv.stat().st_mtime)

    return (min(fitting, key=rank) / "bin" / "python") if fitting else None


def resolve(environ: Mapping[str, str]) -> list[Choice]:
    root = venv_root(environ)
    choices = []
    for need in NEEDS:
        named = environ.get(need.variable)
        if named:
            choices.append(Choice(need, named, "environment"))
            continue
        found = find_python(root, need)
        choices.append(
            Choice(need, str(found) if found else None, "client venv" if found else "none")
        )
    return choices


def apply(environ: MutableMapping[str, str]) -> list[str]:
    """Fill the unset variables of ``environ`` from the client virtualenvs; one line each."""
    root = venv_root(environ)
    lines = []
    for choice in resolve(environ):
        if choice.source == "client venv" and choice.python:
            environ[choice.need.variable] = choice.python
        lines.append(choice.message(root))
    return lines
