"""Tables of the local Qiskit Functions gateway in the shared SQLite store (prefix ``gw_``).

A function is keyed by its owner and title, where the owner is the author (a local IBM user)
or, for a provider function, ``provider:<name>`` - the key IBM's gateway upserts on. The
artifact (the tar the client builds from the working dir, at most 50 MB) is kept as a BLOB, so
the whole gateway state is in the one database file and survives a restart.
"""

from __future__ import annotations

from ..store import Store

DDL = """
CREATE TABLE IF NOT EXISTS gw_functions (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    author TEXT NOT NULL,
    provider TEXT,
    title TEXT NOT NULL,
    entrypoint TEXT,
    image TEXT,
    runner TEXT NOT NULL,
    artifact BLOB,
    artifact_sha256 TEXT,
    dependencies TEXT NOT NULL DEFAULT '[]',
    env_vars TEXT NOT NULL DEFAULT '{}',
    description TEXT NOT NULL DEFAULT '',
    version TEXT NOT NULL DEFAULT '',
    arguments_schema TEXT,
    type TEXT NOT NULL DEFAULT 'GENERIC',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    UNIQUE (owner, title)
);
CREATE TABLE IF NOT EXISTS gw_jobs (
    id TEXT PRIMARY KEY,
    author TEXT NOT NULL,
    instance TEXT NOT NULL,
    function_id TEXT NOT NULL,
    arguments TEXT NOT NULL,
    token_sha256 TEXT NOT NULL,
    status TEXT NOT NULL,
    sub_status TEXT,
    result TEXT,
    logs TEXT NOT NULL DEFAULT '',
    time_limit INTEGER NOT NULL,
    created_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    pid INTEGER
);
CREATE INDEX IF NOT EXISTS gw_jobs_author ON gw_jobs (author, created_at);
CREATE TABLE IF NOT EXISTS gw_runtime_jobs (
    job_id TEXT NOT NULL,
    runtime_job TEXT NOT NULL,
    runtime_session TEXT,
    created_at REAL NOT NULL,
    PRIMARY KEY (job_id, runtime_job)
);
CREATE TABLE IF NOT EXISTS gw_job_events (
    job_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    event TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (job_id, seq)
);
"""


def migrate(store: Store) -> None:
    store.migrate(DDL)
