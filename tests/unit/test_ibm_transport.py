"""Both IBM clients send through one transport module and borrow nothing private.

``clients/ibm_http.py`` owns the ``requests`` session, urllib3 ``Retry``, the error mapping and
redaction; the legacy runtime client and the platform client each build an ``IBMTransport``
and import only public names - neither reaches into the other's module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CLIENTS = Path(__file__).resolve().parents[2] / "pulumi_quantum" / "clients"
IBM_CLIENTS = ("ibm_runtime.py", "ibm_platform.py")


def _imports(path: Path) -> list[ast.ImportFrom]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]


@pytest.mark.parametrize("name", IBM_CLIENTS)
def test_each_ibm_client_imports_no_private_name(name: str) -> None:
    private = [
        f"{node.module}.{alias.name}"
        for node in _imports(CLIENTS / name)
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__")
    ]
    assert private == []


@pytest.mark.parametrize("name", IBM_CLIENTS)
def test_each_ibm_client_uses_the_shared_transport(name: str) -> None:
    source = (CLIENTS / name).read_text(encoding="utf-8")
    transport_imports = [
        alias.name
        for node in _imports(CLIENTS / name)
        if node.module == "ibm_http" and node.level == 1
        for alias in node.names
    ]
    assert "IBMTransport" in transport_imports
    # the session, Retry and the error mapping live in ibm_http only
    assert "requests.Session(" not in source and "HTTPAdapter" not in source
    assert "def _error(" not in source and "def make_retry(" not in source


def test_the_platform_client_does_not_borrow_from_the_legacy_client() -> None:
    assert not [n for n in _imports(CLIENTS / "ibm_platform.py") if n.module == "ibm_runtime"]


def test_one_error_mapping_for_both_clients() -> None:
    """The same HTTP answer becomes the same typed error, secrets redacted, in both clients."""
    import requests

    from pulumi_quantum.clients.ibm_http import (
        ConflictError,
        NotAuthorizedError,
        ServerError,
        ThrottledError,
    )
    from pulumi_quantum.clients.ibm_platform import IBMPlatformClient
    from pulumi_quantum.clients.ibm_runtime import DuplicateProgramError, IBMRuntimeClient

    legacy = IBMRuntimeClient("http://127.0.0.1:9", "legacy-token-123456")
    current = IBMPlatformClient(
        "http://127.0.0.1:9/api/v1", "platform-key-123456", "crn:v1:a:b:c:d:e:f::", iam_url="x"
    )
    for status, kind in (
        (403, NotAuthorizedError),
        (409, ConflictError),
        (429, ThrottledError),
        (503, ServerError),
    ):
        for client, secret in ((legacy, "legacy-token-123456"), (current, "platform-key-123456")):
            response = requests.Response()
            response.status_code = status
            response._content = f'{{"error": {{"message": "echo {secret}"}}}}'.encode()
            error = client.transport.error(response, "read x")
            assert type(error) is kind and error.status == status
            assert secret not in str(error) and "***" in str(error)
    assert DuplicateProgramError is ConflictError  # what the provider catches on a taken name
    legacy.close()
    current.close()
