"""SQLite state shared by every service of the local quantum cloud.

One database file per data directory. Connections come from a small pool: each is used by one
thread at a time and handed back after the statement or transaction, because the HTTP servers
start a thread per request and a per-thread connection meant opening the database (plus three
PRAGMAs) on every request, which cost more CPU than the queries themselves. All writes go through
one process-wide lock so concurrent requests never see "database is locked", and WAL mode lets
readers proceed during a write.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class Store:
    """A thin, thread-safe wrapper over one SQLite database file."""

    #: Idle connections kept for reuse; more may be open at once, extras are closed on return.
    MAX_IDLE = 16

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._idle: list[sqlite3.Connection] = []
        self._pool_lock = threading.Lock()
        self._write_lock = threading.RLock()
        # The connection a thread holds inside ``transaction()``, so nested calls reuse it.
        self._held = threading.local()
        # journal_mode cannot change inside a transaction; WAL persists in the file once set.
        with self._write_lock, self._connection() as conn:
            conn.execute("PRAGMA journal_mode=WAL")

    def _open(self) -> sqlite3.Connection:
        # check_same_thread=False: a pooled connection moves between threads, never shared by two.
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """Borrow a connection for one statement or transaction (or the one this thread holds)."""
        held = getattr(self._held, "conn", None)
        if held is not None:
            yield held
            return
        with self._pool_lock:
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = self._open()
        try:
            yield conn
        finally:
            with self._pool_lock:
                keep = not conn.in_transaction and len(self._idle) < self.MAX_IDLE
                if keep:
                    self._idle.append(conn)
            if not keep:
                conn.close()

    def migrate(self, ddl: str) -> None:
        """Run idempotent DDL (``CREATE TABLE IF NOT EXISTS ...``) for one service."""
        with self._write_lock, self._connection() as conn:
            conn.executescript(ddl)

    def ensure_columns(self, table: str, columns: dict[str, str]) -> list[str]:
        """Add the ``columns`` (name → SQL type and default, ``"INTEGER"``) that ``table`` lacks.

        The migration path of a data directory written by an older version: ``CREATE TABLE IF
        NOT EXISTS`` leaves an existing table as it was, so a column added to a model later
        (a newly echoed vendor field) is added here, its existing rows getting the default
        (NULL unless one is given). Returns the names added.
        """
        with self._write_lock, self._connection() as conn:
            present = {row["name"] for row in conn.execute(f"PRAGMA table_info({table})")}
            added = [name for name in columns if name not in present]
            for name in added:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {columns[name]}")
        return added

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Serialised write transaction; commits on success, rolls back on error."""
        with self._write_lock, self._connection() as conn:
            if conn.in_transaction:  # nested: the outer transaction commits or rolls back
                yield conn
                return
            conn.execute("BEGIN IMMEDIATE")
            self._held.conn = conn
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            else:
                conn.execute("COMMIT")
            finally:
                self._held.conn = None

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        """Run one write statement in its own transaction; returns the affected row count."""
        with self.transaction() as conn:
            return conn.execute(sql, params).rowcount

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        with self._connection() as conn:
            return conn.execute(sql, params).fetchall()

    def query_one(
        self, sql: str, params: Sequence[Any] | dict[str, Any] = ()
    ) -> sqlite3.Row | None:
        with self._connection() as conn:
            return conn.execute(sql, params).fetchone()

    def page(
        self,
        table: str,
        where: str,
        params: Sequence[Any],
        order_by: str,
        limit: int | None,
        offset: int,
    ) -> tuple[int, list[sqlite3.Row]]:
        """``(total matching rows, one page of them)`` read from one snapshot.

        Two separate statements let a concurrent insert land between the count and the page, so
        a client that reads every item in one page saw ``count`` disagree with the list (IBM's
        clients page on ``count``). One read transaction makes both see the same database state.
        """
        with self._connection() as conn:
            nested = conn.in_transaction
            if not nested:
                conn.execute("BEGIN DEFERRED")
            try:
                count = conn.execute(
                    f"SELECT COUNT(*) FROM {table} WHERE {where}", params
                ).fetchone()[0]
                rows = conn.execute(
                    f"SELECT * FROM {table} WHERE {where} ORDER BY {order_by} LIMIT ? OFFSET ?",
                    (*params, -1 if limit is None else limit, offset),
                ).fetchall()
            finally:
                if not nested:
                    conn.execute("COMMIT")
        return int(count), rows

    def close(self) -> None:
        """Close the idle connections (borrowed ones close when they come back over the limit)."""
        with self._pool_lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
