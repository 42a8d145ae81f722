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
hub/group/project instance is configured; else the platform.

Where requests go is :mod:`pulumi_quantum.target`'s rule, the same as Braket's (the table is in
docs/configuration.md): ``quantum:ibmTarget`` (``local`` | ``ibm``; ``quantum:target local``
also sets it) decides; an explicit URL is honoured only when it agrees; unset, the target
follows an explicit URL, else a configured real token or key (→ ``ibm``: IBM's own hosts, the
legacy runtime at ``https://auth.quantum-computing.ibm.com/api``), else ``local``. The local
target uses the local cloud of ``$PQ_LOCAL_DATA_DIR``: its URL and its own accounts from its
``client.json`` (port included: no hard-coded port), never a token from the user's environment.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from .. import target as targets
from .._provider import config_value

if TYPE_CHECKING:  # pragma: no cover
    from .ibm_platform import IBMPlatformClient
    from .ibm_runtime import IBMRuntimeClient

LEGACY_IBM_URL = "https://auth.quantum-computing.ibm.com/api"
"""IBM's legacy runtime (IBM Quantum Platform Classic), as qiskit-ibm-provider defaults to it."""

PLATFORM = "ibm_quantum_platform"
LEGACY = "ibm_quantum"
CHANNELS = {PLATFORM: PLATFORM, "ibm_cloud": PLATFORM, LEGACY: LEGACY, "legacy": LEGACY}
IBM_CLOUD_URL = "https://cloud.ibm.com"
IBM_IAM_URL = "https://iam.cloud.ibm.com"


def is_crn(value: object) -> bool:
    return isinstance(value, str) and value.startswith("crn:")


def _real_credentials() -> bool:
    """A token or API key that is not one of the local cloud's is configured (config or env)."""
    known = targets.local_credentials("ibm")["known"]
    values = (
        config_value("ibmToken"),
        config_value("ibmApiKey"),
        os.environ.get("QISKIT_IBM_TOKEN"),
    )
    return any(value and value not in known for value in values)


def ibm_target() -> str:
    """``local`` or ``ibm``; raises :class:`~pulumi_quantum.target.TargetError` on disagreement."""
    return targets.resolve("ibm", _real_credentials())


def check_target() -> list[tuple[str, str]]:
    """The target problems ``check`` reports at preview (no remote call)."""
    return targets.check_failures("ibm", _real_credentials())


def _local_base(explicit: str | None) -> str:
    """The local cloud's IBM URL: an explicit loopback URL as given, else its state's."""
    host = urlparse(explicit).hostname if explicit else None
    if explicit and targets.is_local_url(explicit) and host not in targets.LOCAL_NAMES:
        return explicit.rstrip("/")
    return targets.local_endpoint("ibm")


def ibm_url() -> str:
    url = config_value("ibmUrl", "QISKIT_IBM_URL")
    if _local_cloud():
        return _local_base(url)
    return url or LEGACY_IBM_URL


def ibm_instance() -> str | None:
    return config_value("ibmInstance", "QISKIT_IBM_INSTANCE")


def ibm_token() -> str | None:
    if _local_cloud():
        local = targets.local_credentials("ibm")
        candidates = [
            ("quantum:ibmToken", config_value("ibmToken")),
            ("QISKIT_IBM_TOKEN", os.environ.get("QISKIT_IBM_TOKEN")),
        ]
        chosen = targets.use_local_credential("ibm", candidates, local["tokens"])
        return chosen or local["token"]
    return config_value("ibmToken", "QISKIT_IBM_TOKEN")


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


def _local_cloud() -> bool:
    """True when IBM requests go to the local cloud (the ``local`` target)."""
    return ibm_target() == targets.LOCAL


def platform_api_url(instance: str) -> str:
    """The runtime API base, resolved as qiskit-ibm-runtime's default resolver does.

    On the local target: an explicit loopback API URL as given, else the local cloud's.
    """
    direct = config_value("ibmApiUrl", "QISKIT_IBM_API_URL")
    if _local_cloud():
        host = urlparse(direct).hostname if direct else None
        if direct and targets.is_local_url(direct) and host not in targets.LOCAL_NAMES:
            return direct.rstrip("/")
        return f"{_local_base(config_value('ibmUrl', 'QISKIT_IBM_URL'))}/api/v1"
    if direct:
        return direct.rstrip("/")
    url = config_value("ibmUrl", "QISKIT_IBM_URL") or IBM_CLOUD_URL
    if "experimental" in url:
        return url.rstrip("/")
    parsed = urlparse(url)
    parts = instance.split(":")
    region = parts[5] if len(parts) > 5 else "us-east"
    prefix = "" if region in ("", "us-east") else f"{region}."
    return f"{parsed.scheme}://{prefix}quantum.{parsed.hostname}/api/v1"


def platform_iam_url(instance: str) -> str:
    explicit = config_value("ibmIamUrl", "IAM_URL")
    if _local_cloud():
        host = urlparse(explicit).hostname if explicit else None
        if explicit and targets.is_local_url(explicit) and host not in targets.LOCAL_NAMES:
            return explicit.rstrip("/")
        return _local_base(config_value("ibmUrl", "QISKIT_IBM_URL"))
    if explicit:
        return explicit.rstrip("/")
    parts = instance.split(":")
    if len(parts) > 2 and parts[2] == "staging":
        return "https://iam.test.cloud.ibm.com"
    return IBM_IAM_URL


def platform_account(instance: str | None = None) -> tuple[str, str]:
    """(API key, CRN) for the platform channel.

    ``QISKIT_IBM_TOKEN`` counts as an API key only next to a CRN in ``QISKIT_IBM_INSTANCE``
    (then it describes a qiskit-ibm-runtime account, not a legacy one). On the local target
    only a key the local cloud knows (or one in stack config with ``quantum:ibmTarget local``)
    is used; otherwise its own default account, from its ``client.json``.
    """
    env_crn = is_crn(os.environ.get("QISKIT_IBM_INSTANCE"))
    configured = config_value("ibmInstance")
    crn = instance if is_crn(instance) else None
    crn = crn or (configured if is_crn(configured) else None)
    crn = crn or (os.environ["QISKIT_IBM_INSTANCE"] if env_crn else None)
    if _local_cloud():
        local = targets.local_credentials("ibm")
        candidates = [
            ("quantum:ibmApiKey", config_value("ibmApiKey")),
            ("QISKIT_IBM_TOKEN", os.environ.get("QISKIT_IBM_TOKEN") if env_crn else None),
        ]
        key = targets.use_local_credential("ibm", candidates, local["api_keys"])
        if key is None:  # the local cloud's own account, whole (its key owns its CRN)
            return local["api_key"], crn if is_crn(instance) else local["crn"]
        return key, crn or local["crn"]
    key = config_value("ibmApiKey") or (os.environ.get("QISKIT_IBM_TOKEN") if env_crn else None)
    return key or "", crn or ""


def runtime_client() -> IBMRuntimeClient:
    """A legacy-protocol client for the configured account, built for this one call."""
    from .ibm_runtime import IBMRuntimeClient

    instance = ibm_instance()
    instance = None if is_crn(instance) else instance  # a CRN is no hub/group/project
    return IBMRuntimeClient(ibm_url(), ibm_token() or "", instance=instance)


def session_client(
    instance: str | None = None, **options: Any
) -> IBMPlatformClient | IBMRuntimeClient:
    """The client sessions use on the configured channel. ``instance`` overrides config;
    ``options`` (``timeout``, ``retry``) go to the platform's client (a preview's usage read
    asks for a short one)."""
    channel = CHANNELS[PLATFORM] if is_crn(instance) else ibm_channel()
    if channel == LEGACY:
        return runtime_client()
    from .ibm_platform import IBMPlatformClient

    key, crn = platform_account(instance)
    return IBMPlatformClient(
        platform_api_url(crn), key, crn, iam_url=platform_iam_url(crn), **options
    )
