"""``Job``: one Amazon Braket hybrid job as a Pulumi resource.

A job is an immutable run, like a quantum task: tags and the waiting knobs change in place, any
other input (including the source's *content*, hashed at ``check``) is a new job. Create is
idempotent with the task rules (:func:`._common.submit_generation`): a retried create gets the
same job back from Braket's clientToken; a job released by a destroy or reported FAILED/CANCELLED
moves the create on to a new job. A local source is tarred and uploaded as the SDK does
(``<folder name>/...`` in ``source.tar.gz``), under ``<outputDataConfig.s3Path>/script/<hash>``,
so the same content is one object. Destroy cancels a job that is still queued or running.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import tarfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from .._provider import CheckErrors, ProviderError, QuantumProvider, declared_diff, is_unknown
from ..clients.braket import check_target
from ..pricing import estimates
from ..service_model import validate_request
from . import _common
from ._generated import JobArgs, JobBase
from .declarations import DEFAULT_INSTANCE_CONFIG, JOB, JOB_LOG_GROUP

__all__ = ["Job", "JobArgs", "JobProvider"]

OUTPUTS = JOB.output_names
TERMINAL = _common.TERMINAL
CANCEL_WAIT_SECONDS = 120
FIRST_POLL_SECONDS = 0.2
#: The SDK's ``get_default_jobs_role``: the first ``/service-role/`` role with this name prefix.
DEFAULT_ROLE_PREFIX = "AmazonBraketJobsExecutionRole"
EXAMPLE_DEVICE = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"


# ----------------------------------------------------------------------------------- source
def is_s3_uri(source: str) -> bool:
    return source.startswith("s3://")


def source_files(source: Path) -> list[Path]:
    """The files the SDK's tar takes: the file itself, or every file under the folder."""
    if source.is_file():
        return [source]
    return sorted(p for p in source.rglob("*") if p.is_file())


def source_hash(source: str) -> str:
    """sha256 of a local source's relative paths and bytes (an S3 URI: of the URI), so moving
    or touching a folder is no change and editing a file is a new job."""
    if is_s3_uri(source):
        return hashlib.sha256(source.encode()).hexdigest()
    root = Path(source)
    digest = hashlib.sha256()
    for path in source_files(root):
        relative = path.relative_to(root).as_posix() if root.is_dir() else path.name
        digest.update(relative.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def source_archive(source: str) -> bytes:
    """The SDK's ``source.tar.gz`` (``tar.add(path, arcname=path.name)``, links followed)."""
    path = Path(source).resolve()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", dereference=True) as tar:
        tar.add(path, arcname=path.name)
    return buffer.getvalue()


def _split_s3(uri: str) -> tuple[str, str]:
    bucket, _, key = uri[len("s3://") :].partition("/")
    return bucket, key.strip("/")


# ------------------------------------------------------------------------------------ check
def _check_source(inputs: dict[str, Any], errors: CheckErrors) -> None:
    source = inputs.get("source")
    if source is None or is_unknown(source):
        return
    if not isinstance(source, str) or not source:
        errors.add("source", "source must be a local folder or .py file, or an s3:// URI")
        return
    if is_s3_uri(source):
        if not source.lower().endswith(".tar.gz"):
            errors.add("source", f"source {source!r}: an S3 source must be a .tar.gz (as the SDK)")
        elif inputs.get("entry_point") is None:
            errors.add("entry_point", "entry_point is required with an S3 source")
        inputs["source_hash"] = source_hash(source)
        return
    path = Path(source)
    if not path.exists():
        errors.add("source", f"source {source!r} does not exist; give a folder or a .py file")
        return
    if inputs.get("entry_point") is None:
        inputs["entry_point"] = path.stem  # the SDK's default: the module's name
    inputs["source_hash"] = source_hash(source)


def request_from(props: Mapping[str, Any], role_arn: str, source_uri: str) -> dict[str, Any]:
    """The create_job request (minus clientToken and jobName) for normalised inputs."""
    request = JOB.request(props)
    request["roleArn"] = role_arn
    request["deviceConfig"] = {"device": props.get("device")}
    request["algorithmSpecification"] = {
        "scriptModeConfig": {
            "entryPoint": props.get("entry_point"),
            "s3Uri": source_uri,
            "compressionType": "GZIP",
        }
    }
    request.setdefault("instanceConfig", dict(DEFAULT_INSTANCE_CONFIG))
    if "hyperParameters" in request:  # the SDK sends every value as text
        request["hyperParameters"] = {str(k): str(v) for k, v in request["hyperParameters"].items()}
    if "associations" in request:
        request["associations"] = [
            {"arn": a.get("arn"), "type": a.get("type")} for a in request["associations"]
        ]
    return request


def check_job(olds: Mapping[str, Any], news: Mapping[str, Any]) -> CheckResult:
    errors = CheckErrors()
    errors.add_all(check_target())
    inputs = JOB.defaults({k: v for k, v in news.items() if k not in OUTPUTS})
    _check_source(inputs, errors)
    inputs["tags"] = _common.string_map(inputs.get("tags"), "tags", errors)
    inputs["wait_timeout_seconds"] = _common.whole_number(
        inputs["wait_timeout_seconds"], "wait_timeout_seconds", errors, minimum=1
    )
    wait = inputs["wait_for_completion"]
    if not isinstance(wait, bool) and not is_unknown(wait):
        errors.add(
            "wait_for_completion", f"wait_for_completion must be true or false, got {wait!r}"
        )
    for prop in (
        "hyperparameters",
        "instance_config",
        "stopping_condition",
        "checkpoint_config",
        "output_data_config",
    ):
        value = inputs.get(prop)
        if value is not None and not is_unknown(value) and not isinstance(value, Mapping):
            errors.add(prop, f"{prop} must be a map (Braket's own shape), got {value!r}")
    out = inputs.get("output_data_config")
    if isinstance(out, Mapping) and not is_unknown(out.get("s3Path")):
        path = out.get("s3Path")
        if not isinstance(path, str) or not path.startswith("s3://"):
            errors.add(
                "output_data_config",
                "output_data_config.s3Path must be an s3:// URI, e.g. s3://my-bucket/jobs",
            )
    skip = ["clientToken"]
    if inputs.get("device") is None:
        errors.add("device", f"device is required: the device ARN, e.g. {EXAMPLE_DEVICE}")
    if inputs.get("device") is None or is_unknown(inputs.get("device")):
        skip.append("deviceConfig")  # reported above, or known only at update
    if inputs.get("entry_point") is None or is_unknown(inputs.get("entry_point")):
        skip.append("algorithmSpecification")  # reported with the source, or known at update
    if not inputs.get("urn_seed"):
        errors.add(
            "urn_seed",
            "urn_seed is missing: create jobs through pulumi_quantum.braket.Job, "
            "which derives it from the resource URN",
        )
    # The service model judges the rest (names, patterns, enums, required members) at preview.
    placeholder_role = "arn:aws:iam::000000000000:role/placeholder"
    request = {
        "jobName": inputs.get("job_name") or "placeholder",
        **request_from(
            {k: v for k, v in inputs.items() if not is_unknown(v)},
            inputs.get("role_arn") or placeholder_role,
            "s3://placeholder/source.tar.gz",
        ),
    }
    names = {
        "jobName": "job_name",
        "deviceConfig": "device",
        "algorithmSpecification": "entry_point",
    }
    errors.later(lambda: validate_request("CreateJob", request, errors, names=names, skip=skip))
    inputs["estimated_cost"] = estimates.job(inputs)
    return errors.result(inputs, accepted_before=JOB.accepted(olds, inputs))


# ------------------------------------------------------------------------------ remote side
def get_job(client: Any, arn: str) -> dict[str, Any] | None:
    """GetJob (with tags), or None when Braket says the job does not exist."""
    return _common.unless_missing(
        "GetJob",
        lambda: client.get_job(jobArn=arn, additionalAttributeNames=["QueueInfo"]),
        _common.NOT_FOUND | {"ValidationException"},
    )


def wait_for_terminal(client: Any, arn: str, timeout: float) -> dict[str, Any]:
    """Poll GetJob with backoff until COMPLETED/FAILED/CANCELLED (or the deadline)."""
    return _common.poll_until_terminal(
        lambda: get_job(client, arn),
        f"hybrid job {arn}",
        timeout,
        "the same job",
        FIRST_POLL_SECONDS,
    )


def default_role() -> str:
    """The SDK's ``AwsSession.get_default_jobs_role``: IAM ListRoles under /service-role/."""
    from ..clients.braket import iam_client

    with _common.braket_errors("iam ListRoles (the default role_arn)"):
        pages = iam_client().get_paginator("list_roles").paginate(PathPrefix="/service-role/")
        for page in pages:
            for role in page["Roles"]:
                if role["RoleName"].startswith(DEFAULT_ROLE_PREFIX):
                    return str(role["Arn"])
    raise ProviderError(
        f"role_arn: no IAM role named {DEFAULT_ROLE_PREFIX}* under /service-role/; create it "
        "(the Braket console does) or set role_arn"
    )


def upload_source(props: Mapping[str, Any]) -> str:
    """A local source → its tar.gz in S3, keyed by its content hash; an S3 source as given."""
    from ..clients.braket import s3_client

    source = str(props["source"])
    if is_s3_uri(source):
        return source
    if source_hash(source) != props.get("source_hash"):
        raise ProviderError(
            f"source {source!r} changed between preview and update; run `pulumi up` again"
        )
    bucket, prefix = _split_s3(props["output_data_config"]["s3Path"])
    key = "/".join(p for p in (prefix, "script", props["source_hash"], "source.tar.gz") if p)
    with _common.braket_errors(f"uploading the source to s3://{bucket}/{key}"):
        s3_client().put_object(Bucket=bucket, Key=key, Body=source_archive(source))
    return f"s3://{bucket}/{key}"


def read_result(job: Mapping[str, Any]) -> dict[str, Any] | None:
    """The saved result, as the SDK's ``job.result()``: ``<s3Path>/output/model.tar.gz`` holds
    ``results.json``; a plaintext ``dataDictionary`` is the result (pickled data: None)."""
    from ..clients.braket import s3_client

    bucket, prefix = _split_s3(job["outputDataConfig"]["s3Path"])
    key = "/".join(p for p in (prefix, "output", "model.tar.gz") if p)
    body = _common.unless_missing(
        f"reading s3://{bucket}/{key}",
        lambda: s3_client().get_object(Bucket=bucket, Key=key)["Body"].read(),
        _common.S3_NOT_FOUND,
    )
    if body is None:
        return None
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as tar:
        member = next((m for m in tar.getmembers() if m.name.endswith("results.json")), None)
        if member is None:
            return None
        data = json.loads(tar.extractfile(member).read())  # type: ignore[union-attr]
    if data.get("dataFormat", "plaintext") != "plaintext":
        return None
    return data.get("dataDictionary")


def task_count(client: Any, arn: str) -> int:
    """How many quantum tasks carry the job's ARN (SearchQuantumTasks, as ``job.get_tasks``)."""
    with _common.braket_errors("SearchQuantumTasks"):
        pages = client.get_paginator("search_quantum_tasks").paginate(
            filters=[{"name": "jobArn", "operator": "EQUAL", "values": [arn]}]
        )
        return sum(len(page["quantumTasks"]) for page in pages)


def outputs_of(client: Any, job: Mapping[str, Any], previous: Mapping[str, Any] | None = None):
    """The declared reads of GetJob, plus the result and task count once the job is terminal
    (read once: a terminal job does not change)."""
    outs = JOB.outputs_from(job)
    outs["log_group"] = JOB_LOG_GROUP
    previous = previous or {}
    if outs["status"] in TERMINAL:
        if previous.get("status") == outs["status"]:
            outs["result"] = previous.get("result")
            outs["task_count"] = previous.get("task_count")
        else:
            outs["result"] = read_result(job) if outs["status"] == "COMPLETED" else None
            outs["task_count"] = task_count(client, job["jobArn"])
    else:
        outs["result"] = None
        outs["task_count"] = None
    return outs


def spent_reason(client: Any, arn: str) -> str | None:
    """Why the job a clientToken answered with belongs to a finished deployment, else None."""
    job = get_job(client, arn)
    if job is None:
        return "gone from Braket"
    return (job.get("tags") or {}).get(_common.RELEASED_TAG) or None


def release(client: Any, arn: str, why: str) -> None:
    """Tag a job as spent, so an identical create later submits anew (best effort)."""
    with contextlib.suppress(ProviderError):
        _common.update_tags(client, arn, {}, {_common.RELEASED_TAG: why})


def adopt_job(client: Any, arn: str, props: Mapping[str, Any]) -> str:
    """``import_=ARN``: take over an existing job (as QuantumTask adopts a task, see
    :func:`.task.adopt_task`): its device and entry point must be the program's; tags are
    brought to the program's. The source is not compared (Braket keeps only its archive)."""
    job = get_job(client, arn)
    if job is None:
        raise ProviderError(f"import: no hybrid job {arn} in Braket; check the ARN and region")
    existing = JOB.inputs_from(job)
    for prop in ("device", "entry_point"):
        if existing.get(prop) != props.get(prop):
            raise ProviderError(
                f"import: {prop} is {props.get(prop)!r} in the program but "
                f"{existing.get(prop)!r} for {arn}; make the program match the job you import"
            )
    _common.update_tags(client, arn, job.get("tags"), props.get("tags"))
    return arn


def job_name(props: Mapping[str, Any], token: str) -> str:
    """The given name, else one derived from the clientToken (unique per run, within Braket's
    ``^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,50}$``)."""
    return str(props.get("job_name") or "pulumi-" + token.replace("-", "")[:32])


class JobProvider(QuantumProvider):
    """CRUD for Braket hybrid jobs. Holds no configuration (it is pickled into state)."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return check_job(olds, news)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        result = declared_diff(JOB, olds, news)
        if "source_hash" in olds and olds.get("source_hash") != news.get("source_hash"):
            result.replaces = [*(result.replaces or []), "source"]  # new code: a new run
            result.changes = True
        return result

    def create(self, props: dict[str, Any]) -> CreateResult:
        from ..clients.braket import braket_client

        client = braket_client()
        skipped: list[str] = []
        if props.get("import_id"):
            arn = adopt_job(client, props["import_id"], props)
        else:
            role = props.get("role_arn") or default_role()
            request = request_from(props, role, upload_source(props))

            def submit(token: str) -> str:
                name = job_name(props, token)
                with _common.braket_errors("CreateJob", request):
                    return client.create_job(clientToken=token, jobName=name, **request)["jobArn"]

            arn, skipped = _common.submit_generation(
                submit, lambda found: spent_reason(client, found), props["urn_seed"], request
            )
        if props.get("wait_for_completion", True):
            job = wait_for_terminal(client, arn, float(props["wait_timeout_seconds"]))
            if job["status"] in {"FAILED", "CANCELLED"}:
                release(client, arn, f"{job['status']} when an earlier create reported it")
                reason = job.get("failureReason") or "no reason given"
                earlier = f" Earlier jobs, not reused: {'; '.join(skipped)}." if skipped else ""
                raise ProviderError(
                    f"hybrid job {arn} {job['status']}: {reason}. It stays in Braket's job "
                    f"history; running `pulumi up` again starts a new job.{earlier}"
                )
        else:
            job = get_job(client, arn) or {"jobArn": arn, "status": "QUEUED"}
        return CreateResult(arn, {**props, **outputs_of(client, job)})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        from ..clients.braket import braket_client

        client = braket_client()
        job = get_job(client, id_)
        if job is None:
            return ReadResult(None, {})
        outs = dict(props)
        importing = "device" not in outs
        if importing:
            outs.update(JOB.inputs_from(job))
        elif "tags" in outs or job.get("tags"):
            outs["tags"] = JOB.prop("tags").read_from(job)  # drift: an in-place update
        outs.update(outputs_of(client, job, props))
        if importing:
            return ReadResult(id_, outs, JOB.inputs_from(job))
        return ReadResult(id_, outs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        from ..clients.braket import braket_client

        client = braket_client()
        _common.update_tags(client, id_, olds.get("tags"), news.get("tags"))
        outs = {k: v for k, v in {**olds, **news}.items() if k not in OUTPUTS}
        checked = ("source_hash", "estimated_cost")  # check's outputs: the new inputs' own
        for name in checked:
            outs[name] = news.get(name, olds.get(name))
        if news.get("wait_for_completion") and olds.get("status") not in TERMINAL:
            job = wait_for_terminal(client, id_, float(news["wait_timeout_seconds"]))
        else:
            job = get_job(client, id_)
        if job is None:
            return UpdateResult({**outs, **{k: olds.get(k) for k in OUTPUTS if k not in checked}})
        return UpdateResult({**outs, **outputs_of(client, job, olds)})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        from ..clients.braket import braket_client

        client = braket_client()
        job = get_job(client, id_)
        if job is None:
            return
        release(client, id_, "released by an earlier destroy")
        if job["status"] in TERMINAL:
            return  # Braket keeps finished jobs: forgetting them is all delete can do
        if job["status"] != "CANCELLING":
            with _common.braket_errors("CancelJob"):
                client.cancel_job(jobArn=id_)
        with contextlib.suppress(ProviderError):
            wait_for_terminal(client, id_, CANCEL_WAIT_SECONDS)


class Job(JobBase):
    """An Amazon Braket hybrid job (``braket.create_job``) managed by Pulumi.

    ``Job(name, JobArgs(...), opts)`` or ``Job(name, source=..., device=..., ...)``.
    Inputs, outputs and update-vs-replace: :data:`.declarations.JOB`.
    """

    PROVIDER = JobProvider
    WAIT_INPUT = "wait_timeout_seconds"
