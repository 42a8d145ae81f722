"""A tiny server for the IBM half alone: the app over a tmp-dir Store, on a free loopback port.

Used by the ``test_ibm_*`` files so they do not depend on the rest of the local cloud; it
serves exactly what LocalCloud serves (``create_app`` behind werkzeug's threaded server).
``restart()`` stops the server and starts a new app over the same data directory, running
``recover`` first as LocalCloud does at start-up. ``tls=True`` serves HTTPS with a certificate
for 127.0.0.1 from a test CA (trustme) whose PEM is ``ca_file``: qiskit-ibmq-provider only
streams interim results when its runtime URL is ``https`` (it derives ``wss`` from it).
"""

from __future__ import annotations

import sqlite3
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from werkzeug.serving import make_server

from pulumi_quantum.local.faults import Faults
from pulumi_quantum.local.ibm import create_app, recover
from pulumi_quantum.local.store import Store

ALICE = ("local-ibm-token-alice", "local-hub/local-group/alice-project")
BOB = ("local-ibm-token-bob", "local-hub/local-group/bob-project")


class IbmServer:
    def __init__(self, data_dir: Path, tls: bool = False) -> None:
        self.data_dir = Path(data_dir)
        self.tls = tls
        self.ca_file: Path | None = None
        self.faults = Faults()
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.app: Any = None
        self.store: Store | None = None
        self.url = ""

    def start(self) -> IbmServer:
        db_path = self.data_dir / "state.sqlite3"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # As LocalCloud does: Store() asks for WAL inside a transaction, which SQLite refuses
        # on an existing non-WAL file (see the report on store.py); switching first makes it
        # a no-op.
        conn = sqlite3.connect(db_path, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.close()
        self.store = Store(db_path)
        self.recovered = recover(self.store)
        self.app = create_app(self.store, self.faults, lambda: self.url)
        self._server = make_server(
            "127.0.0.1", 0, self.app, threaded=True, ssl_context=self._ssl_context()
        )
        scheme = "https" if self.tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def _ssl_context(self) -> ssl.SSLContext | None:
        if not self.tls:
            return None
        import trustme

        ca = trustme.CA()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1").configure_cert(context)
        self.ca_file = self.data_dir / "test-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_file))
        return context

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self.app is not None:
            self.app.close()
            self.app = None

    def restart(self) -> IbmServer:
        self.stop()
        return self.start()

    # -- HTTP helpers for the protocol-level tests ------------------------------------------
    def login(self, api_token: str) -> requests.Session:
        response = requests.post(
            f"{self.url}/users/loginWithToken", json={"apiToken": api_token}, timeout=10
        )
        response.raise_for_status()
        session = requests.Session()
        session.headers["X-Access-Token"] = response.json()["id"]
        return session


def server_fixture(name: str) -> Any:
    """A module-scoped ``server`` fixture: an :class:`IbmServer` over a fresh data directory
    named ``name``, stopped after the module (``server = server_fixture("ibm-jobs")``)."""

    @pytest.fixture(scope="module")
    def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IbmServer]:
        srv = IbmServer(tmp_path_factory.mktemp(name)).start()
        yield srv
        srv.stop()

    return server
