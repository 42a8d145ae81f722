"""What every scenario script shares (the client side): its command line, ``SCRIPT NAME CONFIG
OUT``, how a scenario reports an error it expected, and how it waits.

It runs inside the client virtualenvs, which do not have pulumi-quantum: a scenario script
imports it as a sibling module (its own directory is first on ``sys.path``), so it uses the
standard library only.
"""

from __future__ import annotations

import json
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any


def error_of(call: Callable[[], Any]) -> dict[str, Any] | None:
    """The exception a call raised, as {type, message}; None if it returned."""
    try:
        call()
    except Exception as exc:  # the scenario reports it; the test asserts on it
        return {"type": type(exc).__name__, "message": str(exc)}
    return None


def wait_until(predicate: Callable[[], Any], timeout: float, interval: float = 0.1) -> Any:
    """The predicate's first truthy value; raise TimeoutError if none before the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout}s")
        time.sleep(interval)  # poll interval of a deadline-bounded wait


def main(argv: list[str], scenarios: dict[str, Callable[[dict[str, Any]], Any]]) -> int:
    """Run scenario ``argv[1]`` with the JSON config at ``argv[2]``; write its report to
    ``argv[3]``: ``{"ok": true, "result": ...}`` or ``{"ok": false, "error", "trace"}``."""
    name, config_path, out_path = argv[1], argv[2], argv[3]
    cfg = json.loads(Path(config_path).read_text(encoding="utf-8"))
    try:
        doc: dict[str, Any] = {"ok": True, "result": scenarios[name](cfg)}
    except Exception as exc:
        doc = {
            "ok": False,
            "error": f"{type(exc).__name__}: {exc}",
            "trace": traceback.format_exc(),
        }
    Path(out_path).write_text(json.dumps(doc, default=repr), encoding="utf-8")
    return 0 if doc["ok"] else 1
