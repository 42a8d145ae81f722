"""SigV4 verification for the local Braket, failing the way AWS fails.

The request is rebuilt from what arrived on the wire (raw path, query, the headers the client says
it signed, body) and signed again with botocore's own ``SigV4Auth`` using the secret configured for
the access key in the credential scope. Each failure is the error AWS's front end sends for it
(status 403, ``x-amzn-ErrorType`` = code, ``{"message": ...}``), checked in AWS's order:

* no ``Authorization`` header            -> MissingAuthenticationTokenException
* header not a complete SigV4 header     -> IncompleteSignatureException
* unknown access key, or a session token
  this endpoint never issued             -> UnrecognizedClientException
* a session token past its expiry        -> ExpiredTokenException
* X-Amz-Date more than 5 minutes off     -> InvalidSignatureException "Signature expired: ..."
* signature mismatch                     -> InvalidSignatureException

Temporary credentials (access key + secret + ``X-Amz-Security-Token``) are the ones the local STS
issued (``pulumi_quantum/local/sts.py``), looked up through ``sessions``. Secrets never appear in
error messages.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from .exceptions import (
    ExpiredTokenException,
    IncompleteSignatureException,
    InvalidSignatureException,
    MissingAuthenticationTokenException,
    UnrecognizedClientException,
)

_AUTH = re.compile(
    r"AWS4-HMAC-SHA256\s+Credential=(?P<key>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request,\s*SignedHeaders=(?P<signed>[^,\s]+),\s*"
    r"Signature=(?P<signature>[0-9a-f]{64})\s*\Z"
)
MAX_CLOCK_SKEW = dt.timedelta(minutes=5)
_STAMP = "%Y%m%dT%H%M%SZ"


@dataclass(frozen=True)
class Caller:
    access_key: str
    region: str
    session_token: str | None = None


@dataclass(frozen=True)
class TemporaryKey:
    """A temporary access key issued by the local STS: its secret, token and expiry."""

    secret: str
    session_token: str
    expires_at: dt.datetime


SessionLookup = Callable[[str], TemporaryKey | None]
"""Temporary access key id -> the key the local STS issued under it (None: never issued)."""


def _incomplete(authorization: str) -> IncompleteSignatureException:
    """AWS lists every part the Authorization header lacks, then echoes the header."""
    missing = [
        f"Authorization header requires '{part}' parameter."
        for part in ("Credential", "Signature", "SignedHeaders")
        if f"{part}=" not in authorization
    ]
    detail = " ".join(missing) or "Authorization header is not a valid AWS4-HMAC-SHA256 header."
    return IncompleteSignatureException(f"{detail} Authorization={authorization}")


def verify_sigv4(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    secrets: Mapping[str, str],
    service: str = "braket",
    now: dt.datetime | None = None,
    sessions: SessionLookup | None = None,
    payload_hash: str | None = None,
) -> Caller:
    """Check the request's SigV4 signature; return who signed it or raise AWS's auth error.

    ``url`` must carry the path exactly as sent (still percent-encoded) plus the query string.
    ``secrets`` are the long-term keys; ``sessions`` finds temporary ones (none when omitted).
    ``payload_hash`` is what the canonical request ends with instead of the body's hash: S3
    signs its ``x-amz-content-sha256`` header's value there whether or not SignedHeaders
    lists that header, so a claimed hash (or ``UNSIGNED-PAYLOAD``) is always bound to the
    signature. For ``service="s3"`` the path is signed as sent, without removing ``.``/``..``
    segments or empty ones, as S3 signs object keys (other services normalise it).
    """
    lower = {k.lower(): v for k, v in headers.items()}
    authorization = lower.get("authorization")
    if not authorization:
        raise MissingAuthenticationTokenException("Missing Authentication Token")
    m = _AUTH.match(authorization)
    if not m:
        raise _incomplete(authorization)
    amz_date = lower.get("x-amz-date", "")
    try:
        signed_at = dt.datetime.strptime(amz_date, _STAMP).replace(tzinfo=dt.UTC)
    except ValueError:
        raise IncompleteSignatureException(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
            f"header. Authorization={authorization}"
        ) from None
    key = m["key"]
    now = now or dt.datetime.now(dt.UTC)
    token = lower.get("x-amz-security-token")
    secret = secrets.get(key) if token is None else _temporary_secret(key, token, sessions, now)
    if secret is None:
        raise UnrecognizedClientException("The security token included in the request is invalid.")
    if signed_at < now - MAX_CLOCK_SKEW:
        raise InvalidSignatureException(
            f"Signature expired: {amz_date} is now earlier than "
            f"{(now - MAX_CLOCK_SKEW).strftime(_STAMP)} ({now.strftime(_STAMP)} - 5 min.)"
        )
    if signed_at > now + MAX_CLOCK_SKEW:
        raise InvalidSignatureException(
            f"Signature not yet current: {amz_date} is still later than "
            f"{(now + MAX_CLOCK_SKEW).strftime(_STAMP)} ({now.strftime(_STAMP)} + 5 min.)"
        )
    if m["service"] != service or not amz_date.startswith(m["date"]):
        raise InvalidSignatureException(
            f"Credential should be scoped to a valid region and to the service '{service}' on "
            f"the date of X-Amz-Date; got {m['date']}/{m['region']}/{m['service']}."
        )
    signed_names = m["signed"].split(";")
    if any(n not in lower for n in signed_names) or "host" not in signed_names:
        raise InvalidSignatureException(
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service "
            "documentation for details."
        )
    request = AWSRequest(
        method=method, url=url, headers={n: lower[n] for n in signed_names}, data=body
    )
    request.context["timestamp"] = amz_date
    signer_class = S3SigV4Auth if service == "s3" else SigV4Auth
    signer = signer_class(Credentials(key, secret), service, m["region"])
    canonical = signer.canonical_request(request)
    if payload_hash is not None:
        canonical = f"{canonical.rsplit(chr(10), 1)[0]}\n{payload_hash}"
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, m["signature"]):
        raise InvalidSignatureException(
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service "
            "documentation for details."
        )
    return Caller(access_key=key, region=m["region"], session_token=token)


def _temporary_secret(
    key: str, token: str, sessions: SessionLookup | None, now: dt.datetime
) -> str | None:
    """The secret of a temporary key whose token matches, None if unknown; expired ones raise."""
    issued = sessions(key) if sessions is not None else None
    if issued is None or not hmac.compare_digest(issued.session_token, token):
        return None
    if issued.expires_at <= now:
        raise ExpiredTokenException("The security token included in the request is expired")
    return issued.secret
