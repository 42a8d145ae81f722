"""SigV4 verification for the local Braket.

The request is rebuilt from what arrived on the wire (raw path, query, the headers the client says
it signed, body) and signed again with botocore's own ``SigV4Auth`` using the secret configured for
the access key in the credential scope. A mismatch, a missing signature or an unknown key is an
AccessDeniedException, as on AWS. Secrets never appear in error messages.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from .exceptions import AccessDeniedException

_AUTH = re.compile(
    r"AWS4-HMAC-SHA256\s+Credential=(?P<key>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request,\s*SignedHeaders=(?P<signed>[^,\s]+),\s*"
    r"Signature=(?P<signature>[0-9a-f]{64})\s*\Z"
)
MAX_CLOCK_SKEW = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class Caller:
    access_key: str
    region: str


def verify_sigv4(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    secrets: Mapping[str, str],
    service: str = "braket",
) -> Caller:
    """Check the request's SigV4 signature; return who signed it or raise AccessDenied.

    ``url`` must carry the path exactly as sent (still percent-encoded) plus the query string.
    """
    lower = {k.lower(): v for k, v in headers.items()}
    authorization = lower.get("authorization")
    if not authorization:
        raise AccessDeniedException(
            "Missing Authentication Token: requests must be signed with AWS Signature Version 4"
        )
    m = _AUTH.match(authorization)
    if not m:
        raise AccessDeniedException("The Authorization header is not a valid SigV4 header")
    key = m["key"]
    secret = secrets.get(key)
    if secret is None:
        raise AccessDeniedException(
            f"The security token included in the request is invalid: unknown access key {key}"
        )
    if m["service"] != service:
        raise AccessDeniedException(
            f"Credential should be scoped to the correct service: '{service}', not '{m['service']}'"
        )
    amz_date = lower.get("x-amz-date", "")
    try:
        signed_at = dt.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        raise AccessDeniedException("X-Amz-Date header is missing or malformed") from None
    if abs(dt.datetime.now(dt.UTC) - signed_at) > MAX_CLOCK_SKEW:
        raise AccessDeniedException("Signature expired: X-Amz-Date is more than 15 minutes off")
    if not amz_date.startswith(m["date"]):
        raise AccessDeniedException("Credential scope date does not match X-Amz-Date")

    signed_names = m["signed"].split(";")
    missing = [n for n in signed_names if n not in lower]
    if missing:
        raise AccessDeniedException(f"Signed headers missing from the request: {missing}")
    request = AWSRequest(
        method=method, url=url, headers={n: lower[n] for n in signed_names}, data=body
    )
    request.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(key, secret), service, m["region"])
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, m["signature"]):
        raise AccessDeniedException(
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method."
        )
    return Caller(access_key=key, region=m["region"])
