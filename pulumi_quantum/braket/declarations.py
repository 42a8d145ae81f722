"""The Amazon Braket resources, declared once (see :mod:`pulumi_quantum.declare`).

Wire names are ``create_quantum_task`` / ``create_spending_limit`` members, as botocore's
braket service model spells them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ..declare import (
    ESTIMATED_COST,
    IMPORT_ID,
    URN_SEED,
    ObjectType,
    Prop,
    ResourceDecl,
    iso_time,
    json_text,
    non_empty,
)

DEFAULT_WAIT_TIMEOUT_SECONDS = 3600

#: Tag a delete puts on a terminal task it can only forget: "this deployment is over", so a later
#: create with the same inputs submits anew instead of being answered with this task.
RELEASED_TAG = "pulumi-quantum:released"


# ------------------------------------------------------------------- converters of the reads
def visible_tags(tags: Mapping[str, str] | None, _response: Any = None) -> dict[str, str] | None:
    """A task's tags without our bookkeeping tag (it is never one of the program's inputs)."""
    shown = {k: v for k, v in (tags or {}).items() if k != RELEASED_TAG}
    return shown or None


def key_prefix(directory: Any, task: Mapping[str, Any]) -> Any:
    """``outputS3Directory`` (``<prefix>/<task id>``) → the ``outputS3KeyPrefix`` given."""
    directory = directory or ""
    task_id = str(task.get("quantumTaskArn", "")).rsplit("/", 1)[-1]
    return directory[: -len(task_id) - 1] if directory.endswith("/" + task_id) else directory


def instant(value: Any) -> datetime | None:
    """A datetime, epoch seconds or ISO 8601 text → an aware datetime (None if it is none)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        from botocore.utils import parse_timestamp

        try:
            parsed = parse_timestamp(value)
        except (ValueError, TypeError):
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def time_period(period: Any, _response: Any = None) -> dict[str, str] | None:
    """Braket's ``timePeriod`` (``startAt``/``endAt``) → ``{start_at, end_at}``, ISO 8601 UTC."""
    if not period:
        return None
    return {
        "start_at": utc_text(instant(period["startAt"])),  # type: ignore[arg-type]
        "end_at": utc_text(instant(period["endAt"])),  # type: ignore[arg-type]
    }


TAGS = Prop(
    "tags",
    "object",
    "Tags of the Braket resource (changed in place with TagResource/UntagResource).",
    "Mapping[str, pulumi.Input[str]]",
    change="in-place",
    wire="tags",
    items="string",
    out_py="dict[str, str]",
    read="tags",
    convert=non_empty,
)

ASSOCIATION = ObjectType(
    "Association",
    "A Braket resource the task is associated with (today: a reservation time window).",
    (
        Prop("arn", "string", "The reservation ARN.", "str", required=True),
        Prop(
            "type",
            "string",
            'The association type: ``"RESERVATION_TIME_WINDOW_ARN"``.',
            "str",
            required=True,
        ),
    ),
)

QUANTUM_TASK = ResourceDecl(
    module="braket",
    name="QuantumTask",
    doc=(
        "An Amazon Braket quantum task (``braket.create_quantum_task``). Give the program either "
        "as ``action`` (a Braket action such as ``braket.ir.openqasm.program``, as a map or its "
        "JSON text) or as ``source`` (OpenQASM 3 text) plus optional ``inputs``. With "
        "``wait_for_completion`` (the default) ``up`` waits for a terminal state for at most "
        "``wait_timeout_seconds`` (default: the resource's ``customTimeouts.create``, else one "
        "hour). Tags and the waiting knobs change in place; any other change is a new task."
    ),
    import_id="the quantum task ARN",
    home="task",
    timeout_input="wait_timeout_seconds",
    types=(ASSOCIATION,),
    props=(
        Prop(
            "action",
            "json",
            "The Braket action (a map or its JSON text); normalised to canonical JSON text.",
            "str | Mapping[str, Any]",
            wire="action",
            out_py="str",
        ),
        Prop(
            "source",
            "string",
            "OpenQASM 3 program text; check folds it (with ``inputs``) into ``action``.",
            "str",
            change="none",
        ),
        Prop(
            "inputs",
            "object",
            "Values of the OpenQASM program's ``input`` parameters (with ``source``).",
            "Mapping[str, Any]",
            change="none",
            items="any",
            out_py="dict[str, Any]",
        ),
        Prop(
            "device_arn",
            "string",
            "The device ARN (``arn:aws:braket:::device/quantum-simulator/amazon/sv1``, a QPU).",
            "str",
            required=True,
            wire="deviceArn",
            read="deviceArn",
        ),
        Prop(
            "device_parameters",
            "json",
            "Device parameters (a map or its JSON text); normalised to canonical JSON text.",
            "str | Mapping[str, Any]",
            wire="deviceParameters",
            out_py="str",
            read="deviceParameters",
            convert=json_text,
        ),
        Prop(
            "output_s3_bucket",
            "string",
            "The S3 bucket Braket writes results to (it must exist: see ResultsBucket).",
            "str",
            required=True,
            wire="outputS3Bucket",
            read="outputS3Bucket",
        ),
        Prop(
            "output_s3_key_prefix",
            "string",
            "The key prefix of the results: ``<prefix>/<task id>/results.json``.",
            "str",
            required=True,
            wire="outputS3KeyPrefix",
            read="outputS3Directory",
            convert=key_prefix,
        ),
        Prop(
            "shots",
            "integer",
            "Number of shots (0 for exact results on simulators).",
            "int",
            required=True,
            wire="shots",
            read="shots",
        ),
        dataclasses.replace(TAGS, convert=visible_tags),
        Prop(
            "associations",
            "array",
            "Associations, e.g. a reservation: ``[{arn, type: RESERVATION_TIME_WINDOW_ARN}]``.",
            "Sequence[pulumi.Input[Association]]",
            wire="associations",
            items="Association",
            out_py="list[dict[str, str]]",
            read="associations",
            convert=non_empty,
        ),
        Prop(
            "job_token",
            "string",
            "The hybrid job token, for tasks created inside a Braket hybrid job.",
            "str",
            wire="jobToken",
        ),
        Prop(
            "experimental_capabilities",
            "object",
            "Experimental capabilities to enable (Braket's ``experimentalCapabilities``).",
            "Mapping[str, str]",
            wire="experimentalCapabilities",
            items="string",
            out_py="dict[str, str]",
        ),
        Prop(
            "wait_for_completion",
            "boolean",
            "Wait for COMPLETED/FAILED/CANCELLED during ``up`` (a failed task fails the update).",
            "bool",
            change="in-place",
            default=True,
        ),
        Prop(
            "wait_timeout_seconds",
            "integer",
            "How long ``up`` waits (default: ``customTimeouts.create``, else 3600 s).",
            "int",
            change="in-place",
            default=DEFAULT_WAIT_TIMEOUT_SECONDS,
        ),
        Prop(
            "quantum_task_arn",
            "string",
            "The task ARN (also the resource id).",
            "str",
            role="output",
            read="quantumTaskArn",
        ),
        Prop(
            "status",
            "string",
            "QUEUED, RUNNING, COMPLETED, FAILED, CANCELLED, ...",
            "str",
            role="output",
            read="status",
        ),
        Prop(
            "output_s3_directory",
            "string",
            "Where the results are: ``<prefix>/<task id>``.",
            "str",
            role="output",
            read="outputS3Directory",
        ),
        Prop(
            "created_at",
            "string",
            "When Braket created the task (ISO 8601).",
            "str",
            role="output",
            read="createdAt",
            convert=iso_time,
        ),
        Prop(
            "ended_at",
            "string",
            "When the task ended (ISO 8601), if it has.",
            "str",
            role="output",
            read="endedAt",
            convert=iso_time,
        ),
        Prop(
            "failure_reason",
            "string",
            "Why the task failed, if it did.",
            "str",
            role="output",
            read="failureReason",
        ),
        Prop(
            "measurement_counts",
            "object",
            "Counts per measured bitstring, read from the task's results.json once COMPLETED.",
            "dict[str, int]",
            role="output",
            items="integer",
        ),
        ESTIMATED_COST,
        Prop(
            "billed_cost",
            "object",
            "What Braket bills for the task, as the SDK's Tracker computes it (device, shots, "
            "simulation time): ``estimated_cost``'s shape, ``exact`` once the task is terminal; "
            "refresh updates it.",
            "dict[str, Any]",
            role="output",
            items="any",
        ),
        URN_SEED,
        IMPORT_ID,
    ),
)

TIME_PERIOD = ObjectType(
    "TimePeriod",
    "The period a limit applies to: ISO 8601 date-times (or epoch seconds).",
    (
        Prop("start_at", "string", "Start of the period.", "str", required=True),
        Prop("end_at", "string", "End of the period (after the start).", "str", required=True),
    ),
)

SPENDING_LIMIT = ResourceDecl(
    module="braket",
    name="SpendingLimit",
    doc=(
        "An Amazon Braket spending limit (``braket.create_spending_limit``). ``spending_limit`` "
        'is a decimal amount in USD as text (``"100"``, ``"12.50"``); numbers are accepted '
        "and turned into text. Without ``time_period`` Braket picks the period. The amount, "
        "period and tags change in place; a different device is a new limit."
    ),
    import_id="the spending limit ARN",
    home="spending_limit",
    types=(TIME_PERIOD,),
    props=(
        Prop(
            "device_arn",
            "string",
            "The device the limit applies to.",
            "str",
            required=True,
            wire="deviceArn",
            read="deviceArn",
        ),
        Prop(
            "spending_limit",
            "string",
            "The limit in USD, as decimal text.",
            "str",
            required=True,
            change="in-place",
            wire="spendingLimit",
            read="spendingLimit",
        ),
        Prop(
            "time_period",
            "ref",
            "The period the limit applies to.",
            "TimePeriod",
            change="in-place",
            items="TimePeriod",
            out_py="dict[str, str]",
            read="timePeriod",
            convert=time_period,
        ),
        TAGS,
        Prop(
            "spending_limit_arn",
            "string",
            "The limit's ARN (also the resource id).",
            "str",
            role="output",
            read="spendingLimitArn",
        ),
        Prop(
            "queued_spend",
            "string",
            "Spend of queued tasks, in USD.",
            "str",
            role="output",
            read="queuedSpend",
        ),
        Prop(
            "total_spend",
            "string",
            "Spend so far in the period, in USD.",
            "str",
            role="output",
            read="totalSpend",
        ),
        Prop(
            "effective_time_period",
            "ref",
            "The period Braket applies (``{start_at, end_at}``, ISO 8601).",
            "dict[str, str]",
            role="output",
            items="TimePeriod",
            read="timePeriod",
            convert=time_period,
        ),
        Prop(
            "created_at",
            "string",
            "When the limit was created (ISO 8601).",
            "str",
            role="output",
            read="createdAt",
            convert=iso_time,
        ),
        Prop(
            "updated_at",
            "string",
            "When the limit was last updated (ISO 8601).",
            "str",
            role="output",
            read="updatedAt",
            convert=iso_time,
        ),
        URN_SEED,
        IMPORT_ID,
    ),
)


# ------------------------------------------------------------------------------- hybrid jobs
#: Braket's log group of every hybrid job (the SDK's ``AwsQuantumJob.LOG_GROUP``).
JOB_LOG_GROUP = "/aws/braket/jobs"
#: The SDK's ``InstanceConfig()`` defaults, sent when ``instance_config`` is not given.
DEFAULT_INSTANCE_CONFIG = {"instanceType": "ml.m5.large", "instanceCount": 1, "volumeSizeInGb": 30}


def device_of(config: Any, _response: Any = None) -> Any:
    """GetJob's ``deviceConfig`` → the device ARN."""
    return (config or {}).get("device")


def entry_point_of(spec: Any, _response: Any = None) -> Any:
    """GetJob's ``algorithmSpecification`` → the script's entry point."""
    return ((spec or {}).get("scriptModeConfig") or {}).get("entryPoint")


def _config(name: str, doc: str, wire: str, **extra: Any) -> Prop:
    """A Braket job configuration object, given in Braket's own (camelCase) shape."""
    return Prop(
        name,
        "object",
        doc,
        "Mapping[str, Any]",
        wire=wire,
        items="any",
        out_py="dict[str, Any]",
        read=wire,
        convert=non_empty,
        **extra,
    )


JOB = ResourceDecl(
    module="braket",
    name="Job",
    doc=(
        "An Amazon Braket hybrid job (``braket.create_job``): ``source`` is a local folder or "
        ".py file (tarred and uploaded to S3 as the SDK does, diffed by a content hash) or the "
        "``s3://`` URI of a tar.gz. ``role_arn`` defaults, like the SDK, to the IAM role named "
        "``AmazonBraketJobsExecutionRole*``. With ``wait_for_completion`` (the default) ``up`` "
        "waits for a terminal state and reads the saved result. Tags and the waiting knobs "
        "change in place; any other change is a new job; destroy cancels a running job."
    ),
    import_id="the job ARN",
    home="job",
    timeout_input="wait_timeout_seconds",
    types=(ASSOCIATION,),
    props=(
        Prop(
            "source",
            "string",
            "A local folder or .py file, or an ``s3://`` URI of a tar.gz; diffed by content hash.",
            "str",
            required=True,
            change="none",
        ),
        Prop(
            "entry_point",
            "string",
            "``module`` or ``module:function`` (default for a local source: its name).",
            "str",
            read="algorithmSpecification",
            convert=entry_point_of,
        ),
        Prop(
            "device",
            "string",
            "The device ARN the job's tasks run on (Braket's ``deviceConfig.device``).",
            "str",
            required=True,
            read="deviceConfig",
            convert=device_of,
        ),
        Prop(
            "job_name",
            "string",
            "The job name (default: derived from the resource and its inputs, unique per run).",
            "str",
        ),
        Prop(
            "role_arn",
            "string",
            "The execution role (default: the IAM role named AmazonBraketJobsExecutionRole*).",
            "str",
            wire="roleArn",
        ),
        Prop(
            "hyperparameters",
            "object",
            "Hyperparameters, passed to the entry point (values become text, as in the SDK).",
            "Mapping[str, Any]",
            wire="hyperParameters",
            items="string",
            out_py="dict[str, str]",
            read="hyperParameters",
            convert=non_empty,
        ),
        Prop(
            "input_data_config",
            "array",
            "Input channels, Braket's ``inputDataConfig`` (``[{channelName, dataSource}]``).",
            "Sequence[Mapping[str, Any]]",
            wire="inputDataConfig",
            items="any",
            out_py="list[dict[str, Any]]",
            read="inputDataConfig",
            convert=non_empty,
        ),
        _config(
            "instance_config",
            "Braket's ``instanceConfig`` (default: one ml.m5.large with 30 GB, as the SDK).",
            "instanceConfig",
        ),
        _config(
            "stopping_condition",
            "Braket's ``stoppingCondition`` (``{maxRuntimeInSeconds}``).",
            "stoppingCondition",
        ),
        _config(
            "checkpoint_config",
            "Braket's ``checkpointConfig`` (``{s3Uri, localPath}``).",
            "checkpointConfig",
        ),
        _config(
            "output_data_config",
            "Braket's ``outputDataConfig`` (``{s3Path}``): the result is "
            "``<s3Path>/output/model.tar.gz``; the source is uploaded under ``<s3Path>/script``.",
            "outputDataConfig",
            required=True,
        ),
        dataclasses.replace(TAGS, convert=visible_tags),
        Prop(
            "associations",
            "array",
            "A reservation to run in: ``[{arn, type: RESERVATION_TIME_WINDOW_ARN}]``.",
            "Sequence[pulumi.Input[Association]]",
            wire="associations",
            items="Association",
            out_py="list[dict[str, str]]",
            read="associations",
            convert=non_empty,
        ),
        Prop(
            "wait_for_completion",
            "boolean",
            "Wait for COMPLETED/FAILED/CANCELLED during ``up`` (a failed job fails the update).",
            "bool",
            change="in-place",
            default=True,
        ),
        Prop(
            "wait_timeout_seconds",
            "integer",
            "How long ``up`` waits (default: ``customTimeouts.create``, else 3600 s).",
            "int",
            change="in-place",
            default=DEFAULT_WAIT_TIMEOUT_SECONDS,
        ),
        Prop(
            "source_hash",
            "string",
            "sha256 of the source's files (or of the S3 URI); a change is a new job.",
            "str",
            role="output",
            change="in-place",
        ),
        Prop(
            "job_arn",
            "string",
            "The job ARN (also the resource id).",
            "str",
            role="output",
            read="jobArn",
        ),
        Prop(
            "status",
            "string",
            "QUEUED, RUNNING, COMPLETED, FAILED, CANCELLING, CANCELLED.",
            "str",
            role="output",
            read="status",
        ),
        Prop(
            "execution_role_arn",
            "string",
            "The role the job runs with (``role_arn`` or the default).",
            "str",
            role="output",
            read="roleArn",
        ),
        Prop(
            "result",
            "object",
            "The result the job saved (``save_job_result``), read from its model.tar.gz.",
            "dict[str, Any]",
            role="output",
            items="any",
        ),
        Prop(
            "failure_reason",
            "string",
            "Why the job failed, if it did.",
            "str",
            role="output",
            read="failureReason",
        ),
        Prop(
            "billable_duration",
            "integer",
            "Billed run time in milliseconds.",
            "int",
            role="output",
            read="billableDuration",
        ),
        Prop(
            "task_count",
            "integer",
            "How many quantum tasks the job created (SearchQuantumTasks by its ARN).",
            "int",
            role="output",
        ),
        Prop(
            "log_group",
            "string",
            "The CloudWatch Logs group of the job's logs.",
            "str",
            role="output",
        ),
        Prop(
            "created_at",
            "string",
            "When Braket created the job (ISO 8601).",
            "str",
            role="output",
            read="createdAt",
            convert=iso_time,
        ),
        Prop(
            "ended_at",
            "string",
            "When the job ended (ISO 8601), if it has.",
            "str",
            role="output",
            read="endedAt",
            convert=iso_time,
        ),
        ESTIMATED_COST,
        URN_SEED,
        IMPORT_ID,
    ),
)
