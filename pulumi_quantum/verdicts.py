"""Passing verdicts of the preview's dearest validations, remembered across processes.

Why: every ``pulumi preview`` and ``up`` starts a fresh provider process, and the first check of
a task or a program paid for a library before it could say "fine": the OpenQASM 3 parser
(importing it alone is ~0.13 s: ANTLR rebuilds its grammar tables) and the JSON Schema
validator for program metadata (import and compile, ~0.09 s). The engine runs checks one after
another, so that time is added to every preview, whatever the size of the stack. Both
validations are pure: whether a text parses, or a document satisfies a schema, depends only on
that input and on the validating libraries' versions. So a pass is remembered, and a later
process that sees the same input with the same libraries skips the library altogether.

What is remembered: passes only. A failure is always computed again, so its message is the
current one. A verdict is an empty file named by a SHA-256 over the kind of validation, the
libraries' installed versions (read from their ``.dist-info`` names, without importing them),
any extra key material (the schema's text) and the input: the file holds nothing of the input.

Where: ``$PQ_CACHE/verdicts`` (``PQ_CACHE`` defaults to ``$XDG_CACHE_HOME/pulumi-quantum``, else
``~/.cache/pulumi-quantum``, the same directory the project's set-up uses). ``PQ_VERDICTS=off``
turns it off. An unwritable or missing cache directory only means nothing is remembered.

Bounded: verdicts live in 256 subdirectories (the hash's first two hex digits), each holding at
most :data:`MAX_PER_DIRECTORY`; when :func:`remember` takes one over, the least recently used
verdicts there are deleted (a hit refreshes its file's modification time). So the directory never
holds more than 256 * ``MAX_PER_DIRECTORY`` empty files however many programs a machine has seen,
and what goes first is what no preview has asked about for longest.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import os
import sys
from pathlib import Path

from .caches import cache_root

_SEPARATOR = b"\0"

MAX_PER_DIRECTORY = 256
"""Verdicts kept per subdirectory (65,536 in all): far more inputs than a stack holds."""


def cache_dir() -> Path | None:
    """The verdict directory, or None when remembering is turned off."""
    if os.environ.get("PQ_VERDICTS", "").lower() in {"0", "off", "false", "no"}:
        return None
    return cache_root() / "verdicts"


def _normalise(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


@functools.cache
def library_versions(*libraries: tuple[str, str]) -> tuple[str, ...]:
    """The installed versions of ``(import name, distribution name)`` pairs, as their
    ``.dist-info`` directory names (``openqasm3-1.0.1.dist-info``), found beside each package
    without importing it (~1 ms; ``importlib.metadata`` costs ~50 ms here). A package whose
    dist-info is not beside it is named by its file's size and modification time instead."""
    found: list[str] = [sys.version.split()[0]]
    listings: dict[Path, list[str]] = {}
    for module, distribution in libraries:
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.origin:
            found.append(f"{module}:missing")
            continue
        origin = Path(spec.origin)
        site = origin.parent.parent if origin.name == "__init__.py" else origin.parent
        if site not in listings:
            try:
                listings[site] = [e.name for e in os.scandir(site) if e.name.endswith(".dist-info")]
            except OSError:
                listings[site] = []
        wanted = _normalise(distribution)
        names = [n for n in listings[site] if _normalise(n.split("-", 1)[0]) == wanted]
        if names:
            found.extend(sorted(names))
        else:
            stat = origin.stat()
            found.append(f"{module}:{stat.st_size}:{stat.st_mtime_ns}")
    return tuple(found)


def _path(kind: str, libraries: tuple[str, ...], key: bytes, subject: str) -> Path | None:
    directory = cache_dir()
    if directory is None:
        return None
    digest = hashlib.sha256()
    for part in (kind.encode(), *(lib.encode() for lib in libraries), key, subject.encode()):
        digest.update(part)
        digest.update(_SEPARATOR)
    name = digest.hexdigest()
    return directory / name[:2] / name


def passed(kind: str, libraries: tuple[str, ...], subject: str, key: bytes = b"") -> bool:
    """True when ``subject`` passed validation ``kind`` before, with these library versions."""
    path = _path(kind, libraries, key, subject)
    if path is None:
        return False
    try:
        os.utime(path)  # a hit: now the most recently used (and a miss raises)
    except FileNotFoundError:
        return False
    except OSError:  # e.g. a read-only cache: the verdict still counts
        return path.exists()
    return True


def remember(kind: str, libraries: tuple[str, ...], subject: str, key: bytes = b"") -> None:
    """Record that ``subject`` passed ``kind`` (best effort: errors are ignored)."""
    path = _path(kind, libraries, key, subject)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o644))
        _prune(path.parent, keep=path.name)
    except OSError:
        pass


def _prune(directory: Path, keep: str) -> None:
    """Delete the least recently used verdicts of ``directory`` beyond :data:`MAX_PER_DIRECTORY`
    (never ``keep``, the one just written). Concurrent processes may prune the same files: a file
    already gone is fine."""
    entries = list(os.scandir(directory))
    excess = len(entries) - MAX_PER_DIRECTORY
    if excess <= 0:
        return
    aged = []
    for entry in entries:
        if entry.name != keep:
            try:
                aged.append((entry.stat().st_mtime_ns, entry.path))
            except FileNotFoundError:
                excess -= 1
    for _, path in sorted(aged)[: max(excess, 0)]:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
