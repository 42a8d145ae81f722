"""A process-wide network audit: every socket connect and name lookup is recorded, and any
to a non-loopback address is refused (``sys.addaudithook``; no client is patched).

Tests that drive vendor clients call :func:`install` (for the rest of the process) or use
:func:`guard` (only while the block runs: an audit hook cannot be removed, so it is switched
off instead) and assert :func:`outside` is empty.
"""

from __future__ import annotations

import contextlib
import ipaddress
import sys
import threading
from collections.abc import Iterator
from typing import Any

_lock = threading.Lock()
_outside: list[tuple[str, Any]] = []
_installed = False
_active = False


def _is_loopback(host: Any) -> bool:
    if host in ("localhost", b"localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except (ValueError, TypeError):
        return False


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if not _active:
        return
    if event == "socket.connect":
        address = args[1]
        if isinstance(address, tuple) and address and not _is_loopback(address[0]):
            with _lock:
                _outside.append((event, address))
            raise ConnectionRefusedError(f"test network audit: {address} is not loopback")
    elif event == "socket.getaddrinfo" and not _is_loopback(args[0]):
        with _lock:
            _outside.append((event, args[0]))
        raise OSError(f"test network audit: name lookup of {args[0]!r} refused")


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
    with _lock:
        return list(_outside)
