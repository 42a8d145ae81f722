"""A loopback HTTP proxy through which unmodified qiskit-ibm-runtime reaches the local cloud.

qiskit-ibm-runtime 0.44 cannot be pointed at a ``host:port``: it derives every host from its
``url`` and drops the port (``iam.<host>``, ``api.global-search-tagging.<host>``,
``globalcatalog.<host>``, ``quantum.<host>``), and its per-request ``CloudAuth`` always asks
``https://iam.cloud.ibm.com`` for a token (hard-coded; on failure ``ibm_cloud_sdk_core``
paces retries to one per 60 s, so every request then waits a minute). Both go through the
standard ``HTTP_PROXY`` / ``HTTPS_PROXY`` settings of ``requests``, so the local cloud is a
proxy:

* plain ``http://`` requests (absolute-form) are relayed to the local IBM server, which
  routes them on ``Host`` and path (:mod:`pulumi_quantum.local.ibm.platform`);
* ``CONNECT`` is accepted only for IBM's IAM hosts: the tunnel is terminated with a
  certificate of a local CA (created once per data directory) and relayed the same way.
  Clients trust it through ``REQUESTS_CA_BUNDLE`` pointing at ``ca-bundle.pem`` (certifi's
  roots plus the local CA, so other HTTPS sites still verify). Any other ``CONNECT`` is
  refused: nothing leaves loopback.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import select
import socket
import socketserver
import ssl
import threading
from collections.abc import Callable
from pathlib import Path

IAM_HOSTS = ("iam.cloud.ibm.com", "iam.test.cloud.ibm.com", "private.iam.cloud.ibm.com")
_MAX_HEADER = 64 * 1024


def ensure_ca(directory: Path) -> tuple[Path, Path, Path]:
    """(CA bundle, server cert, server key) under ``directory``, created on first use."""
    directory.mkdir(parents=True, exist_ok=True)
    bundle, cert_path, key_path = (
        directory / "ca-bundle.pem",
        directory / "iam-cert.pem",
        directory / "iam-key.pem",
    )
    if bundle.exists() and cert_path.exists() and key_path.exists():
        return bundle, cert_path, key_path
    import certifi
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pulumi-quantum local CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, IAM_HOSTS[0])]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=825))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(h) for h in IAM_HOSTS]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    key_path.write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(pem))
    roots = Path(certifi.where()).read_bytes()
    bundle.write_bytes(roots.rstrip(b"\n") + b"\n" + ca_cert.public_bytes(pem))
    return bundle, cert_path, key_path


def _relay(a: socket.socket, b: socket.socket) -> None:
    """Copy bytes both ways until either side closes (TLS-aware: drains ``pending()``)."""
    sockets = [a, b]
    while True:
        ready = [s for s in sockets if isinstance(s, ssl.SSLSocket) and s.pending()]
        if not ready:
            ready, _, _ = select.select(sockets, [], [], 60)
            if not ready:
                return
        for src in ready:
            dst = b if src is a else a
            try:
                data = src.recv(65536)
            except (ssl.SSLWantReadError, BlockingIOError):
                continue
            except OSError:
                return
            if not data:
                return
            dst.sendall(data)


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        client: socket.socket = self.request
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = client.recv(65536)
            if not chunk or len(head) > _MAX_HEADER:
                return
            head += chunk
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = request_line.split()
        if len(parts) == 3 and parts[0].upper() == "CONNECT":
            self._connect(client, parts[1])
            return
        with contextlib.closing(self.server.open_target()) as upstream:
            upstream.sendall(head)
            _relay(client, upstream)

    def _connect(self, client: socket.socket, authority: str) -> None:
        host = authority.rsplit(":", 1)[0].lower()
        if host not in IAM_HOSTS:
            client.sendall(
                b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            return
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        try:
            tls = self.server.tls.wrap_socket(client, server_side=True)
        except (ssl.SSLError, OSError):
            return
        with contextlib.closing(tls), contextlib.closing(self.server.open_target()) as upstream:
            _relay(tls, upstream)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    open_target: Callable[[], socket.socket]
    tls: ssl.SSLContext


class PlatformProxy:
    """Start/stop the proxy on a loopback port; ``url`` and ``ca_bundle`` are what clients need."""

    def __init__(self, target: Callable[[], str], ca_dir: Path, port: int = 0) -> None:
        self._target = target
        self.ca_bundle, self._cert, self._key = ensure_ca(Path(ca_dir))
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def _open_target(self) -> socket.socket:
        url = self._target()
        hostport = url.split("://", 1)[-1].rstrip("/")
        host, port = hostport.rsplit(":", 1)
        if not ipaddress.ip_address(host).is_loopback:
            raise OSError(f"the platform proxy relays to loopback only, not {host}")
        return socket.create_connection((host, int(port)), timeout=600)

    def start(self) -> PlatformProxy:
        server = _Server(("127.0.0.1", self._port), _Handler)
        server.open_target = self._open_target
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(self._cert, self._key)
        server.tls = tls
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        assert self._server is not None, "proxy not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
