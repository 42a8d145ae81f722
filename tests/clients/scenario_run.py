"""Run a scenario script in a client virtualenv and read its JSON report (the test side).

A scenario script (``*_scenarios.py``) runs as ``python SCRIPT NAME CONFIG OUT`` in the client's
own virtualenv, in a clean environment, and writes ``{"ok", "result" | "error", "trace"}`` to
``OUT`` (see ``scenario_report.py``).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from tests import loopback
from tests.clients.venvs import ClientVenv

SCENARIO_TIMEOUT_SECONDS = 600


def run_scenario_script(
    venv: ClientVenv,
    script: Path,
    name: str,
    config: dict[str, Any],
    work: Path,
    env: dict[str, str],
    *,
    audit: bool = True,
    timeout: float = SCENARIO_TIMEOUT_SECONDS,
) -> tuple[Any, subprocess.CompletedProcess[str]]:
    """Run scenario ``name`` of ``script`` in ``venv`` with ``config``, in ``work``, with ``env``
    added to a clean environment (and, with ``audit``, the loopback network audit installed:
    refused addresses fail the test); the scenario's result and the finished process."""
    config_path, out_path, audit_log = work / "config.json", work / "out.json", work / "audit.log"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    home = work / "home"
    home.mkdir(exist_ok=True)
    proc_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),  # no ~/.qiskit of the machine's user
        "LANG": "C.UTF-8",
    }
    if audit:
        proc_env["PYTHONPATH"] = loopback.SITE_DIR  # the network audit, in the client's process too
        proc_env[loopback.LOG_VARIABLE] = str(audit_log)
    proc_env.update(env)
    proc = subprocess.run(
        [str(venv.python), str(script), name, str(config_path), str(out_path)],
        env=proc_env,
        cwd=work,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert out_path.exists(), f"scenario {name} wrote nothing:\n{proc.stdout}\n{proc.stderr}"
    doc = json.loads(out_path.read_text(encoding="utf-8"))
    assert doc["ok"], f"scenario {name} failed: {doc['trace']}\n{proc.stderr[-4000:]}"
    if audit:
        refused = audit_log.read_text(encoding="utf-8") if audit_log.exists() else ""
        assert refused == "", f"the client tried non-loopback addresses:\n{refused}"
    return doc["result"], proc
