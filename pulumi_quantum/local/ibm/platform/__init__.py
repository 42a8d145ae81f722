"""The current IBM Quantum Platform on loopback, as qiskit-ibm-runtime 0.44 calls it.

Mounted by the legacy runtime's WSGI app (``..app``): :func:`handles` picks the requests
that belong here - by ``Host`` (``iam.*``, ``api.global-search-tagging.*``,
``globalcatalog.*``, reached through ``HTTP_PROXY``) or by path (``/identity/token``,
``/v3/resources/search``, ``/api/v1/...``) - and :class:`Platform` answers them.
"""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from ...faults import Faults
from ...store import Store
from ..accounts import Accounts
from ..errors import ApiError
from ..jobs import Jobs
from ..sessions import Sessions
from .api import PREFIX, PlatformApi
from .iam import Iam

__all__ = ["Platform", "handles"]


def _host(request: Request) -> str:
    return (request.host or "").split(":")[0].lower()


def handles(request: Request) -> bool:
    host = _host(request)
    return (
        request.method == "CONNECT"
        or host.startswith(("iam.", "api.global-search-tagging.", "globalcatalog."))
        or request.path in ("/identity/token", "/v3/resources/search")
        or request.path == PREFIX
        or request.path.startswith(PREFIX + "/")
    )


class Platform:
    def __init__(
        self,
        store: Store,
        accounts: Accounts,
        sessions: Sessions,
        jobs: Jobs,
        faults: Faults | None = None,
    ) -> None:
        knobs = faults or Faults()  # iam_token_ttl: IBM's 3600 unless a test shortens it
        self.iam = Iam(store, accounts, lambda: knobs.iam_token_ttl)
        self.api = PlatformApi(accounts, sessions, jobs)
        self._accounts = accounts

    def dispatch(self, request: Request) -> Response:
        host = _host(request)
        if request.method == "CONNECT":
            raise ApiError(
                403,
                f"the local quantum cloud does not tunnel to {request.path.lstrip('/') or host}:"
                " it answers IBM's host names over plain HTTP only",
            )
        if host.startswith("globalcatalog."):
            entry = request.path.rsplit("/", 1)[-1]
            self.api.caller(request)
            return self.iam.catalog_entry(entry)
        if request.path == "/identity/token" and request.method == "POST":
            return self.iam.token(request)
        if request.path == "/v3/resources/search" and request.method == "POST":
            return self.iam.search(self.api.caller(request))
        return self.api.dispatch(request)
