"""Runs local Braket hybrid jobs: one isolated subprocess per job, with the container's contract.

On Braket a job runs in a container (SageMaker training underneath): the service downloads the
script archive, the input channels and earlier checkpoints, writes the hyperparameters file,
sets the ``AMZN_BRAKET_*`` variables the SDK's ``braket.jobs`` helpers read, runs the entry point,
sends stdout/stderr to CloudWatch Logs (``/aws/braket/jobs``, stream
``<job-name>/<job-id>/algo-1-<epoch>``), then uploads the results directory as
``<outputDataConfig.s3Path>/output/model.tar.gz`` and the checkpoint directory to
``checkpointConfig.s3Uri``. This runner does the same on this machine, without a container:

* the job's directories live under ``<data dir>/braket_jobs/<job-id>/`` (the variables point
  there, not at ``/opt/...``);
* the process is ``python -m pulumi_quantum.local.braket.job_container`` with this project's
  Python (its installed packages are the job's: a ``requirements.txt`` is not installed), in
  its own session (killed as a group on cancel or timeout), with a scrubbed environment plus
  the local cloud's endpoints and temporary keys of the job's role from the local STS (never the
  server's own key) — it talks to the local Braket, S3 and Logs like a client;
* ``stoppingCondition.maxRuntimeInSeconds`` is enforced from the process start; a cancel
  (CANCELLING) kills the process and ends CANCELLED.

S3 is reached in-process (same moto state and durable mirror as the S3 port).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import shutil
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ..ibm.executor import child_env, kill_group
from ..store import StorageUnavailable
from .jobs import JobsBackend, parse_s3_uri

log = logging.getLogger(__name__)

POLL_SECONDS = 0.1
FAILURE_REASON_MAX = 1024
LOG_GROUP = "/aws/braket/jobs"


class JobRunner:
    """A few jobs at once (``workers``), each in its own process."""

    def __init__(
        self,
        jobs: JobsBackend,
        s3: Any,
        logs: Any,
        root: Path,
        client_env: Callable[[], dict[str, str]],
        role_credentials: Callable[[str, str, int], dict[str, str]],
        workers: int = 2,
    ) -> None:
        self.jobs = jobs
        self.s3 = s3
        self.logs = logs
        self.root = root
        self.client_env = client_env
        self.role_credentials = role_credentials
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="braket-job")
        self._stopping = threading.Event()
        self._procs: dict[str, subprocess.Popen[bytes]] = {}
        self._lock = threading.Lock()

    def submit(self, arn: str) -> None:
        self._pool.submit(self._run_logged, arn)

    def shutdown(self) -> None:
        """Stop: running job processes are killed (they fail at the next start's recovery)."""
        self._stopping.set()
        with self._lock:
            procs = list(self._procs.values())
        for proc in procs:
            kill_group(proc.pid)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _run_logged(self, arn: str) -> None:
        try:
            self.run(arn)
        except Exception:
            log.exception("hybrid job %s crashed the job runner", arn)
            with contextlib.suppress(Exception):
                self.jobs.finish(
                    arn,
                    "InternalServerError: the local job runner failed; see the local cloud's log",
                )

    # ----------------------------------------------------------------- S3
    def _backend(self) -> Any:
        return self.s3._backend()

    def _read(self, bucket: str, key: str) -> bytes:
        obj = self._backend().get_object(bucket, key)
        if obj is None:
            raise FileNotFoundError(f"s3://{bucket}/{key}")
        return bytes(obj.value)

    def _keys(self, bucket: str, prefix: str) -> list[str]:
        return sorted(
            k for k in list(self._backend().get_bucket(bucket).keys) if k.startswith(prefix)
        )

    def _download_prefix(self, uri: str, into: Path, field: str) -> None:
        """Every object under ``uri`` into ``into`` (relative to the prefix's folder)."""
        bucket, prefix = parse_s3_uri(uri, field)
        base = prefix.rsplit("/", 1)[0] + "/" if "/" in prefix else ""
        for key in self._keys(bucket, prefix):
            if key.endswith("/"):
                continue
            target = into / key[len(base) :]
            if into.resolve() not in target.resolve().parents:
                continue  # a key like ../x would escape the job's directory
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(self._read(bucket, key))

    # ---------------------------------------------------------------- run
    def _commit(self, write: Callable[[], Any], what: str) -> Any:
        """A state change now, or when storage is back (disk full, read-only database)."""
        return self.jobs.store.commit_eventually(write, self._stopping.is_set, what)

    def _finish(self, arn: str, reason: str | None = None, event: str | None = None) -> str | None:
        return self._commit(lambda: self.jobs.finish(arn, reason, event), f"the end of job {arn}")

    def _event(self, arn: str, event: str) -> None:
        with contextlib.suppress(StorageUnavailable):  # an event is informative only
            self.jobs.event(arn, event)

    def run(self, arn: str) -> str | None:
        """Run one job to its end; returns its final status (None: not runnable, or stopping)."""
        row = self._commit(lambda: self.jobs.start(arn), f"the start of job {arn}")
        if row is None:
            return None
        request = json.loads(row["request"])
        job_id = arn.rsplit("/", 1)[1]
        path = self.root / job_id
        shutil.rmtree(path, ignore_errors=True)
        dirs = {
            name: path / name
            for name in ("code", "input/data", "input/config", "model", "checkpoints", "output")
        }
        for d in dirs.values():
            d.mkdir(parents=True, exist_ok=True)
        stream = f"{row['job_name']}/{job_id}/algo-1-{int(time.time())}"
        try:
            self._prepare(request, dirs)
        except Exception as exc:
            reason = f"ClientError: could not download the job's data: {exc}"[:FAILURE_REASON_MAX]
            self.logs.write_job_log(stream, [(_ms(), reason)])
            shutil.rmtree(path, ignore_errors=True)
            return self._finish(arn, reason)
        env = self._env(row, request, dirs)
        self._event(arn, "RUNNING")
        outcome, code = self._execute(arn, stream, env, dirs, request)
        if outcome == "stopped":  # the local cloud is stopping: recovery fails it at restart
            return None
        if outcome != "cancelled":
            self._event(arn, "UPLOADING_RESULTS")
            with contextlib.suppress(Exception):
                self._upload_results(request, dirs)
        with contextlib.suppress(Exception):
            self._upload_checkpoints(request, dirs)
        failure_file = dirs["output"] / "failure"
        if outcome == "timeout":
            limit = request["stoppingCondition"]["maxRuntimeInSeconds"]
            reason = (
                f"MaxRuntimeExceeded: the job ran longer than its stoppingCondition "
                f"maxRuntimeInSeconds of {limit} seconds and was stopped"
            )
            status = self._finish(arn, reason, event="MAX_RUNTIME_EXCEEDED")
        elif outcome == "cancelled":
            status = self._finish(arn)
        elif code != 0 or failure_file.exists():
            detail = (
                failure_file.read_text(errors="replace").strip()
                if failure_file.exists()
                else "the entry point exited with an error"
            )
            reason = f"AlgorithmError: {detail}, exit code: {code}"
            status = self._finish(arn, reason[:FAILURE_REASON_MAX])
        else:
            status = self._finish(arn)
        shutil.rmtree(path, ignore_errors=True)
        return status

    def _prepare(self, request: dict[str, Any], dirs: dict[str, Path]) -> None:
        script = request["algorithmSpecification"]["scriptModeConfig"]
        bucket, key = parse_s3_uri(script["s3Uri"], "scriptModeConfig.s3Uri")
        body = self._read(bucket, key)
        code = dirs["code"]
        if (script.get("compressionType") or "NONE").upper() == "GZIP":
            with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as tar:
                tar.extractall(code, filter="data")
        else:
            (code / key.rsplit("/", 1)[-1]).write_bytes(body)
        for channel in request.get("inputDataConfig") or []:
            into = dirs["input/data"] / channel["channelName"]
            into.mkdir(parents=True, exist_ok=True)
            self._download_prefix(
                channel["dataSource"]["s3DataSource"]["s3Uri"], into, "inputDataConfig.s3Uri"
            )
        checkpoint = request.get("checkpointConfig")
        if checkpoint:
            bucket, prefix = parse_s3_uri(checkpoint["s3Uri"], "checkpointConfig.s3Uri")
            for key in self._keys(bucket, prefix + "/"):
                target = dirs["checkpoints"] / key[len(prefix) + 1 :]
                if dirs["checkpoints"].resolve() in target.resolve().parents:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(self._read(bucket, key))
        (dirs["input/config"] / "hyperparameters.json").write_text(
            json.dumps(request.get("hyperParameters") or {})
        )

    def _env(self, row: Any, request: dict[str, Any], dirs: dict[str, Path]) -> dict[str, str]:
        script = request["algorithmSpecification"]["scriptModeConfig"]
        bucket, location = parse_s3_uri(request["outputDataConfig"]["s3Path"], "s3Path")
        env = child_env()
        env.update(  # where the services are; no credential of the server (AWS or IBM)
            (k, v)
            for k, v in self.client_env().items()
            if k.startswith("AWS_ENDPOINT_URL_") or k in ("AWS_DEFAULT_REGION", "AWS_REGION")
        )
        # The job signs as its role (temporary keys of the local STS), as in Braket's container.
        seconds = request["stoppingCondition"]["maxRuntimeInSeconds"] + 3600
        keys = self.role_credentials(request["roleArn"], row["job_name"], seconds)
        env.update(
            AWS_ACCESS_KEY_ID=keys["AccessKeyId"],
            AWS_SECRET_ACCESS_KEY=keys["SecretAccessKey"],
            AWS_SESSION_TOKEN=keys["SessionToken"],
        )
        env.update(
            {
                "PYTHONUNBUFFERED": "1",
                "AMZN_BRAKET_JOB_NAME": row["job_name"],
                "AMZN_BRAKET_JOB_TOKEN": row["job_token"],
                "AMZN_BRAKET_DEVICE_ARN": request["deviceConfig"]["device"],
                "AMZN_BRAKET_SCRIPT_S3_URI": script["s3Uri"],
                "AMZN_BRAKET_SCRIPT_ENTRY_POINT": script["entryPoint"],
                "AMZN_BRAKET_SCRIPT_COMPRESSION_TYPE": script.get("compressionType") or "NONE",
                "AMZN_BRAKET_INPUT_DIR": str(dirs["input/data"]),
                "AMZN_BRAKET_HP_FILE": str(dirs["input/config"] / "hyperparameters.json"),
                "AMZN_BRAKET_JOB_RESULTS_DIR": str(dirs["model"]),
                "AMZN_BRAKET_CHECKPOINT_DIR": str(dirs["checkpoints"]),
                "AMZN_BRAKET_OUT_S3_BUCKET": bucket,
                "AMZN_BRAKET_TASK_RESULTS_S3_URI": f"s3://{bucket}/jobs/{row['job_name']}/tasks",
                "AMZN_BRAKET_JOB_RESULTS_S3_PATH": f"{location}/output",
                "PQ_BRAKET_JOB_FAILURE_FILE": str(dirs["output"] / "failure"),
            }
        )
        return env

    def _execute(
        self,
        arn: str,
        stream: str,
        env: dict[str, str],
        dirs: dict[str, Path],
        request: dict[str, Any],
    ) -> tuple[str, int | None]:
        """Run the process to its end; ('exited'|'timeout'|'cancelled', exit code)."""
        proc = subprocess.Popen(
            [sys.executable, "-m", "pulumi_quantum.local.braket.job_container"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=dirs["code"],
            env=env,
            start_new_session=True,
        )
        with self._lock:
            self._procs[arn] = proc
        pending: list[tuple[int, str]] = []
        pending_lock = threading.Lock()

        def read() -> None:
            assert proc.stdout is not None
            for raw in proc.stdout:
                with pending_lock:
                    pending.append((_ms(), raw.decode(errors="replace").rstrip("\n")))

        def flush() -> None:
            with pending_lock:
                batch = pending[:]
                pending.clear()
            if batch:
                try:
                    self.logs.write_job_log(stream, batch)
                except Exception:
                    log.exception("could not store log lines of hybrid job %s", arn)

        reader = threading.Thread(target=read, name="braket-job-log", daemon=True)
        reader.start()
        deadline = time.monotonic() + request["stoppingCondition"]["maxRuntimeInSeconds"]
        outcome, last_check = "exited", 0.0
        while True:
            try:
                proc.wait(timeout=POLL_SECONDS)
                break
            except subprocess.TimeoutExpired:
                pass
            flush()
            now = time.monotonic()
            if self._stopping.is_set():
                kill_group(proc.pid)
                outcome = "stopped"
            elif now > deadline:
                kill_group(proc.pid)
                outcome = "timeout"
            elif now - last_check > 0.25:
                last_check = now
                if self.jobs.status(arn) == "CANCELLING":
                    kill_group(proc.pid)
                    outcome = "cancelled"
            if outcome != "exited":
                proc.wait()
                break
        reader.join(timeout=5)
        flush()
        with self._lock:
            self._procs.pop(arn, None)
        return outcome, proc.returncode

    def _upload_results(self, request: dict[str, Any], dirs: dict[str, Path]) -> None:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            for item in sorted(dirs["model"].iterdir()):
                tar.add(item, arcname=item.name)
        bucket, location = parse_s3_uri(request["outputDataConfig"]["s3Path"], "s3Path")
        key = f"{location}/output/model.tar.gz" if location else "output/model.tar.gz"
        self.s3.put_object(bucket, key, buffer.getvalue(), "application/x-tar")

    def _upload_checkpoints(self, request: dict[str, Any], dirs: dict[str, Path]) -> None:
        checkpoint = request.get("checkpointConfig")
        if not checkpoint:
            return
        bucket, prefix = parse_s3_uri(checkpoint["s3Uri"], "checkpointConfig.s3Uri")
        for file in sorted(p for p in dirs["checkpoints"].rglob("*") if p.is_file()):
            relative = file.relative_to(dirs["checkpoints"]).as_posix()
            key = f"{prefix}/{relative}" if prefix else relative
            self.s3.put_object(bucket, key, file.read_bytes(), "application/json")


def _ms() -> int:
    return int(time.time() * 1000)
