"""The one route table of the local IBM server: every endpoint of every IBM API it speaks.

IBM's clients reach one local server for what IBM spreads over several services and hosts:
the legacy IBM Quantum runtime (``X-Access-Token``, hub/group/project instances, as
qiskit-ibm-provider and qiskit-ibmq-provider call it), the current IBM Quantum Platform
(``/api/v1``, IAM bearer or API key plus ``Service-CRN``, as qiskit-ibm-runtime calls it),
IBM Cloud IAM and Global Search, and the Global Catalog. Each row says, as data, which API
an endpoint belongs to and how its caller is authenticated; :class:`Router` builds werkzeug
``Map``s from the rows and the app (``..app``) dispatches from them. The handlers stay with
the code that owns them (``IbmRuntimeApp._<handler>`` for the admin and legacy APIs,
``PlatformApi._<handler>`` for the platform, ``Platform._<handler>`` for IAM and the catalog).

Hosts: qiskit-ibm-runtime derives ``iam.<host>``, ``api.global-search-tagging.<host>`` and
``globalcatalog.<host>`` from its URL and reaches them through ``HTTP_PROXY``; a request
under one of those host names is matched only against the APIs IBM serves there
(:data:`CLOUD_HOSTS`); any other host (the server's own address) serves :data:`LOCAL_APIS`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request

PREFIX = "/api/v1"
"""Path prefix of the IBM Quantum Platform's REST API."""


class Api(StrEnum):
    """The IBM API a route belongs to: which object owns its handler, and fault injection."""

    ADMIN = "admin"  # the local cloud's own /_local knobs: never fault-injected
    LEGACY = "legacy"  # IBM Quantum (legacy) runtime and auth, hub/group/project instances
    PLATFORM = "platform"  # IBM Quantum Platform /api/v1, CRN instances
    IAM = "iam"  # IBM Cloud IAM token exchange and Global Search
    CATALOG = "catalog"  # IBM Cloud Global Catalog (its own host only)


class Auth(StrEnum):
    """How the caller is authenticated before the handler runs (and what it is passed)."""

    NONE = "none"  # handler(request, **args)
    ACCESS_TOKEN = "access-token"  # X-Access-Token from /users/loginWithToken: (request, user)
    IAM = "iam"  # Authorization: Bearer <IAM token> | apikey <key>: (request, user)
    IAM_INSTANCE = "iam+crn"  # IAM plus IBM-API-Version and Service-CRN: (request, user, crn)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: str
    """Name of the handler method (``_<handler>``) on the object that owns ``api``."""
    api: Api
    auth: Auth
    websocket: bool = False


CLOUD_HOSTS: dict[str, tuple[Api, ...]] = {
    "iam.": (Api.IAM, Api.PLATFORM),
    "api.global-search-tagging.": (Api.IAM, Api.PLATFORM),
    "globalcatalog.": (Api.CATALOG,),
}
"""IBM Cloud host-name prefixes and the APIs served under them."""
LOCAL_APIS: tuple[Api, ...] = (Api.ADMIN, Api.LEGACY, Api.PLATFORM, Api.IAM)
"""The APIs served on the server's own address (any host not in :data:`CLOUD_HOSTS`)."""

_HGP = "/Network/<hub>/Groups/<group>/Projects/<project>"


def _legacy(method: str, path: str, handler: str, auth: Auth = Auth.ACCESS_TOKEN) -> Route:
    return Route(method, path, handler, Api.LEGACY, auth)


def _platform(method: str, path: str, handler: str) -> Route:
    return Route(method, PREFIX + path, handler, Api.PLATFORM, Auth.IAM_INSTANCE)


ROUTES: tuple[Route, ...] = (
    # -- the local cloud's admin endpoints -------------------------------------------------
    Route("GET", "/_local/faults", "faults_get", Api.ADMIN, Auth.NONE),
    Route("POST", "/_local/faults", "faults_set", Api.ADMIN, Auth.NONE),
    Route("GET", "/_local/health", "health", Api.ADMIN, Auth.NONE),
    # -- legacy IBM Quantum: auth, discovery, backends, programs, sessions, jobs ------------
    _legacy("GET", "/version", "version", Auth.NONE),
    _legacy("POST", "/users/loginWithToken", "login", Auth.NONE),
    _legacy("GET", "/users/me", "user_info"),
    _legacy("GET", "/Network", "network"),
    _legacy("POST", "/logout", "logout"),
    _legacy("GET", "/backends", "backends_list"),
    _legacy("GET", "/backends/<name>/configuration", "backend_configuration"),
    _legacy("GET", "/backends/<name>/properties", "backend_properties"),
    _legacy("GET", "/backends/<name>/defaults", "backend_defaults"),
    _legacy("GET", "/backends/<name>/status", "backend_status"),
    _legacy("GET", "/programs", "programs_list"),
    _legacy("POST", "/programs", "program_create"),
    _legacy("GET", "/programs/<pid>", "program_get"),
    _legacy("PATCH", "/programs/<pid>", "program_update"),
    _legacy("DELETE", "/programs/<pid>", "program_delete"),
    _legacy("PUT", "/programs/<pid>/data", "program_data"),
    _legacy("PUT", "/programs/<pid>/public", "program_public"),
    _legacy("PUT", "/programs/<pid>/private", "program_private"),
    _legacy("POST", "/sessions", "session_create"),
    _legacy("GET", "/sessions/<sid>", "session_get"),
    _legacy("PATCH", "/sessions/<sid>", "session_close"),
    _legacy("DELETE", "/sessions/<sid>/close", "session_cancel"),
    _legacy("POST", "/jobs", "job_create"),
    _legacy("GET", "/jobs", "jobs_list"),
    _legacy("GET", "/jobs/<jid>", "job_get"),
    _legacy("DELETE", "/jobs/<jid>", "job_delete"),
    _legacy("GET", "/jobs/<jid>/results", "job_results"),
    _legacy("GET", "/jobs/<jid>/interim_results", "job_interim"),
    _legacy("GET", "/jobs/<jid>/logs", "job_logs"),
    _legacy("GET", "/jobs/<jid>/metrics", "job_metrics"),
    _legacy("POST", "/jobs/<jid>/cancel", "job_cancel"),
    _legacy("PUT", "/jobs/<jid>/tags", "job_tags"),
    _legacy("GET", "/facade/v1/jobs/<jid>/type", "job_type"),
    # qiskit-ibmq-provider 0.20 (the seed's client): per-instance backend discovery of IBM
    # Quantum Experience, and interim results streamed over a WebSocket.
    _legacy("GET", f"{_HGP}/devices/v/1", "hgp_devices"),
    _legacy("GET", f"{_HGP}/devices/<name>/properties", "hgp_properties"),
    _legacy("GET", f"{_HGP}/devices/<name>/defaults", "hgp_defaults"),
    _legacy("GET", f"{_HGP}/devices/<name>/queue/status", "hgp_status"),
    _legacy("GET", f"{_HGP}/devices/<name>/jobsLimit", "hgp_jobs_limit"),
    Route("GET", "/stream/jobs/<jid>", "job_stream", Api.LEGACY, Auth.ACCESS_TOKEN, True),
    # -- IBM Cloud IAM, Global Search and Global Catalog -----------------------------------
    Route("POST", "/identity/token", "iam_token", Api.IAM, Auth.NONE),
    Route("POST", "/v3/resources/search", "resources_search", Api.IAM, Auth.IAM),
    Route("GET", "/<path:entry>", "catalog_entry", Api.CATALOG, Auth.IAM),
    # -- IBM Quantum Platform /api/v1 -----------------------------------------------------
    Route("GET", PREFIX + "/versions", "versions", Api.PLATFORM, Auth.NONE),  # public at IBM
    _platform("GET", "/backends", "backends_list"),
    _platform("GET", "/backends/<name>/configuration", "backend_configuration"),
    _platform("GET", "/backends/<name>/properties", "backend_properties"),
    _platform("GET", "/backends/<name>/status", "backend_status"),
    _platform("GET", "/backends/<name>/defaults", "backend_defaults"),
    _platform("GET", "/instance", "instance"),
    _platform("GET", "/instances/configuration", "instance_configuration_get"),
    _platform("PUT", "/instances/configuration", "instance_configuration_put"),
    _platform("GET", "/instances/usage", "usage"),
    _platform("POST", "/sessions", "session_create"),
    _platform("GET", "/sessions/<sid>", "session_get"),
    _platform("PATCH", "/sessions/<sid>", "session_close"),
    _platform("DELETE", "/sessions/<sid>/close", "session_cancel"),
    _platform("POST", "/jobs", "job_create"),
    _platform("GET", "/jobs", "jobs_list"),
    _platform("GET", "/jobs/<jid>", "job_get"),
    _platform("DELETE", "/jobs/<jid>", "job_delete"),
    _platform("GET", "/jobs/<jid>/results", "job_results"),
    _platform("GET", "/jobs/<jid>/logs", "job_logs"),
    _platform("GET", "/jobs/<jid>/metrics", "job_metrics"),
    _platform("POST", "/jobs/<jid>/cancel", "job_cancel"),
    _platform("PUT", "/jobs/<jid>/tags", "job_tags"),
)


def host_of(request: Request) -> str:
    """The request's host name, lower-case, without the port."""
    return (request.host or "").split(":")[0].lower()


def apis_for_host(host: str) -> tuple[Api, ...]:
    """The APIs answered under ``host``: an IBM Cloud host's own, else the local ones."""
    for prefix, apis in CLOUD_HOSTS.items():
        if host.startswith(prefix):
            return apis
    return LOCAL_APIS


class Router:
    """werkzeug ``Map``s built from :data:`ROUTES`, one per set of APIs a host answers."""

    def __init__(self, routes: Iterable[Route] = ROUTES) -> None:
        self.routes = tuple(routes)
        self._maps: dict[tuple[Api, ...], Map] = {}
        for apis in {*CLOUD_HOSTS.values(), LOCAL_APIS}:
            self._maps[apis] = Map(
                [
                    Rule(r.path, methods=[r.method], endpoint=r, websocket=r.websocket)
                    for r in self.routes
                    if r.api in apis
                ],
                strict_slashes=False,
            )

    def match(self, request: Request) -> tuple[Route, dict[str, Any]]:
        """The route and its path arguments; werkzeug's ``NotFound``, ``MethodNotAllowed``
        or ``WebsocketMismatch`` otherwise (the app turns them into IBM-style errors)."""
        adapter = self._maps[apis_for_host(host_of(request))].bind_to_environ(request.environ)
        route, args = adapter.match()
        return route, args
