"""Runs function jobs in subprocesses, with the isolation of the local IBM jobs.

A job is the function's artifact unpacked in a directory of its own, its entrypoint run by
the interpreter named by ``PQ_LOCAL_GATEWAY_PYTHON`` (default: the local cloud's own; a
function imports qiskit-serverless, which lives in its own virtualenv) in a new process group,
with the scrubbed environment of
:mod:`..ibm.executor` (so user code never sees the server's credentials) plus the runtime
contract qiskit-serverless's helpers read:

* ``ARGUMENTS_PATH`` - the arguments JSON file (``get_arguments()``);
* ``ENV_JOB_GATEWAY_HOST`` / ``ENV_JOB_GATEWAY_TOKEN`` / ``ENV_JOB_ID_GATEWAY`` /
  ``ENV_GATEWAY_PROVIDER_VERSION`` - ``save_result()``, ``update_status()`` and
  ``send_error()`` post back here with a token valid for this job only;
* ``RESULTS_PATH`` - where ``save_result()`` of qiskit-serverless 0.33+ writes the result
  (older releases post it); read back into the job when the process ends;
* ``DATA_PATH`` - the caller's files folder of this function (the ``files`` API);
* the function's ``env_vars``; stdout and stderr are the job's logs.

The time limit is enforced by killing the process group; the database is the source of
truth and every transition is a conditional UPDATE, so a stop landing as a job ends wins.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..ibm import db as ibm_db
from ..ibm.accounts import Accounts
from ..ibm.executor import JobProcesses, child_env, kill_group
from ..store import Store

log = logging.getLogger(__name__)
POLL_SECONDS = 0.1
ACTIVE = ("QUEUED", "PENDING", "RUNNING")
RESTART_REASON = "The local quantum cloud stopped while this job was running; submit it again."
RESULTS_FILE = "results.json"
FUNCTION_PYTHON = "PQ_LOCAL_GATEWAY_PYTHON"
"""Names the Python that runs function jobs (default: the local cloud's own).

Why: a function's code imports ``qiskit_serverless`` (``get_arguments``, ``save_result``...),
whose releases pin a cloudpickle that amazon-braket-sdk cannot share, so it is not installed
beside the local cloud; an operator points this at a Python with qiskit-serverless (IBM runs
functions on its own images), e.g. the client's venv."""


def gateway_root(store: Store) -> Path:
    return store.path.parent / "gateway"


class FunctionExecutor(JobProcesses):
    def __init__(
        self,
        store: Store,
        accounts: Accounts,
        public_url: Callable[[], str],
        event: Callable[[str, str, str, dict[str, Any]], None],
        platform_env: Callable[[], dict[str, str]] = dict,
        max_parallel: int = 2,
    ) -> None:
        self._store = store
        self._accounts = accounts
        self._platform_env = platform_env
        self._public_url = public_url
        self._event = event
        self._start_workers("gateway-job", max_parallel)  # last: they read the state above

    def job_dir(self, job_id: str) -> Path:
        return gateway_root(self._store) / "jobs" / job_id

    def submit(self, job_id: str, token: str) -> None:
        if not self._closing.is_set():
            self._queue.put((job_id, token))

    def log_text(self, job_id: str) -> str | None:
        """The live log of a running job (None when it is not running here)."""
        path = self.job_dir(job_id) / "logs.txt"
        with contextlib.suppress(OSError):
            return path.read_text(encoding="utf-8", errors="replace")
        return None

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None or self._closing.is_set():
                return
            try:
                self._run(*item)
            except Exception as exc:  # never leave a job running because of a server bug
                log.exception("local gateway: job %s", item[0])
                try:
                    self._finish(item[0], "FAILED", f"internal error of the local gateway: {exc}")
                except Exception:  # storage gone too: recover() fails it at the next start
                    log.exception("local gateway: could not record the end of job %s", item[0])

    def _run(self, job_id: str, token: str) -> None:
        claimed = self._store.execute(
            "UPDATE gw_jobs SET status = 'RUNNING', started_at = ? "
            "WHERE id = ? AND status = 'QUEUED'",
            (ibm_db.now(), job_id),
        )
        if not claimed:
            return
        row = self._store.query_one(
            "SELECT j.author, j.instance, j.arguments, j.time_limit, f.artifact, f.entrypoint,"
            " f.env_vars, f.title, f.provider FROM gw_jobs j"
            " JOIN gw_functions f ON f.id = j.function_id WHERE j.id = ?",
            (job_id,),
        )
        path = self.job_dir(job_id)
        work = path / "function"
        work.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(row["artifact"])) as tar:
            # Members were checked at upload (rules.artifact); the data filter checks again
            # where this Python has it (3.11.4+).
            extra = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            tar.extractall(work, **extra)
        arguments = path / "arguments.json"
        arguments.write_text(row["arguments"], encoding="utf-8")
        data = files_dir(self._store, row["author"], row["provider"], row["title"])
        data.mkdir(parents=True, exist_ok=True)
        env = {
            **json.loads(row["env_vars"]),
            **child_env(),
            **self._runtime_env(row["author"], row["instance"]),
            "ARGUMENTS_PATH": str(arguments),
            "DATA_PATH": str(data),
            "RESULTS_PATH": str(path / RESULTS_FILE),
            "ENV_JOB_GATEWAY_HOST": self._public_url(),
            "ENV_JOB_GATEWAY_TOKEN": token,
            "ENV_JOB_ID_GATEWAY": job_id,
            "ENV_GATEWAY_PROVIDER_VERSION": "v1",
            "PYTHONUNBUFFERED": "1",
        }
        self._event(job_id, "STATUS_CHANGE", "RUN", {"status": "RUNNING"})
        log_path = path / "logs.txt"
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                [os.environ.get(FUNCTION_PYTHON) or sys.executable, row["entrypoint"]],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=work,
                env=env,
                start_new_session=True,
            )
        with self._lock:
            self._procs[job_id] = proc
        self._store.execute("UPDATE gw_jobs SET pid = ? WHERE id = ?", (proc.pid, job_id))
        limit = int(row["time_limit"])
        timed_out = self._wait(proc, limit)
        with self._lock:
            self._procs.pop(job_id, None)
        logs = log_path.read_text(encoding="utf-8", errors="replace")
        if timed_out:
            reason = (
                f"Job ran longer than its maximum execution time of {limit} seconds and was killed."
            )
            self._finish(job_id, "FAILED", reason, logs)
        elif proc.returncode == 0:
            self._finish(job_id, "SUCCEEDED", None, logs)
        else:
            reason = f"The function exited with code {proc.returncode}; see the job logs."
            self._finish(job_id, "FAILED", reason, logs)

    def _runtime_env(self, author: str, crn: str) -> dict[str, str]:
        """What ``get_runtime_service()`` reads: the caller's own platform credentials (as IBM
        hands a function its user's), and how to reach the local IBM Quantum Platform."""
        user = self._accounts.user(author)
        if user is None:
            return {}
        return {
            **self._platform_env(),
            "QISKIT_IBM_CHANNEL": "ibm_quantum_platform",
            "QISKIT_IBM_TOKEN": user.api_key,
            "QISKIT_IBM_INSTANCE": crn,
            "ENV_JOB_GATEWAY_INSTANCE": crn,
        }

    def _wait(self, proc: subprocess.Popen[bytes], limit: int) -> bool:
        deadline = time.monotonic() + limit
        while True:
            try:
                proc.wait(timeout=POLL_SECONDS)
                return False
            except subprocess.TimeoutExpired:
                pass
            if self._closing.is_set() or time.monotonic() > deadline:
                kill_group(proc.pid)
                proc.wait()
                return not self._closing.is_set()

    def _finish(self, job_id: str, status: str, reason: str | None, logs: str = "") -> None:
        if self._closing.is_set():
            return  # stopping: recover() reports the job at the next start
        if reason:
            logs = f"{logs}\n{reason}\n" if logs else f"{reason}\n"
        saved = self.job_dir(job_id) / RESULTS_FILE  # save_result() of 0.33+ writes it
        result = saved.read_text(encoding="utf-8", errors="replace") if saved.is_file() else None
        with self._store.transaction() as conn:
            if result is not None:
                conn.execute("UPDATE gw_jobs SET result = ? WHERE id = ?", (result, job_id))
            changed = conn.execute(
                "UPDATE gw_jobs SET status = ?, logs = ?, finished_at = ?, pid = NULL"
                " WHERE id = ? AND status = 'RUNNING'",
                (status, logs, ibm_db.now(), job_id),
            ).rowcount
            if not changed:  # stopped meanwhile: keep STOPPED, keep the logs
                conn.execute("UPDATE gw_jobs SET logs = ?, pid = NULL WHERE id = ?", (logs, job_id))
        if changed:
            data: dict[str, Any] = {"status": status}
            if reason:
                data["reason"] = reason
            self._event(job_id, "STATUS_CHANGE", "FINISH", data)
        shutil.rmtree(self.job_dir(job_id), ignore_errors=True)


def files_dir(store: Store, author: str, provider: str | None, title: str) -> Path:
    """A user's files folder of one function (``DATA_PATH`` in its jobs)."""
    return gateway_root(store) / "files" / author / (provider or "_") / title


def recover(store: Store) -> int:
    """Fail jobs a crash left queued or running (their processes were killed with the server)."""
    from . import db

    db.migrate(store)
    rows = store.query("SELECT id, pid FROM gw_jobs WHERE status IN ('QUEUED','PENDING','RUNNING')")
    for row in rows:
        if row["pid"]:
            with contextlib.suppress(OSError):  # a recycled pid has another working dir
                if row["id"] in os.readlink(f"/proc/{row['pid']}/cwd"):
                    kill_group(row["pid"])
        store.execute(
            "UPDATE gw_jobs SET status = 'FAILED', logs = logs || ?, finished_at = ?, pid = NULL"
            " WHERE id = ?",
            (f"\n{RESTART_REASON}\n", ibm_db.now(), row["id"]),
        )
        shutil.rmtree(gateway_root(store) / "jobs" / row["id"], ignore_errors=True)
    return len(rows)
