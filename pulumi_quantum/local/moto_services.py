"""IAM, ECR and CloudWatch Logs for Braket hybrid jobs: moto's server apps, on the Braket port.

The Braket SDK's job path needs three services beside Braket and S3: IAM (``get_default_jobs_role``
lists roles under ``/service-role/`` named ``AmazonBraketJobsExecutionRole*``), ECR
(``get_full_image_tag`` calls ``batch_get_image`` on Braket's job images, even for code that only
*decorates* a function with ``@hybrid_job``) and CloudWatch Logs (``job.logs()`` reads the job's
streams; ``job.metrics()`` runs a Logs Insights query). moto implements all three; this module
serves them on the Braket port (as the local STS is), dispatching on the SigV4 credential
scope's service name (the standard ``AWS_ENDPOINT_URL_IAM`` / ``_ECR`` / ``_CLOUDWATCH_LOGS``
variables all point there), after checking the signature with the same verifier as Braket and
S3. No new port: the daemon's ports and every shell's exports stay as they were.

Durability: moto keeps these services in memory. At every start the jobs role and Braket's job
images are (re)created, and the job log events kept in the Store are replayed into moto, so a
restart loses none of what the SDK reads.

Logs Insights: moto's ``StartQuery`` ignores ``filter`` commands (it returns every event of the
group), so the query the SDK sends for metrics would mix every job's lines. ``insights`` answers
``StartQuery`` / ``GetQueryResults`` itself with the subset of the query language that query uses
(``fields``, ``filter <field> like /regex/``, ``sort``, ``limit``), over moto's stored events.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .store import Store

log = logging.getLogger(__name__)

SERVICES = ("iam", "ecr", "logs")
JOBS_ROLE_NAME = "AmazonBraketJobsExecutionRole"
JOB_LOG_GROUP = "/aws/braket/jobs"
BRAKET_IMAGE_REPOSITORIES = (
    "amazon-braket-base-jobs",
    "amazon-braket-pytorch-jobs",
    "amazon-braket-tensorflow-jobs",
    "amazon-braket-cudaq-jobs",
)
"""The repositories of the SDK's ``image_uris.Framework`` images (``image_uri_config/*.json``)."""

DDL = """
CREATE TABLE IF NOT EXISTS job_log_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    stream TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS job_log_events_stream ON job_log_events(stream);
"""

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "braket.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def _internal_auth(service: str, region: str = "us-east-1") -> dict[str, str]:
    """A well-formed SigV4 header for in-process calls to moto (which checks none)."""
    return {
        "Authorization": f"AWS4-HMAC-SHA256 Credential=AKIALOCALQUANTUM0001/20240101/{region}/"
        f"{service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + "0" * 64,
        "X-Amz-Date": "20240101T000000Z",
    }


def image_tag() -> str:
    """The full tag of the local job image: this Python's version, as Braket's tags carry it
    (``_validate_python_version`` compares it with the client's Python)."""
    return f"1.0-cpu-py{sys.version_info.major}{sys.version_info.minor}-ubuntu22.04"


class MotoServices:
    """IAM + ECR + Logs (moto) with a durable job log and the minimal Logs Insights."""

    def __init__(
        self,
        store: Store,
        secrets: Callable[[], Mapping[str, str]],
        sessions: Any = None,
        region: str = "us-east-1",
    ) -> None:
        from moto.moto_server.werkzeug_app import create_backend_app

        self.store = store
        self.secrets = secrets
        self.sessions = sessions
        self.region = region
        self.apps = {name: create_backend_app(name) for name in SERVICES}
        self._queries: dict[str, list[list[dict[str, str]]]] = {}
        self._lock = threading.Lock()
        store.migrate(DDL)

    # ------------------------------------------------------------ start-up
    def restore(self) -> int:
        """Seed the jobs role and images; replay the stored job log. Returns events replayed."""
        from werkzeug.test import Client

        iam = Client(self.apps["iam"])
        iam.post(
            "/",
            data={
                "Action": "CreateRole",
                "Version": "2010-05-08",
                "RoleName": JOBS_ROLE_NAME,
                "Path": "/service-role/",
                "AssumeRolePolicyDocument": _TRUST,
                "Description": "Local Braket hybrid jobs execution role",
            },
            headers=_internal_auth("iam"),
        )
        ecr = Client(self.apps["ecr"])
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "config": {"digest": "sha256:" + "0" * 64, "size": 0},
                "layers": [],
            }
        )
        for repository in BRAKET_IMAGE_REPOSITORIES:
            target = "AmazonEC2ContainerRegistry_V20150921."
            headers = {
                **_internal_auth("ecr", self.region),
                "Content-Type": "application/x-amz-json-1.1",
            }
            ecr.post(
                "/",
                data=json.dumps({"repositoryName": repository}),
                headers={**headers, "X-Amz-Target": target + "CreateRepository"},
            )
            for tag in ("latest", image_tag()):
                ecr.post(
                    "/",
                    data=json.dumps(
                        {"repositoryName": repository, "imageManifest": manifest, "imageTag": tag}
                    ),
                    headers={**headers, "X-Amz-Target": target + "PutImage"},
                )
        backend = self._logs()
        backend.groups.pop(JOB_LOG_GROUP, None)  # moto is process-global: start from the Store
        backend.create_log_group(JOB_LOG_GROUP, {})
        rows = self.store.query("SELECT stream, timestamp, message FROM job_log_events ORDER BY id")
        by_stream: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            by_stream.setdefault(row["stream"], []).append(
                {"timestamp": row["timestamp"], "message": row["message"]}
            )
        for stream, events in by_stream.items():
            self._put(stream, events)
        return len(rows)

    def _logs(self) -> Any:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.logs.models import logs_backends

        return logs_backends[DEFAULT_ACCOUNT_ID][self.region]

    # ------------------------------------------------------- job log writes
    def _put(self, stream: str, events: list[dict[str, Any]]) -> None:
        backend = self._logs()
        with self._lock:
            group = backend.groups.get(JOB_LOG_GROUP)
            if group is None:
                group = backend.create_log_group(JOB_LOG_GROUP, {})
            if stream not in group.streams:
                group.create_log_stream(stream)
            group.put_log_events(stream, events)

    def write_job_log(self, stream: str, lines: Iterable[tuple[int, str]]) -> None:
        """Append ``(epoch ms, line)`` events to a job stream: kept in the Store, served by moto."""
        events = [{"timestamp": ts, "message": line} for ts, line in lines]
        if not events:
            return
        with self.store.transaction() as conn:
            conn.executemany(
                "INSERT INTO job_log_events (stream, timestamp, message) VALUES (?, ?, ?)",
                [(stream, e["timestamp"], e["message"]) for e in events],
            )
        self._put(stream, events)

    # ------------------------------------------------------------------ WSGI
    def app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        from .braket.auth import verify_sigv4
        from .braket.exceptions import BraketError
        from .s3 import _read_body

        scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        service = scope.group(2) if scope else None
        if service not in self.apps:
            return _error(
                start_response,
                "400 Bad Request",
                "UnrecognizedClientException",
                f"this endpoint serves {list(SERVICES)} (by the SigV4 scope)",
            )
        body = _read_body(environ)
        raw = environ.get("REQUEST_URI") or environ.get("RAW_URI") or environ.get("PATH_INFO", "/")
        try:
            verify_sigv4(
                method=environ["REQUEST_METHOD"],
                url=f"http://{environ.get('HTTP_HOST', 'localhost')}{raw}",
                headers={
                    k[5:].replace("_", "-"): v for k, v in environ.items() if k.startswith("HTTP_")
                }
                | {"Content-Type": environ.get("CONTENT_TYPE", "")},
                body=body,
                secrets=self.secrets(),
                service=service,
                sessions=self.sessions,
            )
        except BraketError as exc:
            return _error(start_response, "403 Forbidden", exc.code, exc.message)
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if service == "logs" and target.endswith((".StartQuery", ".GetQueryResults")):
            return self._insights(
                target.rsplit(".", 1)[1], json.loads(body or b"{}"), start_response
            )
        return self.apps[service](environ, start_response)

    # -------------------------------------------------------- Logs Insights
    def _insights(
        self, action: str, params: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if action == "StartQuery":
            try:
                results = self.query(
                    params.get("logGroupName") or (params.get("logGroupNames") or [None])[0],
                    params["queryString"],
                    int(params.get("startTime", 0)),
                    int(params.get("endTime", 0)),
                    params.get("limit"),
                )
            except (KeyError, ValueError) as exc:
                return _error(
                    start_response, "400 Bad Request", "InvalidParameterException", str(exc)
                )
            query_id = str(uuid.uuid4())
            self._queries[query_id] = results
            return _json(start_response, {"queryId": query_id})
        results = self._queries.get(params.get("queryId", ""))
        if results is None:
            return _error(
                start_response,
                "400 Bad Request",
                "ResourceNotFoundException",
                "The specified query does not exist.",
            )
        stats = {
            "recordsMatched": float(len(results)),
            "recordsScanned": float(len(results)),
            "bytesScanned": 0.0,
        }
        doc = {"results": results, "statistics": stats, "status": "Complete"}
        return _json(start_response, doc)

    def query(
        self, group_name: str | None, query: str, start: int, end: int, limit: int | None
    ) -> list[list[dict[str, str]]]:
        """Run a Logs Insights query (``fields``, ``filter F like /re/``, ``sort``, ``limit``)."""
        group = self._logs().groups.get(group_name or "")
        if group is None:
            raise ValueError(f"logGroupName: log group {group_name!r} does not exist")
        fields, filters, descending = ["@timestamp", "@message"], [], True
        for command in _split_pipes(query):
            word, _, rest = command.strip().partition(" ")
            if word == "fields":
                fields = [f.strip() for f in rest.split(",") if f.strip()]
            elif word == "filter":
                m = re.fullmatch(r"\s*(@?\w+)\s+like\s+/(.*)/\s*", rest)
                if not m:
                    raise ValueError(
                        f"queryString: unsupported filter {rest!r} (local Insights "
                        "supports `filter <field> like /regex/`)"
                    )
                filters.append((m.group(1), re.compile(m.group(2).replace("\\/", "/"))))
            elif word == "sort":
                descending = not rest.strip().endswith("asc")
            elif word == "limit":
                limit = int(rest)
            else:
                raise ValueError(
                    f"queryString: the local Logs Insights does not support {word!r}; it runs "
                    "fields, filter <field> like /regex/, sort and limit"
                )
        rows = []
        with self._lock:
            streams = list(group.streams.values())
            for stream in streams:
                for event in list(stream.events):
                    if start and event.timestamp < start * 1000:
                        continue
                    if end and event.timestamp > end * 1000:
                        continue
                    values = {
                        "@timestamp": _insights_time(event.timestamp),
                        "@message": event.message,
                        "@logStream": stream.log_stream_name,
                        "@log": f"123456789012:{group.name}",
                    }
                    if all(rx.search(values.get(field, "")) for field, rx in filters):
                        rows.append((event.timestamp, values, event.event_id))
        rows.sort(key=lambda r: r[0], reverse=descending)
        if limit:
            rows = rows[:limit]
        return [
            [{"field": f, "value": values[f]} for f in fields if f in values]
            + [{"field": "@ptr", "value": str(ptr)}]
            for _, values, ptr in rows
        ]


def route(
    services: MotoServices, other: Callable[..., Iterable[bytes]]
) -> Callable[..., Iterable[bytes]]:
    """One WSGI app for the Braket port: IAM / ECR / Logs requests (by their SigV4 scope) to
    ``services``, the rest to ``other``. A Braket request costs one substring test."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        auth = environ.get("HTTP_AUTHORIZATION", "")
        if "/braket/aws4_request" not in auth:
            scope = _SCOPE.search(auth)
            if scope and scope.group(2) in SERVICES:
                return services.app(environ, start_response)
        return other(environ, start_response)

    return app


def _split_pipes(query: str) -> list[str]:
    """Split on ``|`` outside ``/regex/`` literals."""
    parts, current, in_regex = [], [], False
    for i, char in enumerate(query):
        if char == "/" and (i == 0 or query[i - 1] != "\\"):
            in_regex = not in_regex
        if char == "|" and not in_regex:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p for p in parts if p.strip()]


def _insights_time(ms: int) -> str:
    """Insights' @timestamp format: ``2024-01-01 12:00:00.000``."""
    when = dt.datetime.fromtimestamp(ms / 1000, dt.UTC)
    return when.strftime("%Y-%m-%d %H:%M:%S.") + f"{when.microsecond // 1000:03d}"


def _json(start_response: Callable[..., Any], doc: Any) -> list[bytes]:
    body = json.dumps(doc).encode()
    start_response(
        "200 OK",
        [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(body)))],
    )
    return [body]


def _error(start_response: Callable[..., Any], status: str, code: str, message: str) -> list[bytes]:
    body = json.dumps({"__type": code, "message": message}).encode()
    start_response(
        status,
        [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("x-amzn-ErrorType", code),
            ("Content-Length", str(len(body))),
        ],
    )
    return [body]
