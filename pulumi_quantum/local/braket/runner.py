"""Runs queued quantum tasks on amazon-braket-default-simulator, safely under any load.

Why simulations run in worker processes by default: the simulator's kernels are numba
``parallel=True`` functions, and numba's default threading layer on this platform (workqueue) is
not thread-safe — two simulations in two threads of one process make numba abort the *whole
process* ("Numba workqueue threading layer is terminating: Concurrent access has been
detected"), taking every task and request with it. Alternatives considered:

* a thread-safe numba layer (``NUMBA_THREADING_LAYER=tbb``/``omp``): needs the ``tbb`` wheel or
  an OpenMP runtime numba was built against, both platform-dependent, and must be set before
  numba is first imported by anyone in the process — a default that silently falls back to
  workqueue when they are missing is not safe;
* a process-wide lock around simulation: safe, but every simulation then holds the server's GIL,
  so API latency rises with load.

Worker processes (a ``ProcessPoolExecutor`` on the ``forkserver`` start method, so workers never
inherit the server's threads or locks) isolate each simulation: one simulation per process, each
process with its own numba runtime, and the simulation no longer competes with request handling
for the server's GIL. The workers are started and warmed (simulator imported) when the runner is
created, so the first task does not pay for it. Each worker watches the server process and exits
when it is gone, so a server killed with SIGKILL leaves no orphans behind (ProcessPoolExecutor
workers would otherwise wait on their call queue for ever). If a worker dies (killed, out of
memory, a crash in native code) the pool is broken (``BrokenProcessPool``): the runner builds a
new pool and runs the task again, so one bad worker costs one retry, not the daemon.

``sim_processes=0`` keeps simulation in the server process, serialised by a lock (still safe, for
embedding where extra processes are unwanted).

Results are written to S3 *before* the task is marked COMPLETED, so a client that sees COMPLETED
can always read ``results.json``; a crash between the two re-runs the task on restart (results are
simply overwritten with an equivalent run).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import select
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from ..store import StorageUnavailable
from . import results
from .devices import ALL_DEVICES, simulator_for
from .models import BraketBackend

log = logging.getLogger(__name__)

ResultWriter = Callable[[str, str, bytes], None]
"""write(bucket, key, body) into S3."""

SIMULATION_ATTEMPTS = 3
"""Runs of one task when worker processes keep dying under it (then the task FAILS)."""

_IN_PROCESS_LOCK = threading.Lock()
"""Serialises in-process simulations (numba's workqueue layer is not thread-safe)."""


#: How much lower than the server's the simulation workers' CPU priority is (``nice`` steps).
WORKER_NICENESS = 19


class SimulationPool:
    """Worker processes running :func:`simulate`, rebuilt when broken."""

    def __init__(self, processes: int):
        self.processes = processes
        self._lock = threading.Lock()
        self._closed = False
        self._executor = self._new_executor()

    def _new_executor(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("forkserver")
        executor = ProcessPoolExecutor(
            max_workers=self.processes,
            mp_context=context,
            initializer=_worker_init,
            initargs=(os.getpid(),),
        )
        # Start (and warm) every worker now rather than on the first tasks.
        for _ in range(self.processes):
            executor.submit(int)
        return executor

    def pids(self) -> list[int]:
        """Worker process ids (for tests and diagnostics)."""
        return list(getattr(self._executor, "_processes", None) or {})

    def problems(self) -> list[str]:
        """Why the pool cannot serve right now (empty when healthy), for ``local status``.

        A dead worker breaks the whole executor; it is rebuilt lazily by the next task (see
        :meth:`run`), so until then the daemon reports itself unhealthy rather than "ok".
        """
        executor = self._executor
        if self._closed:
            return ["simulation pool is shut down"]
        found = []
        if getattr(executor, "_broken", False):
            found.append("simulation pool is broken; it is rebuilt on the next task")
        processes = getattr(executor, "_processes", None) or {}
        dead = sorted(pid for pid, proc in processes.items() if not proc.is_alive())
        if dead:
            found.append(f"simulation worker(s) {dead} died; the pool is rebuilt on the next task")
        return found

    def run(self, *job: object) -> bytes:
        """simulate(*job) in a worker; a broken pool is replaced and the job run again."""
        for attempt in range(1, SIMULATION_ATTEMPTS + 1):
            executor = self._executor
            try:
                return executor.submit(simulate, *job).result()
            except BrokenProcessPool:
                if self._closed or attempt == SIMULATION_ATTEMPTS:
                    raise
                log.warning("simulation worker died; rebuilding the pool (attempt %d)", attempt)
                self._replace(executor)
        raise AssertionError("unreachable")

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        """Swap in a fresh executor, once, however many threads saw ``broken`` fail."""
        with self._lock:
            if self._executor is broken and not self._closed:
                self._executor = self._new_executor()
        broken.shutdown(wait=False, cancel_futures=True)

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
        self._executor.shutdown(wait=True, cancel_futures=True)


class TaskRunner:
    def __init__(
        self,
        backend: BraketBackend,
        write_result: ResultWriter,
        workers: int = 2,
        sim_processes: int | None = None,
    ):
        """``workers`` tasks in flight at once; their simulations run in ``sim_processes``
        worker processes (default: ``workers``), or in this process one at a time if 0.
        """
        self.backend = backend
        self.write_result = write_result
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="braket-task")
        processes = workers if sim_processes is None else sim_processes
        self.sim_pool: SimulationPool | None = SimulationPool(processes) if processes > 0 else None
        self._go = threading.Event()
        self._go.set()
        self._stopping = False

    @property
    def paused(self) -> bool:
        return not self._go.is_set()

    def pause(self, paused: bool) -> None:
        """Test hook (``/_local/runner``): hold picked-up tasks in RUNNING, the rest QUEUED.

        Lets tests observe RUNNING/QUEUED deterministically (cancel, crash mid-run) without
        relying on how long a simulation takes.
        """
        if paused:
            self._go.clear()
        else:
            self._go.set()

    def submit(self, arn: str) -> None:
        self._pool.submit(self._run_logged, arn)

    def problems(self) -> list[str]:
        """What keeps the runner from running tasks (empty when healthy)."""
        return self.sim_pool.problems() if self.sim_pool is not None else []

    def shutdown(self) -> None:
        """Stop taking work; queued tasks stay QUEUED in the store and resume on restart."""
        self._stopping = True
        self._go.set()  # release held workers; they leave their task RUNNING for recovery
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self.sim_pool is not None:
            self.sim_pool.shutdown()

    def _run_logged(self, arn: str) -> None:
        try:
            self.run(arn)
        except Exception:  # the pool would swallow it silently
            log.exception("quantum task %s crashed the runner", arn)

    def run(self, arn: str) -> str | None:
        """Run one task to a terminal state; returns that state (None if not runnable).

        While storage is unavailable (disk full, read-only database) the task waits to start,
        and a finished one keeps its result in memory until storage is back, then completes
        (results written, status set) without a restart. A stop meanwhile leaves the task to
        crash recovery, which runs it again.
        """

        def commit(write: Callable[[], Any], what: str) -> Any:
            return self.backend.store.commit_eventually(write, self._stopped, f"{what} of {arn}")

        row = commit(lambda: self.backend.start(arn), "the start")
        if row is None:
            return None
        self._go.wait()
        if self._stopping:
            return None
        try:
            job = (
                row["device_arn"],
                row["action"],
                row["shots"],
                row["arn"],
                row["device_parameters"],
            )
            if self.sim_pool is not None:
                body = self.sim_pool.run(*job)
            else:
                with _IN_PROCESS_LOCK:
                    body = simulate(*job)
        except Exception as exc:
            if self._stopping:
                return None  # shutting down mid-run: recovery re-runs it
            reason = f"{type(exc).__name__}: {exc}"[:1000]
            return commit(lambda: self.backend.finish(arn, failure_reason=reason), "the failure")
        return commit(lambda: self._complete(arn, row, body), "the completion")

    def _stopped(self) -> bool:
        return self._stopping

    def _complete(self, arn: str, row: Any, body: bytes) -> str:
        """Results to S3, then COMPLETED (or CANCELLED); StorageUnavailable if either fails."""
        if self.backend.is_cancelling(arn):
            return self.backend.finish(arn)
        try:
            self.write_result(row["bucket"], f"{row['directory']}/results.json", body)
        except StorageUnavailable:
            raise
        except Exception as exc:
            return self.backend.finish(arn, failure_reason=f"could not write results to S3: {exc}")
        return self.backend.finish(arn)


def _worker_init(server_pid: int) -> None:
    """Worker start-up: exit with the server; yield the CPU to it; import the simulator now.

    Simulations are batch work; API requests are what clients wait on. On a machine with few
    cores, workers at the server's priority made CreateQuantumTask queue behind running
    simulations: create p50 36 ms and p99 76-122 ms at concurrency 8 on 2 cores, against
    18-22 ms and 58-61 ms at nice 19 (bench/RESULTS.md). At the lowest priority the scheduler
    runs the request first, and simulations still get every idle cycle.
    """
    threading.Thread(target=_exit_with, args=(server_pid,), daemon=True).start()
    with contextlib.suppress(OSError):  # not permitted here: run at the inherited priority
        os.nice(WORKER_NICENESS)
    import braket.default_simulator
    import braket.ir.jaqcd
    import braket.ir.openqasm
    import braket.task_result  # noqa: F401


def _exit_with(server_pid: int) -> None:
    """Block until process ``server_pid`` has exited, then end this worker."""
    try:
        fd = os.pidfd_open(server_pid)  # Linux: readable once the process has exited
        select.select([fd], [], [])
    except (AttributeError, OSError):  # no pidfd: poll
        while True:
            try:
                os.kill(server_pid, 0)
            except ProcessLookupError:
                break
            except PermissionError:
                pass
            time.sleep(1.0)
    os._exit(0)


def simulate(
    device_arn: str,
    action: str,
    shots: int,
    task_arn: str,
    device_parameters: str | None = None,
) -> bytes:
    """Run one task's program; returns results.json (GateModelTaskResult) bytes.

    Module level (picklable) so it can run in a worker process.
    """
    device = ALL_DEVICES[device_arn]
    gates = device.qpu.simulation_gates if device.qpu is not None else ()
    return results.simulate(
        simulator_for(device.backend), action, shots, task_arn, device_arn, device_parameters,
        gates,
    )  # fmt: skip
