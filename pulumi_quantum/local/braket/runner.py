"""Runs queued quantum tasks on amazon-braket-default-simulator in a bounded worker pool.

Simulation is CPU bound and the circuits the local cloud sees are tiny, so a small thread pool
keeps up (a Bell circuit takes ~5 ms) without the start-up cost of worker processes. Results are
written to S3 *before* the task is marked COMPLETED, so a client that sees COMPLETED can always
read ``results.json``; a crash between the two re-runs the task on restart (results are simply
overwritten with an equivalent run).
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor

from .devices import DEVICES, parse_action, simulator_for
from .models import BraketBackend

log = logging.getLogger(__name__)

ResultWriter = Callable[[str, str, bytes], None]
"""write(bucket, key, body) into S3."""


class TaskRunner:
    def __init__(
        self,
        backend: BraketBackend,
        write_result: ResultWriter,
        workers: int = 2,
        sim_processes: int = 0,
    ):
        """``workers`` tasks in flight at once; ``sim_processes`` > 0 moves the simulation itself
        into that many worker processes, so it no longer competes for the server's GIL (API
        latency under load drops), at the price of a slower start (each imports the simulator).
        """
        self.backend = backend
        self.write_result = write_result
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="braket-task")
        self._sim_pool: Executor | None = None
        if sim_processes > 0:
            self._sim_pool = ProcessPoolExecutor(
                max_workers=sim_processes,
                mp_context=multiprocessing.get_context("forkserver"),
                initializer=_warm_up,
            )
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

    def shutdown(self) -> None:
        """Stop taking work; queued tasks stay QUEUED in the store and resume on restart."""
        self._stopping = True
        self._go.set()  # release held workers; they leave their task RUNNING for recovery
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._sim_pool is not None:
            self._sim_pool.shutdown(wait=True, cancel_futures=True)

    def _run_logged(self, arn: str) -> None:
        try:
            self.run(arn)
        except Exception:  # the pool would swallow it silently
            log.exception("quantum task %s crashed the runner", arn)

    def run(self, arn: str) -> str | None:
        """Run one task to a terminal state; returns that state (None if not runnable)."""
        row = self.backend.start(arn)
        if row is None:
            return None
        self._go.wait()
        if self._stopping:
            return None
        try:
            job = (row["device_arn"], row["action"], row["shots"], row["arn"])
            if self._sim_pool is not None:
                body = self._sim_pool.submit(simulate, *job).result()
            else:
                body = simulate(*job)
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"[:1000]
            return self.backend.finish(arn, failure_reason=reason)
        if self.backend.is_cancelling(arn):
            return self.backend.finish(arn)
        try:
            self.write_result(row["bucket"], f"{row['directory']}/results.json", body)
        except Exception as exc:
            return self.backend.finish(arn, failure_reason=f"could not write results to S3: {exc}")
        return self.backend.finish(arn)


def _warm_up() -> None:
    """Import the simulator once per worker process, before the first task needs it."""
    import braket.default_simulator
    import braket.ir.openqasm  # noqa: F401


def simulate(device_arn: str, action: str, shots: int, task_arn: str) -> bytes:
    """Run one OpenQASM program; returns results.json (GateModelTaskResult) bytes.

    Module level (picklable) so it can run in a worker process.
    """
    device = DEVICES[device_arn]
    program = parse_action(action)  # OpenQASM, or AHS for QuEra Aquila
    result = simulator_for(device.backend).run(program, shots=shots)
    document = json.loads(result.json())
    metadata = document["taskMetadata"]
    metadata["id"] = task_arn
    metadata["deviceId"] = device_arn
    metadata["shots"] = shots
    return json.dumps(document).encode()
