"""The current IBM Quantum Platform on loopback, as qiskit-ibm-runtime 0.44 calls it.

Served by the same WSGI app as the legacy runtime (``..app``): the one route table
(``..routes``) sends requests here by ``Host`` (``iam.*``, ``api.global-search-tagging.*``,
``globalcatalog.*``, reached through ``HTTP_PROXY``) or by path (``/identity/token``,
``/v3/resources/search``, ``/api/v1/...``), and :class:`Platform` answers them.
"""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from ...faults import Faults
from ...store import Store
from ..accounts import Accounts, IbmUser
from ..errors import ApiError
from ..jobs import Jobs
from ..routes import host_of
from ..sessions import Sessions
from .api import PlatformApi
from .iam import Iam
from .usage import InstanceUsage, default_limit

__all__ = ["Platform"]


class Platform:
    """The IBM Cloud side of the platform: IAM, Global Search, the Global Catalog and the
    ``/api/v1`` handlers (:attr:`api`); :mod:`..routes` says which request goes where."""

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
        usage = InstanceUsage(store, default_limit())  # PQ_IBM_INSTANCE_LIMIT, read at start
        self.api = PlatformApi(accounts, sessions, jobs, usage)
        self._accounts = accounts

    @staticmethod
    def refuse_tunnel(request: Request) -> ApiError:
        """The answer to ``CONNECT``: the local cloud speaks plain HTTP, it tunnels nowhere."""
        target = request.path.lstrip("/") or host_of(request)
        return ApiError(
            403,
            f"the local quantum cloud does not tunnel to {target}:"
            " it answers IBM's host names over plain HTTP only",
        )

    # -- handlers of the IAM and catalog routes -------------------------------------------
    def _iam_token(self, request: Request) -> Response:
        return self.iam.token(request)

    def _resources_search(self, request: Request, user: IbmUser) -> Response:
        return self.iam.search(user)

    def _catalog_entry(self, request: Request, user: IbmUser, entry: str) -> Response:
        return self.iam.catalog_entry(entry.rsplit("/", 1)[-1])
