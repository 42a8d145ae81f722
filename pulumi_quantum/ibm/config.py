"""Where the IBM resources find their account: read at call time, never stored on a provider.

Two channels, as qiskit-ibm-runtime names them:

* **legacy** (``ibm_quantum``; IBM Quantum Platform Classic, retired July 2025, and the local
  cloud's runtime): stack config ``quantum:ibmToken`` (secret) / ``quantum:ibmUrl`` /
  ``quantum:ibmInstance`` (hub/group/project), else ``QISKIT_IBM_TOKEN`` / ``QISKIT_IBM_URL`` /
  ``QISKIT_IBM_INSTANCE``. ``RuntimeProgram`` always uses it (programs do not exist on the
  current platform).
* **current platform** (``ibm_quantum_platform``, alias ``ibm_cloud``): ``quantum:ibmApiKey``
  (secret; IBM Cloud API key) / ``quantum:ibmInstance`` (the CRN), else qiskit-ibm-runtime's
  ``QISKIT_IBM_TOKEN`` / ``QISKIT_IBM_INSTANCE``. The API URL is derived from
  ``quantum:ibmUrl`` / ``QISKIT_IBM_URL`` (default ``https://cloud.ibm.com``) and the CRN's
  region exactly as qiskit-ibm-runtime's default resolver does, unless given directly as
  ``quantum:ibmApiUrl`` / ``QISKIT_IBM_API_URL``; IAM is ``quantum:ibmIamUrl`` / ``IAM_URL``,
  else ``https://iam.cloud.ibm.com``.

Which channel: ``quantum:ibmChannel`` / ``QISKIT_IBM_CHANNEL`` if set; else the platform when
an API key is configured or the instance is a CRN; else legacy when a token, URL or
hub/group/project instance is configured. With nothing configured at all, sessions use the
local cloud's current platform (``pulumi-quantum local start``) and programs its legacy
runtime. A loopback ``ibmUrl`` is the local cloud, which serves both protocols on one port:
on the platform channel its API is ``<url>/api/v1`` and its IAM ``<url>``, and its documented
default account (alice's API key and CRN) fills whatever is not configured, so the quickstart
runs without any IBM account.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from .._provider import config_value

if TYPE_CHECKING:  # pragma: no cover
    from ..clients.ibm_platform import IBMPlatformClient
    from ..clients.ibm_runtime import IBMRuntimeClient

DEFAULT_IBM_URL = "http://127.0.0.1:4592"
"""The local cloud's default IBM endpoint (``pulumi-quantum local start``)."""

LOCAL_DEFAULT_TOKEN = "local-ibm-token-alice"
"""The local cloud's documented default account token; used only against DEFAULT_IBM_URL."""

LOCAL_DEFAULT_API_KEY = "local-ibm-apikey-alice"
LOCAL_DEFAULT_CRN = "crn:v1:bluemix:public:quantum-computing:us-east:a/local-alice:alice-instance::"
"""The local cloud's documented default platform account (loopback only, not secrets)."""

PLATFORM = "ibm_quantum_platform"
LEGACY = "ibm_quantum"
CHANNELS = {PLATFORM: PLATFORM, "ibm_cloud": PLATFORM, LEGACY: LEGACY, "legacy": LEGACY}
IBM_CLOUD_URL = "https://cloud.ibm.com"
IBM_IAM_URL = "https://iam.cloud.ibm.com"


def is_crn(value: object) -> bool:
    return isinstance(value, str) and value.startswith("crn:")


def ibm_url() -> str:
    return config_value("ibmUrl", "QISKIT_IBM_URL", default=DEFAULT_IBM_URL) or DEFAULT_IBM_URL


def ibm_instance() -> str | None:
    return config_value("ibmInstance", "QISKIT_IBM_INSTANCE")


def ibm_token() -> str | None:
    token = config_value("ibmToken", "QISKIT_IBM_TOKEN")
    if token is None and ibm_url().rstrip("/") == DEFAULT_IBM_URL:
        return LOCAL_DEFAULT_TOKEN
    return token


def ibm_channel() -> str:
    """``ibm_quantum_platform`` or ``ibm_quantum`` (legacy); see the module doc."""
    explicit = config_value("ibmChannel", "QISKIT_IBM_CHANNEL")
    if explicit:
        if explicit not in CHANNELS:
            raise ValueError(
                f"quantum:ibmChannel / QISKIT_IBM_CHANNEL is {explicit!r}; use one of "
                f"{sorted(CHANNELS)}"
            )
        return CHANNELS[explicit]
    if config_value("ibmApiKey") or is_crn(ibm_instance()):
        return PLATFORM
    if ibm_instance() or config_value("ibmToken", "QISKIT_IBM_TOKEN"):
        return LEGACY
    if config_value("ibmUrl", "QISKIT_IBM_URL"):
        return LEGACY
    return PLATFORM  # nothing configured: the local cloud's current platform


def _is_loopback_url(url: str | None) -> bool:
    host = urlparse(url).hostname if url else None
    return host in ("127.0.0.1", "localhost", "::1")


def _local_cloud() -> bool:
    """True when sessions go to the local cloud: no URL configured, or a loopback one."""
    url = config_value("ibmUrl", "QISKIT_IBM_URL")
    if url is not None:
        return _is_loopback_url(url)
    # No URL: a configured platform account means IBM's cloud (qiskit-ibm-runtime's default).
    return not (config_value("ibmApiKey") or is_crn(ibm_instance()))


def platform_api_url(instance: str) -> str:
    """The runtime API base, resolved as qiskit-ibm-runtime's default resolver does.

    A loopback URL (the local cloud, which serves both protocols on one port) is used as is.
    """
    direct = config_value("ibmApiUrl", "QISKIT_IBM_API_URL")
    if direct:
        return direct.rstrip("/")
    url = config_value("ibmUrl", "QISKIT_IBM_URL")
    if _local_cloud():
        return f"{(url or DEFAULT_IBM_URL).rstrip('/')}/api/v1"
    url = url or IBM_CLOUD_URL
    if "experimental" in url:
        return url.rstrip("/")
    parsed = urlparse(url)
    parts = instance.split(":")
    region = parts[5] if len(parts) > 5 else "us-east"
    prefix = "" if region in ("", "us-east") else f"{region}."
    return f"{parsed.scheme}://{prefix}quantum.{parsed.hostname}/api/v1"


def platform_iam_url(instance: str) -> str:
    explicit = config_value("ibmIamUrl", "IAM_URL")
    if explicit:
        return explicit.rstrip("/")
    if _local_cloud():
        return (config_value("ibmUrl", "QISKIT_IBM_URL") or DEFAULT_IBM_URL).rstrip("/")
    parts = instance.split(":")
    if len(parts) > 2 and parts[2] == "staging":
        return "https://iam.test.cloud.ibm.com"
    return IBM_IAM_URL


def platform_account(instance: str | None = None) -> tuple[str, str]:
    """(API key, CRN) for the platform channel.

    ``QISKIT_IBM_TOKEN`` counts as an API key only next to a CRN in ``QISKIT_IBM_INSTANCE``
    (then it describes a qiskit-ibm-runtime account, not a legacy one); on the local cloud the
    documented default account fills what is missing.
    """
    env_crn = is_crn(os.environ.get("QISKIT_IBM_INSTANCE"))
    configured = config_value("ibmInstance")
    crn = instance if is_crn(instance) else None
    crn = crn or (configured if is_crn(configured) else None)
    crn = crn or (os.environ["QISKIT_IBM_INSTANCE"] if env_crn else None)
    key = config_value("ibmApiKey") or (os.environ.get("QISKIT_IBM_TOKEN") if env_crn else None)
    if _local_cloud():
        crn = crn or LOCAL_DEFAULT_CRN
        key = key or LOCAL_DEFAULT_API_KEY
    return key or "", crn or ""


def runtime_client() -> IBMRuntimeClient:
    """A legacy-protocol client for the configured account, built for this one call."""
    from ..clients.ibm_runtime import IBMRuntimeClient

    return IBMRuntimeClient(ibm_url(), ibm_token() or "", instance=ibm_instance())


def session_client(instance: str | None = None) -> IBMPlatformClient | IBMRuntimeClient:
    """The client sessions use on the configured channel. ``instance`` overrides config."""
    channel = CHANNELS[PLATFORM] if is_crn(instance) else ibm_channel()
    if channel == LEGACY:
        return runtime_client()
    from ..clients.ibm_platform import IBMPlatformClient

    key, crn = platform_account(instance)
    return IBMPlatformClient(platform_api_url(crn), key, crn, iam_url=platform_iam_url(crn))
