"""Where requests go, and whose keys they carry: one target rule for both vendors.

docs/configuration.md has the table; in short, per vendor (``braket`` = Braket and S3,
``ibm`` = IBM Qiskit Runtime / IBM Quantum Platform):

1. The target is ``local`` or the vendor's real cloud (``aws`` / ``ibm``): stack config
   ``quantum:target`` (Braket; ``local`` also sets IBM) / ``quantum:ibmTarget``, or
   ``PULUMI_QUANTUM_TARGET`` / ``PULUMI_QUANTUM_IBM_TARGET``. Unset, it follows an explicit
   endpoint (loopback or the local cloud's ``localcloud.test`` name → ``local``, any other host
   → the vendor), else the credentials: a real account configured → the vendor, else ``local``.
2. An explicit endpoint is honoured only when it agrees with the target; a disagreement is a
   :class:`TargetError` at preview naming both values and the fix. So a real account's key is
   never sent to a loopback address unless the target is ``local``.
3. The ``local`` target talks to the local cloud in ``$PQ_LOCAL_DATA_DIR`` with that cloud's own
   keys and tokens, read from its ``client.json``. A credential from the user's environment is
   never used there; a stack-config credential only when the target is ``local`` explicitly, or
   when it is one of the local cloud's own (another local user, say).

Nothing here is cached or stored: every call reads config, environment and the state file
afresh, so a provider pickled into state captures none of it.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ._provider import ProviderError, config_value
from .local import clientfile

LOCAL = "local"
REAL = {"braket": "aws", "ibm": "ibm"}
TARGET_KEYS = {"braket": ("target", "PULUMI_QUANTUM_TARGET")}
TARGET_KEYS["ibm"] = ("ibmTarget", "PULUMI_QUANTUM_IBM_TARGET")
LOCAL_NAMES = ("localcloud.test",)
"""Host names that mean the local cloud (``local env`` gives qiskit-ibm-runtime this one)."""

ENDPOINTS: dict[str, tuple[tuple[str, str], ...]] = {
    "braket": (
        ("braketEndpoint", "AWS_ENDPOINT_URL_BRAKET"),
        ("s3Endpoint", "AWS_ENDPOINT_URL_S3"),
    ),
    "ibm": (
        ("ibmUrl", "QISKIT_IBM_URL"),
        ("ibmApiUrl", "QISKIT_IBM_API_URL"),
        ("ibmIamUrl", "IAM_URL"),
    ),
}
LOCAL_DEFAULTS = {
    "aws_access_key_id": "AKIALOCALQUANTUM0001",
    "aws_secret_access_key": "local-quantum-secret-key-0001",
    "ibm_token": "local-ibm-token-alice",
    "ibm_instance": "local-hub/local-group/alice-project",
    "ibm_api_key": "local-ibm-apikey-alice",
    "ibm_crn": "crn:v1:bluemix:public:quantum-computing:us-east:a/local-alice:alice-instance::",
}
"""The local cloud's documented default account (README), used when it left no client.json:
loopback-only keys, not secrets."""
CREDENTIAL_KEYS = {"braket": ("awsAccessKeyId",), "ibm": ("ibmToken", "ibmApiKey")}


class TargetError(ProviderError):
    """The configured target and an explicit endpoint (or credential) disagree."""


def is_local_url(url: str | None) -> bool:
    """True for a loopback address (``127.0.0.0/8``, ``::1``, ``localhost``) or the local
    cloud's own name: the places only the local cloud answers."""
    host = (urlparse(url).hostname or "") if url else ""
    if host == "localhost" or host.endswith(".localhost") or host in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Endpoint:
    """One explicit endpoint and where it came from (for messages)."""

    source: str
    url: str


def _source(key: str, env: str) -> tuple[str | None, str]:
    value = config_value(key)
    if value:
        return value, f"quantum:{key}"
    value = os.environ.get(env) or None
    return value, env


def explicit_endpoints(vendor: str) -> list[Endpoint]:
    found = []
    for key, env in ENDPOINTS[vendor]:
        value, source = _source(key, env)
        if value:
            found.append(Endpoint(source, value))
    return found


def local_state() -> dict[str, Any]:
    """The local cloud's ``client.json`` (endpoints and keys), or {} when it never ran there."""
    return clientfile.read() or {}


def local_endpoint(service: str) -> str:
    """The local cloud's URL for a service: from its state, else 127.0.0.1 and the port
    ``local start`` would use (``PQ_LOCAL_<SERVICE>_PORT``, else the default)."""
    url = (local_state().get("endpoints") or {}).get(service)
    if url:
        return str(url).rstrip("/")
    try:
        port = clientfile.port_from_env(service)
    except ValueError as exc:
        raise ProviderError(str(exc)) from None
    return f"http://127.0.0.1:{port or clientfile.DEFAULT_PORTS[service]}"


def local_credentials(vendor: str) -> dict[str, Any]:
    """The local cloud's own keys (its ``client.json``), else its documented defaults.

    ``known`` is every credential of that kind the local cloud accepts (all its users'): such
    a value is the local cloud's, not a real account's, wherever it was found.
    """
    state = local_state().get("aws" if vendor == "braket" else "ibm") or {}
    if vendor == "braket":
        key = state.get("access_key_id") or LOCAL_DEFAULTS["aws_access_key_id"]
        secret = state.get("secret_access_key") or LOCAL_DEFAULTS["aws_secret_access_key"]
        return {
            "access_key_id": key,
            "secret_access_key": secret,
            "known": set(state.get("access_key_ids") or [key]),
        }
    token = state.get("token") or LOCAL_DEFAULTS["ibm_token"]
    api_key = state.get("api_key") or LOCAL_DEFAULTS["ibm_api_key"]
    tokens = set(state.get("tokens") or [token])
    api_keys = set(state.get("api_keys") or [api_key])
    return {
        "token": token,
        "instance": state.get("instance") or LOCAL_DEFAULTS["ibm_instance"],
        "api_key": api_key,
        "crn": state.get("crn") or LOCAL_DEFAULTS["ibm_crn"],
        "tokens": tokens,
        "api_keys": api_keys,
        "known": tokens | api_keys,
    }


def explicit_target(vendor: str) -> str | None:
    """The target set in config/env (validated), or None."""
    key, env = TARGET_KEYS[vendor]
    value, source = _source(key, env)
    if value is None and vendor == "ibm":
        braket, _ = _source(*TARGET_KEYS["braket"])
        if braket and braket.strip().lower() == LOCAL:
            return LOCAL  # quantum:target local: the whole stack on the local cloud
    if value is None:
        return None
    target = value.strip().lower()
    allowed = (LOCAL, REAL[vendor])
    if target not in allowed:
        raise TargetError(f"{source} is {value!r}; set it to one of {', '.join(allowed)}")
    return target


def _fix_key(vendor: str) -> str:
    return f"quantum:{TARGET_KEYS[vendor][0]}"


def _configured_credentials(vendor: str) -> list[tuple[str, str]]:
    """(``quantum:<key>``, value) of credentials given as stack config."""
    found = []
    for key in CREDENTIAL_KEYS[vendor]:
        value = config_value(key)
        if value:
            found.append((f"quantum:{key}", value))
    return found


def resolve(vendor: str, real_credentials: bool = False) -> str:
    """``local`` or the vendor's real target, per the module's rule; raises :class:`TargetError`
    when an explicit endpoint (or a configured real credential) disagrees.

    ``real_credentials`` says whether a real account's credentials are visibly configured (each
    vendor knows its own conventions); it decides only when neither a target nor an endpoint is.
    """
    real = REAL[vendor]
    target = explicit_target(vendor)
    endpoints = explicit_endpoints(vendor)
    fix = _fix_key(vendor)
    if target is not None:
        wrong = [e for e in endpoints if is_local_url(e.url) != (target == LOCAL)]
        if wrong:
            raise TargetError(_disagreement(vendor, target, wrong))
        return target
    kinds = {is_local_url(e.url) for e in endpoints}
    if len(kinds) > 1:
        local = next(e for e in endpoints if is_local_url(e.url))
        remote = next(e for e in endpoints if not is_local_url(e.url))
        raise TargetError(
            f"{local.source} is {local.url} (the local cloud) but {remote.source} is "
            f"{remote.url} (not loopback): point both at one place, and set {fix} "
            f"({LOCAL} or {real}) to say which"
        )
    if endpoints:
        if kinds == {False}:
            return real
        known = local_credentials(vendor)["known"]
        for source, value in _configured_credentials(vendor):
            if value not in known:
                raise TargetError(
                    f"{endpoints[0].source} is {endpoints[0].url} (the local cloud), but "
                    f"{source} is set to a key the local cloud does not know, and {fix} is not "
                    f"set: no configured credential is sent to a loopback address by accident. "
                    f"Set {fix} {LOCAL} to send it to the local cloud, or unset "
                    f"{endpoints[0].source} and set {fix} {real}"
                )
        return LOCAL
    return real if real_credentials else LOCAL


def _disagreement(vendor: str, target: str, endpoints: Sequence[Endpoint]) -> str:
    """The message for endpoints that disagree with the target: every one of them, the
    target's setting, and the two ways out."""
    fix = _fix_key(vendor)
    setting = f"{fix} is {target}"
    if vendor == "ibm" and _source(*TARGET_KEYS["ibm"])[0] is None:
        setting = f"{fix} is {target} (quantum:target {target} sets it)"
    where = "the local cloud" if target != LOCAL else "not the local cloud"
    found = ", ".join(f"{e.source} is {e.url}" for e in endpoints)
    names = ", ".join(e.source for e in endpoints)
    if target == LOCAL:
        remedy = (
            f"unset {names} (the local target finds the local cloud itself), "
            f"or set {fix} {REAL[vendor]}"
        )
    else:
        exported = [e for e in endpoints if not e.source.startswith("quantum:")]
        hint = " (scripts/env.sh and `pulumi-quantum local env` export them)" if exported else ""
        remedy = f"unset {names}{hint} to use the vendor's own endpoints, or set {fix} {LOCAL}"
    return f"{setting} but {found} ({where}): {remedy}"


def check_failures(vendor: str, real_credentials: bool = False) -> list[tuple[str, str]]:
    """[("", message)] for ``check``: the target problems a preview must report.

    The property is empty because the problem is the stack's configuration, not an input: the
    engine then prints "<type> resource '<name>' has a problem: <message>" instead of
    "property quantum:target value {<nil>} has a problem", and the message names the key.
    """
    try:
        resolve(vendor, real_credentials)
    except ProviderError as exc:
        return [("", str(exc))]
    return []


def use_local_credential(
    vendor: str, candidates: Sequence[tuple[str, str | None]], known: set[str] | None = None
) -> str | None:
    """On the local target: the first candidate credential that may be sent to the local cloud.

    ``candidates`` are (source, value) with source ``quantum:<key>`` (stack config) or an
    environment variable's name. A value the local cloud knows (``known``, default: every
    credential of the vendor in its ``client.json``) is used; a stack-config value also when the
    target is ``local`` explicitly; anything else, above all a credential from the user's
    environment, never.
    """
    explicit = explicit_target(vendor) == LOCAL
    known = local_credentials(vendor)["known"] if known is None else known
    for source, value in candidates:
        if not value:
            continue
        if value in known or (explicit and source.startswith("quantum:")):
            return value
    return None


def data_dir() -> Path:
    return clientfile.default_data_dir()
