"""QuantumTask through the real Pulumi engine (Automation API) against the local Braket.

The local cloud runs in this pytest process (``local_cloud``); the engine, the program and the
dynamic provider run as subprocesses that find it through ``client_env()``. Assertions about the
cloud side use unmodified boto3 (SearchQuantumTasks / GetQuantumTask).
"""

from __future__ import annotations

import uuid

import boto3
import pytest
from pulumi import automation as auto

from pulumi_quantum.local.braket.devices import SV1_ARN
from tests.holds import runner_held

from ._stacks import changes, tasks_tagged

pytestmark = pytest.mark.engine

PROGRAM = """
import pulumi
from pulumi_quantum.braket import QuantumTask, QuantumTaskArgs

BELL = "OPENQASM 3.0; qubit[2] q; bit[2] c; h q[0]; cnot q[0], q[1]; c = measure q;"
task = QuantumTask(
    "bell",
    QuantumTaskArgs(
        source=BELL,
        device_arn={device!r},
        output_s3_bucket={bucket!r},
        output_s3_key_prefix="bell",
        shots={shots},
        tags={tags!r},
        wait_for_completion={wait},
        wait_timeout_seconds={timeout},
    ),
)
pulumi.export("arn", task.quantum_task_arn)
pulumi.export("status", task.status)
pulumi.export("counts", task.measurement_counts)
"""


def program(bucket: str, marker: str, **overrides) -> str:
    values = {
        "device": SV1_ARN,
        "bucket": bucket,
        "shots": 100,
        "tags": {"marker": marker},
        "wait": True,
        "timeout": 120,
    }
    values.update(overrides)
    return PROGRAM.format(**values)


def test_bell_task_lifecycle(engine_project, local_cloud, cloud_env, results_bucket):
    marker = uuid.uuid4().hex[:10]
    project = engine_project(program(results_bucket, marker), env=local_cloud.client_env())

    up = project.up()
    assert up.outputs["status"].value == "COMPLETED"
    counts = up.outputs["counts"].value
    assert set(counts) <= {"00", "11"} and sum(counts.values()) == 100
    first_arn = up.outputs["arn"].value
    [resource] = project.resources(":QuantumTask")
    assert resource["id"] == first_arn
    assert resource["outputs"]["measurement_counts"] == counts
    assert local_cloud.client_env()["AWS_SECRET_ACCESS_KEY"] not in project.state_text()

    again = project.up()
    assert changes(again) == {}, again.summary.resource_changes

    project.write_program(program(results_bucket, marker, tags={"marker": marker, "v": "2"}))
    retag = project.up()
    assert changes(retag) == {"update": 1}
    assert retag.outputs["arn"].value == first_arn
    tags = boto3.client("braket").list_tags_for_resource(resourceArn=first_arn)["tags"]
    assert tags == {"marker": marker, "v": "2"}

    project.write_program(program(results_bucket, marker, shots=50))
    reshot = project.up()
    assert changes(reshot) == {"replace": 1}
    second_arn = reshot.outputs["arn"].value
    assert second_arn != first_arn
    assert sum(reshot.outputs["counts"].value.values()) == 50
    old = boto3.client("braket").get_quantum_task(quantumTaskArn=first_arn)
    assert old["status"] == "COMPLETED"  # terminal: untouched by the replacement

    project.destroy()
    assert project.resources() == []
    # Braket keeps terminal tasks; destroy forgets them
    assert len(tasks_tagged(cloud_env, marker)) == 2


def test_refresh_then_destroy_of_long_running_task_cancels(
    engine_project, local_cloud, cloud_env, results_bucket, wait_until
):
    braket = boto3.client("braket")
    marker = uuid.uuid4().hex[:10]
    project = engine_project(
        program(results_bucket, marker, wait=False), env=local_cloud.client_env()
    )
    with runner_held(local_cloud):
        up = project.up()
        arn = up.outputs["arn"].value
        assert up.outputs["status"].value in {"CREATED", "QUEUED"}
        project.destroy()
        assert project.resources() == []
        assert braket.get_quantum_task(quantumTaskArn=arn)["status"] == "CANCELLED"

        other = uuid.uuid4().hex[:10]
        project.write_program(program(results_bucket, other, wait=False))
        arn = project.up().outputs["arn"].value
    wait_until(lambda: braket.get_quantum_task(quantumTaskArn=arn)["status"] == "COMPLETED", 60)
    project.refresh()
    [resource] = project.resources(":QuantumTask")
    assert resource["outputs"]["status"] == "COMPLETED"
    assert sum(resource["outputs"]["measurement_counts"].values()) == 100
    assert changes(project.up()) == {}


def test_interrupted_create_rerun_submits_exactly_one_task(
    engine_project, local_cloud, cloud_env, results_bucket
):
    marker = uuid.uuid4().hex[:10]
    project = engine_project(
        program(results_bucket, marker, timeout=2), env=local_cloud.client_env()
    )
    with runner_held(local_cloud), pytest.raises(auto.CommandError, match="still QUEUED"):
        project.up()  # submitted, then the create gave up waiting: nothing in state
    assert project.resources(":QuantumTask") == []
    assert len(tasks_tagged(cloud_env, marker)) == 1

    up = project.up()
    assert up.outputs["status"].value == "COMPLETED"
    [task] = tasks_tagged(cloud_env, marker)
    assert task["quantumTaskArn"] == up.outputs["arn"].value


def test_throttling_30_percent_up_succeeds_without_duplicates(
    engine_project, local_cloud, cloud_env, results_bucket
):
    marker = uuid.uuid4().hex[:10]
    project = engine_project(program(results_bucket, marker), env=local_cloud.client_env())
    local_cloud.faults.update({"throttle_rate": 0.3})
    try:
        up = project.up()
    finally:
        local_cloud.faults.update({"throttle_rate": 0.0})
    assert up.outputs["status"].value == "COMPLETED"
    assert len(tasks_tagged(cloud_env, marker)) == 1


def test_import_by_arn(engine_project, local_cloud, cloud_env, results_bucket):
    marker = uuid.uuid4().hex[:10]
    source = program(results_bucket, marker)
    original = engine_project(source, env=local_cloud.client_env())
    arn = original.up().outputs["arn"].value

    adopting = engine_project(
        source.replace(
            "    ),\n)\npulumi.export",
            f"    ),\n    opts=pulumi.ResourceOptions(import_={arn!r}),\n)\npulumi.export",
        ),
        env=local_cloud.client_env(),
    )
    up = adopting.up()
    # The engine's import step cannot run for dynamic providers (pulumi/pulumi#16175), so the
    # resource adopts the task in create: one "create" that submits nothing.
    assert changes(up) == {"create": 2}, up.summary.resource_changes
    assert up.outputs["arn"].value == arn
    assert up.outputs["status"].value == "COMPLETED"
    assert sum(up.outputs["counts"].value.values()) == 100
    assert len(tasks_tagged(cloud_env, marker)) == 1
    assert changes(adopting.up()) == {}

    mismatch = engine_project(
        source.replace("shots=100", "shots=10").replace(
            "    ),\n)\npulumi.export",
            f"    ),\n    opts=pulumi.ResourceOptions(import_={arn!r}),\n)\npulumi.export",
        ),
        env=local_cloud.client_env(),
    )
    with pytest.raises(auto.CommandError, match="import: shots is 10 in the program"):
        mismatch.up()
    assert mismatch.resources(":QuantumTask") == []
