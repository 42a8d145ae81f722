"""``QuantumTask``: one Amazon Braket quantum task as a Pulumi resource.

A QPU task costs money and cannot be taken back, so the create path is built around two rules:
*a retried create never submits a second task*, and *a new deployment submits a new task*. The
clientToken Braket uses for idempotency is derived from the resource's URN seed, a hash of the
request and a generation (see :func:`._common.submit_generation`): a create that crashed after
submission and is run again gets the same task back from Braket, while a task that is spent
(FAILED, CANCELLED, released by a destroy, or its results gone) moves the create on to the next
generation's token, i.e. a new task.

Update vs replace: tags change in place (TagResource/UntagResource), so do the local waiting
knobs; any other input is a different task, hence a replacement. Delete cancels a task that is
still queued or running; a terminal task cannot be deleted in Braket, so delete only forgets it.
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from .. import verdicts
from .._provider import (
    CheckErrors,
    ProviderError,
    QuantumProvider,
    canonical_json,
    declared_diff,
    is_unknown,
)
from ..clients.braket import check_target
from ..pricing import estimates
from ..qasm import BRAKET_GATES
from ..qasm import openqasm_problem as simulator_openqasm_problem
from ..rules import (
    action_size_problem,
    bucket_name_problem,
    requested_result_types,
    result_type_shot_problem,
)
from ..service_model import validate_request
from . import _common
from ._generated import Association, QuantumTaskArgs, QuantumTaskBase
from .declarations import QUANTUM_TASK

OPENQASM_PROGRAM = "braket.ir.openqasm.program"
TERMINAL = _common.TERMINAL
__all__ = ["Association", "QuantumTask", "QuantumTaskArgs", "QuantumTaskProvider"]

CANCEL_WAIT_SECONDS = 120
FIRST_POLL_SECONDS = 0.1
OUTPUTS = QUANTUM_TASK.output_names


# ----------------------------------------------------------------------------------- check
def _json_object(value: Any, prop: str, errors: CheckErrors) -> Any:
    """dict or JSON text → the parsed object (or the value unchanged when it cannot be)."""
    if value is None or is_unknown(value):
        return value
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            errors.add(prop, f"{prop} must be valid JSON: {exc}")
            return None
    if not isinstance(value, Mapping):
        errors.add(prop, f"{prop} must be a JSON object, got {type(value).__name__}")
        return None
    return dict(value)


def _check_openqasm(source: Any, prop: str, errors: CheckErrors, device_arn: Any) -> None:
    if is_unknown(source):
        return
    if not isinstance(source, str) or not source.strip():
        errors.add(prop, f"{prop} must be OpenQASM 3 program text")
        return
    # Gates are judged for Braket's simulators (the simulator's table); a QPU's are its own, and
    # CreateQuantumTask judges them. An ARN still unknown at preview: syntax only.
    simulator = isinstance(device_arn, str) and SIMULATOR_ARN_PART in device_arn

    def parse() -> None:
        reason = openqasm_problem(source, simulator=simulator)
        if reason is not None:
            errors.add(prop, f"{prop} is not valid OpenQASM 3: {reason}")

    errors.later(parse)  # the parser costs an import and ~0.6 ms a program


_PARSER_LIBRARIES = (("openqasm3", "openqasm3"), ("antlr4", "antlr4-python3-runtime"))
SIMULATOR_ARN_PART = ":device/quantum-simulator/"
"""In the ARN of every Braket on-demand simulator (SV1, DM1, TN1)."""
# Verdict kinds: syntax only, and syntax plus the simulators' gates (keyed by the gate table, so
# another table judges anew).
_VERDICTS = {
    False: ("openqasm3-parse", b""),
    True: ("openqasm3-braket-simulator", ",".join(sorted(BRAKET_GATES)).encode()),
}


def openqasm_problem(source: str, *, simulator: bool = True) -> str | None:
    """Why ``source`` is not an OpenQASM 3 program Braket runs (a syntax error; on a simulator,
    an undefined gate; see :mod:`..qasm`), or None. Checked once per program text: a text that
    passed before with the same parser is not parsed again, see :mod:`verdicts`."""
    kind, key = _VERDICTS[simulator]
    libraries = verdicts.library_versions(*_PARSER_LIBRARIES)
    if verdicts.passed(kind, libraries, source, key):
        return None
    problem = simulator_openqasm_problem(source, simulator=simulator)
    if problem is None:
        verdicts.remember(kind, libraries, source, key)
    return problem


def _normalise_action(inputs: dict[str, Any], errors: CheckErrors) -> tuple[Any, str]:
    """Fold ``source``/``inputs`` or ``action`` into one canonical JSON string.

    Returns the action and the property to blame for it.
    """
    action, source = inputs.get("action"), inputs.get("source")
    if action is not None and source is not None:
        errors.add("source", "give either action or source (OpenQASM text), not both")
        return None, "source"
    if source is not None:
        program_inputs = inputs.get("inputs")
        known = program_inputs is not None and not is_unknown(program_inputs)
        if known and not isinstance(program_inputs, Mapping):
            errors.add("inputs", "inputs must be a map of OpenQASM input names to values")
        if is_unknown(source) or is_unknown(program_inputs):
            if not _too_large(source, "source", errors):  # the source alone, inputs unknown
                _check_openqasm(source, "source", errors, inputs.get("device_arn"))
            return source, "source"
        program: dict[str, Any] = {
            "braketSchemaHeader": {"name": OPENQASM_PROGRAM, "version": "1"},
            "source": source,
        }
        if program_inputs:
            program["inputs"] = dict(program_inputs)
        folded = canonical_json(program)
        if not _too_large(folded, "source", errors):
            _check_openqasm(source, "source", errors, inputs.get("device_arn"))
        return folded, "source"
    if inputs.get("inputs") is not None:
        errors.add("inputs", "inputs belong with source; with action, put them inside the action")
    if action is None or is_unknown(action):
        return action, "action"
    if isinstance(action, str) and _too_large(action, "action", errors):
        return None, "action"  # measured as given, before anything parses it
    parsed = _json_object(action, "action", errors)
    if parsed is None:
        return None, "action"
    if not isinstance(action, str) and _too_large(canonical_json(parsed), "action", errors):
        return None, "action"
    header = parsed.get("braketSchemaHeader")
    if not isinstance(header, Mapping) or not header.get("name"):
        errors.add(
            "action",
            "action needs a braketSchemaHeader with a name, e.g. "
            f"{{'name': '{OPENQASM_PROGRAM}', 'version': '1'}}",
        )
    elif header.get("name") == OPENQASM_PROGRAM:
        _check_openqasm(parsed.get("source"), "action", errors, inputs.get("device_arn"))
    return canonical_json(parsed), "action"


def _too_large(text: Any, prop: str, errors: CheckErrors) -> bool:
    """Whether ``text`` (the action, or the source when its inputs are unknown) is over Braket's
    action limit; if so the problem is added under ``prop`` and the program is never parsed."""
    problem = action_size_problem(text) if isinstance(text, str) else None
    if problem:
        errors.add(prop, f"{prop}: {problem}")
    return problem is not None


def _check_result_types(action: Any, shots: Any, action_prop: str, errors: CheckErrors) -> None:
    """Result types no Braket device can give at ``shots`` (a state vector from a sampled run,
    samples from an exact one): refused at preview rather than by CreateQuantumTask at ``up``.
    Which result types a particular device offers is the device's to say, at create."""
    if not isinstance(action, str) or is_unknown(action):
        return
    if not isinstance(shots, int) or isinstance(shots, bool):
        return
    try:
        program = json.loads(action)
    except ValueError:
        return  # already reported by the action's own check
    problem = result_type_shot_problem(requested_result_types(program), shots)
    if problem:
        errors.add(
            "shots", f"shots={shots} does not fit the {action_prop}'s result types: " + problem
        )


def request_from(props: Mapping[str, Any]) -> dict[str, Any]:
    """The create_quantum_task request (minus clientToken) for normalised inputs."""
    request = QUANTUM_TASK.request(props)
    if "associations" in request:
        request["associations"] = [
            {"arn": a.get("arn"), "type": a.get("type")} for a in request["associations"]
        ]
    return request


def check_task(olds: Mapping[str, Any], news: Mapping[str, Any]) -> CheckResult:
    errors = CheckErrors()
    errors.add_all(check_target())
    inputs = {k: v for k, v in news.items() if k not in OUTPUTS}
    inputs["action"], action_prop = _normalise_action(inputs, errors)
    given_params = inputs.get("device_parameters")
    params = _json_object(given_params, "device_parameters", errors)
    if params is not None and not is_unknown(params):
        inputs["device_parameters"] = canonical_json(params)
    inputs["shots"] = _common.whole_number(inputs.get("shots"), "shots", errors)
    _check_result_types(inputs["action"], inputs["shots"], action_prop, errors)
    inputs["tags"] = _common.string_map(inputs.get("tags"), "tags", errors)
    bucket = inputs.get("output_s3_bucket")
    if isinstance(bucket, str) and not is_unknown(bucket):
        problem = bucket_name_problem(bucket)
        if problem:
            errors.add("output_s3_bucket", f"output_s3_bucket: {problem}")
    inputs = QUANTUM_TASK.defaults(inputs)
    wait = inputs["wait_for_completion"]
    if not isinstance(wait, bool) and not is_unknown(wait):
        errors.add(
            "wait_for_completion", f"wait_for_completion must be true or false, got {wait!r}"
        )
    inputs["wait_timeout_seconds"] = _common.whole_number(
        inputs["wait_timeout_seconds"], "wait_timeout_seconds", errors, minimum=1
    )
    if not inputs.get("urn_seed"):
        errors.add(
            "urn_seed",
            "urn_seed is missing: create tasks through "
            "pulumi_quantum.braket.QuantumTask, which derives it from the resource URN",
        )
    associations = inputs.get("associations")
    if associations is not None and not is_unknown(associations):
        if not isinstance(associations, list | tuple):
            errors.add("associations", "associations must be a list of {arn, type}")
            associations = None
        inputs["associations"] = associations
    request = QUANTUM_TASK.request(inputs)
    skip = ["clientToken"]
    if inputs["action"] is None and (news.get("action") is not None or news.get("source")):
        skip.append("action")  # given but unusable: already reported above, not "missing"
    if given_params is not None and params is None:
        skip.append("deviceParameters")  # not JSON: reported above, once
    errors.later(
        lambda: validate_request(
            "CreateQuantumTask", request, errors, names={"action": action_prop}, skip=skip
        )
    )
    inputs["estimated_cost"] = estimates.quantum_task(inputs)
    return errors.result(inputs, accepted_before=QUANTUM_TASK.accepted(olds, inputs))


# ------------------------------------------------------------------------------ remote side
def get_task(client: Any, arn: str) -> dict[str, Any] | None:
    """GetQuantumTask, or None when Braket says the task does not exist."""
    return _common.unless_missing(
        "GetQuantumTask", lambda: client.get_quantum_task(quantumTaskArn=arn)
    )


def wait_for_terminal(client: Any, arn: str, timeout: float) -> dict[str, Any]:
    """Poll GetQuantumTask with exponential backoff until COMPLETED/FAILED/CANCELLED."""
    return _common.poll_until_terminal(
        lambda: get_task(client, arn),
        f"quantum task {arn}",
        timeout,
        "the same task (the clientToken adopts it, nothing is resubmitted)",
        FIRST_POLL_SECONDS,
    )


def count_measurements(result: Mapping[str, Any], shots: int | None) -> dict[str, int] | None:
    """Counts per bitstring from a GateModelTaskResult (measurements, else probabilities)."""
    measurements = result.get("measurements")
    if measurements:
        counts = Counter("".join(str(int(bit)) for bit in shot) for shot in measurements)
        return dict(sorted(counts.items()))
    probabilities = result.get("measurementProbabilities")
    if probabilities and shots:
        return {k: round(p * shots) for k, p in sorted(probabilities.items())}
    return None


def read_result(task: Mapping[str, Any]) -> dict[str, Any]:
    """Read ``<outputS3Directory>/results.json`` (a GateModelTaskResult) from the task's bucket."""
    from ..clients.braket import s3_client

    key = f"{task['outputS3Directory'].rstrip('/')}/results.json"
    with _common.braket_errors(f"reading s3://{task['outputS3Bucket']}/{key}"):
        body = s3_client().get_object(Bucket=task["outputS3Bucket"], Key=key)["Body"].read()
    try:
        result = json.loads(body)
    except ValueError as exc:
        raise ProviderError(
            f"results.json of {task['quantumTaskArn']} is not JSON: {exc}"
        ) from None
    return result if isinstance(result, dict) else {}


def read_counts(task: Mapping[str, Any]) -> dict[str, int] | None:
    """Read the task's results.json and count shots."""
    return count_measurements(read_result(task), task.get("shots"))


def execution_duration_ms(result: Mapping[str, Any]) -> float | None:
    """A simulator's execution time (ms) in its result, which is what Braket bills (the SDK's
    Tracker reads the same field)."""
    metadata = (result.get("additionalMetadata") or {}).get("simulatorMetadata") or {}
    duration = metadata.get("executionDuration")
    return float(duration) if isinstance(duration, int | float) else None


def outputs_of(task: Mapping[str, Any], previous: Mapping[str, Any] | None = None) -> dict:
    """The outputs: what the declaration reads from GetQuantumTask, plus the counts and the
    simulation time from S3 (read once, when the task is first seen COMPLETED) and what Braket
    bills for the task (:func:`..pricing.estimates.billed_task`)."""
    from ..pricing.estimates import billed_task

    outs = QUANTUM_TASK.outputs_from(task)
    previous = previous or {}
    counts = billed = None
    if outs["status"] == "COMPLETED":
        if previous.get("status") == "COMPLETED":
            counts, billed = previous.get("measurement_counts"), previous.get("billed_cost")
        if counts is None or not (billed or {}).get("exact"):
            result = read_result(task)
            counts = count_measurements(result, task.get("shots"))
            billed = billed_task(task, execution_duration_ms(result))
    else:
        billed = billed_task(task, None)
    outs["measurement_counts"] = counts
    outs["billed_cost"] = billed
    return outs


_RERUN = (
    "It stays in Braket's task history; running `pulumi up` again submits a new task "
    "(this one is never reused)"
)


def _raise_if_unsuccessful(task: Mapping[str, Any], skipped: Sequence[str] = ()) -> None:
    arn, status = task["quantumTaskArn"], task["status"]
    reason = task.get("failureReason") or "no reason given"
    earlier = (
        f" Earlier tasks of this resource, not reused: {'; '.join(skipped)}." if skipped else ""
    )
    if status == "FAILED":
        raise ProviderError(f"quantum task {arn} FAILED: {reason}. {_RERUN}.{earlier}")
    if status == "CANCELLED":
        raise ProviderError(f"quantum task {arn} was CANCELLED ({reason}). {_RERUN}.{earlier}")


def results_present(task: Mapping[str, Any]) -> bool:
    """Whether a COMPLETED task's results.json is still in S3 (a destroyed bucket takes it)."""
    from ..clients.braket import s3_client

    key = f"{(task.get('outputS3Directory') or '').rstrip('/')}/results.json"
    head = _common.unless_missing(
        f"reading s3://{task.get('outputS3Bucket')}/{key}",
        lambda: s3_client().head_object(Bucket=task["outputS3Bucket"], Key=key),
        _common.S3_NOT_FOUND | {"NotFound"},
    )
    return head is not None


def spent_reason(client: Any, arn: str) -> str | None:
    """Why the task a clientToken answered with belongs to a finished deployment, else None.

    Spent: tagged released (by a destroy, or by the create that reported it FAILED/CANCELLED),
    or COMPLETED with its results gone. Status alone does not decide: a task this very create
    just submitted may already have failed, and must be reported, not skipped. A crash-retry
    finds its own task queued, running, or completed with results, and so keeps it.
    """
    task = get_task(client, arn)
    if task is None:
        return "gone from Braket"
    released = (task.get("tags") or {}).get(_common.RELEASED_TAG)
    if released:
        return released
    if task["status"] == "COMPLETED" and not results_present(task):
        return "COMPLETED but its results.json is gone"
    return None


def release(client: Any, arn: str, why: str) -> None:
    """Tag a task as spent, so an identical create later submits anew (see spent_reason).

    Best effort: without TagResource permission a destroyed bucket still tells (results gone);
    otherwise the re-run reports the same task once more, and the message says so.
    """
    with contextlib.suppress(ProviderError):
        _common.update_tags(client, arn, {}, {_common.RELEASED_TAG: why})


def inputs_from_task(task: Mapping[str, Any]) -> dict[str, Any]:
    """What can be known of a task's inputs from GetQuantumTask (for ``pulumi import``): as the
    declaration reads them. Braket does not return the action; the program's is adopted."""
    return QUANTUM_TASK.inputs_from(task)


def adopt_task(client: Any, arn: str, props: Mapping[str, Any]) -> str:
    """``import_=ARN``: take over an existing task instead of submitting one.

    Pulumi's Python dynamic-provider host cannot run an engine import (pulumi/pulumi#16175:
    Read gets no ``__provider``), so the resource class turns ``opts.import_`` into this input
    and create adopts the task. As with ``pulumi import``, the declared inputs Braket reports back
    must match the task; the action is not returned by Braket and is taken from the program.
    """
    task = get_task(client, arn)
    if task is None:
        raise ProviderError(f"import: no quantum task {arn} in Braket; check the ARN and region")
    existing = inputs_from_task(task)
    for prop in ("device_arn", "shots", "output_s3_bucket", "output_s3_key_prefix"):
        mine = props.get(prop)
        if isinstance(mine, float) and mine.is_integer():
            mine = int(mine)
        if existing.get(prop) != mine:
            raise ProviderError(
                f"import: {prop} is {mine!r} in the program but {existing.get(prop)!r} for "
                f"{arn}; make the program match the task you import"
            )
    _common.update_tags(client, arn, task.get("tags"), props.get("tags"))
    return arn


class QuantumTaskProvider(QuantumProvider):
    """CRUD for Braket quantum tasks. Holds no configuration (it is pickled into state)."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return check_task(olds, news)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # Imported: Braket never returns the action, so the program's is adopted.
        ignore = () if "action" in olds else ("action",)
        return declared_diff(QUANTUM_TASK, olds, news, ignore=ignore)

    def create(self, props: dict[str, Any]) -> CreateResult:
        from ..clients.braket import braket_client

        request = request_from(props)
        client = braket_client()
        skipped: list[str] = []
        if props.get("import_id"):
            arn = adopt_task(client, props["import_id"], props)
        else:

            def submit(token: str) -> str:
                with _common.braket_errors("CreateQuantumTask", request):
                    return client.create_quantum_task(clientToken=token, **request)[
                        "quantumTaskArn"
                    ]

            arn, skipped = _common.submit_generation(
                submit, lambda found: spent_reason(client, found), props["urn_seed"], request
            )
        if props.get("wait_for_completion", True):
            task = wait_for_terminal(client, arn, float(props["wait_timeout_seconds"]))
            if task["status"] in {"FAILED", "CANCELLED"}:
                release(client, arn, f"{task['status']} when an earlier create reported it")
            _raise_if_unsuccessful(task, skipped)
        else:
            task = get_task(client, arn) or {"quantumTaskArn": arn, "status": "CREATED"}
        inputs = dict(props)
        return CreateResult(arn, {**inputs, **outputs_of(task)})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        from ..clients.braket import braket_client

        task = get_task(braket_client(), id_)
        if task is None:
            return ReadResult(None, {})
        outs = dict(props)
        importing = "device_arn" not in outs
        if importing:
            outs.update(inputs_from_task(task))
        elif "tags" in outs or task.get("tags"):
            outs["tags"] = QUANTUM_TASK.prop("tags").read_from(task)  # drift: in-place update
        outs.update(outputs_of(task, props))
        if importing:
            return ReadResult(id_, outs, inputs_from_task(task))
        return ReadResult(id_, outs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        from ..clients.braket import braket_client

        client = braket_client()
        _common.update_tags(client, id_, olds.get("tags"), news.get("tags"))
        outs = dict(olds)
        outs.update(dict(news))
        outs = {k: v for k, v in outs.items() if k not in OUTPUTS}
        if news.get("wait_for_completion") and olds.get("status") not in TERMINAL:
            task = wait_for_terminal(client, id_, float(news["wait_timeout_seconds"]))
        else:
            task = get_task(client, id_)
        outs.update(outputs_of(task, olds) if task else _outs_of(olds))
        outs["estimated_cost"] = news.get("estimated_cost", olds.get("estimated_cost"))
        return UpdateResult(outs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        from ..clients.braket import braket_client

        client = braket_client()
        task = get_task(client, id_)
        if task is None:
            return
        # Mark the task as this deployment's past, so an identical create later submits anew.
        # Best effort: without TagResource permission a destroyed bucket still tells (results
        # gone), and a cancelled task is spent anyway.
        release(client, id_, "released by an earlier destroy")
        if task["status"] in TERMINAL:
            return  # terminal tasks cannot be deleted in Braket: forgetting them is all we can do
        if task["status"] != "CANCELLING":
            with _common.braket_errors("CancelQuantumTask"):
                client.cancel_quantum_task(
                    quantumTaskArn=id_, clientToken=_common.client_token(id_, {"cancel": True})
                )
        try:
            wait_for_terminal(client, id_, CANCEL_WAIT_SECONDS)
        except ProviderError:
            return  # cancellation was accepted; Braket finishes it on its own time


def _outs_of(props: Mapping[str, Any]) -> dict[str, Any]:
    return {k: props.get(k) for k in OUTPUTS}


class QuantumTask(QuantumTaskBase):
    """An Amazon Braket quantum task (``braket.create_quantum_task``) managed by Pulumi.

    ``QuantumTask(name, QuantumTaskArgs(...), opts)`` or ``QuantumTask(name, device_arn=..., ...)``.
    Inputs, outputs and update-vs-replace: :data:`.declarations.QUANTUM_TASK`.
    """

    PROVIDER = QuantumTaskProvider
    WAIT_INPUT = "wait_timeout_seconds"
