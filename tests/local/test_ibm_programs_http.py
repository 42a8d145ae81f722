"""Every ``/programs`` endpoint and error code, over HTTP, including cross-user visibility.

Requests are shaped exactly as qiskit-ibmq-provider's runtime client sends them (base64
``data``, ``cost`` = max_execution_time, octet-stream PUT of new data).
"""

from __future__ import annotations

import base64
import hashlib

import pytest
import requests

from tests.local._ibm_server import ALICE, BOB, IbmServer, server_fixture

SOURCE = "def main(backend, user_messenger, **kwargs):\n    return kwargs\n"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


server = server_fixture("ibm-programs")


@pytest.fixture(scope="module")
def alice(server: IbmServer) -> requests.Session:
    return server.login(ALICE[0])


@pytest.fixture(scope="module")
def bob(server: IbmServer) -> requests.Session:
    return server.login(BOB[0])


def create(server: IbmServer, who: requests.Session, name: str, **extra: object) -> dict:
    body = {"name": name, "data": b64(SOURCE), "cost": 60, "description": "d", **extra}
    response = who.post(f"{server.url}/programs", json=body, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def test_create_get_and_list(server: IbmServer, alice: requests.Session) -> None:
    spec = {"parameters": {"type": "object"}, "backend_requirements": {"min_num_qubits": 2}}
    created = create(server, alice, "create-get", spec=spec)
    assert created["id"].startswith("create-get-")
    got = alice.get(f"{server.url}/programs/{created['id']}", timeout=10).json()
    assert got["name"] == "create-get" and got["cost"] == 60 and got["is_public"] is False
    assert got["spec"] == spec
    assert base64.b64decode(got["data"]).decode() == SOURCE
    assert got["data_sha256"] == hashlib.sha256(SOURCE.encode()).hexdigest()
    listed = alice.get(f"{server.url}/programs", timeout=10).json()
    assert created["id"] in [p["id"] for p in listed["programs"]]
    assert listed["count"] == len(listed["programs"])


def test_list_limit_and_offset(server: IbmServer, alice: requests.Session) -> None:
    for i in range(3):
        create(server, alice, f"page-{i}")
    everything = alice.get(f"{server.url}/programs", timeout=10).json()
    page = alice.get(f"{server.url}/programs", params={"limit": 2, "offset": 1}, timeout=10)
    assert page.status_code == 200
    assert [p["id"] for p in page.json()["programs"]] == [
        p["id"] for p in everything["programs"][1:3]
    ]
    assert page.json()["count"] == everything["count"]
    bad = alice.get(f"{server.url}/programs", params={"limit": "many"}, timeout=10)
    assert bad.status_code == 400 and "limit" in bad.json()["error"]["message"]


def test_duplicate_name_is_409_per_owner(
    server: IbmServer, alice: requests.Session, bob: requests.Session
) -> None:
    create(server, alice, "dup-name")
    again = alice.post(
        f"{server.url}/programs",
        json={"name": "dup-name", "data": b64(SOURCE), "cost": 5},
        timeout=10,
    )
    assert again.status_code == 409
    assert "dup-name" in again.json()["error"]["message"]
    create(server, bob, "dup-name")  # another owner may use the same name


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"data": b64(SOURCE), "cost": 5}, "name"),
        ({"name": "x", "cost": 5}, "data"),
        ({"name": "x", "data": b64(SOURCE)}, "cost"),
        ({"name": "x", "data": b64(SOURCE), "cost": 0}, "cost"),
        ({"name": "x", "data": b64(SOURCE), "cost": "60"}, "cost"),
        ({"name": "x", "data": "%%% not base64", "cost": 5}, "data"),
        ({"name": "x", "data": b64("def main(:\n"), "cost": 5}, "data"),
        ({"name": "x", "data": b64(SOURCE), "cost": 5, "is_public": "yes"}, "is_public"),
        ({"name": "x", "data": b64(SOURCE), "cost": 5, "colour": "red"}, "colour"),
    ],
)
def test_malformed_create_is_400_naming_the_field(
    server: IbmServer, alice: requests.Session, body: dict, field: str
) -> None:
    response = alice.post(f"{server.url}/programs", json=body, timeout=10)
    assert response.status_code == 400
    assert field in response.json()["error"]["message"]
    listed = alice.get(f"{server.url}/programs", params={"limit": 1000}, timeout=10).json()
    assert "x" not in [p["name"] for p in listed["programs"]]  # nothing was created


def test_body_that_is_not_json_is_400(server: IbmServer, alice: requests.Session) -> None:
    response = alice.post(f"{server.url}/programs", data=b"{not json", timeout=10)
    assert response.status_code == 400 and "JSON" in response.json()["error"]["message"]


def test_patch_updates_metadata(server: IbmServer, alice: requests.Session) -> None:
    program = create(server, alice, "patch-me")
    url = f"{server.url}/programs/{program['id']}"
    response = alice.patch(
        url, json={"name": "patched", "description": "new", "cost": 90, "spec": {"a": 1}}
    )
    assert response.status_code == 204
    got = alice.get(url, timeout=10).json()
    assert (got["name"], got["description"], got["cost"], got["spec"]) == (
        "patched",
        "new",
        90,
        {"a": 1},
    )
    assert got["update_date"] >= got["creation_date"]
    assert alice.patch(url, json={}, timeout=10).status_code == 400
    assert alice.patch(url, json={"cost": -1}, timeout=10).status_code == 400
    create(server, alice, "taken-name")
    assert alice.patch(url, json={"name": "taken-name"}, timeout=10).status_code == 409


def test_put_data_replaces_source(server: IbmServer, alice: requests.Session) -> None:
    program = create(server, alice, "new-data")
    url = f"{server.url}/programs/{program['id']}"
    new_source = "def main(backend, user_messenger):\n    return 42\n"
    response = alice.put(
        f"{url}/data",
        data=b64(new_source),
        headers={"Content-Type": "application/octet-stream"},
        timeout=10,
    )
    assert response.status_code == 204
    assert base64.b64decode(alice.get(url, timeout=10).json()["data"]).decode() == new_source
    bad = alice.put(f"{url}/data", data=b"!!!", timeout=10)
    assert bad.status_code == 400
    assert base64.b64decode(alice.get(url, timeout=10).json()["data"]).decode() == new_source


def test_private_programs_are_invisible_to_others(
    server: IbmServer, alice: requests.Session, bob: requests.Session
) -> None:
    program = create(server, alice, "secret-program")
    url = f"{server.url}/programs/{program['id']}"
    assert bob.get(url, timeout=10).status_code == 404
    assert bob.patch(url, json={"description": "x"}, timeout=10).status_code == 404
    assert bob.delete(url, timeout=10).status_code == 404
    listed = bob.get(f"{server.url}/programs", params={"limit": 1000}, timeout=10).json()
    assert program["id"] not in [p["id"] for p in listed["programs"]]


def test_public_programs_are_visible_but_not_writable(
    server: IbmServer, alice: requests.Session, bob: requests.Session
) -> None:
    program = create(server, alice, "shared-program")
    url = f"{server.url}/programs/{program['id']}"
    assert alice.put(f"{url}/public", timeout=10).status_code == 204
    seen = bob.get(url, timeout=10)
    assert seen.status_code == 200 and seen.json()["is_public"] is True
    assert "data" not in seen.json()  # only the owner gets the source back
    assert seen.json()["data_sha256"] == hashlib.sha256(SOURCE.encode()).hexdigest()
    listed = bob.get(f"{server.url}/programs", params={"limit": 1000}, timeout=10).json()
    assert program["id"] in [p["id"] for p in listed["programs"]]
    for response in (
        bob.patch(url, json={"description": "hijack"}, timeout=10),
        bob.put(f"{url}/data", data=b64(SOURCE), timeout=10),
        bob.put(f"{url}/private", timeout=10),
        bob.put(f"{url}/public", timeout=10),
        bob.delete(url, timeout=10),
    ):
        assert response.status_code == 403, response.request.method
    assert alice.get(url, timeout=10).json()["description"] == "d"
    assert alice.put(f"{url}/private", timeout=10).status_code == 204
    assert bob.get(url, timeout=10).status_code == 404


def test_delete_then_404(server: IbmServer, alice: requests.Session) -> None:
    program = create(server, alice, "delete-me")
    url = f"{server.url}/programs/{program['id']}"
    assert alice.delete(url, timeout=10).status_code == 204
    for response in (
        alice.get(url, timeout=10),
        alice.delete(url, timeout=10),
        alice.patch(url, json={"description": "x"}, timeout=10),
        alice.put(f"{url}/data", data=b64(SOURCE), timeout=10),
        alice.put(f"{url}/public", timeout=10),
        alice.put(f"{url}/private", timeout=10),
    ):
        assert response.status_code == 404
        assert "not found" in response.json()["error"]["message"]
    # the name is free again
    create(server, alice, "delete-me")


def test_requests_without_valid_token_are_401(server: IbmServer) -> None:
    assert requests.get(f"{server.url}/programs", timeout=10).status_code == 401
    response = requests.get(
        f"{server.url}/programs", headers={"X-Access-Token": "forged"}, timeout=10
    )
    assert response.status_code == 401
    login = requests.post(
        f"{server.url}/users/loginWithToken", json={"apiToken": "wrong"}, timeout=10
    )
    assert login.status_code == 401


def test_unknown_endpoint_and_method(server: IbmServer, alice: requests.Session) -> None:
    assert alice.get(f"{server.url}/nothing-here", timeout=10).status_code == 404
    response = alice.put(f"{server.url}/programs", json={}, timeout=10)
    assert response.status_code == 405
