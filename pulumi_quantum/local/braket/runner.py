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

Worker processes (started on the ``forkserver`` start method, so workers never inherit the
server's threads or locks) isolate each simulation: one simulation per process, each process with
its own numba runtime, and the simulation no longer competes with request handling for the
server's GIL. The workers are started and warmed (simulator imported) when the runner is created,
so the first task does not pay for it. Each worker watches the server process and exits when it
is gone, so a server killed with SIGKILL leaves no orphans behind.

Each worker has its own pipe (not ``ProcessPoolExecutor``, which hides which process runs which
call and breaks as a whole when one dies), so:

* CancelQuantumTask on a RUNNING task kills the one process simulating it and the task is
  CANCELLED at once; a fresh worker takes its place and the other simulations run on;
* a worker that dies (killed, out of memory, a crash in native code) costs its own task one more
  run (at most ``SIMULATION_ATTEMPTS``), never a cancelled task's, and no other task's;
* shutting down kills the workers instead of waiting for a long simulation to end.

``sim_processes=0`` keeps simulation in the server process, serialised by a lock (still safe, for
embedding where extra processes are unwanted).

Results are written to S3 *before* the task is marked COMPLETED, so a client that sees COMPLETED
can always read ``results.json``; a crash between the two re-runs the task on restart (results are
simply overwritten with an equivalent run).
"""

from __future__ import annotations

import collections
import contextlib
import logging
import multiprocessing
import os
import select
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from .. import budget
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


class SimulationFailed(Exception):
    """The simulator raised in a worker: its exception's class name and message."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


class WorkerDied(Exception):
    """The worker process running a simulation ended before answering."""


class Interrupted(Exception):
    """The simulation was stopped on purpose (its task was cancelled, or the pool shut down)."""


@dataclass
class _Worker:
    """One simulation process and the parent's end of its pipe."""

    process: BaseProcess
    conn: Connection
    task: str | None = None
    interrupted: bool = False


class SimulationPool:
    """Worker processes running :func:`simulate`, one simulation per process at a time.

    Each worker has its own pipe, so the pool knows which process runs which task: cancelling a
    task kills exactly that process (:meth:`interrupt`) and a fresh one takes its place, while
    the other simulations run on. Processes are started only when the pool is built and when one
    has died or been killed, never per task, so the hot path stays one pickle each way.
    """

    def __init__(self, processes: int):
        self.processes = processes
        self._context = multiprocessing.get_context("forkserver")
        self._cond = threading.Condition()
        self._closed = False
        self._idle: list[_Worker] = []
        self._busy: dict[str, _Worker] = {}
        self._doomed: set[str] = set()  # interrupted before they reached a worker
        self._workers = [self._spawn() for _ in range(processes)]
        self._idle.extend(self._workers)

    def _spawn(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=_worker_main, args=(child, os.getpid()), name="braket-sim", daemon=True
        )
        process.start()
        child.close()
        return _Worker(process, parent)

    def pids(self) -> list[int]:
        """Worker process ids (for tests and diagnostics)."""
        with self._cond:
            return [w.process.pid for w in self._workers if w.process.pid is not None]

    def running(self) -> dict[str, int]:
        """Task ARN -> pid of the worker simulating it now."""
        with self._cond:
            return {arn: w.process.pid for arn, w in self._busy.items() if w.process.pid}

    def problems(self) -> list[str]:
        """Why the pool cannot serve right now (empty when healthy), for ``local status``.

        A worker that died while idle is replaced by the next task that needs it (see
        :meth:`_acquire`); until then the daemon reports itself unhealthy rather than "ok".
        """
        if self._closed:
            return ["simulation pool is shut down"]
        with self._cond:
            dead = sorted(w.process.pid for w in self._idle if _dead(w.process))
        if dead:
            return [f"simulation worker(s) {dead} died; the pool is rebuilt on the next task"]
        return []

    def run(self, task: str, *job: object) -> bytes:
        """simulate(*job) in a worker; raises :class:`Interrupted` if :meth:`interrupt` stopped
        it and :class:`WorkerDied` if the process ended otherwise (the caller decides whether
        the task deserves another run)."""
        worker = self._acquire(task)
        try:
            worker.conn.send(job)
            ok, payload = worker.conn.recv()
        except (EOFError, OSError):
            self._retire(worker)
            if worker.interrupted or self._closed:
                raise Interrupted(task) from None
            raise WorkerDied(f"simulation worker {worker.process.pid} died") from None
        if not self._release(worker):  # killed just after it answered: never reuse it
            self._retire(worker)
        if ok:
            return payload
        raise SimulationFailed(*payload)

    def interrupt(self, task: str) -> bool:
        """Stop the simulation of ``task`` now (SIGKILL its worker); False if none is running."""
        with self._cond:
            worker = self._busy.get(task)
            if worker is None:
                self._doomed.add(task)  # not started yet: it never will be
                self._cond.notify_all()  # it may be waiting for a free worker
                return False
            worker.interrupted = True
        worker.process.kill()
        return True

    def forget(self, task: str) -> None:
        """Drop an interrupt that arrived too late to matter (the task already finished)."""
        with self._cond:
            self._doomed.discard(task)

    def _acquire(self, task: str) -> _Worker:
        with self._cond:
            while not self._idle and not self._closed and task not in self._doomed:
                self._cond.wait()
            if self._closed or task in self._doomed:
                self._doomed.discard(task)
                raise Interrupted(task)
            self._replace_dead_idle()
            worker = self._idle.pop()
            worker.task = task
            self._busy[task] = worker
            return worker

    def _replace_dead_idle(self) -> None:
        """Swap every idle worker that died (killed, out of memory) for a fresh process.

        Called with the lock held, when a task needs a worker: the pool is whole again after
        the first task that follows a death, as ``local status`` promises.
        """
        for i, worker in enumerate(self._idle):
            if _dead(worker.process):
                worker.process.join(timeout=1)
                worker.conn.close()
                self._workers.remove(worker)
                self._idle[i] = self._spawn()
                self._workers.append(self._idle[i])

    def _release(self, worker: _Worker) -> bool:
        """Return a worker to the idle list; False (and not returned) if it was interrupted."""
        with self._cond:
            self._busy.pop(worker.task or "", None)
            if worker.interrupted:
                return False
            worker.task = None
            self._idle.append(worker)
            self._cond.notify()
            return True

    def _retire(self, worker: _Worker) -> None:
        """Reap a dead (or killed) worker and put a fresh process in its place."""
        worker.process.kill()
        worker.process.join(timeout=5)
        worker.conn.close()
        with self._cond:
            self._busy.pop(worker.task or "", None)
            if worker in self._workers:
                self._workers.remove(worker)
            if self._closed:
                return
            fresh = self._spawn()
            self._workers.append(fresh)
            self._idle.append(fresh)
            self._cond.notify()

    def shutdown(self) -> None:
        """Kill every worker now: a running simulation is abandoned (its task stays RUNNING and
        is re-queued by the next start's recovery), so stopping never waits for one."""
        with self._cond:
            self._closed = True
            workers = list(self._workers)
            self._cond.notify_all()
        for worker in workers:
            worker.process.kill()
        for worker in workers:
            worker.process.join(timeout=5)


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
        self._priority: collections.deque[str] = collections.deque()
        self._ordinary: collections.deque[str] = collections.deque()
        self._inflight = 0  # tasks between pick-up and their final state
        self._inflight_lock = threading.Lock()

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

    def submit(self, arn: str, priority: bool = False) -> None:
        """Queue a task; ``priority`` (a hybrid job's task) runs before every ordinary one.

        Each submit queues one ARN and one pool slot; the slot runs whichever task is first
        (priority tasks, then the rest in order), so a job's tasks overtake waiting ones.
        """
        (self._priority if priority else self._ordinary).append(arn)
        self._pool.submit(self._run_next)

    def _run_next(self) -> None:
        try:
            arn = self._priority.popleft()
        except IndexError:
            arn = self._ordinary.popleft()
        self._run_logged(arn)

    def interrupt(self, arn: str) -> None:
        """A RUNNING task was cancelled: stop its simulation now (the worker is replaced).

        In-process simulations (``sim_processes=0``) cannot be interrupted: they end CANCELLED
        when the simulation returns, as before.
        """
        if self.sim_pool is not None:
            self.sim_pool.interrupt(arn)

    def problems(self) -> list[str]:
        """What keeps the runner from running tasks (empty when healthy)."""
        return self.sim_pool.problems() if self.sim_pool is not None else []

    def shutdown(self) -> bool:
        """Stop taking work; queued tasks stay QUEUED in the store and resume on restart.

        Running simulations are abandoned, not awaited (their workers are killed): the tasks stay
        RUNNING in the store and the next start's recovery runs them again, so stopping the
        daemon takes moments even during a long simulation. An in-process simulation cannot be
        interrupted and is not waited for either; returns False when one is still running.
        """
        self._stopping = True
        self._go.set()  # release held workers; they leave their task RUNNING for recovery
        if self.sim_pool is not None:
            self.sim_pool.shutdown()
        self._pool.shutdown(wait=self.sim_pool is not None, cancel_futures=True)
        with self._inflight_lock:
            return self._inflight == 0

    def _run_logged(self, arn: str) -> None:
        with self._inflight_lock:
            self._inflight += 1
        try:
            self.run(arn)
        except Exception:  # the pool would swallow it silently
            log.exception("quantum task %s crashed the runner", arn)
        finally:
            with self._inflight_lock:
                self._inflight -= 1

    def _simulate(self, arn: str, job: tuple[object, ...]) -> bytes:
        """Run ``job`` in a worker, again if the worker dies under it (never once cancelled)."""
        if self.sim_pool is None:
            with _IN_PROCESS_LOCK:
                return simulate(*job)  # type: ignore[arg-type]
        try:
            for attempt in range(1, SIMULATION_ATTEMPTS + 1):
                try:
                    return self.sim_pool.run(arn, *job)
                except WorkerDied:
                    if self._stopping or self.backend.is_cancelling(arn):
                        raise Interrupted(arn) from None
                    if attempt == SIMULATION_ATTEMPTS:
                        raise
                    log.warning("simulation worker died under %s; running it again", arn)
            raise AssertionError("unreachable")
        finally:
            self.sim_pool.forget(arn)

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
        job = (row["device_arn"], row["action"], row["shots"], row["arn"],
               row["device_parameters"])  # fmt: skip
        try:
            body = self._simulate(arn, job)
        except Interrupted:
            if self._stopping or not self.backend.is_cancelling(arn):
                return None  # shutting down mid-run: recovery re-runs it
            return commit(lambda: self.backend.finish(arn), "the cancellation")  # at once
        except Exception as exc:
            if self._stopping:
                return None  # shutting down mid-run: recovery re-runs it
            name = exc.name if isinstance(exc, SimulationFailed) else type(exc).__name__
            reason = f"{name}: {exc}"[:1000]
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


def _dead(process: BaseProcess) -> bool:
    """True once a worker has exited or been killed. ``is_alive()`` alone lags: the workers are
    the forkserver's children, whose exit the server learns only when the forkserver has reaped
    them and written the status back, so a killed worker still looks alive for a moment and would
    be handed the next task. /proc says at once (gone, or a zombie)."""
    if not process.is_alive():
        return True
    try:
        with open(f"/proc/{process.pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (OSError, IndexError):
        return True


def _worker_main(conn: Connection, server_pid: int) -> None:
    """A simulation worker: run each job the pipe brings, answer ``(ok, result)``.

    A failure is answered as ``(False, (class name, message))``: plain strings always pickle,
    whatever the simulator raised.
    """
    _worker_init(server_pid)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):  # the server closed the pipe: nothing more to do
            return
        try:
            reply: tuple[bool, object] = (True, simulate(*job))
        except BaseException as exc:  # reported as the task's failure, the worker lives on
            reply = (False, (type(exc).__name__, str(exc)))
        conn.send(reply)


def _worker_init(server_pid: int) -> None:
    """Worker start-up: exit with the server; cap its address space (:mod:`..budget`); yield the
    CPU to the server; import the simulator now.

    Simulations are batch work; API requests are what clients wait on. On a machine with few
    cores, workers at the server's priority made CreateQuantumTask queue behind running
    simulations: create p50 36 ms and p99 76-122 ms at concurrency 8 on 2 cores, against
    18-22 ms and 58-61 ms at nice 19 (bench/RESULTS.md). At the lowest priority the scheduler
    runs the request first, and simulations still get every idle cycle.
    """
    threading.Thread(target=_exit_with, args=(server_pid,), daemon=True).start()
    # A simulation larger than the budget foresaw fails its task (MemoryError), not the machine.
    budget.limit_address_space()
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
