"""State and rules of the local Braket: tasks, tags and spending limits over the SQLite Store.

Wire concerns (parsing, shape constraints, serialisation) live in ``responses``; this module holds
the rules the model cannot express: devices must exist in the caller's region and be ONLINE,
actions must be programs the device accepts (``qpu_rules`` for QPUs), reservations must fit,
clientTokens make creates idempotent, the concurrent-task quota and spending limits
(``spending``) are enforced, and task status only moves forward
(CREATED -> QUEUED -> RUNNING -> COMPLETED | FAILED, or -> CANCELLING -> CANCELLED).

Every write is one Store transaction, so concurrent requests can neither lose updates nor create a
task twice for one clientToken.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...qasm import openqasm_problem
from ...rules import (  # one truth with the preview
    MAX_TAGS,
    action_size_problem,
    spending_limit_device_problem,
    tag_problems,
)
from ..faults import Faults
from ..store import StorageUnavailable, Store
from . import program_sets, qpu_rules, result_rules, spending, task_budget
from .devices import (
    OPENQASM_ACTION,
    REQUEST_REGION,
    Device,
    capabilities_json,
    catalogue,
)
from .exceptions import (
    ConflictException,
    DeviceOfflineException,
    DeviceRetiredException,
    ResourceNotFoundException,
    ServiceQuotaExceededException,
    ValidationException,
)
from .program_sets import PROGRAM_SET_ACTION
from .queue_info import device_queue_counts, task_queue_info
from .reservations import Reservations
from .search import page as search_page
from .search import search, time_filter
from .spending import ACTIVE

ACCOUNT_ID = "123456789012"
TERMINAL = ("COMPLETED", "FAILED", "CANCELLED")
BUCKET_CACHE_SECONDS = 5.0

DDL = """
CREATE TABLE IF NOT EXISTS braket_tasks (
    arn TEXT PRIMARY KEY,
    client_token TEXT NOT NULL UNIQUE,
    request_hash TEXT NOT NULL,
    device_arn TEXT NOT NULL,
    status TEXT NOT NULL,
    failure_reason TEXT,
    shots INTEGER NOT NULL,
    bucket TEXT NOT NULL,
    directory TEXT NOT NULL,
    action TEXT NOT NULL,
    device_parameters TEXT NOT NULL,
    job_token TEXT,
    created_at REAL NOT NULL,
    started_at REAL,
    ended_at REAL,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS braket_tasks_status ON braket_tasks(status);
CREATE INDEX IF NOT EXISTS braket_tasks_created ON braket_tasks(created_at);
CREATE TABLE IF NOT EXISTS braket_tags (
    arn TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (arn, key)
);
CREATE TABLE IF NOT EXISTS braket_task_experimental (
    arn TEXT PRIMARY KEY,
    capabilities TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS braket_spending_limits (
    arn TEXT PRIMARY KEY,
    client_token TEXT NOT NULL UNIQUE,
    request_hash TEXT NOT NULL,
    device_arn TEXT NOT NULL,
    spending_limit TEXT NOT NULL,
    start_at REAL NOT NULL,
    end_at REAL NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
"""


def params_hash(params: dict[str, Any]) -> str:
    """What idempotency compares (CreateQuantumTask, CreateJob, ...): the request without its
    clientToken."""
    relevant = {k: v for k, v in params.items() if k != "clientToken"}
    return hashlib.sha256(json.dumps(relevant, sort_keys=True, default=str).encode()).hexdigest()


def validate_tags(tags: dict[str, str], field: str = "tags") -> None:
    """Braket's tag rules: the function the preview ``check`` applies too (``rules``)."""
    errors = tag_problems(tags)
    if errors:
        raise ValidationException(f"{field}: " + "; ".join(errors))


RETIRED_MESSAGE = "Device is not available because it is retired. Please try another device."
"""Braket's DeviceRetiredException message (docs/braket-devices.md)."""


class _Reader:
    """Adapts Store.query to the ``execute(...).fetchall()`` shape of a connection."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def execute(self, sql: str, params: Any = ()) -> Any:
        rows = self._store.query(sql, params)

        class _Cursor:
            @staticmethod
            def fetchall() -> list[Any]:
                return rows

        return _Cursor()


@dataclass
class BraketBackend:
    """The local Braket account: one region-less store of tasks, tags and spending limits."""

    store: Store
    faults: Faults
    bucket_exists: Callable[[str], bool]
    submit: Callable[..., None] = lambda arn, priority=False: None
    interrupt: Callable[[str], None] = lambda arn: None
    """Stop a RUNNING task's simulation now (CancelQuantumTask); the runner's, when wired."""
    region: str = "us-east-1"
    test_devices: bool = False  # the OFFLINE/RETIRED test QPUs (devices.TEST_DEVICES) listed
    jobs: Any = None
    """The hybrid jobs (``jobs.JobsBackend``), when the local cloud serves them."""

    def __post_init__(self) -> None:
        self.devices = catalogue(self.test_devices)
        self.store.migrate(DDL)
        self.reservations = Reservations(self.store, ACCOUNT_ID)
        self._buckets_seen: dict[str, float] = {}

    def bucket_ok(self, bucket: str) -> bool:
        """bucket_exists with a short positive cache (one HEAD per bucket per few seconds)."""
        now = time.monotonic()
        if self._buckets_seen.get(bucket, 0.0) > now:
            return True
        if self.bucket_exists(bucket):
            self._buckets_seen[bucket] = now + BUCKET_CACHE_SECONDS
            return True
        return False

    # ----------------------------------------------------------------- devices
    def device(self, arn: str, field: str = "deviceArn") -> Device:
        device = self.devices.get(arn)
        region = REQUEST_REGION.get()
        if device is None:
            here = sorted(d.arn for d in self.devices.values() if d.available_in(region))
            raise ValidationException(
                f"{field}: {arn!r} is not a device of this Braket endpoint; "
                f"available devices in {region}: {here}"
            )
        if not device.available_in(region):
            raise ValidationException(
                f"{field}: device {arn} is not available in region {region}; send the request to "
                f"{' or '.join(device.regions)}"
            )
        return device

    def get_device(self, params: dict[str, Any]) -> dict[str, Any]:
        device = self.devices.get(params["deviceArn"])
        if device is None or not device.available_in(REQUEST_REGION.get()):
            raise ResourceNotFoundException(f"Braket device {params['deviceArn']} not found")
        return device.describe(device_queue_counts(self.store, device.arn))

    def search_devices(self, params: dict[str, Any]) -> dict[str, Any]:
        """SearchDevices as documented: "Only deviceArn filter name is currently supported"
        (the model's SearchDevicesFilter.name); other names are refused, not guessed at.
        Clients filter the rest themselves (the Braket SDK's ``AwsDevice.get_devices`` does)."""
        region = REQUEST_REGION.get()
        summaries = [d.summary() for d in self.devices.values() if d.available_in(region)]
        for f in params.get("filters", []):
            if f["name"] != "deviceArn":
                raise ValidationException(
                    f"filters.name: {f['name']!r} is not supported; only 'deviceArn' filters "
                    "SearchDevices (filter other fields on the returned devices)"
                )
            summaries = [s for s in summaries if s["deviceArn"] in f["values"]]
        page, token = search_page(summaries, params)
        return {"devices": page, "nextToken": token}

    # ------------------------------------------------------------------- tasks
    def _check_action(self, device: Device, params: dict[str, Any]) -> None:
        from ..limits import loads_json  # RecursionError on nesting would be a 500

        too_large = action_size_problem(params["action"])  # Braket's 3 MB, before any parsing
        if too_large:
            raise ValidationException(f"action: {too_large}")
        try:
            action = loads_json(params["action"], "action")
        except ValueError as exc:
            raise ValidationException(str(exc)) from None
        if not isinstance(action, dict):
            raise ValidationException("action: must be a JSON object (a braket.ir program)")
        header = action.get("braketSchemaHeader") or {}
        name = header.get("name") if isinstance(header, dict) else None
        capabilities = json.loads(capabilities_json(device.arn))
        supported = list(capabilities["action"])
        if name not in supported:
            raise ValidationException(
                f"action: braketSchemaHeader.name {name!r} is not supported by {device.arn}; "
                f"send one of {supported}"
            )
        from .results import parse_action

        task_budget.check_size(name, action)  # before the parser, which is slow on huge programs
        try:
            program = parse_action(action)
        except Exception as exc:
            raise ValidationException(f"action: invalid {name}: {exc}") from None
        if name == OPENQASM_ACTION and device.qpu is None:  # QPUs: qpu_rules answers below
            # The simulators' front end: a program they cannot run is refused here, at create,
            # as the preview refuses it (pulumi_quantum.qasm), not FAILED at run time.
            problem = openqasm_problem(program.source)
            if problem:
                raise ValidationException(f"action: the OpenQASM program: {problem}")
        advertised = (capabilities.get("paradigm") or {}).get("qubitCount")
        if isinstance(advertised, int):  # qubits after constant folding; the memory ceiling
            task_budget.check_qubits(device, name, action, advertised)
        if "deviceParameters" in params:
            try:
                parsed = loads_json(params["deviceParameters"], "deviceParameters")
            except ValueError as exc:
                raise ValidationException(str(exc)) from None
            if not isinstance(parsed, dict):
                raise ValidationException("deviceParameters: must be a JSON object")
        if name == PROGRAM_SET_ACTION:  # shots are the total over its executables
            qpu = device.qpu
            program_sets.check(
                program,
                params["shots"],
                capabilities["action"][name],
                capabilities["paradigm"]["qubitCount"],
                device.arn,
                (lambda source: qpu_rules.openqasm_problem(qpu, source)) if qpu else None,
                max(1, device.shots_range[0]),
            )
            return
        low, high = device.shots_range
        if not low <= params["shots"] <= high:
            # Braket's wording, as QPUs answer it (docs/braket-devices.md, [mgym-793]).
            raise ValidationException(
                f"Shot count should be between {low} and {high} on {device.arn}, but found "
                f"{params['shots']}."
            )
        if device.qpu is None:  # QPUs: qpu_rules says which result types they return
            result_rules.check(capabilities["action"][name], program, params["shots"], device.arn)
        if device.qpu is not None and name == OPENQASM_ACTION:
            qpu_rules.check_openqasm(device.qpu, program.source)
        elif device.qpu is not None:
            qpu_rules.check_ahs(device.qpu, action)

    def _check_device_usable(self, device: Device) -> None:
        if device.status == "RETIRED":
            raise DeviceRetiredException(RETIRED_MESSAGE)
        if device.status == "OFFLINE":
            raise DeviceOfflineException(f"Device {device.arn} is offline.")

    def create_quantum_task(self, params: dict[str, Any]) -> dict[str, Any]:
        device = self.device(params["deviceArn"])
        request_hash = params_hash(params)
        existing = self._by_token(params["clientToken"], request_hash)
        if existing:
            return {"quantumTaskArn": existing}
        self._check_device_usable(device)
        associations = params.get("associations") or []
        self.reservations.check(device, associations)
        self._check_action(device, params)
        validate_tags(params.get("tags") or {})
        if params.get("jobToken"):
            self._check_job_token(params["jobToken"])
        bucket = params["outputS3Bucket"]
        if not self.bucket_ok(bucket):
            raise ValidationException(
                f"outputS3Bucket: bucket {bucket!r} does not exist or is not accessible; "
                "create it first"
            )
        task_id = str(uuid.uuid4())
        arn = f"arn:aws:braket:{REQUEST_REGION.get()}:{ACCOUNT_ID}:quantum-task/{task_id}"
        now = time.time()
        with self.store.transaction() as conn:
            row = conn.execute(
                "SELECT arn, request_hash FROM braket_tasks WHERE client_token = ?",
                (params["clientToken"],),
            ).fetchone()
            if row:  # a concurrent duplicate won the race
                self._same_request(row, request_hash)
                return {"quantumTaskArn": row["arn"]}
            self._check_quotas(conn, device, now, params["shots"], bool(associations))
            conn.execute(
                "INSERT INTO braket_tasks (arn, client_token, request_hash, device_arn, status,"
                " shots, bucket, directory, action, device_parameters, job_token, created_at)"
                " VALUES (?, ?, ?, ?, 'CREATED', ?, ?, ?, ?, ?, ?, ?)",
                (
                    arn,
                    params["clientToken"],
                    request_hash,
                    device.arn,
                    params["shots"],
                    bucket,
                    f"{params['outputS3KeyPrefix'].rstrip('/')}/{task_id}",
                    params["action"],
                    params.get("deviceParameters") or "{}",
                    params.get("jobToken"),
                    now,
                ),
            )
            conn.executemany(
                "INSERT INTO braket_tags (arn, key, value) VALUES (?, ?, ?)",
                [(arn, k, v) for k, v in (params.get("tags") or {}).items()],
            )
            self.reservations.record(conn, arn, associations)
            if params.get("experimentalCapabilities"):
                conn.execute(
                    "INSERT INTO braket_task_experimental (arn, capabilities) VALUES (?, ?)",
                    (arn, json.dumps(params["experimentalCapabilities"])),
                )
        self.queue(arn, priority=bool(params.get("jobToken")))
        return {"quantumTaskArn": arn}

    def _check_job_token(self, token: str) -> None:
        """A task's jobToken must be a running hybrid job's (its process holds the token)."""
        found = self.jobs.arn_for_token(token) if self.jobs is not None else None
        if found is None:
            raise ValidationException(
                "jobToken: not the token of a hybrid job of this account; only a job's own "
                "process creates tasks with it (the SDK reads AMZN_BRAKET_JOB_TOKEN)"
            )
        arn, status = found
        if status not in ("RUNNING", "CANCELLING"):
            raise ValidationException(
                f"jobToken: hybrid job {arn} is {status}; only a running job creates tasks"
            )

    def queue(self, arn: str, priority: bool = False) -> None:
        """CREATED -> QUEUED, then hand the task to the runner (at its reservation's start).

        The task was already committed (and acknowledged) when this runs: if storage fails
        just now it stays CREATED and the runner starts it from there once storage is back.
        """
        with contextlib.suppress(StorageUnavailable):
            self.store.execute(
                "UPDATE braket_tasks SET status = 'QUEUED' WHERE arn = ? AND status = 'CREATED'",
                (arn,),
            )
        wait = self.reservations.seconds_until_start(arn)
        if wait > 0:  # Braket keeps such tasks QUEUED until the reservation begins
            timer = threading.Timer(wait, self._submit_later, (arn,))
            timer.daemon = True
            timer.start()
        elif priority:  # a hybrid job's task: ahead of ordinary ones, as on Braket
            self.submit(arn, True)
        else:
            self.submit(arn)

    def _submit_later(self, arn: str) -> None:
        # If the runner shut down meanwhile, the task stays QUEUED for the next start.
        with contextlib.suppress(RuntimeError):
            self.submit(arn)

    @staticmethod
    def _same_request(row: Any, request_hash: str) -> None:
        if row["request_hash"] != request_hash:
            raise ValidationException(
                "clientToken: this token was already used for a different request; "
                "use a new clientToken for a new request"
            )

    def _by_token(self, token: str, request_hash: str, table: str = "braket_tasks") -> str | None:
        row = self.store.query_one(
            f"SELECT arn, request_hash FROM {table} WHERE client_token = ?", (token,)
        )
        if row is None:
            return None
        self._same_request(row, request_hash)
        return row["arn"]

    def _check_quotas(
        self, conn: Any, device: Device, now: float, shots: int = 0, reserved: bool = False
    ) -> None:
        limit = self.faults.max_concurrent_tasks
        if limit:
            (active,) = conn.execute(
                f"SELECT COUNT(*) FROM braket_tasks WHERE status IN {ACTIVE}"
            ).fetchone()
            if active >= limit:
                raise ServiceQuotaExceededException(
                    f"The number of concurrent quantum tasks ({active}) has reached the quota "
                    f"of {limit}; wait for tasks to finish or cancel some"
                )
        if not reserved:  # a reservation's tasks are billed by the reservation, not by limits
            spending.check(conn, device, now, shots)

    def _task_row(self, arn: str) -> Any:
        row = self.store.query_one("SELECT * FROM braket_tasks WHERE arn = ?", (arn,))
        if row is None:
            raise ResourceNotFoundException(f"Quantum task {arn} not found")
        return row

    def _tags(self, arn: str) -> dict[str, str]:
        return {
            r["key"]: r["value"]
            for r in self.store.query("SELECT key, value FROM braket_tags WHERE arn = ?", (arn,))
        }

    def _summary(self, row: Any, tags: dict[str, str]) -> dict[str, Any]:
        return {
            "quantumTaskArn": row["arn"],
            "status": row["status"],
            "deviceArn": row["device_arn"],
            "shots": row["shots"],
            "outputS3Bucket": row["bucket"],
            "outputS3Directory": row["directory"],
            "createdAt": row["created_at"],
            "endedAt": row["ended_at"],
            "tags": tags,
        }

    def get_quantum_task(self, params: dict[str, Any]) -> dict[str, Any]:
        row = self._task_row(params["quantumTaskArn"])
        out = self._summary(row, self._tags(row["arn"]))
        out.update(
            failureReason=row["failure_reason"],
            deviceParameters=row["device_parameters"],
            jobArn=self._job_of(row["job_token"]),
            actionMetadata=program_sets.action_metadata(row["action"]),
            numSuccessfulShots=row["shots"] if row["status"] == "COMPLETED" else None,
        )
        associations = self.reservations.of_task(row["arn"])
        if associations:
            out["associations"] = associations
        experimental = self.store.query_one(
            "SELECT capabilities FROM braket_task_experimental WHERE arn = ?", (row["arn"],)
        )
        if experimental is not None:
            out["experimentalCapabilities"] = json.loads(experimental["capabilities"])
        if "QueueInfo" in (params.get("additionalAttributeNames") or []):
            out["queueInfo"] = task_queue_info(self.store, row, bool(associations))
        return out

    def _job_of(self, token: str | None) -> str | None:
        found = self.jobs.arn_for_token(token) if token and self.jobs is not None else None
        return found[0] if found else None

    def cancel_quantum_task(self, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["quantumTaskArn"]
        with self.store.transaction() as conn:
            row = conn.execute("SELECT status FROM braket_tasks WHERE arn = ?", (arn,)).fetchone()
            if row is None:
                raise ResourceNotFoundException(f"Quantum task {arn} not found")
            status = row["status"]
            if status in ("CANCELLING", "CANCELLED"):
                return {"quantumTaskArn": arn, "cancellationStatus": status}
            if status in TERMINAL:
                raise ConflictException(
                    f"Quantum task {arn} is already {status} and can no longer be cancelled"
                )
            new = "CANCELLING" if status == "RUNNING" else "CANCELLED"
            conn.execute(
                "UPDATE braket_tasks SET status = ?, ended_at = ? WHERE arn = ?",
                (new, time.time() if new == "CANCELLED" else None, arn),
            )
        if new == "CANCELLING":  # the runner stops the simulation and finishes the cancel
            self.interrupt(arn)
        return {"quantumTaskArn": arn, "cancellationStatus": new}

    def search_quantum_tasks(self, params: dict[str, Any]) -> dict[str, Any]:
        where, args = [], []
        columns = {"quantumTaskArn": "arn", "deviceArn": "device_arn", "status": "status"}
        times = {"createdAt": "created_at", "endedAt": "ended_at"}
        for f in params.get("filters", []):
            name, op, values = f["name"], f["operator"], f["values"]
            if name == "jobArn":  # the tasks a hybrid job created (AwsQuantumJob.get_tasks)
                if op != "EQUAL":
                    raise ValidationException("filters: jobArn supports only the EQUAL operator")
                marks = ",".join("?" * len(values))
                if self.jobs is None:
                    where.append("0")
                else:
                    where.append(
                        f"job_token IN (SELECT job_token FROM braket_jobs WHERE arn IN ({marks}))"
                    )
                    args.extend(values)
            elif name in columns or name.startswith("tag:"):
                if op != "EQUAL":
                    raise ValidationException(f"filters: {name} supports only the EQUAL operator")
                marks = ",".join("?" * len(values))
                if name.startswith("tag:"):
                    where.append(
                        f"arn IN (SELECT arn FROM braket_tags WHERE key = ? AND value IN ({marks}))"
                    )
                    args.append(name[4:])
                else:
                    where.append(f"{columns[name]} IN ({marks})")
                args.extend(values)
            elif name in times:
                clause, stamps = time_filter(name, times[name], op, values, "ISO 8601")
                where.append(clause)
                args.extend(stamps)
            else:
                raise ValidationException(
                    f"filters.name: {name!r} is not a task filter; use one of "
                    f"{[*columns, *times, 'jobArn', 'tag:<key>']}"
                )
        page, token = search(self.store, "braket_tasks", where, args, params)
        return {
            "quantumTasks": [self._summary(r, self._tags(r["arn"])) for r in page],
            "nextToken": token,
        }

    # ---------------------------------------------------- runner state changes
    def start(self, arn: str) -> Any | None:
        """QUEUED (or CREATED, see :meth:`queue`) -> RUNNING; None if the task is no longer
        runnable (e.g. cancelled)."""
        with self.store.transaction() as conn:
            changed = conn.execute(
                "UPDATE braket_tasks SET status = 'RUNNING', started_at = ?,"
                " attempts = attempts + 1 WHERE arn = ? AND status IN ('QUEUED', 'CREATED')",
                (time.time(), arn),
            ).rowcount
            if not changed:
                return None
            return conn.execute("SELECT * FROM braket_tasks WHERE arn = ?", (arn,)).fetchone()

    def is_cancelling(self, arn: str) -> bool:
        row = self.store.query_one("SELECT status FROM braket_tasks WHERE arn = ?", (arn,))
        return row is not None and row["status"] == "CANCELLING"

    def finish(self, arn: str, failure_reason: str | None = None) -> str:
        """RUNNING -> COMPLETED/FAILED, or CANCELLING -> CANCELLED; returns the final status."""
        with self.store.transaction() as conn:
            row = conn.execute("SELECT status FROM braket_tasks WHERE arn = ?", (arn,)).fetchone()
            if row is None or row["status"] in TERMINAL:
                return row["status"] if row else "FAILED"
            status = (
                "CANCELLED"
                if row["status"] == "CANCELLING"
                else ("FAILED" if failure_reason else "COMPLETED")
            )
            conn.execute(
                "UPDATE braket_tasks SET status = ?, failure_reason = ?, ended_at = ?"
                " WHERE arn = ?",
                (status, failure_reason if status == "FAILED" else None, time.time(), arn),
            )
            return status

    def recover(self, max_attempts: int = 3) -> list[str]:
        """After a crash: re-queue unfinished tasks (or fail them), finish cancellations.

        Returns the ARNs to hand to the runner again.
        """
        requeue = []
        with self.store.transaction() as conn:
            conn.execute(
                "UPDATE braket_tasks SET status = 'CANCELLED', ended_at = ?"
                " WHERE status = 'CANCELLING'",
                (time.time(),),
            )
            conn.execute(
                "UPDATE braket_tasks SET status = 'FAILED', ended_at = ?, failure_reason ="
                " 'The local cloud stopped while this task was running, ' || attempts ||"
                " ' time(s); it was not retried again' WHERE status IN ('QUEUED', 'RUNNING',"
                " 'CREATED') AND attempts >= ?",
                (time.time(), max_attempts),
            )
            for row in conn.execute(
                "SELECT arn FROM braket_tasks WHERE status IN ('CREATED', 'QUEUED', 'RUNNING')"
                " ORDER BY created_at"
            ).fetchall():
                requeue.append(row["arn"])
            conn.execute(
                "UPDATE braket_tasks SET status = 'QUEUED' WHERE status IN ('CREATED', 'RUNNING')"
            )
        return requeue

    # -------------------------------------------------------------- hybrid jobs
    def _jobs(self) -> Any:
        if self.jobs is None:
            from .exceptions import NotImplementedOperation

            raise NotImplementedOperation("hybrid jobs are not served by this local Braket")
        return self.jobs

    def create_job(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._jobs().create_job(params)

    def get_job(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._jobs().get_job(params)

    def cancel_job(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._jobs().cancel_job(params)

    def search_jobs(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._jobs().search_jobs(params)

    # -------------------------------------------------------------------- tags
    def _resource_exists(self, arn: str) -> bool:
        return bool(
            self.store.query_one("SELECT 1 FROM braket_tasks WHERE arn = ?", (arn,))
            or self.store.query_one("SELECT 1 FROM braket_spending_limits WHERE arn = ?", (arn,))
            or (self.jobs is not None and self.jobs.exists(arn))
        )

    def _require_resource(self, arn: str) -> None:
        if not self._resource_exists(arn):
            raise ResourceNotFoundException(f"Resource {arn} not found")

    def tag_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        arn, tags = params["resourceArn"], params["tags"]
        validate_tags(tags)
        self._require_resource(arn)
        with self.store.transaction() as conn:
            conn.executemany(
                "INSERT INTO braket_tags (arn, key, value) VALUES (?, ?, ?)"
                " ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value",
                [(arn, k, v) for k, v in tags.items()],
            )
            (count,) = conn.execute(
                "SELECT COUNT(*) FROM braket_tags WHERE arn = ?", (arn,)
            ).fetchone()
            if count > MAX_TAGS:
                raise ValidationException(
                    f"tags: {arn} would have {count} tags; at most {MAX_TAGS} are allowed"
                )
        return {}

    def untag_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["resourceArn"]
        self._require_resource(arn)
        with self.store.transaction() as conn:
            conn.executemany(
                "DELETE FROM braket_tags WHERE arn = ? AND key = ?",
                [(arn, k) for k in params["tagKeys"]],
            )
        return {}

    def list_tags_for_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        self._require_resource(params["resourceArn"])
        return {"tags": self._tags(params["resourceArn"])}

    # --------------------------------------------------------- spending limits
    def _period(self, params: dict[str, Any], now: float) -> tuple[float, float]:
        period = params.get("timePeriod")
        if not period:
            return now, now + 365 * 24 * 3600
        start, end = period["startAt"].timestamp(), period["endAt"].timestamp()
        if end <= start:
            raise ValidationException("timePeriod: endAt must be after startAt")
        return start, end

    def create_spending_limit(self, params: dict[str, Any]) -> dict[str, Any]:
        device = self.device(params["deviceArn"])
        simulator = spending_limit_device_problem(device.arn)
        if simulator:
            raise ValidationException(simulator)
        request_hash = params_hash(params)
        existing = self._by_token(params["clientToken"], request_hash, "braket_spending_limits")
        if existing:
            return {"spendingLimitArn": existing}
        if device.status == "RETIRED":
            raise DeviceRetiredException(RETIRED_MESSAGE)
        validate_tags(params.get("tags") or {})
        now = time.time()
        start, end = self._period(params, now)
        arn = f"arn:aws:braket:{self.region}:{ACCOUNT_ID}:spending-limit/{uuid.uuid4()}"
        with self.store.transaction() as conn:
            row = conn.execute(
                "SELECT arn, request_hash FROM braket_spending_limits WHERE client_token = ?",
                (params["clientToken"],),
            ).fetchone()
            if row:
                self._same_request(row, request_hash)
                return {"spendingLimitArn": row["arn"]}
            conn.execute(
                "INSERT INTO braket_spending_limits (arn, client_token, request_hash, device_arn,"
                " spending_limit, start_at, end_at, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    arn,
                    params["clientToken"],
                    request_hash,
                    device.arn,
                    params["spendingLimit"],
                    start,
                    end,
                    now,
                    now,
                ),
            )
            conn.executemany(
                "INSERT INTO braket_tags (arn, key, value) VALUES (?, ?, ?)",
                [(arn, k, v) for k, v in (params.get("tags") or {}).items()],
            )
        return {"spendingLimitArn": arn}

    def _limit_row(self, conn: Any, arn: str) -> Any:
        row = conn.execute("SELECT * FROM braket_spending_limits WHERE arn = ?", (arn,)).fetchone()
        if row is None:
            raise ResourceNotFoundException(f"Spending limit {arn} not found")
        return row

    def update_spending_limit(self, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["spendingLimitArn"]
        now = time.time()
        with self.store.transaction() as conn:
            row = self._limit_row(conn, arn)
            start, end = (
                self._period(params, now)
                if "timePeriod" in params
                else (row["start_at"], row["end_at"])
            )
            conn.execute(
                "UPDATE braket_spending_limits SET spending_limit = ?, start_at = ?, end_at = ?,"
                " updated_at = ? WHERE arn = ?",
                (params.get("spendingLimit", row["spending_limit"]), start, end, now, arn),
            )
        return {}

    def delete_spending_limit(self, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["spendingLimitArn"]
        with self.store.transaction() as conn:
            self._limit_row(conn, arn)
            conn.execute("DELETE FROM braket_spending_limits WHERE arn = ?", (arn,))
            conn.execute("DELETE FROM braket_tags WHERE arn = ?", (arn,))
        return {}

    def search_spending_limits(self, params: dict[str, Any]) -> dict[str, Any]:
        where, args = [], []
        for f in params.get("filters") or []:
            if f["name"] != "deviceArn":
                raise ValidationException(
                    f"filters.name: {f['name']!r} is not a spending-limit filter; use 'deviceArn'"
                )
            where.append(f"device_arn IN ({','.join('?' * len(f['values']))})")
            args.extend(f["values"])
        page, token = search(
            self.store, "braket_spending_limits", where, args, params, order="created_at"
        )
        limits = []
        for row in page:
            spent = spending.spend(_Reader(self.store), row)
            limits.append(
                {
                    "spendingLimitArn": row["arn"],
                    "deviceArn": row["device_arn"],
                    "timePeriod": {"startAt": row["start_at"], "endAt": row["end_at"]},
                    "spendingLimit": row["spending_limit"],
                    "queuedSpend": spending.amount(spent.queued),
                    "totalSpend": spending.amount(spent.total),
                    "createdAt": row["created_at"],
                    "updatedAt": row["updated_at"],
                    "tags": self._tags(row["arn"]),
                }
            )
        return {"spendingLimits": limits, "nextToken": token}
