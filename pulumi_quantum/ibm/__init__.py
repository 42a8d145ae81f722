"""IBM Qiskit Runtime resources: :class:`RuntimeProgram`, :class:`Session`, :class:`Batch`.

Configuration (read at call time, never stored in state; see :mod:`.config`): the current
IBM Quantum Platform with ``quantum:ibmApiKey`` (secret) + ``quantum:ibmInstance`` (CRN), or
the legacy runtime with ``quantum:ibmToken`` (secret) / ``quantum:ibmUrl`` /
``quantum:ibmInstance``, else qiskit's ``QISKIT_IBM_*`` variables; with nothing set, the local
quantum cloud.

Names are loaded on first access so that ``pulumi-quantum validate`` (which only needs
``ibm.metadata``) does not pay for importing the Pulumi SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

__all__ = [
    "Batch",
    "BatchArgs",
    "BatchProvider",
    "RuntimeProgram",
    "RuntimeProgramArgs",
    "RuntimeProgramProvider",
    "Session",
    "SessionArgs",
    "SessionProvider",
]

_HOME = {
    "Batch": "session",
    "BatchArgs": "_generated",
    "BatchProvider": "session",
    "RuntimeProgram": "program",
    "RuntimeProgramArgs": "_generated",
    "RuntimeProgramProvider": "program",
    "Session": "session",
    "SessionArgs": "_generated",
    "SessionProvider": "session",
}

if TYPE_CHECKING:  # pragma: no cover
    from ._generated import BatchArgs, RuntimeProgramArgs, SessionArgs
    from .program import RuntimeProgram, RuntimeProgramProvider
    from .session import Batch, BatchProvider, Session, SessionProvider

__getattr__ = lazy_exports(__name__, _HOME)
