"""Fixtures for tests that drive vendor clients living in their own virtualenvs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.clients.venvs import ClientVenv, ensure_venv
from tests.local._ibm_server import IbmServer


@pytest.fixture(scope="session")
def ibmq_provider_venv() -> ClientVenv:
    """qiskit-ibmq-provider 0.20.2 + qiskit-terra 0.23 (tests/clients/ibmq-provider.txt),
    built by scripts/bootstrap into ~/.cache/pulumi-quantum/client-venvs/ (installing is not
    a test's job: it would reach the package registry)."""
    return ensure_venv("ibmq-provider.txt", build=False)


@pytest.fixture(scope="module")
def ibm_tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IbmServer]:
    """The local IBM runtime over HTTPS on 127.0.0.1 (the 0.20 client streams interim
    results over ``wss``, which it derives from an ``https`` runtime URL only)."""
    server = IbmServer(tmp_path_factory.mktemp("ibm-seed-client"), tls=True).start()
    yield server
    server.stop()
