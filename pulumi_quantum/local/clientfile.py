"""``<data dir>/client.json``: where the local cloud listens and which keys it accepts.

Written by :class:`~pulumi_quantum.local.server.LocalCloud` when it starts (mode 0600, like
``~/.aws/credentials``), read by the provider side when a stack targets the local cloud
(:mod:`pulumi_quantum.target`). That is how the local target finds the local cloud's own keys
and tokens without ever taking a credential from the user's environment, and the IBM URL
without a hard-coded port. Plain JSON, no imports beyond the standard library: both sides use
this module, and the provider side must not pull in the local cloud's servers.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

FILENAME = "client.json"
DEFAULT_PORTS = {"braket": 4590, "s3": 4591, "ibm": 4592}
PORT_VARIABLES = {
    "braket": "PQ_LOCAL_BRAKET_PORT",
    "s3": "PQ_LOCAL_S3_PORT",
    "ibm": "PQ_LOCAL_IBM_PORT",
}


def default_data_dir() -> Path:
    """``$PQ_LOCAL_DATA_DIR``, else ``~/.local/share/pulumi-quantum/cloud``."""
    env = os.environ.get("PQ_LOCAL_DATA_DIR")
    return Path(env).expanduser() if env else Path.home() / ".local/share/pulumi-quantum/cloud"


def port_from_env(service: str) -> int:
    """The port ``local start`` uses for a service: ``PQ_LOCAL_<SERVICE>_PORT``, else the default.

    A value that is not a port number is an error naming the variable (never a silent default).
    """
    name = PORT_VARIABLES[service]
    raw = os.environ.get(name, "").strip()
    if not raw:
        return DEFAULT_PORTS[service]
    try:
        port = int(raw)
        if not 0 <= port <= 65535:
            raise ValueError
    except ValueError:
        raise ValueError(
            f"{name} is {raw!r}; set it to a port number (0 = any free port)"
        ) from None
    return port


def write(data_dir: Path, document: dict[str, Any]) -> None:
    """Atomically replace the file, readable by its owner only (it holds the local keys)."""
    path = Path(data_dir) / FILENAME
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        json.dump(document, file, indent=1, sort_keys=True)
    tmp.replace(path)


def read(data_dir: Path | None = None) -> dict[str, Any] | None:
    """The document of the local cloud in ``data_dir`` (default :func:`default_data_dir`)."""
    path = Path(data_dir or default_data_dir()) / FILENAME
    with contextlib.suppress(OSError, ValueError):
        doc = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(doc, dict):
            return doc
    return None
