"""Tables of the local IBM runtime in the shared SQLite store, and time helpers.

All tables are prefixed ``ibm_`` so the Braket half can share the database file. Times are
stored as UNIX seconds (REAL) and rendered as ISO 8601 UTC on the wire, which is what the
clients parse with ``dateutil.parser.isoparse``.
"""

from __future__ import annotations

import secrets
import string
import time
from datetime import UTC, datetime

from ..store import Store

DDL = """
CREATE TABLE IF NOT EXISTS ibm_access_tokens (
    token_sha256 TEXT PRIMARY KEY,
    user_name TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS ibm_iam_tokens (
    token_sha256 TEXT PRIMARY KEY,
    user_name TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS ibm_programs (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    data TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    cost INTEGER NOT NULL,
    is_public INTEGER NOT NULL DEFAULT 0,
    spec TEXT NOT NULL DEFAULT '{}',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    UNIQUE (owner, name)
);
CREATE TABLE IF NOT EXISTS ibm_sessions (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    instance TEXT NOT NULL,
    backend TEXT,
    mode TEXT NOT NULL,
    max_time INTEGER NOT NULL,
    created_at REAL NOT NULL,
    accepting_jobs INTEGER NOT NULL DEFAULT 1,
    closed_at REAL,
    close_reason TEXT
);
CREATE TABLE IF NOT EXISTS ibm_jobs (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    instance TEXT NOT NULL,
    program_id TEXT NOT NULL,
    backend TEXT NOT NULL,
    session_id TEXT,
    params TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    time_limit INTEGER NOT NULL,
    log_level TEXT,
    status TEXT NOT NULL,
    reason TEXT,
    created_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    result TEXT,
    interim TEXT,
    logs TEXT,
    pid INTEGER
);
CREATE INDEX IF NOT EXISTS ibm_jobs_owner ON ibm_jobs (owner, created_at);
CREATE INDEX IF NOT EXISTS ibm_jobs_status ON ibm_jobs (status);
"""

_ID_ALPHABET = string.ascii_lowercase + string.digits


def migrate(store: Store) -> None:
    store.migrate(DDL)


def new_id(length: int = 20) -> str:
    """An id shaped like IBM's job/session ids (20 lowercase alphanumerics)."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


def now() -> float:
    return time.time()


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return (
        datetime.fromtimestamp(ts, tz=UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    )


HALF_MICROSECOND = 5e-7


def epoch_of_iso(text: str) -> float:
    """An ISO 8601 date-time as the clients send it (``Z``, an offset, or none: UTC) in epoch
    seconds, the inverse of :func:`iso`; ValueError when it is not one. Each API words its own
    error."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def created_clauses(after: float | None, before: float | None) -> list[tuple[str, float]]:
    """SQL conditions for ``created_after`` / ``created_before`` on a ``created_at`` column.

    Clients filter with the creation time they were shown, :func:`iso` rounded to the
    microsecond; a job must match a filter on its own shown time, so each bound is widened by
    half a microsecond (comparing the stored float as is missed it whenever it rounded up)."""
    clauses = []
    if after is not None:
        clauses.append(("created_at >= ?", after - HALF_MICROSECOND))
    if before is not None:
        clauses.append(("created_at <= ?", before + HALF_MICROSECOND))
    return clauses
