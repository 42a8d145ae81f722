"""State and rules of local Braket hybrid jobs: CreateJob / GetJob / CancelJob / SearchJobs.

Wire concerns come from botocore's model like every other operation (``responses``); this module
holds what the model cannot say: the device must exist here (or be an embedded ``local:``
simulator, which Braket accepts for jobs), the script's archive and the output bucket must exist,
only script mode on one instance runs locally, clientTokens make creates idempotent, and the
status only moves forward (QUEUED -> RUNNING -> COMPLETED | FAILED, or -> CANCELLING ->
CANCELLED). The job's process is the :mod:`job_runner`'s business; it reports back through
:meth:`JobsBackend.start` / :meth:`JobsBackend.finish`.

Each job gets a secret ``jobToken``: its process creates quantum tasks with it (the SDK reads
``AMZN_BRAKET_JOB_TOKEN``), which is how a task is associated with its job (``jobArn``) and
jumps the task queue, as on Braket.
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from collections.abc import Callable
from typing import Any

from ..store import Store
from .devices import REQUEST_REGION
from .exceptions import ConflictException, ResourceNotFoundException, ValidationException
from .search import search, time_filter

TERMINAL = ("COMPLETED", "FAILED", "CANCELLED")
DEFAULT_MAX_RUNTIME = 5 * 24 * 3600
DEFAULT_CHECKPOINT_PATH = "/opt/jobs/checkpoints"

DDL = """
CREATE TABLE IF NOT EXISTS braket_jobs (
    arn TEXT PRIMARY KEY,
    client_token TEXT NOT NULL UNIQUE,
    request_hash TEXT NOT NULL,
    job_name TEXT NOT NULL,
    job_token TEXT NOT NULL UNIQUE,
    device TEXT NOT NULL,
    status TEXT NOT NULL,
    failure_reason TEXT,
    request TEXT NOT NULL,
    events TEXT NOT NULL DEFAULT '[]',
    created_at REAL NOT NULL,
    started_at REAL,
    ended_at REAL
);
CREATE INDEX IF NOT EXISTS braket_jobs_created ON braket_jobs(created_at);
CREATE INDEX IF NOT EXISTS braket_tasks_job_token ON braket_tasks(job_token)
    WHERE job_token IS NOT NULL;
"""


def parse_s3_uri(uri: str, field: str) -> tuple[str, str]:
    """``s3://bucket/key`` -> (bucket, key); the https form Braket also accepts is refused
    locally with the fix named."""
    if not uri.startswith("s3://"):
        raise ValidationException(f"{field}: {uri!r}: use an s3://bucket/key URI locally")
    bucket, _, key = uri[5:].partition("/")
    return bucket, key.rstrip("/")


class JobsBackend:
    """Hybrid jobs over the shared Store; ``submit(arn)`` hands a queued job to the runner."""

    def __init__(
        self,
        store: Store,
        account_id: str,
        bucket_ok: Callable[[str], bool],
        object_exists: Callable[[str, str], bool],
        request_hash: Callable[[dict[str, Any]], str],
        tags: Any,
    ) -> None:
        self.store = store
        self.account_id = account_id
        self.bucket_ok = bucket_ok
        self.object_exists = object_exists
        self.request_hash = request_hash
        self.tags = tags  # the BraketBackend: its tag table and rules serve jobs too
        self.submit: Callable[[str], None] = lambda arn: None
        store.migrate(DDL)

    # ------------------------------------------------------------ create
    def _check(self, params: dict[str, Any]) -> None:
        device = params["deviceConfig"]["device"]
        if not device.startswith("local:"):
            known = self.tags.devices.get(device)  # the catalogue this endpoint serves
            if known is None or not known.available_in(REQUEST_REGION.get()):
                raise ValidationException(
                    f"deviceConfig.device: {device!r} is not a device of this Braket endpoint; "
                    "use one of its device ARNs or an embedded simulator such as "
                    "'local:braket/braket.local.qubit'"
                )
            if known.status == "RETIRED":
                raise ValidationException(f"deviceConfig.device: {device} is retired")
        role = params["roleArn"]
        if role.split(":")[4:5] != [self.account_id] or ":role/" not in role:
            raise ValidationException(
                f"roleArn: {role!r} is not a role of this account ({self.account_id}); use "
                f"arn:aws:iam::{self.account_id}:role/service-role/AmazonBraketJobsExecutionRole "
                "(what the SDK's get_default_jobs_role() finds)"
            )
        algorithm = params["algorithmSpecification"]
        script = algorithm.get("scriptModeConfig")
        if script is None:
            raise ValidationException(
                "algorithmSpecification.scriptModeConfig: the local Braket runs script-mode jobs "
                "only (a custom container image without a script cannot run without Docker); "
                "give scriptModeConfig with entryPoint and s3Uri"
            )
        count = params["instanceConfig"].get("instanceCount", 1)
        if count != 1:
            raise ValidationException(
                f"instanceConfig.instanceCount: {count}: the local Braket runs a job on one "
                "instance (its own process); use instanceCount 1"
            )
        bucket, key = parse_s3_uri(script["s3Uri"], "algorithmSpecification.scriptModeConfig.s3Uri")
        if not self.object_exists(bucket, key):
            raise ValidationException(
                f"algorithmSpecification.scriptModeConfig.s3Uri: no object at {script['s3Uri']}; "
                "upload the source archive first"
            )
        checks = [("outputDataConfig.s3Path", params["outputDataConfig"]["s3Path"])]
        if params.get("checkpointConfig"):
            checks.append(("checkpointConfig.s3Uri", params["checkpointConfig"]["s3Uri"]))
        for i, channel in enumerate(params.get("inputDataConfig") or []):
            uri = channel["dataSource"]["s3DataSource"]["s3Uri"]
            checks.append((f"inputDataConfig[{i}].dataSource.s3DataSource.s3Uri", uri))
        for field, uri in checks:
            bucket, _ = parse_s3_uri(uri, field)
            if not self.bucket_ok(bucket):
                raise ValidationException(
                    f"{field}: bucket {bucket!r} does not exist or is not accessible; create it"
                )
        names = [c["channelName"] for c in params.get("inputDataConfig") or []]
        if len(names) != len(set(names)):
            raise ValidationException(f"inputDataConfig: channel names must be unique: {names}")

    def create_job(self, params: dict[str, Any]) -> dict[str, Any]:
        request_hash = self.request_hash(params)
        row = self.store.query_one(
            "SELECT arn, request_hash FROM braket_jobs WHERE client_token = ?",
            (params["clientToken"],),
        )
        if row is not None:
            self._same(row, request_hash)
            return {"jobArn": row["arn"]}
        self._check(params)
        from .models import validate_tags

        validate_tags(params.get("tags") or {})
        request = {k: v for k, v in params.items() if k not in ("clientToken", "tags")}
        request.setdefault("stoppingCondition", {"maxRuntimeInSeconds": DEFAULT_MAX_RUNTIME})
        request["stoppingCondition"].setdefault("maxRuntimeInSeconds", DEFAULT_MAX_RUNTIME)
        request["instanceConfig"].setdefault("instanceCount", 1)
        if request.get("checkpointConfig"):
            request["checkpointConfig"].setdefault("localPath", DEFAULT_CHECKPOINT_PATH)
        request.setdefault("hyperParameters", {})
        request.setdefault("inputDataConfig", [])
        arn = f"arn:aws:braket:{REQUEST_REGION.get()}:{self.account_id}:job/{uuid.uuid4()}"
        now = time.time()
        events = [
            {
                "eventType": "WAITING_FOR_PRIORITY",
                "timeOfEvent": now,
                "message": "Job is queued for execution",
            }
        ]
        with self.store.transaction() as conn:
            row = conn.execute(
                "SELECT arn, request_hash FROM braket_jobs WHERE client_token = ?",
                (params["clientToken"],),
            ).fetchone()
            if row is not None:  # a concurrent duplicate won the race
                self._same(row, request_hash)
                return {"jobArn": row["arn"]}
            conn.execute(
                "INSERT INTO braket_jobs (arn, client_token, request_hash, job_name, job_token,"
                " device, status, request, events, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, 'QUEUED', ?, ?, ?)",
                (
                    arn,
                    params["clientToken"],
                    request_hash,
                    params["jobName"],
                    secrets.token_urlsafe(24),
                    params["deviceConfig"]["device"],
                    json.dumps(request, default=str),
                    json.dumps(events),
                    now,
                ),
            )
            conn.executemany(
                "INSERT INTO braket_tags (arn, key, value) VALUES (?, ?, ?)",
                [(arn, k, v) for k, v in (params.get("tags") or {}).items()],
            )
        self.submit(arn)
        return {"jobArn": arn}

    @staticmethod
    def _same(row: Any, request_hash: str) -> None:
        if row["request_hash"] != request_hash:
            raise ValidationException(
                "clientToken: this token was already used for a different request; "
                "use a new clientToken for a new request"
            )

    # --------------------------------------------------------------- read
    def row(self, arn: str) -> Any:
        row = self.store.query_one("SELECT * FROM braket_jobs WHERE arn = ?", (arn,))
        if row is None:
            raise ResourceNotFoundException(f"Hybrid job {arn} not found")
        return row

    def exists(self, arn: str) -> bool:
        return self.store.query_one("SELECT 1 FROM braket_jobs WHERE arn = ?", (arn,)) is not None

    def get_job(self, params: dict[str, Any]) -> dict[str, Any]:
        row = self.row(params["jobArn"])
        out = dict(json.loads(row["request"]))
        out.pop("jobName", None)
        billable = None
        if row["started_at"] is not None and row["ended_at"] is not None:
            billable = int((row["ended_at"] - row["started_at"]) * 1000)
        out.update(
            jobArn=row["arn"],
            jobName=row["job_name"],
            status=row["status"],
            failureReason=row["failure_reason"],
            createdAt=row["created_at"],
            startedAt=row["started_at"],
            endedAt=row["ended_at"],
            billableDuration=billable,
            events=json.loads(row["events"]),
            tags=self.tags._tags(row["arn"]),
        )
        if "QueueInfo" in (params.get("additionalAttributeNames") or []):
            out["queueInfo"] = self._queue_info(row)
        return out

    def _queue_info(self, row: Any) -> dict[str, str]:
        if row["status"] != "QUEUED":
            return {
                "queue": "JOBS_QUEUE",
                "position": "None",
                "message": f"Job is in {row['status']} status. AmazonBraket does not show "
                "queue position for this status.",
            }
        (ahead,) = self.store.query_one(
            "SELECT COUNT(*) FROM braket_jobs WHERE status = 'QUEUED' AND created_at < ?",
            (row["created_at"],),
        )
        position = ahead + 1
        return {"queue": "JOBS_QUEUE", "position": str(position) if position <= 15 else ">15"}

    def search_jobs(self, params: dict[str, Any]) -> dict[str, Any]:
        where, args = [], []
        columns = {
            "jobArn": "arn",
            "jobName": "job_name",
            "deviceArn": "device",
            "status": "status",
        }
        for f in params.get("filters") or []:
            name, op, values = f["name"], f["operator"], f["values"]
            if name in columns:
                if op == "CONTAINS" and name == "jobName":
                    where.append("(" + " OR ".join("instr(job_name, ?) > 0" for _ in values) + ")")
                elif op == "EQUAL":
                    where.append(f"{columns[name]} IN ({','.join('?' * len(values))})")
                else:
                    raise ValidationException(
                        f"filters: {name} supports the EQUAL operator"
                        + (" or CONTAINS" if name == "jobName" else "")
                    )
                args.extend(values)
            elif name == "createdAt":
                clause, stamps = time_filter(name, "created_at", op, values, "RFC 3339")
                where.append(clause)
                args.extend(stamps)
            else:
                raise ValidationException(
                    f"filters.name: {name!r} is not a job filter; use one of "
                    f"{[*columns, 'createdAt']}"
                )
        page, token = search(self.store, "braket_jobs", where, args, params)
        return {
            "jobs": [
                {
                    "status": r["status"],
                    "jobArn": r["arn"],
                    "jobName": r["job_name"],
                    "device": r["device"],
                    "createdAt": r["created_at"],
                    "startedAt": r["started_at"],
                    "endedAt": r["ended_at"],
                    "tags": self.tags._tags(r["arn"]),
                }
                for r in page
            ],
            "nextToken": token,
        }

    # ------------------------------------------------------------- cancel
    def cancel_job(self, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["jobArn"]
        with self.store.transaction() as conn:
            row = conn.execute("SELECT status FROM braket_jobs WHERE arn = ?", (arn,)).fetchone()
            if row is None:
                raise ResourceNotFoundException(f"Hybrid job {arn} not found")
            status = row["status"]
            if status in ("CANCELLING", "CANCELLED"):
                return {"jobArn": arn, "cancellationStatus": "CANCELLING"}
            if status in TERMINAL:
                raise ConflictException(
                    f"Hybrid job {arn} is already {status} and can no longer be cancelled"
                )
            if status == "QUEUED":
                self._set(conn, arn, "CANCELLED", ended=True, event="CANCELLED")
            else:
                conn.execute("UPDATE braket_jobs SET status = 'CANCELLING' WHERE arn = ?", (arn,))
        return {"jobArn": arn, "cancellationStatus": "CANCELLING"}

    # ---------------------------------------------- runner state changes
    def _set(
        self,
        conn: Any,
        arn: str,
        status: str,
        *,
        ended: bool = False,
        reason: str | None = None,
        event: str | None = None,
        message: str | None = None,
    ) -> None:
        now = time.time()
        row = conn.execute("SELECT events FROM braket_jobs WHERE arn = ?", (arn,)).fetchone()
        events = json.loads(row["events"])
        if event:
            events.append(
                {
                    "eventType": event,
                    "timeOfEvent": now,
                    **({"message": message} if message else {}),
                }
            )
        conn.execute(
            "UPDATE braket_jobs SET status = ?, failure_reason = COALESCE(?, failure_reason),"
            " events = ?, ended_at = CASE WHEN ? THEN ? ELSE ended_at END WHERE arn = ?",
            (status, reason, json.dumps(events), ended, now, arn),
        )

    def start(self, arn: str) -> Any | None:
        """QUEUED -> RUNNING; the job's row, or None if it is no longer runnable."""
        with self.store.transaction() as conn:
            changed = conn.execute(
                "UPDATE braket_jobs SET status = 'RUNNING', started_at = ?"
                " WHERE arn = ? AND status = 'QUEUED'",
                (time.time(), arn),
            ).rowcount
            if not changed:
                return None
            for event in ("QUEUED_FOR_EXECUTION", "STARTING_INSTANCE", "DOWNLOADING_DATA"):
                self._set(conn, arn, "RUNNING", event=event)
            return conn.execute("SELECT * FROM braket_jobs WHERE arn = ?", (arn,)).fetchone()

    def event(self, arn: str, event: str, message: str | None = None) -> None:
        with self.store.transaction() as conn:
            row = conn.execute("SELECT status FROM braket_jobs WHERE arn = ?", (arn,)).fetchone()
            if row is not None and row["status"] not in TERMINAL:
                self._set(conn, arn, row["status"], event=event, message=message)

    def status(self, arn: str) -> str | None:
        row = self.store.query_one("SELECT status FROM braket_jobs WHERE arn = ?", (arn,))
        return row["status"] if row else None

    def finish(self, arn: str, failure_reason: str | None = None, event: str | None = None) -> str:
        """RUNNING -> COMPLETED / FAILED, CANCELLING -> CANCELLED; returns the final status."""
        with self.store.transaction() as conn:
            row = conn.execute("SELECT status FROM braket_jobs WHERE arn = ?", (arn,)).fetchone()
            if row is None or row["status"] in TERMINAL:
                return row["status"] if row else "FAILED"
            if row["status"] == "CANCELLING":
                status, failure_reason = "CANCELLED", None
            else:
                status = "FAILED" if failure_reason else "COMPLETED"
            self._set(
                conn,
                arn,
                status,
                ended=True,
                reason=failure_reason,
                event=event or status,
                message=failure_reason,
            )
            return status

    def recover(self) -> list[str]:
        """After a stop: jobs whose process died with the server fail; queued ones run again."""
        reason = (
            "InternalServerError: the local quantum cloud stopped while this job was running; "
            "its process ended with it. Create the job again."
        )
        with self.store.transaction() as conn:
            for row in conn.execute(
                "SELECT arn, status FROM braket_jobs WHERE status IN ('RUNNING', 'CANCELLING')"
            ).fetchall():
                if row["status"] == "CANCELLING":
                    self._set(conn, row["arn"], "CANCELLED", ended=True, event="CANCELLED")
                else:
                    self._set(
                        conn,
                        row["arn"],
                        "FAILED",
                        ended=True,
                        reason=reason,
                        event="FAILED",
                        message=reason,
                    )
            rows = conn.execute(
                "SELECT arn FROM braket_jobs WHERE status = 'QUEUED' ORDER BY created_at"
            ).fetchall()
        return [r["arn"] for r in rows]

    def arn_for_token(self, token: str) -> tuple[str, str] | None:
        """(job ARN, status) of the job a task's ``jobToken`` belongs to."""
        row = self.store.query_one(
            "SELECT arn, status FROM braket_jobs WHERE job_token = ?", (token,)
        )
        return (row["arn"], row["status"]) if row else None
