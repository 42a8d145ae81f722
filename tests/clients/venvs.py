"""Virtualenvs for vendor clients that cannot share the project's environment.

A client such as qiskit-ibmq-provider 0.20 needs qiskit-terra, which cannot be installed
beside qiskit 1.x. Its environment is described by a pinned requirements file in this folder
and built on first use under ``~/.cache/pulumi-quantum/client-venvs/<key>/`` (never in the
repository), where ``<key>`` hashes the file's content and the Python version, so an edited
file or another interpreter gets a new environment and an unchanged one is reused. pip's own
cache (``~/.cache/pip``) makes a rebuild cheap.

Several test runs may start at once (parallel checkouts share the cache), so the build holds
an exclusive ``flock`` and marks success with a ``.complete`` file written last; a directory
without it is a failed or interrupted build and is rebuilt.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
BUILD_TIMEOUT_SECONDS = 1200


@dataclass(frozen=True)
class ClientVenv:
    path: Path
    python: Path
    built_seconds: float | None
    """Seconds this call spent building it; ``None`` when a cached environment was reused."""


def cache_root() -> Path:
    from pulumi_quantum.caches import cache_root as pq_cache

    return pq_cache() / "client-venvs"


def venv_key(requirements: Path) -> str:
    digest = hashlib.sha256(requirements.read_bytes())
    digest.update(f"{sys.implementation.name}-{sys.version_info[0]}.{sys.version_info[1]}".encode())
    return f"{requirements.stem}-{digest.hexdigest()[:16]}"


class ClientVenvMissing(RuntimeError):
    """The environment is not built and the caller may not build it (tests never install)."""


def ensure_venv(requirements_file: str, build: bool = True) -> ClientVenv:
    """The environment for ``tests/clients/<requirements_file>``, built if missing.

    Building installs from the package registry, so ``scripts/bootstrap`` does it
    (``python -m tests.clients.venvs``) and the tests pass ``build=False``: no test reaches a
    non-loopback address.
    """
    requirements = HERE / requirements_file
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    path = root / venv_key(requirements)
    python = path / "bin" / "python"
    marker = path / ".complete"
    with open(root / f"{path.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if marker.exists() and python.exists():
            return ClientVenv(path, python, None)
        if not build:
            raise ClientVenvMissing(
                f"the client virtualenv for tests/clients/{requirements_file} is not built "
                f"(expected at {path}); run scripts/bootstrap, which builds it"
            )
        started = time.monotonic()
        shutil.rmtree(path, ignore_errors=True)
        _run([sys.executable, "-m", "venv", str(path)])
        _run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--only-binary=:all:",
                "-r",
                str(requirements),
            ]
        )
        marker.write_text(requirements.read_text(encoding="utf-8"), encoding="utf-8")
        return ClientVenv(path, python, round(time.monotonic() - started, 1))


def _run(command: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    result = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT_SECONDS
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"building a client virtualenv failed: {' '.join(command)}\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )


def main() -> int:
    """Build (or find) the environment of every ``tests/clients/*.txt``; used by bootstrap."""
    for requirements in sorted(HERE.glob("*.txt")):
        venv = ensure_venv(requirements.name)
        state = f"built in {venv.built_seconds}s" if venv.built_seconds else "cached"
        print(f"client virtualenv {requirements.name}: {state} ({venv.path})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
