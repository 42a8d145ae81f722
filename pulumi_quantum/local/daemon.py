"""The local cloud as a background daemon: ``serve`` (foreground), ``start``, ``stop``, ``status``.

Files under the data directory (default ``~/.local/share/pulumi-quantum/cloud``, or ``--data-dir`` /
``PQ_LOCAL_DATA_DIR``):

* ``state.sqlite3`` - all state (tasks, tags, spending limits, S3 objects, IBM programs/jobs)
* ``local.pid``     - pid of the running server (written by ``serve``, removed on clean exit)
* ``endpoints.json``- pid + service URLs, written once every service answers
* ``local.log``     - the daemon's log

``start`` spawns ``python -m pulumi_quantum.local serve`` in its own session and waits until the
health endpoints answer, so "started" means "usable".
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from . import clientfile

DEFAULT_PORTS = clientfile.DEFAULT_PORTS
PIDFILE, ENDPOINTS, LOGFILE = "local.pid", "endpoints.json", "local.log"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
"""Seconds ``stop`` waits after SIGTERM before it SIGKILLs the daemon's process group (a daemon
that cannot act on SIGTERM: frozen, or stuck in native code). Twice ``STOP_GRACE``."""
STOP_GRACE = 5.0
"""Seconds ``serve`` gives the services to stop cleanly on SIGTERM before it exits regardless.

Every state change is an SQLite transaction and the next start recovers unfinished tasks, so an
exit that does not wait (e.g. for an in-process simulation, which cannot be interrupted) loses
nothing; waiting would make ``local stop`` depend on how long a simulation runs.
"""


def default_data_dir() -> Path:
    return clientfile.default_data_dir()


def ports_of(args: argparse.Namespace) -> dict[str, int]:
    """``--<service>-port``, else ``PQ_LOCAL_<SERVICE>_PORT``, else the default port.

    Raises ValueError naming the variable when one is not a port number.
    """
    given = {name: getattr(args, f"{name}_port", None) for name in DEFAULT_PORTS}
    return {
        name: port if port is not None else clientfile.port_from_env(name)
        for name, port in given.items()
    }


def data_dir_of(args: argparse.Namespace) -> Path:
    return Path(args.data_dir).expanduser() if args.data_dir else default_data_dir()


def _pid_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie (exited, not yet reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def read_endpoints(data_dir: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads((data_dir / ENDPOINTS).read_text())
    except (OSError, ValueError):
        return None
    return doc if _pid_alive(int(doc.get("pid", -1))) else None


def health(endpoints: dict[str, str], timeout: float = 2.0) -> dict[str, str]:
    """GET /_local/health of every service: name -> "ok" or the error."""
    report = {}
    for name, url in endpoints.items():
        try:
            with urllib.request.urlopen(f"{url}/_local/health", timeout=timeout) as r:
                report[name] = "ok" if r.status == 200 else f"HTTP {r.status}"
        except urllib.error.HTTPError as exc:  # a service that answers but reports problems
            report[name] = f"unhealthy: {_problems(exc)}"
        except OSError as exc:
            report[name] = f"unreachable ({exc})"
    return report


def _problems(error: urllib.error.HTTPError) -> str:
    try:
        doc = json.loads(error.read() or b"{}")
    except ValueError:
        doc = {}
    problems = doc.get("problems") if isinstance(doc, dict) else None
    return "; ".join(problems) if problems else f"HTTP {error.code}"


AWS_EXPORTS = (
    "AWS_ENDPOINT_URL_BRAKET",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL_IAM",
    "AWS_ENDPOINT_URL_ECR",
    "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_DEFAULT_REGION",
    "BRAKET_PRICE_OFFERS_URL",  # the local offer file, for the Braket SDK's Tracker
    "PQ_LOCAL_DATA_DIR",
)
LEGACY_IBM_EXPORTS = ("QISKIT_IBM_URL", "QISKIT_IBM_TOKEN", "QISKIT_IBM_INSTANCE")
GATEWAY_EXPORTS = (  # qiskit-serverless (Qiskit Functions)
    "ENV_GATEWAY_PROVIDER_HOST",
    "ENV_GATEWAY_PROVIDER_TOKEN",
    "QISKIT_SERVERLESS_INSTANCE",
)


def exports(
    endpoints: dict[str, str],
    env: dict[str, str],
    data_dir: Path | None = None,
    *,
    ibm_legacy: bool = False,
) -> list[str]:
    """The ``export`` lines that point the vendors' clients at this cloud.

    IBM: today's IBM Quantum Platform (qiskit-ibm-runtime: API key, CRN, the proxy, the CA
    bundle) by default; the retired Classic runtime's variables (qiskit-ibm-provider's token,
    URL and hub/group/project) only with ``ibm_legacy`` (``--ibm-legacy``). Both set
    ``QISKIT_IBM_*``, so one shell gets one of them.
    """
    lines = [f"export {k}={shlex.quote(env[k])}" for k in AWS_EXPORTS if k in env]
    if "gateway" in endpoints:
        lines += [f"export {k}={shlex.quote(env[k])}" for k in GATEWAY_EXPORTS if k in env]
    if "ibm" not in endpoints:
        return lines
    if ibm_legacy:
        ibm = {k: env[k] for k in LEGACY_IBM_EXPORTS if k in env}
    else:
        from .ibm.platform.env import platform_env

        ibm = platform_env(endpoints, data_dir)
    return lines + [f"export {k}={shlex.quote(v)}" for k, v in ibm.items()]


def _faults(args: argparse.Namespace) -> Any:
    from .faults import Faults

    faults = Faults.from_env()
    for knob in ("throttle_rate", "latency_ms", "max_concurrent_tasks", "error_rate"):
        value = getattr(args, knob, None)
        if value is not None:
            setattr(faults, knob, value)
    return faults


def _client_env_for(endpoints: dict[str, str], data_dir: Path | None = None) -> dict[str, str]:
    from .server import LocalCloud, LocalCredentials

    # Not started: only used to render the client env for these endpoints and the running
    # cloud's own keys (its client.json), which may differ from this process's environment.
    credentials = LocalCredentials.from_env()
    state = clientfile.read(data_dir) if data_dir is not None else None
    if state:
        aws, ibm = state.get("aws") or {}, state.get("ibm") or {}
        if aws.get("access_key_id") and aws.get("secret_access_key"):
            credentials.aws = {aws["access_key_id"]: aws["secret_access_key"]}
        credentials.ibm_token = ibm.get("token") or credentials.ibm_token
        credentials.ibm_instance = ibm.get("instance") or credentials.ibm_instance
    cloud = LocalCloud(data_dir or ".", credentials=credentials)
    env = cloud.client_env()
    mapping = {
        "braket": "AWS_ENDPOINT_URL_BRAKET",
        "s3": "AWS_ENDPOINT_URL_S3",
        "ibm": "QISKIT_IBM_URL",
    }
    env.update({mapping[k]: v for k, v in endpoints.items() if k in mapping})
    if "braket" in endpoints:
        from .braket.offers import offers_url

        env["AWS_ENDPOINT_URL_STS"] = endpoints["braket"]  # the local STS shares the port
        env["BRAKET_PRICE_OFFERS_URL"] = offers_url(endpoints["braket"])
        for service in ("IAM", "ECR", "CLOUDWATCH_LOGS"):  # and hybrid jobs' IAM, ECR and Logs
            env[f"AWS_ENDPOINT_URL_{service}"] = endpoints["braket"]
    if "gateway" in endpoints:
        from .gateway.env import gateway_env

        env.update(gateway_env(endpoints["gateway"]))
    return env


def serve(args: argparse.Namespace) -> int:
    """Run in the foreground until SIGTERM/SIGINT."""
    from .server import DEFAULT_IBM_TOKENS, LocalCloud, LocalCredentials

    data_dir = data_dir_of(args)
    try:
        ports = ports_of(args)
    except ValueError as exc:
        print(f"pulumi-quantum local serve: {exc}", file=sys.stderr)
        return 2
    data_dir.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from . import logredact

    credentials = LocalCredentials.from_env()
    tokens = [token for token, _instance in DEFAULT_IBM_TOKENS.values()]
    logredact.install([*credentials.aws.values(), credentials.ibm_token, *tokens])
    cloud = LocalCloud(
        data_dir,
        braket_port=ports["braket"],
        s3_port=ports["s3"],
        ibm_port=ports["ibm"],
        gateway_port=getattr(args, "gateway_port", 0),
        faults=_faults(args),
        workers=args.workers,
        sim_processes=args.sim_processes,
        credentials=credentials,
        test_devices=getattr(args, "test_devices", None),
    )
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    cloud.start()
    pidfile, endpoints_file = data_dir / PIDFILE, data_dir / ENDPOINTS
    pidfile.write_text(str(os.getpid()))
    tmp = endpoints_file.with_suffix(".tmp")
    tmp.write_text(json.dumps({"pid": os.getpid(), "endpoints": cloud.endpoints}))
    tmp.replace(endpoints_file)
    print(json.dumps({"pid": os.getpid(), "endpoints": cloud.endpoints}), flush=True)
    try:
        stop.wait()
    finally:
        clean = _stop_within(cloud, STOP_GRACE)
        for path in (endpoints_file, pidfile):
            path.unlink(missing_ok=True)
        logging.getLogger(__name__).info("local quantum cloud stopped")
    if not clean:
        logging.shutdown()
        os._exit(0)  # threads still busy (an in-process simulation): do not wait for them
    return 0


def _stop_within(cloud: Any, seconds: float) -> bool:
    """Stop ``cloud``, waiting at most ``seconds``; True if it stopped and left nothing running.

    Work still running afterwards is work that cannot be interrupted (an in-process simulation,
    whose task thread ``concurrent.futures`` would join at interpreter exit): the caller then
    exits without waiting for it.
    """
    stopper = threading.Thread(target=cloud.stop, name="pq-local-stop", daemon=True)
    stopper.start()
    stopper.join(seconds)
    if stopper.is_alive():
        logging.getLogger(__name__).warning("services did not stop within %.0fs; exiting", seconds)
        return False
    if cloud.left_running:
        logging.getLogger(__name__).warning("exiting without waiting for running simulations")
    return not cloud.left_running


def start(args: argparse.Namespace) -> int:
    data_dir = data_dir_of(args)
    legacy = getattr(args, "ibm_legacy", False)
    try:
        ports = ports_of(args)
    except ValueError as exc:
        print(f"pulumi-quantum local start: {exc}", file=sys.stderr)
        return 2
    running = read_endpoints(data_dir)
    if running:
        print(f"local quantum cloud already running (pid {running['pid']})")
        _print_endpoints(running["endpoints"], data_dir, legacy)
        return 0
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / ENDPOINTS).unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "pulumi_quantum.local",
        "serve",
        "--data-dir",
        str(data_dir),
        "--braket-port",
        str(ports["braket"]),
        "--s3-port",
        str(ports["s3"]),
        "--ibm-port",
        str(ports["ibm"]),
        "--gateway-port",
        str(getattr(args, "gateway_port", 0)),
        "--workers",
        str(args.workers),
    ]
    knobs = ("sim_processes", "throttle_rate", "latency_ms", "max_concurrent_tasks", "error_rate")
    for knob in knobs:
        value = getattr(args, knob, None)
        if value is not None:
            command += [f"--{knob.replace('_', '-')}", str(value)]
    if getattr(args, "test_devices", None):
        command.append("--test-devices")
    if getattr(args, "verbose", False):
        command.append("--verbose")  # the daemon logs at DEBUG to its log file
    with open(data_dir / LOGFILE, "ab") as log_file:
        child = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=log_file,
            start_new_session=True,
        )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        doc = read_endpoints(data_dir)
        if (
            doc
            and doc["pid"] == child.pid
            and all(v == "ok" for v in health(doc["endpoints"]).values())
        ):
            print(f"local quantum cloud started (pid {child.pid}), logs: {data_dir / LOGFILE}")
            _print_endpoints(doc["endpoints"], data_dir, legacy)
            return 0
        if child.poll() is not None:
            print(
                f"local quantum cloud exited with {child.returncode}; see {data_dir / LOGFILE}",
                file=sys.stderr,
            )
            return 1
        time.sleep(0.1)  # polling the child's readiness, bounded by the deadline
    print(
        f"local quantum cloud did not become healthy in {START_TIMEOUT:.0f}s; "
        f"see {data_dir / LOGFILE}",
        file=sys.stderr,
    )
    return 1


def _print_endpoints(
    endpoints: dict[str, str], data_dir: Path | None = None, ibm_legacy: bool = False
) -> None:
    for name, url in sorted(endpoints.items()):
        print(f"  {name:7s} {url}")
    print("# point the vendors' clients at it:")
    if ibm_legacy:
        print("# IBM: the legacy runtime (qiskit-ibm-provider); today's platform: no --ibm-legacy")
    else:
        print("# IBM: today's IBM Quantum Platform (qiskit-ibm-runtime); legacy: --ibm-legacy")
    for line in exports(
        endpoints, _client_env_for(endpoints, data_dir), data_dir, ibm_legacy=ibm_legacy
    ):
        print(line)


def status(args: argparse.Namespace) -> int:
    data_dir = data_dir_of(args)
    doc = read_endpoints(data_dir)
    if not doc:
        print(f"local quantum cloud is not running (data dir {data_dir})")
        return 3
    report = health(doc["endpoints"])
    healthy = all(v == "ok" for v in report.values())
    print(
        f"local quantum cloud {'running' if healthy else 'UNHEALTHY'} (pid {doc['pid']}, "
        f"data dir {data_dir})"
    )
    for name, url in sorted(doc["endpoints"].items()):
        print(f"  {name:7s} {url}  {report[name]}")
    return 0 if healthy else 1


def env(args: argparse.Namespace) -> int:
    """Print the running daemon's client exports (for ``source scripts/env.sh`` in a new shell).

    Starts nothing: prints nothing and exits 3 when no daemon runs in the data dir.
    """
    data_dir = data_dir_of(args)
    doc = read_endpoints(data_dir)
    if not doc:
        print(f"local quantum cloud is not running (data dir {data_dir})", file=sys.stderr)
        return 3
    endpoints = doc["endpoints"]
    legacy = getattr(args, "ibm_legacy", False)
    for line in exports(
        endpoints, _client_env_for(endpoints, data_dir), data_dir, ibm_legacy=legacy
    ):
        print(line)
    return 0


def stop(args: argparse.Namespace) -> int:
    data_dir = data_dir_of(args)
    try:
        pid = int((data_dir / PIDFILE).read_text().strip())
    except (OSError, ValueError):
        print("local quantum cloud is not running")
        return 0
    if not _pid_alive(pid):
        (data_dir / PIDFILE).unlink(missing_ok=True)
        (data_dir / ENDPOINTS).unlink(missing_ok=True)
        print("local quantum cloud is not running (removed a stale pidfile)")
        return 0
    os.kill(pid, signal.SIGTERM)
    if _wait_gone(pid, STOP_TIMEOUT):
        print(f"local quantum cloud stopped (pid {pid})")
        return 0
    _kill_hard(pid)
    if _wait_gone(pid, 5.0):
        for path in (data_dir / PIDFILE, data_dir / ENDPOINTS):
            path.unlink(missing_ok=True)
        print(
            f"local quantum cloud killed (pid {pid}): it did not stop within "
            f"{STOP_TIMEOUT:.0f}s of SIGTERM; the next start recovers its tasks"
        )
        return 0
    print(f"pid {pid} did not stop, even after SIGKILL", file=sys.stderr)
    return 1


def _kill_hard(pid: int) -> None:
    """SIGKILL the daemon and, when it leads its own process group (``start`` runs it in a new
    session), its workers with it."""
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # it exited meanwhile


def _wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _pid_alive(pid):
            return True
        time.sleep(0.1)  # waiting for the process to exit, bounded by the deadline
    return not _pid_alive(pid)
