"""Where the IBM resources find their account: read at call time, never stored on a provider.

Stack config ``quantum:ibmToken`` (secret) / ``quantum:ibmUrl`` / ``quantum:ibmInstance`` win;
otherwise Qiskit's own ``QISKIT_IBM_TOKEN`` / ``QISKIT_IBM_URL`` / ``QISKIT_IBM_INSTANCE``.
With nothing configured at all the resources target the local quantum cloud's IBM endpoint with
its documented default account, so the quickstart runs without any IBM account.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._provider import config_value

if TYPE_CHECKING:  # pragma: no cover
    from ..clients.ibm_runtime import IBMRuntimeClient

DEFAULT_IBM_URL = "http://127.0.0.1:4592"
"""The local cloud's default IBM endpoint (``pulumi-quantum local start``)."""

LOCAL_DEFAULT_TOKEN = "local-ibm-token-alice"
"""The local cloud's documented default account token; used only against DEFAULT_IBM_URL."""


def ibm_url() -> str:
    return config_value("ibmUrl", "QISKIT_IBM_URL", default=DEFAULT_IBM_URL) or DEFAULT_IBM_URL


def ibm_instance() -> str | None:
    return config_value("ibmInstance", "QISKIT_IBM_INSTANCE")


def ibm_token() -> str | None:
    token = config_value("ibmToken", "QISKIT_IBM_TOKEN")
    if token is None and ibm_url().rstrip("/") == DEFAULT_IBM_URL:
        return LOCAL_DEFAULT_TOKEN
    return token


def runtime_client() -> IBMRuntimeClient:
    """A client for the configured account, built for this one call."""
    from ..clients.ibm_runtime import IBMRuntimeClient

    return IBMRuntimeClient(ibm_url(), ibm_token() or "", instance=ibm_instance())
