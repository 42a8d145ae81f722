"""Reliability of the four resources through the real engine: nothing lost, nothing duplicated.

Each test drives `pulumi up` (Automation API or the CLI as a subprocess) against a local quantum
cloud having a bad day — throttling, a kill -9 of the cloud, a kill -9 of the CLI — and then
counts what the cloud holds through the vendors' own clients: quantum tasks through boto3's
SearchQuantumTasks, programs through the runtime's GET /programs. "Converged" means: the stack's
outputs name exactly the objects the cloud holds, one per resource, and a further `up` plans
nothing.
"""

from __future__ import annotations

import re
import threading
import uuid
from typing import Any

import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError
from pulumi import automation as auto

from pulumi_quantum.local.braket.devices import SV1_ARN
from pulumi_quantum.local.server import LocalCloud
from tests.fixtures import braket_client

from ._stacks import (
    BELL,
    all_programs,
    all_spending_limits,
    all_tasks,
    changes,
    kill_tree,
    make_bucket,
    pause_runner,
    pending_operations,
    run_cli,
    session_count,
    set_faults,
    stack_program,
    start_cli,
    tasks_tagged,
)
from .harness import EngineProject, make_project

pytestmark = pytest.mark.engine


def new_marker() -> str:
    return f"rel{uuid.uuid4().hex[:8]}"


def programs_named(env: dict[str, str], marker: str) -> list[dict[str, Any]]:
    return [p for p in all_programs(env) if p["name"].startswith(f"{marker}-")]


def assert_converged(
    project: EngineProject, env: dict[str, str], marker: str, *, programs: int, tasks: int
) -> auto.UpResult:
    """One more `up` plans nothing, and the cloud holds exactly the stack's objects."""
    up = project.up()
    assert changes(up) == {}, up.summary.resource_changes
    held_programs = programs_named(env, marker)
    assert len(held_programs) == programs, [p["name"] for p in held_programs]
    assert sorted(p["id"] for p in held_programs) == sorted(up.outputs["program_ids"].value)
    assert sorted(p["name"] for p in held_programs) == [f"{marker}-{i}" for i in range(programs)]
    held_tasks = tasks_tagged(env, marker)
    assert len(held_tasks) == tasks, [t["quantumTaskArn"] for t in held_tasks]
    assert sorted(t["quantumTaskArn"] for t in held_tasks) == sorted(up.outputs["task_arns"].value)
    assert up.outputs["statuses"].value == ["COMPLETED"] * tasks
    assert pending_operations(project) == []
    return up


def endpoint_port(url: str) -> str:
    return url.rsplit(":", 1)[1]


# -- 1. throttling --------------------------------------------------------------------------------
def test_thirty_percent_throttling_on_both_apis_loses_and_duplicates_nothing(
    engine_project, local_cloud
):
    env = local_cloud.client_env()
    marker = new_marker()
    bucket = make_bucket(env, f"amzn-braket-{marker}")
    project = engine_project(stack_program(bucket, marker, programs=3, tasks=4), env=env)

    set_faults(env, throttle_rate=0.3)
    try:
        # The knob is live on both APIs: raw calls without retries get throttled.
        raw_braket = braket_client(env, config=Config(retries={"total_max_attempts": 1}))
        throttled = 0
        for _ in range(40):
            try:
                raw_braket.get_device(deviceArn=SV1_ARN)
            except ClientError as exc:
                assert exc.response["Error"]["Code"] == "ThrottlingException"
                throttled += 1
        assert throttled > 0
        ibm_codes = [
            requests.get(f"{env['QISKIT_IBM_URL']}/version", timeout=10).status_code
            for _ in range(40)
        ]
        assert 429 in ibm_codes and 200 in ibm_codes

        up = project.up()
        assert changes(up) == {"create": 1 + 3 + 4}, up.summary.resource_changes
        again = project.up()
        assert changes(again) == {}, again.summary.resource_changes
    finally:
        set_faults(env, throttle_rate=0.0)
    assert_converged(project, env, marker, programs=3, tasks=4)


# -- 2. kill -9 of the local cloud ----------------------------------------------------------------
@pytest.mark.parametrize(
    "outage",
    [
        # Restarted at once: the provider's retries (botocore's standard mode, urllib3's Retry)
        # may ride the outage out, or not; either way the next up must converge.
        "short",
        # Restarted only after the first up gave up (two attempts per call): the task creates
        # failed, nothing of them is in state, and the re-run must find the submitted tasks
        # again through their clientToken instead of submitting new ones.
        "outlasts-retries",
    ],
)
def test_local_cloud_killed_mid_up_then_restarted_converges(
    local_cloud_process, engine_project, tmp_path, wait_until, outage
):
    # (local_cloud_process is requested first so the stack is destroyed before it stops.)
    data_dir = tmp_path / "cloud"
    data_dir.mkdir()
    cloud = local_cloud_process(data_dir)
    env = cloud.client_env()
    marker = new_marker()
    bucket = make_bucket(env, f"amzn-braket-{marker}")
    stack_env = {**env, "AWS_MAX_ATTEMPTS": "2"} if outage == "outlasts-retries" else env
    project = engine_project(stack_program(bucket, marker, programs=3, tasks=3), env=stack_env)
    project.stack  # create the stack before the clock starts  # noqa: B018

    pause_runner(env, True)  # tasks stay QUEUED: their creates are in flight when we kill
    outcome: dict[str, Any] = {}

    def first_up() -> None:
        try:
            outcome["result"] = project.up()
        except auto.CommandError as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=first_up, daemon=True)
    thread.start()
    wait_until(
        lambda: len(programs_named(env, marker)) == 3 and len(tasks_tagged(env, marker)) == 3,
        timeout=180,
        interval=0.2,
    )
    held_before = {p["id"] for p in programs_named(env, marker)}
    submitted = sorted(t["quantumTaskArn"] for t in tasks_tagged(env, marker))
    assert thread.is_alive()  # the up is mid-flight: its task creates wait for QUEUED tasks
    cloud.kill()
    if outage == "outlasts-retries":
        thread.join(timeout=300)
        assert "cannot reach" in str(outcome["error"]), outcome
        assert len(project.resources(":QuantumTask")) == 0  # no failed create is in state
    ports = [
        "--braket-port", endpoint_port(cloud.endpoints["braket"]),
        "--s3-port", endpoint_port(cloud.endpoints["s3"]),
        "--ibm-port", endpoint_port(cloud.endpoints["ibm"]),
    ]  # fmt: skip
    restarted = local_cloud_process(data_dir, *ports)
    assert restarted.endpoints == cloud.endpoints
    thread.join(timeout=600)
    assert not thread.is_alive()
    assert outcome.keys() <= {"result", "error"} and len(outcome) == 1

    project.up()
    up = assert_converged(project, env, marker, programs=3, tasks=3)
    assert set(up.outputs["program_ids"].value) == held_before  # none lost, none re-uploaded
    assert sorted(up.outputs["task_arns"].value) == submitted  # the same tasks, adopted


# -- 3. kill -9 of the `pulumi up` process --------------------------------------------------------
def state_resources(project: EngineProject, type_suffix: str) -> list[dict[str, Any]]:
    """Resources of one type in the file backend's checkpoint as the CLI last wrote it."""
    import json

    files = list(project.backend.rglob(f"{project.stack_name}.json"))
    if not files:
        return []
    try:
        checkpoint = json.loads(files[0].read_text())
    except ValueError:
        return []  # caught mid-write
    resources = (checkpoint.get("checkpoint", {}).get("latest") or {}).get("resources") or []
    return [r for r in resources if r.get("type", "").endswith(type_suffix)]


def test_cli_killed_mid_create_then_refresh_and_up_converge(
    engine_project, local_cloud, tmp_path, wait_until
):
    env = local_cloud.client_env()
    marker = new_marker()
    bucket = make_bucket(env, f"amzn-braket-{marker}")
    project = engine_project(stack_program(bucket, marker, programs=3, tasks=3), env=env)
    project.stack  # noqa: B018  (creates the stack for the CLI)

    pause_runner(env, True)
    try:
        cli = start_cli(project, ["up", "--yes", "--skip-preview"], tmp_path / "up.log")
        try:
            # Programs are in the checkpoint and every task has been submitted: the task
            # creates are in flight (waiting for their tasks) when the CLI dies.
            wait_until(
                lambda: (
                    len(state_resources(project, ":RuntimeProgram")) == 3
                    and len(tasks_tagged(env, marker)) == 3
                ),
                timeout=180,
                interval=0.2,
            )
        finally:
            kill_tree(cli)
        assert cli.returncode == -9, (tmp_path / "up.log").read_text()[-2000:]
        submitted = sorted(t["quantumTaskArn"] for t in tasks_tagged(env, marker))
        programs_before = sorted(r["id"] for r in state_resources(project, ":RuntimeProgram"))
        pending = pending_operations(project)
        assert sorted(op["type"] for op in pending) == ["creating"] * 3, pending
    finally:
        pause_runner(env, False)

    # The recovery Pulumi documents for an interrupted update on a self-managed backend:
    # 1. `pulumi cancel` removes the dead CLI's lock (the stack says it is locked until then);
    locked = run_cli(project, ["refresh", "--yes"])
    assert locked.returncode != 0 and "currently locked" in locked.stderr, locked.stderr
    cancel = run_cli(project, ["cancel", "--yes"])
    assert cancel.returncode == 0, cancel.stdout + cancel.stderr
    # 2. pending creates cannot be judged by the engine for a dynamic provider (it has no id for
    #    them), so refresh drops them; 3. `up` re-creates those resources, and the clientToken
    #    makes Braket hand back the tasks already submitted instead of running new ones.
    refresh = run_cli(project, ["refresh", "--yes", "--clear-pending-creates"])
    assert refresh.returncode == 0, refresh.stdout + refresh.stderr
    assert pending_operations(project) == []
    up = run_cli(project, ["up", "--yes"])
    assert up.returncode == 0, up.stdout + up.stderr

    converged = assert_converged(project, env, marker, programs=3, tasks=3)
    assert sorted(converged.outputs["task_arns"].value) == submitted
    assert sorted(converged.outputs["program_ids"].value) == programs_before


# -- 4. invalid inputs ----------------------------------------------------------------------------
GOOD = {
    "RuntimeProgram": {
        "data": "def main(backend, user_messenger, **kwargs):\n    return 1\n",
        "metadata": {"name": "good", "description": "fine", "max_execution_time": 300},
    },
    "Session": {"backend": "ibmq_qasm_simulator", "max_time": "1h"},
    "QuantumTask": {
        "source": BELL,
        "device_arn": SV1_ARN,
        "output_s3_bucket": "amzn-braket-invalid-cases",
        "output_s3_key_prefix": "bad",
        "shots": 10,
    },
    "SpendingLimit": {  # a QPU: Braket has no spending limits for simulators
        "device_arn": "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1",
        "spending_limit": "10.00",
    },
}
MODULES = {
    "RuntimeProgram": "pulumi_quantum.ibm",
    "Session": "pulumi_quantum.ibm",
    "QuantumTask": "pulumi_quantum.braket",
    "SpendingLimit": "pulumi_quantum.braket",
}
GOOD_META = GOOD["RuntimeProgram"]["metadata"]
PERIOD_BACKWARDS = {"start_at": "2030-06-01T00:00:00Z", "end_at": "2030-01-01T00:00:00Z"}

#: (resource, inputs that break one rule, property named, text in the reason)
INVALID: list[tuple[str, dict[str, Any], str, str]] = [
    ("RuntimeProgram", {"data": "helper.py"}, "data", "main"),
    ("RuntimeProgram", {"data": "missing/program.py"}, "data", "missing/program.py"),
    ("RuntimeProgram", {"data": "def main(:\n"}, "data", "compile"),
    ("RuntimeProgram", {"metadata": {**GOOD_META, "name": "bad name!"}}, "name", "match"),
    ("RuntimeProgram", {"metadata": {"description": "x", "max_execution_time": 300}}, "name",
     "required"),
    ("RuntimeProgram", {"metadata": {**GOOD_META, "max_execution_time": 0}},
     "max_execution_time", "minimum"),
    ("RuntimeProgram", {"metadata": {**GOOD_META, "nmae": "typo"}}, "nmae", "did you mean 'name'"),
    ("RuntimeProgram", {"metadata": "missing.json"}, "metadata", "missing.json"),
    ("RuntimeProgram", {"spec": {"parameters": {"type": "nope"}}}, "spec", "nope"),
    ("Session", {"backend": ""}, "backend", "backend is required"),
    ("Session", {"max_time": "1m"}, "max_time", "between 300 s"),
    ("Session", {"max_time": "9h"}, "max_time", "8h"),
    ("Session", {"max_time": "soon"}, "max_time", "soon"),
    ("Session", {"mode": "exclusive"}, "mode", "'dedicated', 'batch'"),
    ("Session", {"on_delete": "destroy"}, "on_delete", "'close', 'cancel'"),
    ("Session", {"instance": "just-a-project"}, "instance", "hub/group/project"),
    ("QuantumTask", {"source": "OPENQASM 3.0; qubit[2] q; h q[0"}, "source",
     "not valid OpenQASM 3"),
    ("QuantumTask", {"shots": -5}, "shots", "at least 0"),
    ("QuantumTask", {"device_arn": ""}, "device_arn", "at least 1"),
    ("QuantumTask", {"output_s3_bucket": "ab"}, "output_s3_bucket", "at least 3"),
    ("QuantumTask", {"tags": {"team": 7}}, "tags", "must be a string"),
    ("SpendingLimit", {"spending_limit": "ten dollars"}, "spending_limit", "pattern"),
    ("SpendingLimit", {"spending_limit": True}, "spending_limit", "decimal amount"),
    ("SpendingLimit", {"time_period": PERIOD_BACKWARDS}, "time_period", "after"),
    ("SpendingLimit", {"device_arn": ""}, "device_arn", "at least 1"),
    ("SpendingLimit", {"tags": {"team": 7}}, "tags", "must be a string"),
]  # fmt: skip


def invalid_program(resource: str, overrides: dict[str, Any]) -> str:
    kwargs = {**GOOD[resource], **overrides}
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    return f"from {MODULES[resource]} import {resource}\n{resource}('bad', {args})\n"


@pytest.fixture(scope="module")
def clean_cloud(tmp_path_factory: pytest.TempPathFactory):
    """A cloud of its own, so 'holds 0 objects' is about these previews only."""
    with LocalCloud(tmp_path_factory.mktemp("clean-cloud")) as cloud:
        yield cloud


@pytest.fixture(scope="module")
def invalid_project(clean_cloud, tmp_path_factory: pytest.TempPathFactory) -> EngineProject:
    """One stack reused by every case (a preview changes no state)."""
    project = make_project(
        tmp_path_factory.mktemp("invalid"), "", name="invalid-inputs", env=clean_cloud.client_env()
    )
    (project.directory / "helper.py").write_text("def helper():\n    return 1\n")  # no main
    return project


def cloud_objects(cloud: LocalCloud) -> dict[str, int]:
    env = cloud.client_env()
    return {
        "tasks": len(all_tasks(env)),
        "programs": len(all_programs(env)),
        "sessions": session_count(cloud),
        "spending_limits": len(all_spending_limits(env)),
    }


@pytest.mark.parametrize(
    ("resource", "overrides", "prop", "text"),
    INVALID,
    ids=[f"{c[0]}-{c[2]}-{i}" for i, c in enumerate(INVALID)],
)
def test_invalid_input_fails_preview_naming_the_field(
    invalid_project, clean_cloud, resource, overrides, prop, text
):
    invalid_project.write_program(invalid_program(resource, overrides))
    with pytest.raises(auto.CommandError) as caught:
        invalid_project.preview()
    message = str(caught.value)
    assert f"{resource} resource 'bad': property {prop} " in message, message
    assert text in message, message
    assert invalid_project.resources() == []
    assert cloud_objects(clean_cloud) == {
        "tasks": 0,
        "programs": 0,
        "sessions": 0,
        "spending_limits": 0,
    }


def test_invalid_table_is_large_and_covers_every_resource():
    assert len(INVALID) >= 20
    assert {case[0] for case in INVALID} == set(MODULES)


def test_valid_inputs_of_the_table_preview_cleanly(invalid_project, clean_cloud):
    """The baseline the cases break is itself valid: each case fails for its own reason."""
    program = "\n".join(
        f"from {MODULES[r]} import {r}\n{r}('good-{r.lower()}', "
        + ", ".join(f"{k}={v!r}" for k, v in GOOD[r].items())
        + ")"
        for r in GOOD
    )
    invalid_project.write_program(program)
    preview = invalid_project.preview()
    assert preview.change_summary.get("create") == 1 + len(GOOD), preview.change_summary
    assert sum(cloud_objects(clean_cloud).values()) == 0


# -- 5. secrets -----------------------------------------------------------------------------------
SECRETS_PROGRAM = """
import pulumi
from pulumi_quantum.braket import QuantumTask, SpendingLimit
from pulumi_quantum.ibm import RuntimeProgram, Session

program = RuntimeProgram(
    "secret-test",
    data="def main(backend, user_messenger, **kwargs):\\n    return 1\\n",
    metadata={{"name": {name!r}, "description": "secrets", "max_execution_time": 300}},
)
session = Session("secret-test", backend="ibmq_qasm_simulator", max_time="10m")
task = QuantumTask(
    "secret-test",
    source={bell!r},
    device_arn="arn:aws:braket:::device/quantum-simulator/amazon/sv1",
    output_s3_bucket={bucket!r},
    output_s3_key_prefix="secrets",
    shots=10,
)
limit = SpendingLimit(
    "secret-test",
    device_arn="arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1",
    spending_limit="5.00",
    opts=pulumi.ResourceOptions(depends_on=[task]),
)
pulumi.export("program_id", program.program_id)
pulumi.export("session_id", session.session_id)
pulumi.export("task_arn", task.quantum_task_arn)
"""

SECRET_SIG = "4dabf18193072939515e22adb298388d"  # Pulumi's marker of a secret value in state

#: The Pulumi engine's own -v=9 trace of the (decrypted) stack config it passes to a provider
#: plugin's Configure; not written by this project's code and not shown below -v=9.
ENGINE_CONFIGURE_LOG = re.compile(
    r'"msg":"Marshaling property for RPC\[Provider\[0x[0-9a-f]+\]\.Configure\(\)\.inputs\]'
)


def verbose_engine_lines(logs: list[str]) -> list[str]:
    return [line for log in logs for line in log.splitlines() if ENGINE_CONFIGURE_LOG.search(line)]


def secret_paths(value: Any, secret: str, path: str = "") -> list[str]:
    """JSON paths of every string holding ``secret`` outside a secret envelope."""
    found: list[str] = []
    if isinstance(value, dict):
        if SECRET_SIG in value:
            return []
        for key, item in value.items():
            found += secret_paths(item, secret, f"{path}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += secret_paths(item, secret, f"{path}/{index}")
    elif isinstance(value, str) and secret in value:
        found.append(path)
    return found


def test_secrets_reach_no_state_output_or_log(local_cloud_process, engine_project, tmp_path):
    import json

    (tmp_path / "cloud").mkdir()
    cloud = local_cloud_process(tmp_path / "cloud", "--verbose")
    client_env = cloud.client_env()
    aws_secret = client_env["AWS_SECRET_ACCESS_KEY"]
    ibm_token = "local-ibm-token-bob"  # not the env's default user: proves config is used
    bob_env = {**client_env, "QISKIT_IBM_TOKEN": ibm_token}
    # No IBM token (nor alice's instance) in the environment: the token comes from config only.
    stack_env = {
        k: v for k, v in client_env.items() if k not in ("QISKIT_IBM_TOKEN", "QISKIT_IBM_INSTANCE")
    }
    marker = new_marker()
    bucket = make_bucket(client_env, f"amzn-braket-{marker}")
    project = engine_project(
        SECRETS_PROGRAM.format(name=f"{marker}-bob", bell=BELL, bucket=bucket), env=stack_env
    )
    project.set_config({"quantum:ibmToken": ibm_token}, secret=True)

    logs: list[str] = []
    up = run_cli(project, ["up", "--yes", "--logtostderr", "--logflow", "-v=9"])
    logs += [up.stdout, up.stderr]
    assert up.returncode == 0, up.stdout[-3000:] + up.stderr[-3000:]

    # The config token was the one used: bob holds the program, alice does not see it.
    assert [p["name"] for p in programs_named(bob_env, marker)] == [f"{marker}-bob"]
    assert programs_named(client_env, marker) == []

    exported = run_cli(project, ["stack", "export", "--show-secrets"])
    assert exported.returncode == 0, exported.stderr
    text = exported.stdout
    assert aws_secret not in text
    deployment = json.loads(text)["deployment"]
    stack_resources = [
        r for r in deployment["resources"] if not r["type"].startswith("pulumi:providers:")
    ]
    assert len(stack_resources) == 5  # the stack + the four resources
    assert ibm_token not in json.dumps(stack_resources)
    # Where it is, it is the engine's copy of the secret stack config on the default provider.
    for resource in deployment["resources"]:
        assert secret_paths(resource, ibm_token) == [] or resource["type"].startswith(
            "pulumi:providers:"
        ), resource["urn"]
    raw = run_cli(project, ["stack", "export"])
    assert ibm_token not in raw.stdout and aws_secret not in raw.stdout

    down = run_cli(project, ["destroy", "--yes", "--logtostderr", "--logflow", "-v=9"])
    logs += [down.stdout, down.stderr]
    assert down.returncode == 0, down.stdout[-3000:] + down.stderr[-3000:]
    cloud.stop()
    logs.append(cloud.log_path.read_text())
    assert "POST /programs" in logs[-1] or "/programs" in logs[-1]  # the log is the real one
    for index, log in enumerate(logs):
        for secret in (aws_secret, ibm_token):
            leaks = [
                line[:400]
                for line in log.splitlines()
                if secret in line and not ENGINE_CONFIGURE_LOG.search(line)
            ]
            assert leaks == [], f"secret in log #{index}: {leaks}"
    # The one place it does show: the engine's own -v=9 trace of the secret stack config it
    # sends to the Python dynamic-provider plugin (Pulumi's code; see the module docstring).
    assert any(ibm_token in line for line in verbose_engine_lines(logs))
    assert not any(aws_secret in line for line in verbose_engine_lines(logs))
    for path in project.backend.rglob("*"):
        if path.is_file():
            blob = path.read_bytes()
            assert aws_secret.encode() not in blob and ibm_token.encode() not in blob, path
