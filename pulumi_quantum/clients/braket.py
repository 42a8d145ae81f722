"""boto3 clients for Amazon Braket and S3, built at call time from config.

Where requests go and with which keys is :mod:`pulumi_quantum.target`'s rule, the same for IBM
(docs/configuration.md has the table): ``quantum:target`` (``local`` | ``aws``, or
``PULUMI_QUANTUM_TARGET``) decides; an explicit endpoint (``quantum:braketEndpoint`` /
``quantum:s3Endpoint``, else ``AWS_ENDPOINT_URL_BRAKET`` / ``AWS_ENDPOINT_URL_S3``) is honoured
only when it agrees with the target (loopback for ``local``, any other host for ``aws``) and
otherwise fails the preview. Unset, the target follows an explicit endpoint, else ``aws`` when
AWS credentials are visibly configured (``AWS_ACCESS_KEY_ID``, ``AWS_PROFILE``, a ``~/.aws``
credentials/config file, ``quantum:awsAccessKeyId``; the local cloud's own key ids do not
count), else ``local``. The check deliberately does *not* walk boto3's whole chain, because that
would probe the EC2 instance-metadata address; on an instance role alone, set
``quantum:target aws``.

On ``aws`` the keys are ``quantum:awsAccessKeyId`` / ``quantum:awsSecretAccessKey`` (/
``quantum:awsSessionToken``), as pulumi-aws takes ``aws:accessKey``, else boto3's own chain;
botocore's own endpoint settings (``AWS_ENDPOINT_URL``, ``endpoint_url`` in ``~/.aws/config``)
are ignored, so nothing but the endpoint resolved here can receive them. On ``local`` the keys
are the local cloud's own, read from its ``client.json``: never the environment's.

Retries are botocore's own retry modes (``standard`` by default, ``adaptive`` via
``quantum:awsRetryMode`` / ``AWS_RETRY_MODE``) with ``quantum:awsMaxAttempts`` /
``AWS_MAX_ATTEMPTS`` attempts in total (first try included, as the AWS CLI counts them):
throttling and 5xx answers are retried with jittered backoff by botocore, never by a loop of ours.

boto3 is imported inside the functions: importing this module costs nothing.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import target as targets
from .._provider import ProviderError, config_value

DEFAULT_REGION = "us-east-1"
DEFAULT_MAX_ATTEMPTS = 10
RETRY_MODES = ("standard", "adaptive", "legacy")


@dataclass(frozen=True)
class ClientSettings:
    """Everything a client needs, resolved once per call; holds no key material."""

    target: str
    region: str
    braket_endpoint: str | None
    s3_endpoint: str | None
    retry_mode: str
    max_attempts: int
    use_local_keys: bool
    configured_keys: str | None = None
    """sha256 of the AWS keys given as ``quantum:awsAccessKeyId``/``awsSecretAccessKey``/
    ``awsSessionToken`` (never the keys: a changed key gets a new client, and this object may be
    shown in logs); the keys themselves are read from config when the client is built."""
    local_key_id: str | None = None
    """On the local target: the local cloud's key id in use (its secret is read again when the
    client is built, from the same ``client.json``)."""
    data_dir: str | None = None
    """On the local target: the local cloud's data dir (a different cloud gets a new client)."""


def _configured_keys() -> dict[str, str] | None:
    """AWS keys from stack/provider config (secrets), as boto3 session arguments, or None."""
    key_id = config_value("awsAccessKeyId")
    secret = config_value("awsSecretAccessKey")
    if not key_id and not secret:
        return None
    if not key_id or not secret:
        raise ProviderError(
            "set both quantum:awsAccessKeyId and quantum:awsSecretAccessKey (as secrets), "
            "or neither (then boto3's credential chain is used)"
        )
    keys = {"aws_access_key_id": key_id, "aws_secret_access_key": secret}
    token = config_value("awsSessionToken")
    if token:
        keys["aws_session_token"] = token
    return keys


def _aws_credentials_visible() -> bool:
    local_keys = targets.local_credentials("braket")["known"]
    configured = config_value("awsAccessKeyId")
    if configured:
        return configured not in local_keys
    env_key = os.environ.get("AWS_ACCESS_KEY_ID")
    if env_key:
        return env_key not in local_keys  # scripts/env.sh exports the local cloud's key
    if os.environ.get("AWS_PROFILE"):
        return True
    home = Path(os.environ.get("HOME", "~")).expanduser()
    files = [
        os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or home / ".aws" / "credentials",
        os.environ.get("AWS_CONFIG_FILE") or home / ".aws" / "config",
    ]
    return any(Path(f).is_file() for f in files)


def resolve_target() -> str:
    """``local`` or ``aws`` per :mod:`pulumi_quantum.target`; a disagreement between the target
    and an explicit endpoint raises :class:`~pulumi_quantum.target.TargetError`."""
    return targets.resolve("braket", _aws_credentials_visible())


def check_target() -> list[tuple[str, str]]:
    """The target problems ``check`` reports at preview (see :func:`resolve_target`)."""
    return targets.check_failures("braket", _aws_credentials_visible())


def configured_region() -> str:
    """``quantum:awsRegion``, else ``AWS_REGION`` / ``AWS_DEFAULT_REGION``, else us-east-1."""
    return str(
        config_value("awsRegion", "AWS_REGION", "AWS_DEFAULT_REGION", default=DEFAULT_REGION)
    )


def settings() -> ClientSettings:
    """Resolve region, endpoints and retry policy from stack config and the environment."""
    region = configured_region()
    braket_endpoint = config_value("braketEndpoint", "AWS_ENDPOINT_URL_BRAKET")
    s3_endpoint = config_value("s3Endpoint", "AWS_ENDPOINT_URL_S3")
    retry_mode = (config_value("awsRetryMode", "AWS_RETRY_MODE", default="standard") or "").lower()
    if retry_mode not in RETRY_MODES:
        raise ProviderError(
            f"quantum:awsRetryMode is {retry_mode!r}; set it to one of {', '.join(RETRY_MODES)}"
        )
    raw_attempts = config_value(
        "awsMaxAttempts", "AWS_MAX_ATTEMPTS", default=str(DEFAULT_MAX_ATTEMPTS)
    )
    try:
        max_attempts = int(str(raw_attempts))
        if max_attempts < 1:
            raise ValueError
    except ValueError:
        raise ProviderError(
            f"quantum:awsMaxAttempts is {raw_attempts!r}; set it to a whole number >= 1"
        ) from None
    target = resolve_target()
    keys = _configured_keys()
    use_local_keys = False
    local_key_id = data_dir = None
    if target == targets.LOCAL:
        braket_endpoint = braket_endpoint or targets.local_endpoint("braket")
        s3_endpoint = s3_endpoint or targets.local_endpoint("s3")
        chosen = keys and targets.use_local_credential(
            "braket", [("quantum:awsAccessKeyId", keys["aws_access_key_id"])]
        )
        if not chosen:  # never the environment's keys, nor a real key from config
            keys, use_local_keys = None, True
            local_key_id = targets.local_credentials("braket")["access_key_id"]
            data_dir = str(targets.data_dir())
    fingerprint = None
    if keys is not None:
        import hashlib

        fingerprint = hashlib.sha256(json.dumps(keys, sort_keys=True).encode()).hexdigest()
    return ClientSettings(
        target=target,
        region=str(region),
        braket_endpoint=braket_endpoint,
        s3_endpoint=s3_endpoint,
        retry_mode=retry_mode,
        max_attempts=max_attempts,
        use_local_keys=use_local_keys,
        configured_keys=fingerprint,
        local_key_id=local_key_id,
        data_dir=data_dir,
    )


def _client(service: str, endpoint: str | None, resolved: ClientSettings, **config: Any) -> Any:
    return _cached_client(service, endpoint, resolved, json.dumps(config, sort_keys=True))


@functools.lru_cache(maxsize=32)
def _cached_client(
    service: str, endpoint: str | None, resolved: ClientSettings, config: str
) -> Any:
    """One client per distinct (service, endpoint, settings) in this provider process.

    Settings are still resolved from config on every call (the cache key is the resolved
    settings, so a changed endpoint or region gets a new client), but building a boto3 client
    re-reads botocore's JSON models (~200 ms of CPU) — per resource operation that dominated a
    100-task ``pulumi up``. boto3 clients are thread-safe, and the dynamic-provider host runs
    operations on threads. Nothing here is pickled into state: the cache lives in the provider
    process only.
    """
    import boto3
    from botocore.config import Config

    session_kwargs: dict[str, Any] = {"region_name": resolved.region}
    if resolved.configured_keys:
        session_kwargs.update(_configured_keys() or {})
    elif resolved.use_local_keys:
        local = targets.local_credentials("braket")
        session_kwargs["aws_access_key_id"] = local["access_key_id"]
        session_kwargs["aws_secret_access_key"] = local["secret_access_key"]
    session = boto3.session.Session(**session_kwargs)
    botocore_config = Config(
        retries={"mode": resolved.retry_mode, "total_max_attempts": resolved.max_attempts},
        connect_timeout=10,
        read_timeout=60,
        user_agent_extra="pulumi-quantum",
        # Only the endpoint resolved by the target rule: botocore's own AWS_ENDPOINT_URL /
        # config-file endpoints could send a real account's keys to a loopback port.
        ignore_configured_endpoint_urls=True,
        **json.loads(config),
    )
    return session.client(service, endpoint_url=endpoint, config=botocore_config)


def braket_client(resolved: ClientSettings | None = None) -> Any:
    """A boto3 ``braket`` client for the configured target (cached per process and settings)."""
    resolved = resolved or settings()
    return _client("braket", resolved.braket_endpoint, resolved)


def s3_client(resolved: ClientSettings | None = None) -> Any:
    """A boto3 ``s3`` client; path-style addressing when an endpoint is configured, because
    S3-compatible servers on loopback have no per-bucket DNS names."""
    resolved = resolved or settings()
    extra: dict[str, Any] = {}
    if resolved.s3_endpoint:
        extra["s3"] = {"addressing_style": "path"}
    return _client("s3", resolved.s3_endpoint, resolved, **extra)


def iam_client(resolved: ClientSettings | None = None) -> Any:
    """A boto3 ``iam`` client (the default hybrid-job role lookup). Same target rule as Braket:
    on the local target, ``AWS_ENDPOINT_URL_IAM`` if set, else the local Braket port (which
    answers IAM by its SigV4 scope); on AWS, botocore's global IAM endpoint."""
    resolved = resolved or settings()
    endpoint = None
    if resolved.target == targets.LOCAL:
        endpoint = os.environ.get("AWS_ENDPOINT_URL_IAM") or resolved.braket_endpoint
    return _client("iam", endpoint, resolved)
