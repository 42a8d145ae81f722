"""pulumi-quantum: Pulumi dynamic resources for quantum clouds.

Importing this package must stay cheap: vendor SDKs (boto3, qiskit, braket) are imported lazily
by the resource providers when they first talk to a vendor API, never at import time.
Resource modules are reached as attributes (``pulumi_quantum.ibm``, ``pulumi_quantum.braket``)
and are loaded on first access.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover
    from . import braket as braket
    from . import ibm as ibm
    from . import storage as storage


def __getattr__(name: str) -> Any:
    """``__all__`` from the catalogue (:mod:`.catalogue`: the vendor packages), and any
    subpackage (``pulumi_quantum.braket``) on first use. Both lazily: ``import pulumi_quantum``
    alone (the local cloud's processes) reads no declaration and no catalogue."""
    if name == "__all__":
        from .catalogue import packages

        return ["__version__", *sorted(packages())]
    if not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
