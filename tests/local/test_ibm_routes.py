"""The local IBM server's one route table: every API's endpoints are rows of it, the server is
built from it, and a host name answers only the APIs IBM serves under it."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from pulumi_quantum.local.ibm import app as ibm_app
from pulumi_quantum.local.ibm import routes
from pulumi_quantum.local.ibm.routes import ROUTES, Api, Auth, Router
from tests.local._ibm_server import IbmServer, server_fixture

server = server_fixture("ibm-routes")


def _request(
    method: str, path: str, host: str = "127.0.0.1:8080", websocket: bool = False
) -> Request:
    headers = {"Host": host}
    if websocket:
        headers.update(Upgrade="websocket", Connection="Upgrade")
    return Request(EnvironBuilder(method=method, path=path, headers=headers).get_environ())


def _example(path: str) -> str:
    return path.replace("<path:entry>", "api/v1/plan").replace("<", "").replace(">", "")


def test_both_ibm_apis_are_rows_of_the_one_table() -> None:
    apis = {route.api for route in ROUTES}
    assert apis == set(Api)
    legacy = {(r.method, r.path) for r in ROUTES if r.api is Api.LEGACY}
    platform = {(r.method, r.path) for r in ROUTES if r.api is Api.PLATFORM}
    assert ("GET", "/users/me") in legacy and ("POST", "/programs") in legacy
    assert ("POST", "/api/v1/jobs") in platform and ("GET", "/api/v1/instances/usage") in platform
    # Every platform route needs IAM and an instance, but /versions, which IBM serves publicly.
    public = {r.path for r in ROUTES if r.api is Api.PLATFORM and r.auth is not Auth.IAM_INSTANCE}
    assert public == {"/api/v1/versions"}
    assert len({(r.method, r.path, r.api) for r in ROUTES}) == len(ROUTES)  # no duplicate rows


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.api}:{r.method}:{r.path}")
def test_every_row_matches_itself_under_a_host_that_serves_its_api(route: routes.Route) -> None:
    router = Router()
    host = next(
        (f"{prefix}cloud.ibm.com" for prefix, apis in routes.CLOUD_HOSTS.items()
         if route.api in apis and route.api not in routes.LOCAL_APIS),
        "127.0.0.1:8080",
    )  # fmt: skip
    matched, _args = router.match(
        _request(route.method, _example(route.path), host, route.websocket)
    )
    assert matched == route


def test_a_cloud_host_answers_only_its_own_apis() -> None:
    from werkzeug.exceptions import NotFound

    router = Router()
    with pytest.raises(NotFound):  # the legacy runtime is not served under IAM's host name
        router.match(_request("GET", "/users/me", "iam.cloud.ibm.com"))
    route, _ = router.match(_request("GET", "/api/v1/jobs", "iam.cloud.ibm.com"))
    assert route.api is Api.PLATFORM
    route, args = router.match(_request("GET", "/api/v1/plan-1", "globalcatalog.cloud.ibm.com"))
    assert (route.api, args) == (Api.CATALOG, {"entry": "api/v1/plan-1"})
    with pytest.raises(NotFound):  # ...and the catalog only under its own
        router.match(_request("GET", "/api/v1/plan-1", "127.0.0.1:8080"))


def test_the_server_has_a_handler_for_every_row(server: IbmServer) -> None:
    assert server.app is not None
    handlers = server.app._handlers
    assert set(handlers) == set(ROUTES)
    assert all(callable(h) for h in handlers.values())


def test_a_row_without_a_handler_fails_at_start(tmp_path: Path, monkeypatch) -> None:
    bogus = routes.Route("GET", "/nowhere", "no_such_handler", Api.LEGACY, Auth.ACCESS_TOKEN)
    monkeypatch.setattr(ibm_app, "Router", lambda: Router((*ROUTES, bogus)))
    with pytest.raises(AttributeError, match="_no_such_handler"):
        IbmServer(tmp_path).start()


def test_hosts_route_over_http_as_ibm_serves_them(server: IbmServer) -> None:
    key = {"Authorization": "apikey local-ibm-apikey-alice"}
    catalog = requests.get(
        f"{server.url}/api/v1/local-quantum-plan",
        headers={**key, "Host": "globalcatalog.cloud.ibm.com"},
        timeout=30,
    )
    assert catalog.status_code == 200 and catalog.json()["id"] == "local-quantum-plan"
    me = requests.get(f"{server.url}/users/me", headers={"Host": "iam.cloud.ibm.com"}, timeout=30)
    assert me.status_code == 404 and "no such endpoint" in me.text
    token = requests.post(
        f"{server.url}/identity/token",
        data={"grant_type": "urn:ibm:params:oauth:grant-type:apikey", "apikey": "nope"},
        timeout=30,
    )
    assert token.status_code == 400  # IAM's own answer to an unknown key, on any host
