"""SQLite state shared by every service of the local quantum cloud.

One database file per data directory. Connections come from a small pool: each is used by one
thread at a time and handed back after the statement or transaction, because the HTTP servers
start a thread per request and a per-thread connection meant opening the database (plus three
PRAGMAs) on every request, which cost more CPU than the queries themselves. All writes go through
one process-wide lock so concurrent requests never see "database is locked", and WAL mode lets
readers proceed during a write.

Storage faults (disk full, a read-only database or filesystem, an I/O error) are not bugs of a
request: a write that cannot be committed is rolled back, raised as :class:`StorageUnavailable`
(each service answers it with its vendor's 503) and remembered, so ``/_local/health`` reports it
until a write commits again. :meth:`Store.problems` also looks at the filesystem itself (free
space, read-only mount) and tries a write, so a fault is visible before a client trips over it.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)

MIN_FREE_BYTES = 1024 * 1024
"""Free space on the data dir's filesystem below which health reports the disk as full.

Small writes can still commit on a full disk (SQLite reuses space in its write-ahead log) while
larger ones fail, so health looks at the free space too rather than only trying a write."""
RETRY_SECONDS = 0.5
"""How often work that must be committed (a finished task) retries while storage is down."""

# SQLite primary result codes that mean "the storage cannot take this write", not "bad SQL".
_STORAGE_CODES = {
    8: "the database is read-only",  # SQLITE_READONLY
    10: "disk I/O error",  # SQLITE_IOERR
    13: "the disk is full",  # SQLITE_FULL
    14: "the database file cannot be opened",  # SQLITE_CANTOPEN
}
_PROBE_DDL = "CREATE TABLE IF NOT EXISTS pq_storage_probe (id INTEGER PRIMARY KEY, at REAL)"
_STORAGE_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EIO}


class StorageUnavailable(Exception):
    """A write the local cloud could not commit because of its storage; nothing was changed.

    Each service answers it with its vendor's "service unavailable" error (HTTP 503)."""


def storage_problem(exc: BaseException) -> str | None:
    """Why ``exc`` is a storage fault (None when it is some other error)."""
    if isinstance(exc, StorageUnavailable):
        return str(exc)
    if isinstance(exc, sqlite3.DatabaseError):
        code = getattr(exc, "sqlite_errorcode", None)
        if code is not None and code & 0xFF in _STORAGE_CODES:
            return f"{_STORAGE_CODES[code & 0xFF]} ({exc})"
        text = str(exc).lower()
        if "disk is full" in text or "readonly" in text or "disk i/o" in text:
            return str(exc)
        return None
    if isinstance(exc, OSError) and exc.errno in _STORAGE_ERRNOS:
        return f"{os.strerror(exc.errno or 0).lower()} ({exc.filename or 'data dir'})"
    return None


@contextmanager
def storage_errors(store: Store | None = None) -> Iterator[None]:
    """Re-raise storage faults (SQLite or file writes) inside the block as StorageUnavailable."""
    try:
        yield
    except StorageUnavailable:
        raise
    except (sqlite3.DatabaseError, OSError) as exc:
        problem = storage_problem(exc)
        if problem is None:
            raise
        if store is not None:
            store.record_fault(problem)
        raise StorageUnavailable(f"the local cloud cannot write its data: {problem}") from exc


class _Connection(sqlite3.Connection):
    """A pooled connection that remembers its ``PRAGMA query_only`` setting."""

    query_only = False


class Store:
    """A thin, thread-safe wrapper over one SQLite database file."""

    #: Idle connections kept for reuse; more may be open at once, extras are closed on return.
    MAX_IDLE = 16

    def __init__(self, path: str | Path, read_only: Callable[[], bool] | None = None) -> None:
        """``read_only()`` true makes SQLite itself refuse every write (``PRAGMA query_only``):
        the ``storage_read_only`` fault knob, what a read-only database looks like to services."""
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._idle: list[sqlite3.Connection] = []
        self._pool_lock = threading.Lock()
        self._write_lock = threading.RLock()
        # The connection a thread holds inside ``transaction()``, so nested calls reuse it.
        self._held = threading.local()
        self._fault: str | None = None  # the last storage fault, until a write commits again
        self._read_only = read_only or (lambda: False)
        # journal_mode cannot change inside a transaction; WAL persists in the file once set.
        with self._write_lock, self._connection() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
        self.migrate(
            "CREATE TABLE IF NOT EXISTS pq_storage_probe (id INTEGER PRIMARY KEY, at REAL)"
        )

    def _open(self) -> sqlite3.Connection:
        # check_same_thread=False: a pooled connection moves between threads, never shared by two.
        conn = sqlite3.connect(
            self.path,
            timeout=30,
            isolation_level=None,
            check_same_thread=False,
            factory=_Connection,
        )
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
        broken = False
        try:
            if conn is None:
                conn = self._open()
            read_only = bool(self._read_only())
            if conn.query_only != read_only:  # type: ignore[attr-defined]
                conn.execute(f"PRAGMA query_only = {int(read_only)}")
                conn.query_only = read_only  # type: ignore[attr-defined]
            yield conn
        except (sqlite3.DatabaseError, OSError) as exc:
            broken = storage_problem(exc) is not None  # do not pool a connection after an I/O error
            raise
        finally:
            if conn is not None:
                self._give_back(conn, broken)

    def _give_back(self, conn: sqlite3.Connection, broken: bool) -> None:
        with self._pool_lock:
            keep = not broken and not conn.in_transaction and len(self._idle) < self.MAX_IDLE
            if keep:
                self._idle.append(conn)
        if not keep:
            conn.close()

    def migrate(self, ddl: str) -> None:
        """Run idempotent DDL (``CREATE TABLE IF NOT EXISTS ...``) for one service."""
        with storage_errors(self), self._write_lock, self._connection() as conn:
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
    def transaction(self, *, _track: bool = True) -> Iterator[sqlite3.Connection]:
        """Serialised write transaction; commits on success, rolls back on error.

        A commit the storage refuses (disk full, read-only, I/O error) is rolled back, recorded
        for health and raised as :class:`StorageUnavailable`; one that succeeds clears the record.
        """
        with storage_errors(self if _track else None), self._write_lock, self._connection() as conn:
            if conn.in_transaction:  # nested: the outer transaction commits or rolls back
                yield conn
                return
            conn.execute("BEGIN IMMEDIATE")
            self._held.conn = conn
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:  # SQLite may already have rolled back on an I/O error
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                raise
            finally:
                self._held.conn = None
        if _track:
            self._fault = None

    # ----------------------------------------------------------- storage faults
    def record_fault(self, problem: str) -> None:
        self._fault = problem

    def problems(self) -> list[str]:
        """What keeps the store from committing writes now (empty when healthy), for health.

        Looks at the filesystem (read-only, free space), tries a small write, and reports the
        last write that failed until a write commits again with the filesystem healthy.
        """
        found = []
        try:
            stat = os.statvfs(self.path.parent)
        except OSError as exc:
            found.append(f"data dir {self.path.parent} cannot be read: {exc}")
        else:
            if stat.f_flag & os.ST_RDONLY:
                found.append(f"the filesystem of {self.path.parent} is mounted read-only")
            free = stat.f_bavail * stat.f_frsize
            if free < MIN_FREE_BYTES:
                found.append(f"the disk of {self.path.parent} is full ({free} bytes free)")
        try:
            with self.transaction(_track=False) as conn:
                conn.execute(
                    "INSERT INTO pq_storage_probe (id, at) VALUES (1, ?)"
                    " ON CONFLICT (id) DO UPDATE SET at = excluded.at",
                    (time.time(),),
                )
        except StorageUnavailable as exc:
            found.append(f"a test write failed: {exc}")
        else:
            if not found:  # storage takes writes again
                self._fault = None
        if self._fault:
            found.append(f"the last write failed: {self._fault}")
        return found

    def commit_eventually(
        self,
        write: Callable[[], T],
        stopping: Callable[[], bool] = lambda: False,
        what: str = "a write",
    ) -> T | None:
        """``write()`` now, or, while storage is unavailable, as soon as it is again.

        For work the local cloud has done and must not lose without a restart (a task that
        finished during the outage). Returns None if ``stopping()`` became true first (the
        work is then left to crash recovery at the next start).
        """
        waiting = False
        while True:
            try:
                result = write()
            except StorageUnavailable as exc:
                if stopping():
                    return None
                if not waiting:
                    log.warning("storage unavailable; %s waits to be committed: %s", what, exc)
                    waiting = True
                time.sleep(RETRY_SECONDS)  # retry interval while storage is down
                continue
            if waiting:
                log.warning("storage is back; %s committed", what)
            return result

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        """Run one write statement in its own transaction; returns the affected row count."""
        with self.transaction() as conn:
            return conn.execute(sql, params).rowcount

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        with storage_errors(), self._connection() as conn:
            return conn.execute(sql, params).fetchall()

    def query_one(
        self, sql: str, params: Sequence[Any] | dict[str, Any] = ()
    ) -> sqlite3.Row | None:
        with storage_errors(), self._connection() as conn:
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
