"""IBM resources: :class:`RuntimeProgram`, :class:`Session`, :class:`Batch`, :class:`Function`.

Configuration (read at call time, never stored in state; see :mod:`pulumi_quantum.clients.ibm`):
the current IBM Quantum Platform with ``quantum:ibmApiKey`` (secret) + ``quantum:ibmInstance``
(CRN), or the legacy runtime with ``quantum:ibmToken`` (secret) / ``quantum:ibmUrl`` /
``quantum:ibmInstance``, else qiskit's ``QISKIT_IBM_*`` variables; with nothing set, the local
quantum cloud.

Names are loaded on first access so that ``pulumi-quantum validate`` (which only needs
``ibm.metadata``) does not pay for importing the Pulumi SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports
from ..declare import package_exports
from . import declarations

_HOME = package_exports(vars(declarations))
"""Name → defining module, derived from the declarations (a resource, its provider, its Args and
object types); the type checkers' view below is checked against it by a unit test."""
__all__ = sorted(_HOME)

if TYPE_CHECKING:  # pragma: no cover
    from ._generated import BatchArgs as BatchArgs
    from ._generated import FunctionArgs as FunctionArgs
    from ._generated import RuntimeProgramArgs as RuntimeProgramArgs
    from ._generated import SessionArgs as SessionArgs
    from .function import Function as Function
    from .function import FunctionProvider as FunctionProvider
    from .program import RuntimeProgram as RuntimeProgram
    from .program import RuntimeProgramProvider as RuntimeProgramProvider
    from .session import Batch as Batch
    from .session import BatchProvider as BatchProvider
    from .session import Session as Session
    from .session import SessionProvider as SessionProvider

__getattr__ = lazy_exports(__name__, _HOME)
