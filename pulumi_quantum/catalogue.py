"""Every resource of the package, one line each: the catalogue the rest is derived from.

A resource is one declaration (``<vendor>/declarations.py``: its properties, reads and writes,
the module of its resource and provider classes, its timeout input), one provider module, and
one line here. From this tuple come the plugin's token → provider table and timeout defaults
(:mod:`pulumi_quantum.plugin.provider`), its package schema, the generated code and docs
(:mod:`pulumi_quantum.codegen`), and the names ``from pulumi_quantum import *`` gives. Each
vendor package derives its own exports from its declarations (:meth:`ResourceDecl.exports`),
so that it need not import this module, which sits above it.

Imports nothing from Pulumi or the vendors: reading the catalogue is cheap.
"""

from __future__ import annotations

from .braket.declarations import JOB, QUANTUM_TASK, SPENDING_LIMIT
from .declare import ResourceDecl
from .ibm.declarations import BATCH, FUNCTION, RUNTIME_PROGRAM, SESSION
from .storage.declarations import RESULTS_BUCKET

CATALOGUE: tuple[ResourceDecl, ...] = (
    QUANTUM_TASK,
    JOB,
    SPENDING_LIMIT,
    RESULTS_BUCKET,
    RUNTIME_PROGRAM,
    SESSION,
    BATCH,
    FUNCTION,
)
"""Every resource, in documentation order."""


def all_declarations() -> tuple[ResourceDecl, ...]:
    """Every resource of the package, in documentation order."""
    return CATALOGUE


def packages() -> tuple[str, ...]:
    """The vendor subpackages (``braket``, ``storage``, ``ibm``), in catalogue order."""
    return tuple(dict.fromkeys(d.module for d in CATALOGUE))


def provider_classes() -> dict[str, str]:
    """Plugin type token → ``module:Class`` of the dynamic provider serving it."""
    return {d.token: d.provider_class for d in CATALOGUE}


def timeout_inputs() -> dict[str, str]:
    """Plugin type token → the input whose default is the resource's ``customTimeouts``."""
    return {d.token: d.timeout_input for d in CATALOGUE if d.timeout_input}
