"""pulumi-quantum: Pulumi dynamic resources for quantum clouds.

Importing this package must stay cheap: vendor SDKs (boto3, qiskit, braket) are imported lazily
by the resource providers when they first talk to a vendor API, never at import time.
Resource modules are reached as attributes (``pulumi_quantum.ibm``, ``pulumi_quantum.braket``)
and are loaded on first access.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["__version__", "braket", "ibm", "storage"]

if TYPE_CHECKING:  # pragma: no cover
    from . import braket, ibm, storage


def __getattr__(name: str) -> Any:
    if name in {"braket", "ibm", "storage"}:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
