"""Runs queued jobs in subprocesses with a time limit, and recovers after a crash.

A small thread pool (``max_parallel`` jobs at once) claims queued jobs and runs each in
``python -m pulumi_quantum.local.ibm.runner`` - a separate process group with a scrubbed
environment, so user code sees no credentials of the server and can be killed as a whole.
The database is the source of truth: every transition is a conditional UPDATE on the job's
current status, so a cancel that lands while a job finishes cannot be overwritten.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..store import StorageUnavailable, Store, storage_errors
from . import db

STARTUP_GRACE_SECONDS = 120.0
"""Time allowed for the subprocess to import qiskit before the job's own clock starts."""
POLL_SECONDS = 0.1
_ENV_ALLOWLIST = (
    "PATH",
    "HOME",
    "LANG",
    "LC_ALL",
    "PYTHONPATH",
    "TMPDIR",
    "SYSTEMROOT",
    "VIRTUAL_ENV",
)

RESTART_REASON = (
    "The local quantum cloud stopped while this job was {state}; the job did not finish "
    "and was marked failed at restart. Submit it again."
)


def jobs_root(store: Store) -> Path:
    return store.path.parent / "ibm_jobs"


JOB_ENV_PASSTHROUGH = "PQ_JOB_ENV_PASSTHROUGH"
"""Names (comma-separated) of further variables job processes get, beyond the allowlist.

Why: a job runs user code, so by default it sees only :data:`_ENV_ALLOWLIST` and never the
server's credentials; an operator who wants more to reach it (proxy settings, a thread count, the
test suite's network-audit log) names those variables here, and only those pass."""


RAN_TOO_LONG = "Cancelled - Ran too long"
"""The status IBM's runtime gave a job stopped at its maximum execution time."""
RAN_TOO_LONG_CODE = 1305
"""The ``state.reason_code`` of such a job on the current platform (qiskit-ibm-runtime maps
``Cancelled`` + 1305 to ERROR, "ran longer than maximum execution time")."""

PRIMITIVES_PYTHON = "PQ_IBM_PRIMITIVES_PYTHON"
"""Names the Python that runs the platform's primitive jobs (default: the local cloud's own).

Why: qiskit-ibm-runtime 0.48+ (qiskit 2.x) encodes circuits as QPY 17, which the qiskit 1.x
beside the local cloud cannot read; IBM runs jobs on its own current qiskit, so an operator
points this at a Python with qiskit 2.x and qiskit-ibm-runtime (e.g. the client's venv)."""
PRIMITIVES_SCRIPT = Path(__file__).with_name("platform") / "primitives.py"
"""Standard library only at import, so it runs under that Python without this package."""


def child_env() -> dict[str, str]:
    extra = (n.strip() for n in os.environ.get(JOB_ENV_PASSTHROUGH, "").split(","))
    names = (*_ENV_ALLOWLIST, *filter(None, extra))
    return {k: os.environ[k] for k in names if k in os.environ}


def _command(job_dir: Path) -> list[str]:
    """The job process: the runner, or for the platform's primitive jobs the interpreter
    named by ``PQ_IBM_PRIMITIVES_PYTHON`` (qiskit 2.x for the newest clients' QPY) running
    the standalone primitives script."""
    spec = json.loads((job_dir / "job.json").read_text(encoding="utf-8"))
    python = os.environ.get(PRIMITIVES_PYTHON)
    if spec.get("platform") and python:
        return [python, str(PRIMITIVES_SCRIPT), str(job_dir)]
    return [sys.executable, "-m", "pulumi_quantum.local.ibm.runner", str(job_dir)]


def kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


class JobProcesses:
    """What the job executors share: worker threads taking job ids from ``_queue`` (``None``
    stops one) and the process group of each running job in ``_procs``, under ``_lock``."""

    _queue: queue.Queue[Any]
    _workers: list[threading.Thread]
    _procs: dict[str, subprocess.Popen[bytes]]
    _lock: threading.Lock
    _closing: threading.Event

    def _start_workers(self, name: str, max_parallel: int) -> None:
        """The queue, the process table and ``max_parallel`` worker threads running ``_work``
        (named ``name-0``, ...). Daemon threads, not a ThreadPoolExecutor: an interpreter exiting
        without close() must not wait for a long job; its orphaned process is killed by
        ``recover()``. Call it last in ``__init__``: the workers read the state set before."""
        self._queue = queue.Queue()
        self._procs = {}
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._workers = [
            threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True)
            for i in range(max_parallel)
        ]
        for worker in self._workers:
            worker.start()

    def _work(self) -> None:
        raise NotImplementedError

    def kill(self, job_id: str) -> None:
        with self._lock:
            proc = self._procs.get(job_id)
        if proc is not None:
            kill_group(proc.pid)

    def close(self) -> None:
        """Stop: kill running jobs (they are failed by ``recover`` at next start)."""
        self._closing.set()
        with self._lock:
            procs = list(self._procs.values())
        for proc in procs:
            kill_group(proc.pid)
        for _ in self._workers:
            self._queue.put(None)
        for worker in self._workers:
            worker.join(timeout=10)


class JobExecutor(JobProcesses):
    def __init__(
        self,
        store: Store,
        on_finished: Callable[[str], None],
        max_parallel: int = 2,
    ) -> None:
        self._store = store
        self._on_finished = on_finished
        self._start_workers("ibm-job", max_parallel)  # last: they read the state above

    def job_dir(self, job_id: str) -> Path:
        return jobs_root(self._store) / job_id

    def prepare(self, job_id: str, spec: dict[str, Any], source: str | None) -> None:
        """Snapshot what the job runs, so later program updates do not change it.

        A full or read-only disk is StorageUnavailable (503), with nothing left behind."""
        path = self.job_dir(job_id)
        try:
            with storage_errors(self._store):
                path.mkdir(parents=True, exist_ok=True)
                (path / "job.json").write_text(json.dumps(spec), encoding="utf-8")
                if source is not None:
                    (path / "program.py").write_text(source, encoding="utf-8")
        except BaseException:
            self.discard(job_id)
            raise

    def discard(self, job_id: str) -> None:
        """Remove a prepared job that was never recorded (its insert failed)."""
        shutil.rmtree(self.job_dir(job_id), ignore_errors=True)

    def submit(self, job_id: str) -> None:
        if not self._closing.is_set():
            self._queue.put(job_id)

    def _work(self) -> None:
        while True:
            job_id = self._queue.get()
            if job_id is None or self._closing.is_set():
                return
            self._run_safely(job_id)

    # -- one job -------------------------------------------------------------------------------
    def _run_safely(self, job_id: str) -> None:
        try:
            self._run(job_id)
        except Exception as exc:  # never leave a job running because of a server bug
            self._finish(
                job_id,
                "Failed",
                f"internal error of the local runtime: {exc}",
                result=None,
                logs=None,
            )

    def _run(self, job_id: str) -> None:
        if self._closing.is_set():
            return
        # While storage is unavailable the job waits to start (and, below, to be finished).
        claimed = self._store.commit_eventually(
            lambda: self._store.execute(
                "UPDATE ibm_jobs SET status = 'Running', started_at = ? "
                "WHERE id = ? AND status = 'Queued'",
                (db.now(), job_id),
            ),
            self._closing.is_set,
            f"the start of IBM job {job_id}",
        )
        if not claimed:
            self._cleanup(job_id)
            return
        row = self._store.query_one("SELECT time_limit FROM ibm_jobs WHERE id = ?", (job_id,))
        limit = int(row["time_limit"])
        path = self.job_dir(job_id)
        log_path = path / "logs.txt"
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                _command(path),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=path,
                env=child_env(),
                start_new_session=True,
            )
        with self._lock:
            self._procs[job_id] = proc
        with contextlib.suppress(StorageUnavailable):  # only for killing an orphan at restart
            self._store.execute("UPDATE ibm_jobs SET pid = ? WHERE id = ?", (proc.pid, job_id))
        timed_out = self._wait(proc, path, limit)
        with self._lock:
            self._procs.pop(job_id, None)
        logs = log_path.read_text(encoding="utf-8", errors="replace")
        interim_path = path / "interim.jsonl"
        interim = interim_path.read_text(encoding="utf-8") if interim_path.exists() else None
        outcome_path = path / "outcome.json"
        if timed_out:
            reason = (
                f"Job ran longer than its maximum execution time of {limit} seconds and was killed."
            )
            # IBM's runtime status for a job stopped at its limit; clients report it as an
            # error with their own "ran longer than maximum execution time" message.
            self._finish(job_id, RAN_TOO_LONG, reason, result=reason, logs=logs, interim=interim)
        elif outcome_path.exists():
            outcome = json.loads(outcome_path.read_text(encoding="utf-8"))
            if outcome["status"] == "Completed":
                self._finish(
                    job_id, "Completed", None, result=outcome["result"], logs=logs, interim=interim
                )
            else:
                self._finish(
                    job_id,
                    "Failed",
                    outcome["reason"],
                    result=outcome["error"],
                    logs=logs,
                    interim=interim,
                )
        else:
            reason = (
                f"The job process ended without a result (exit code {proc.returncode});"
                " see the job logs."
            )
            self._finish(
                job_id, "Failed", reason, result=f"JobError: '{reason}'", logs=logs, interim=interim
            )
        self._cleanup(job_id)

    def _wait(self, proc: subprocess.Popen[bytes], path: Path, limit: int) -> bool:
        """Wait for the process; True if it was killed for exceeding ``limit``."""
        startup_deadline = time.monotonic() + STARTUP_GRACE_SECONDS
        deadline: float | None = None
        marker = path / "started"
        while True:
            try:
                proc.wait(timeout=POLL_SECONDS)
                return False
            except subprocess.TimeoutExpired:
                pass
            if self._closing.is_set():
                kill_group(proc.pid)
                proc.wait()
                return False
            now = time.monotonic()
            if deadline is None and marker.exists():
                deadline = now + limit
            if (deadline is not None and now > deadline) or (
                deadline is None and now > startup_deadline
            ):
                kill_group(proc.pid)
                proc.wait()
                return True

    def _finish(
        self,
        job_id: str,
        status: str,
        reason: str | None,
        *,
        result: str | None,
        logs: str | None,
        interim: str | None = None,
    ) -> None:
        if self._closing.is_set():
            return  # stopping: leave the job for recover() to report

        def write() -> bool:
            with self._store.transaction() as conn:
                changed = conn.execute(
                    "UPDATE ibm_jobs SET status = ?, reason = ?, result = ?, logs = ?,"
                    " interim = ?, finished_at = ?, pid = NULL WHERE id = ? AND status = 'Running'",
                    (status, reason, result, logs, interim, db.now(), job_id),
                ).rowcount
                if not changed:  # cancelled meanwhile: keep the cancellation, keep the logs
                    conn.execute(
                        "UPDATE ibm_jobs SET logs = ?, pid = NULL WHERE id = ?", (logs, job_id)
                    )
            return True

        # A job that ends while storage is unavailable is finished as soon as it is back.
        stopping, what = self._closing.is_set, f"the end of IBM job {job_id}"
        if self._store.commit_eventually(write, stopping, what):
            self._store.commit_eventually(lambda: self._on_finished(job_id), stopping, what)

    def _cleanup(self, job_id: str) -> None:
        if not self._closing.is_set():
            shutil.rmtree(self.job_dir(job_id), ignore_errors=True)


def _is_our_runner(pid: int, job_id: str) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    ours = b"pulumi_quantum.local.ibm.runner" in cmdline or bytes(PRIMITIVES_SCRIPT) in cmdline
    return ours and any(arg.endswith(job_id.encode()) for arg in cmdline)


def recover(store: Store) -> int:
    """Fail jobs left queued or running by a crash; returns how many were failed.

    A runner orphaned by ``kill -9`` of the server is killed first (after checking its
    command line, so a recycled pid is never touched).
    """
    db.migrate(store)
    rows = store.query("SELECT id, status, pid FROM ibm_jobs WHERE status IN ('Queued','Running')")
    for row in rows:
        if row["pid"] and _is_our_runner(row["pid"], row["id"]):
            kill_group(row["pid"])
        reason = RESTART_REASON.format(state=row["status"].lower())
        store.execute(
            "UPDATE ibm_jobs SET status = 'Failed', reason = ?, result = ?, finished_at = ?,"
            " pid = NULL WHERE id = ? AND status = ?",
            (reason, f"JobError: '{reason}'", db.now(), row["id"], row["status"]),
        )
        shutil.rmtree(jobs_root(store) / row["id"], ignore_errors=True)
    store.execute(
        "UPDATE ibm_sessions SET close_reason = 'closed', closed_at = ? "
        "WHERE accepting_jobs = 0 AND close_reason IS NULL",
        (db.now(),),
    )
    return len(rows)
