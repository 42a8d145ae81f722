"""A process-wide network audit: every socket connect and name lookup is recorded, and any
to a non-loopback address is refused (``sys.addaudithook``; no client is patched).

The test session installs it for the whole pytest process (``tests/conftest.py``) and, through
:func:`subprocess_env`, for every Python process the tests start, directly or through the Pulumi
engine (its language host, programs and providers): ``tests/_audit_site/sitecustomize.py`` installs
the same hook there, and each refusal is appended to the file named by ``LOOPBACK_AUDIT_LOG``, which
:func:`outside` reads back. Tests that drive vendor clients may also use :func:`guard` (only while
the block runs: an audit hook cannot be removed, so it is switched off instead).
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

_lock = threading.Lock()
_outside: list[tuple[str, Any]] = []
_installed = False
_active = False

LOG_VARIABLE = "LOOPBACK_AUDIT_LOG"
"""Names the file where every audited process appends the addresses it was refused."""

JOB_ENV_PASSTHROUGH = "PQ_JOB_ENV_PASSTHROUGH"
"""pulumi_quantum.local.ibm.executor's variable naming what its job processes may see."""

SITE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_audit_site")


def _is_loopback(host: Any) -> bool:
    if host in ("localhost", b"localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except (ValueError, TypeError):
        return False


def _record(event: str, target: Any) -> None:
    with _lock:
        _outside.append((event, target))
    log = os.environ.get(LOG_VARIABLE)
    if log and os.getpid() != _log_owner():
        line = json.dumps({"pid": os.getpid(), "argv": sys.argv[:3], event: repr(target)})
        with open(log, "a", encoding="utf-8") as file:
            file.write(line + "\n")


def _log_owner() -> int:
    """The pid of the process that set up the log (its refusals are kept in memory instead)."""
    return int(os.environ.get(LOG_VARIABLE + "_OWNER", "0"))


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if not _active:
        return
    if event == "socket.connect":
        address = args[1]
        if isinstance(address, tuple) and address and not _is_loopback(address[0]):
            _record(event, address)
            raise ConnectionRefusedError(f"test network audit: {address} is not loopback")
    elif event == "socket.getaddrinfo" and not _is_loopback(args[0]):
        _record(event, args[0])
        raise OSError(f"test network audit: name lookup of {args[0]!r} refused")


def audit_subprocesses(log_path: str) -> None:
    """Make every Python process started from now on (they inherit the environment) audited too,
    reporting its refusals to ``log_path``."""
    os.environ[LOG_VARIABLE] = log_path
    os.environ[LOG_VARIABLE + "_OWNER"] = str(os.getpid())
    # The local IBM server scrubs its job processes' environment; these two must still reach them.
    passed = [*filter(None, os.environ.get(JOB_ENV_PASSTHROUGH, "").split(",")), LOG_VARIABLE,
              LOG_VARIABLE + "_OWNER"]  # fmt: skip
    os.environ[JOB_ENV_PASSTHROUGH] = ",".join(dict.fromkeys(passed))
    paths = [SITE_DIR, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))


def install() -> None:
    global _installed, _active
    if not _installed:
        sys.addaudithook(_hook)
        _installed = True
    _active = True


@contextlib.contextmanager
def guard() -> Iterator[None]:
    """Refuse non-loopback connections while the block runs."""
    global _active
    was = _active
    install()
    try:
        yield
    finally:
        _active = was


def outside() -> list[tuple[str, Any]]:
    """Every refusal so far: this process's, then those its audited subprocesses logged."""
    with _lock:
        found = list(_outside)
    log = os.environ.get(LOG_VARIABLE)
    if log and os.path.exists(log):
        with open(log, encoding="utf-8") as file:
            found += [("subprocess", json.loads(line)) for line in file if line.strip()]
    return found


def forget_logged(expected: Callable[[dict[str, Any]], bool]) -> int:
    """Drop the subprocess refusals a test provoked on purpose (``expected`` says which) from the
    log, so the session's final audit sees only the others; returns how many were dropped."""
    log = os.environ.get(LOG_VARIABLE)
    if not log or not os.path.exists(log):
        return 0
    with _lock, open(log, "r+", encoding="utf-8") as file:
        entries = [json.loads(line) for line in file if line.strip()]
        kept = [e for e in entries if not expected(e)]
        file.seek(0)
        file.truncate()
        file.writelines(json.dumps(e) + "\n" for e in kept)
    return len(entries) - len(kept)
