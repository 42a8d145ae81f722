"""IBM Cloud IAM and instance discovery, as qiskit-ibm-runtime 0.44 calls them.

* ``POST /identity/token`` (``grant_type=urn:ibm:params:oauth:grant-type:apikey``,
  ``apikey=...``, form-encoded) answers an IAM access token, as ``ibm_cloud_sdk_core``'s
  ``IAMTokenManager`` requests it. The token is a JWT because the SDK decodes it (without
  verifying) to learn its expiry; the server keeps only its SHA-256, in the same table as the
  legacy access tokens, so it survives a restart and is never stored in clear.
* ``POST /v3/resources/search`` (IBM Cloud Global Search) and ``GET /api/v1/{plan id}``
  (Global Catalog): ``QiskitRuntimeService.__init__`` lists the caller's instances through
  them (``Account.list_instances``) and refuses a CRN that is not among them.

qiskit-ibm-runtime derives these hosts from its ``url`` (``iam.<host>``,
``api.global-search-tagging.<host>``, ``globalcatalog.<host>``, ``quantum.<host>``) and drops
the port, so a client reaches the local cloud through ``HTTP_PROXY`` pointed at it; the app
routes on the ``Host`` header. The per-request token of ``CloudAuth`` always goes to
``https://iam.cloud.ibm.com`` (hard-coded in 0.44); a ``CONNECT`` for it is refused here,
and the client then falls back to ``Authorization: apikey <key>``, which the API accepts.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from werkzeug.wrappers import Request, Response

from ...store import Store
from .. import db
from ..accounts import Accounts, IbmUser
from ..errors import ApiError

TOKEN_TTL = 3600
"""Seconds an IAM access token is valid (IBM's is one hour); the ``iam_token_ttl`` fault knob
shortens it for tests. The API refuses a token past its ``exp`` (401), as IBM's does, and the
client then fetches a new one with its API key (``ibm_cloud_sdk_core``'s refresh)."""
APIKEY_GRANT = "urn:ibm:params:oauth:grant-type:apikey"
PLAN_ID = "local-quantum-plan"


def _b64(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _jwt(claims: dict[str, Any]) -> str:
    """An unsigned-looking JWT (HS256 over a random key): the client only decodes it."""
    import hmac

    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64(json.dumps(claims).encode())
    signing_input = f"{header}.{payload}".encode()
    signature = hmac.new(secrets.token_bytes(32), signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def _iam_error(status: int, code: str, message: str) -> ApiError:
    return ApiError(status, message, code=code, name=code)


class Iam:
    def __init__(
        self, store: Store, accounts: Accounts, ttl: Callable[[], int] = lambda: TOKEN_TTL
    ) -> None:
        self._store = store
        self._accounts = accounts
        self._ttl = ttl

    def token(self, request: Request) -> Response:
        form = parse_qs(request.get_data(as_text=True))
        grant = (form.get("grant_type") or [""])[0]
        if grant != APIKEY_GRANT:
            raise _iam_error(
                400, "BXNIM0109E", f"grant_type must be {APIKEY_GRANT!r}, got {grant!r}"
            )
        api_key = (form.get("apikey") or [""])[0]
        user = self._accounts.user_for_api_key(api_key) if api_key else None
        if user is None:
            raise _iam_error(400, "BXNIM0415E", "Provided API key could not be found.")
        now, ttl = int(db.now()), self._ttl()
        token = _jwt(
            {
                "iam_id": f"IBMid-local-{user.name}",
                "sub": user.name,
                "iat": now,
                "exp": now + ttl,
                "jti": secrets.token_hex(8),
            }
        )
        self._accounts.issue_iam_token(user, token, now + ttl)
        body = {
            "access_token": token,
            "refresh_token": "not_supported",
            "token_type": "Bearer",
            "expires_in": ttl,
            "expiration": now + ttl,
            "scope": "ibm openid",
        }
        return Response(json.dumps(body), mimetype="application/json")

    @staticmethod
    def instances(user: IbmUser) -> list[dict[str, Any]]:
        return [
            {
                "crn": crn,
                "name": crn.split(":")[7] or f"{user.name}-instance",
                "service_plan_unique_id": PLAN_ID,
                "tags": [],
                "doc": {"extensions": {"local": {"backends": "all"}}},
            }
            for crn in user.crns
        ]

    def search(self, user: IbmUser) -> Response:
        """Global Search: the caller's quantum-computing instances (one page)."""
        items = self.instances(user)
        return Response(
            json.dumps({"items": items, "limit": 100, "search_cursor": None}),
            mimetype="application/json",
        )

    @staticmethod
    def catalog_entry(entry_id: str) -> Response:
        if entry_id != PLAN_ID:
            raise ApiError(404, f"catalog entry {entry_id!r} not found")
        body = {
            "id": PLAN_ID,
            "name": "open",
            "overview_ui": {"en": {"display_name": "Open"}},
            "metadata": {"pricing": {"type": "free"}},
        }
        return Response(json.dumps(body), mimetype="application/json")
