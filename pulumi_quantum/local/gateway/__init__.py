"""The local Qiskit Functions gateway: qiskit-serverless's ``/api/v1`` on its own port.

IBM serves Qiskit Functions from a gateway host of its own (``qiskit-serverless.quantum.ibm.com``),
and its paths (``/api/v1/programs``, ``/api/v1/jobs``) collide with the platform API the local
IBM server answers, so the gateway gets a port of its own. It shares the local IBM platform's
accounts (API keys and CRNs) and the cloud's SQLite store. Nothing here imports qiskit: only
the functions it runs do, in their own processes.
"""

from __future__ import annotations

from .app import GatewayApp
from .executor import recover

__all__ = ["GatewayApp", "recover"]
