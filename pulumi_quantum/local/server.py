"""LocalCloud: starts and stops every service of the local quantum cloud on loopback.

One object owns the data directory (``state.sqlite3`` shared by all services), one werkzeug
threaded server per service, the Braket task runner, and crash recovery at start. Tests use it
in-process; ``python -m pulumi_quantum.local`` / ``pulumi-quantum local start`` wrap it in a daemon.

The IBM half lives in ``pulumi_quantum.local.ibm`` (``create_app`` + ``recover``); it is served
when that package is importable and skipped (with a log line) otherwise.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from .faults import Faults
from .store import Store

log = logging.getLogger(__name__)

DEFAULT_AWS_ACCESS_KEY_ID = "AKIALOCALQUANTUM0001"
DEFAULT_AWS_SECRET_ACCESS_KEY = "local-quantum-secret-key-0001"
DEFAULT_IBM_TOKENS = {
    "alice": ("local-ibm-token-alice", "local-hub/local-group/alice-project"),
    "bob": ("local-ibm-token-bob", "local-hub/local-group/bob-project"),
}
REGION = "us-east-1"
GATEWAY_TIME_LIMIT = 3600
GATEWAY_TIME_LIMIT_ENV = "PQ_LOCAL_GATEWAY_MAX_SECONDS"
"""Seconds a Qiskit Function job may run on the local gateway before it is killed."""


@dataclass
class LocalCredentials:
    """Credentials the local cloud accepts (documented defaults, fine for loopback only).

    ``aws`` maps access key id -> secret; the first pair is what ``client_env`` hands out.
    ``ibm_token`` / ``ibm_instance`` are what ``client_env`` hands out for IBM.
    """

    aws: dict[str, str] = field(
        default_factory=lambda: {DEFAULT_AWS_ACCESS_KEY_ID: DEFAULT_AWS_SECRET_ACCESS_KEY}
    )
    ibm_token: str = DEFAULT_IBM_TOKENS["alice"][0]
    ibm_instance: str = DEFAULT_IBM_TOKENS["alice"][1]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> LocalCredentials:
        """Override the defaults with ``PQ_LOCAL_AWS_ACCESS_KEY_ID`` /
        ``PQ_LOCAL_AWS_SECRET_ACCESS_KEY`` / ``PQ_LOCAL_IBM_TOKEN`` / ``PQ_LOCAL_IBM_INSTANCE``."""
        env = os.environ if environ is None else environ
        creds = cls()
        key, secret = (
            env.get("PQ_LOCAL_AWS_ACCESS_KEY_ID"),
            env.get("PQ_LOCAL_AWS_SECRET_ACCESS_KEY"),
        )
        if key and secret:
            creds.aws = {key: secret}
        creds.ibm_token = env.get("PQ_LOCAL_IBM_TOKEN", creds.ibm_token)
        creds.ibm_instance = env.get("PQ_LOCAL_IBM_INSTANCE", creds.ibm_instance)
        return creds

    def __repr__(self) -> str:  # never print secrets
        return f"LocalCredentials(aws_keys={sorted(self.aws)}, ibm_token=***)"


def _request_handler(base: type) -> type:
    """HTTP/1.1 keep-alive (clients reuse connections) and access logs at DEBUG, not stderr."""

    class Handler(base):  # type: ignore[misc, valid-type]
        protocol_version = "HTTP/1.1"

        def log_request(self, code: Any = "-", size: Any = "-") -> None:
            log.debug("%s %s %s", self.command, self.path, code)

    return Handler


class _Server:
    """A werkzeug threaded WSGI server on its own thread."""

    def __init__(
        self, name: str, host: str, port: int, app: Callable[..., Any], handler: type | None = None
    ) -> None:
        from werkzeug.serving import WSGIRequestHandler, make_server

        self.name = name
        self.httpd = make_server(
            host,
            port,
            app,
            threaded=True,
            request_handler=_request_handler(handler or WSGIRequestHandler),
        )
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, name=f"pq-local-{name}", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


class LocalCloud:
    """Braket + S3 (+ IBM when available) on 127.0.0.1, state under ``data_dir``."""

    def __init__(
        self,
        data_dir: str | Path,
        host: str = "127.0.0.1",
        braket_port: int = 0,
        s3_port: int = 0,
        ibm_port: int = 0,
        faults: Faults | None = None,
        credentials: LocalCredentials | None = None,
        workers: int = 2,
        sim_processes: int | None = None,
        ibm_proxy_port: int = 0,
        test_devices: bool | None = None,
        gateway_port: int = 0,
        job_workers: int = 2,
    ) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"host: the local cloud binds loopback only, not {host!r}")
        self.data_dir = Path(data_dir).expanduser()
        self.host = host
        self.ports = {
            "braket": braket_port,
            "s3": s3_port,
            "ibm": ibm_port,
            "gateway": gateway_port,
        }
        self.faults = faults or Faults()
        self.credentials = credentials or LocalCredentials()
        self.workers = workers
        # The OFFLINE/RETIRED test QPUs: an explicit option (None: $PQ_LOCAL_TEST_DEVICES).
        from .braket.devices import test_devices_from_env

        self.test_devices = test_devices_from_env() if test_devices is None else test_devices
        self.sim_processes = sim_processes
        self.store: Store | None = None
        self.s3: Any = None
        self.sts: Any = None
        self.braket: Any = None
        self.runner: Any = None
        self.ibm: Any = None
        self.ibm_proxy: Any = None
        self.gateway: Any = None
        self.ibm_proxy_port = ibm_proxy_port
        self.moto: Any = None
        self.job_runner: Any = None
        self.job_workers = job_workers
        self._servers: dict[str, _Server] = {}
        self.left_running = False
        """True after :meth:`stop` if work it could not interrupt is still running (an
        in-process simulation): the process should exit without waiting for it."""

    # -------------------------------------------------------------- lifecycle
    def start(self) -> LocalCloud:
        if self._servers:
            return self
        from .budget import validate_environment

        validate_environment()  # a mistyped PQ_LOCAL_MAX_* stops the start, not a later task
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = Store(
            self.data_dir / "state.sqlite3", read_only=lambda: self.faults.storage_read_only
        )
        try:
            self._start_sts()
            self._start_s3()
            self._start_braket()
            self._start_ibm()
        except BaseException:
            self.stop()
            raise
        self._write_client_file()
        log.info("local quantum cloud up: %s", self.endpoints)
        return self

    def _write_client_file(self) -> None:
        """``<data dir>/client.json``: the endpoints and this cloud's own keys, which a stack on
        the local target uses instead of any credential in the user's environment."""
        from . import clientfile
        from .ibm.accounts import DEFAULT_USERS

        key, secret = next(iter(self.credentials.aws.items()))
        alice = next(u for u in DEFAULT_USERS if u.name == "alice")
        clientfile.write(
            self.data_dir,
            {
                "endpoints": self.endpoints,
                "aws": {
                    "access_key_id": key,
                    "secret_access_key": secret,
                    "access_key_ids": sorted(self.credentials.aws),
                },
                "ibm": {
                    "token": self.credentials.ibm_token,
                    "instance": self.credentials.ibm_instance,
                    "api_key": alice.api_key,
                    "crn": alice.crns[0],
                    "tokens": sorted({u.token for u in DEFAULT_USERS}),
                    "api_keys": sorted({u.api_key for u in DEFAULT_USERS}),
                },
            },
        )

    def _start_sts(self) -> None:
        from .braket.models import ACCOUNT_ID
        from .sts import StsService

        self.sts = StsService(self.store, lambda: self.credentials.aws, ACCOUNT_ID)

    def _start_s3(self) -> None:
        from .s3 import S3Service

        self.s3 = S3Service(
            self.store, self.faults, lambda: self.credentials.aws, sessions=self.sts.lookup
        )
        buckets, objects = self.s3.restore()
        log.info("S3 restored %d bucket(s), %d object(s)", buckets, objects)
        from moto.moto_server.werkzeug_app import MotoRequestHandler

        self._serve("s3", self.s3.app, MotoRequestHandler)

    def _start_braket(self) -> None:
        from .braket.app import BraketApp
        from .braket.models import BraketBackend
        from .braket.runner import TaskRunner

        s3 = self.s3

        def write_result(bucket: str, key: str, body: bytes) -> None:
            s3.put_object(bucket, key, body, "application/json")

        # Braket and S3 share this process, so Braket reaches S3 in-process (same moto state,
        # same durable mirror) instead of over HTTP: ~3x cheaper per task.
        self.braket = BraketBackend(
            self.store, self.faults, s3.bucket_exists, region=REGION, test_devices=self.test_devices
        )
        self.runner = TaskRunner(
            self.braket, write_result, workers=self.workers, sim_processes=self.sim_processes
        )
        self.braket.submit = self.runner.submit
        self.braket.interrupt = self.runner.interrupt
        app = BraketApp(
            self.braket, self.faults, lambda: self.credentials.aws, self.runner, self.sts.lookup
        )
        app = self._start_jobs(app)
        from .sts import route

        self._serve("braket", route(self.sts, app))  # STS shares the Braket port
        for arn in self.braket.recover():
            self.braket.queue(arn)  # honours a reservation that has not started yet
        for arn in self.braket.jobs.recover():
            self.job_runner.submit(arn)

    def _start_jobs(self, braket_app: Callable[..., Any]) -> Callable[..., Any]:
        """Hybrid jobs: their backend and runner, and IAM / ECR / Logs on the Braket port."""
        from .braket.job_runner import JobRunner
        from .braket.jobs import JobsBackend
        from .braket.models import ACCOUNT_ID, params_hash
        from .moto_services import MotoServices, route

        self.moto = MotoServices(self.store, lambda: self.credentials.aws, self.sts.lookup, REGION)
        replayed = self.moto.restore()
        log.info("IAM/ECR/Logs seeded; %d job log event(s) restored", replayed)
        s3, braket = self.s3, self.braket

        def object_exists(bucket: str, key: str) -> bool:
            return s3.bucket_exists(bucket) and s3._backend().get_object(bucket, key) is not None

        braket.jobs = JobsBackend(
            self.store, ACCOUNT_ID, braket.bucket_ok, object_exists, params_hash, braket
        )
        self.job_runner = JobRunner(
            braket.jobs,
            s3,
            self.moto,
            self.data_dir / "braket_jobs",
            self.client_env,
            self.sts.role_credentials,
            workers=self.job_workers,
        )
        braket.jobs.submit = self.job_runner.submit
        return route(self.moto, braket_app)

    def _start_ibm(self) -> None:
        from .ibm import create_app, recover

        recover(self.store)
        self.ibm = create_app(self.store, self.faults, lambda: self.endpoints["ibm"])
        self._serve("ibm", self.ibm)
        # The current IBM Quantum Platform is reached by qiskit-ibm-runtime through a proxy.
        from .ibm.platform.proxy import PlatformProxy

        self.ibm_proxy = self._start_proxy(PlatformProxy)
        self._start_gateway()

    def _start_gateway(self) -> None:
        """Qiskit Functions (qiskit-serverless's gateway) on a port of its own: its ``/api/v1``
        paths collide with the platform API's. Same accounts as the IBM platform."""
        from .gateway import GatewayApp, recover

        recover(self.store)
        limit = int(os.environ.get(GATEWAY_TIME_LIMIT_ENV) or GATEWAY_TIME_LIMIT)
        self.gateway = GatewayApp(
            self.store,
            self.ibm.accounts,
            lambda: self.endpoints["gateway"],
            time_limit=limit,
            platform_env=self.platform_env,  # functions reach the local platform with it
        )
        # Like the proxy: keep the port this data dir used last, so exported
        # ENV_GATEWAY_PROVIDER_HOST stays valid across a restart; taken by someone else -> any.
        remembered = self.data_dir / "gateway-port"
        asked = self.ports["gateway"]
        if not asked:
            with contextlib.suppress(OSError, ValueError):
                self.ports["gateway"] = int(remembered.read_text())
        try:
            self._serve("gateway", self.gateway)
        except OSError:
            if asked:
                raise
            self.ports["gateway"] = 0
            self._serve("gateway", self.gateway)
        remembered.write_text(self.endpoints["gateway"].rsplit(":", 1)[1])

    def _start_proxy(self, proxy_class: Any) -> Any:
        """Start the platform proxy on the asked port, else on the one this data dir used last.

        A restart must keep ``HTTP_PROXY`` valid in the shells that exported it, as the other
        services keep their ports; a remembered port taken by someone else falls back to a free one.
        """
        remembered = self.data_dir / "ibm-platform-ca" / "proxy-port"
        port = self.ibm_proxy_port
        if not port:
            with contextlib.suppress(OSError, ValueError):
                port = int(remembered.read_text())
        target = lambda: self._servers["ibm"].url  # noqa: E731
        ca_dir = self.data_dir / "ibm-platform-ca"
        try:
            proxy = proxy_class(target, ca_dir, port).start()
        except OSError:
            if self.ibm_proxy_port:
                raise
            proxy = proxy_class(target, ca_dir, 0).start()
        remembered.write_text(proxy.url.rsplit(":", 1)[1])
        return proxy

    def _serve(self, name: str, app: Callable[..., Any], handler: type | None = None) -> None:
        from .limits import guard

        server = _Server(name, self.host, self.ports[name], guard(name, app), handler)
        self._servers[name] = server
        server.start()

    def stop(self) -> None:
        if self.ibm_proxy is not None:
            self.ibm_proxy.stop()
            self.ibm_proxy = None
        servers, self._servers = self._servers, {}
        for server in servers.values():
            server.stop()
        if self.job_runner is not None:
            self.job_runner.shutdown()
            self.job_runner = None
        if self.runner is not None:
            self.left_running = not self.runner.shutdown()
            self.runner = None
        if self.gateway is not None:
            self.gateway.close()  # kills running function processes
            self.gateway = None
        if self.ibm is not None:
            # Ends running IBM job processes now rather than at their time limit.
            close = getattr(self.ibm, "close", None)
            if close is not None:
                close()
            self.ibm = None
        if self.store is not None:
            self.store.close()

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ views
    @property
    def endpoints(self) -> dict[str, str]:
        urls = {name: server.url for name, server in self._servers.items()}
        if self.ibm_proxy is not None:
            urls["ibm-proxy"] = self.ibm_proxy.url
        return urls

    def platform_env(self, user: str = "alice") -> dict[str, str]:
        """What unmodified qiskit-ibm-runtime needs to use the local IBM Quantum Platform."""
        from .ibm.platform.env import platform_env

        return platform_env(self.endpoints, self.data_dir, user)

    def client_env(self) -> dict[str, str]:
        """Environment variables that point the vendors' unmodified clients here."""
        key, secret = next(iter(self.credentials.aws.items()))
        env = {
            "AWS_ACCESS_KEY_ID": key,
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
        }
        urls: Mapping[str, str] = self.endpoints
        if "braket" in urls:
            from .braket.offers import offers_url

            env["AWS_ENDPOINT_URL_BRAKET"] = urls["braket"]
            env["AWS_ENDPOINT_URL_STS"] = urls["braket"]  # the local STS shares the port
            for service in ("IAM", "ECR", "CLOUDWATCH_LOGS"):  # and hybrid jobs' IAM/ECR/Logs
                env[f"AWS_ENDPOINT_URL_{service}"] = urls["braket"]
            env["BRAKET_PRICE_OFFERS_URL"] = offers_url(urls["braket"])  # the SDK's Tracker
        if "s3" in urls:
            env["AWS_ENDPOINT_URL_S3"] = urls["s3"]
        if "ibm" in urls:
            env["QISKIT_IBM_URL"] = urls["ibm"]
        env["QISKIT_IBM_TOKEN"] = self.credentials.ibm_token
        env["QISKIT_IBM_INSTANCE"] = self.credentials.ibm_instance
        # Where a stack on the local target finds this cloud's endpoints and keys (client.json).
        env["PQ_LOCAL_DATA_DIR"] = str(self.data_dir)
        if "gateway" in urls:
            from .gateway.env import gateway_env

            env.update(gateway_env(urls["gateway"]))
        return env
