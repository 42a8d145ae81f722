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
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

DEFAULT_PORTS = {"braket": 4590, "s3": 4591, "ibm": 4592}
PIDFILE, ENDPOINTS, LOGFILE = "local.pid", "endpoints.json", "local.log"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0


def default_data_dir() -> Path:
    env = os.environ.get("PQ_LOCAL_DATA_DIR")
    return Path(env).expanduser() if env else Path.home() / ".local/share/pulumi-quantum/cloud"


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


def exports(endpoints: dict[str, str], env: dict[str, str]) -> list[str]:
    keys = [
        "AWS_ENDPOINT_URL_BRAKET",
        "AWS_ENDPOINT_URL_S3",
        "AWS_ENDPOINT_URL_STS",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_DEFAULT_REGION",
    ]
    if "ibm" in endpoints:
        keys += ["QISKIT_IBM_URL", "QISKIT_IBM_TOKEN", "QISKIT_IBM_INSTANCE"]
    if "gateway" in endpoints:  # qiskit-serverless (Qiskit Functions)
        keys += [
            "ENV_GATEWAY_PROVIDER_HOST",
            "ENV_GATEWAY_PROVIDER_TOKEN",
            "QISKIT_SERVERLESS_INSTANCE",
        ]
    return [f"export {k}={env[k]}" for k in keys if k in env]


def _faults(args: argparse.Namespace) -> Any:
    from .faults import Faults

    faults = Faults.from_env()
    for knob in ("throttle_rate", "latency_ms", "max_concurrent_tasks", "error_rate"):
        value = getattr(args, knob, None)
        if value is not None:
            setattr(faults, knob, value)
    return faults


def _client_env_for(endpoints: dict[str, str]) -> dict[str, str]:
    from .server import LocalCloud, LocalCredentials

    # Not started: only used to render the client env for these endpoints and credentials.
    cloud = LocalCloud(".", credentials=LocalCredentials.from_env())
    env = cloud.client_env()
    mapping = {
        "braket": "AWS_ENDPOINT_URL_BRAKET",
        "s3": "AWS_ENDPOINT_URL_S3",
        "ibm": "QISKIT_IBM_URL",
    }
    env.update({mapping[k]: v for k, v in endpoints.items() if k in mapping})
    if "braket" in endpoints:
        env["AWS_ENDPOINT_URL_STS"] = endpoints["braket"]  # the local STS shares the port
    if "gateway" in endpoints:
        from .gateway.env import gateway_env

        env.update(gateway_env(endpoints["gateway"]))
    return env


def serve(args: argparse.Namespace) -> int:
    """Run in the foreground until SIGTERM/SIGINT."""
    from .server import DEFAULT_IBM_TOKENS, LocalCloud, LocalCredentials

    data_dir = data_dir_of(args)
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
        braket_port=args.braket_port,
        s3_port=args.s3_port,
        ibm_port=args.ibm_port,
        gateway_port=getattr(args, "gateway_port", 0),
        faults=_faults(args),
        workers=args.workers,
        sim_processes=args.sim_processes,
        credentials=credentials,
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
        cloud.stop()
        for path in (endpoints_file, pidfile):
            path.unlink(missing_ok=True)
        logging.getLogger(__name__).info("local quantum cloud stopped")
    return 0


def start(args: argparse.Namespace) -> int:
    data_dir = data_dir_of(args)
    running = read_endpoints(data_dir)
    if running:
        print(f"local quantum cloud already running (pid {running['pid']})")
        _print_endpoints(running["endpoints"], data_dir)
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
        str(args.braket_port),
        "--s3-port",
        str(args.s3_port),
        "--ibm-port",
        str(args.ibm_port),
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
            _print_endpoints(doc["endpoints"], data_dir)
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


def _print_endpoints(endpoints: dict[str, str], data_dir: Path | None = None) -> None:
    for name, url in sorted(endpoints.items()):
        print(f"  {name:7s} {url}")
    print("# point the vendors' clients at it:")
    for line in exports(endpoints, _client_env_for(endpoints)):
        print(line)
    if "ibm-proxy" in endpoints:  # qiskit-ibm-runtime on the current IBM Quantum Platform
        from .ibm.platform.env import platform_exports

        for line in platform_exports(endpoints, data_dir):
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
    doc = read_endpoints(data_dir_of(args))
    if not doc:
        print(f"local quantum cloud is not running (data dir {data_dir_of(args)})", file=sys.stderr)
        return 3
    for line in exports(doc["endpoints"], _client_env_for(doc["endpoints"])):
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
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline:
        if not _pid_alive(pid):
            print(f"local quantum cloud stopped (pid {pid})")
            return 0
        time.sleep(0.1)  # waiting for the process to exit, bounded by the deadline
    print(f"pid {pid} did not stop within {STOP_TIMEOUT:.0f}s", file=sys.stderr)
    return 1
