"""The ``pulumi-resource-quantum`` plugin through the real engine: the S3 and Braket resources.

Each test is one stack, driven through a resource's whole life by a program with no
``pulumi_quantum`` import (``pulumi.CustomResource("quantum:...", ...)``, see ``_plugin``):
create → empty preview → refresh → empty preview; in-place update; replace; out-of-band delete →
refresh drops it → up recreates it; ``pulumi import`` → empty preview; destroy. What the cloud
holds is checked through boto3.
"""

from __future__ import annotations

import uuid

import pytest

from pulumi_quantum.local.braket.devices import SV1_ARN
from tests.fixtures import TERMINAL

from ._plugin import assert_converged, cli, declare, plugin_project, reimport, state_resource
from ._stacks import (
    BELL,
    all_spending_limits,
    braket_client,
    changes,
    make_bucket,
    plan,
    s3_client,
    tasks_tagged,
)

pytestmark = pytest.mark.engine

FORTE = "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1"  # limits are for QPUs only
FORTE_ENTERPRISE = "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-Enterprise-1"

BUCKET = "quantum:storage:ResultsBucket"
TASK = "quantum:braket:QuantumTask"
LIMIT = "quantum:braket:SpendingLimit"


def buckets(env: dict[str, str]) -> set[str]:
    return {b["Name"] for b in s3_client(env).list_buckets()["Buckets"]}


def test_results_bucket_lifecycle(engine_project, local_cloud):
    env = local_cloud.client_env()
    name = f"plugin-{uuid.uuid4().hex[:10]}"

    def bucket(bucket_name: str, force: bool) -> dict:
        return {
            "type": BUCKET,
            "name": "results",
            "props": {"bucket": bucket_name, "forceDestroy": force},
        }

    project = plugin_project(engine_project, env, [bucket(name, False)])
    up = project.up()
    assert changes(up) == {"create": 2}, up.summary.resource_changes  # the stack and the bucket
    out = up.outputs["results"].value
    assert out["bucket"] == name and out["adopted"] is False and out["region"] == "us-east-1"
    assert up.outputs["resultsId"].value == name
    assert name in buckets(env)
    state = state_resource(project, "results")
    assert state["type"] == BUCKET
    assert set(state["outputs"]) == {"bucket", "forceDestroy", "adopted", "region"}
    assert set(state["inputs"]) == {"bucket", "forceDestroy"}
    assert_converged(project)

    # In place: forceDestroy.
    declare(project, [bucket(name, True)])
    preview = project.preview(diff=True)
    assert plan(preview) == {"update": 1}, preview.change_summary
    assert changes(project.up()) == {"update": 1}
    assert state_resource(project, "results")["outputs"]["forceDestroy"] is True

    # Replace: another name (created first, then the old one deleted).
    renamed = f"{name}-b"
    declare(project, [bucket(renamed, True)])
    preview = project.preview()
    assert plan(preview) == {"replace": 1}, preview.change_summary
    assert changes(project.up()) == {"replace": 1}
    assert renamed in buckets(env) and name not in buckets(env)

    # Out-of-band delete → refresh drops it → up recreates it.
    s3_client(env).delete_bucket(Bucket=renamed)
    refresh = project.refresh()
    assert changes(refresh) == {"delete": 1}, refresh.summary.resource_changes
    assert project.resources() == []
    assert plan(project.preview()) == {"create": 1}
    assert changes(project.up()) == {"create": 1}
    assert renamed in buckets(env)

    # pulumi import by name → the program (as import's inputs say) plans nothing.
    declare(project, [bucket(renamed, False)])
    reimport(project, BUCKET, "results", renamed)
    imported = state_resource(project, "results")
    assert imported["id"] == renamed and imported["outputs"]["adopted"] is True
    preview = project.preview()
    assert plan(preview) == {}, preview.change_summary

    # Destroy: an imported bucket was the user's before the stack, so destroy keeps it.
    destroy = project.destroy()
    assert changes(destroy) == {"delete": 2}  # the bucket and the stack
    assert project.resources() == []
    assert renamed in buckets(env)
    s3_client(env).delete_bucket(Bucket=renamed)


def test_quantum_task_lifecycle(engine_project, local_cloud):
    env = local_cloud.client_env()
    bucket = make_bucket(env, f"plugin-task-{uuid.uuid4().hex[:10]}")
    marker = uuid.uuid4().hex

    def task(shots: int, tags: dict[str, str]) -> dict:
        props = {
            "source": BELL,
            "deviceArn": SV1_ARN,
            "outputS3Bucket": bucket,
            "outputS3KeyPrefix": "plugin",
            "shots": shots,
            "tags": {"marker": marker, **tags},
        }
        return {"type": TASK, "name": "bell", "props": props, "createTimeout": "10m"}

    project = plugin_project(engine_project, env, [task(20, {})])
    up = project.up()
    assert changes(up) == {"create": 2}, up.summary.resource_changes
    out = up.outputs["bell"].value
    arn = up.outputs["bellId"].value
    assert out["quantumTaskArn"] == arn and out["status"] == "COMPLETED"
    assert sum(out["measurementCounts"].values()) == 20
    assert out["waitTimeoutSeconds"] == 600  # customTimeouts.create, taken from the request
    state = state_resource(project, "bell")
    assert "urnSeed" not in state["outputs"] and "urnSeed" not in state["inputs"]
    assert "waitTimeoutSeconds" not in state["inputs"]  # unset by the program: not an input
    assert [t["quantumTaskArn"] for t in tasks_tagged(env, marker)] == [arn]
    assert_converged(project)

    # In place: tags (TagResource), the same task.
    declare(project, [task(20, {"team": "qa"})])
    preview = project.preview()
    assert plan(preview) == {"update": 1}, preview.change_summary
    assert changes(project.up()) == {"update": 1}
    live = braket_client(env).get_quantum_task(quantumTaskArn=arn)
    assert live["tags"]["team"] == "qa"

    # Replace: shots → a new task; the old one is only forgotten (terminal tasks stay).
    declare(project, [task(30, {"team": "qa"})])
    preview = project.preview()
    assert plan(preview) == {"replace": 1}, preview.change_summary
    up = project.up()
    assert changes(up) == {"replace": 1}
    new_arn = up.outputs["bellId"].value
    assert new_arn != arn and sum(up.outputs["bell"].value["measurementCounts"].values()) == 30
    assert {t["quantumTaskArn"] for t in tasks_tagged(env, marker)} == {arn, new_arn}

    # URN-based clientToken: a create of the same resource with the same inputs (state lost
    # after a crash, here `pulumi state delete`) gets the same task back from Braket.
    cli(project, "state", "delete", state_resource(project, "bell")["urn"], "--yes")
    up = project.up()
    assert changes(up) == {"create": 1}
    assert up.outputs["bellId"].value == new_arn
    assert len(tasks_tagged(env, marker)) == 2

    # pulumi import by ARN → the program plans nothing (Braket never returns the action: the
    # program's is adopted, as the dynamic resource does).
    reimport(project, TASK, "bell", new_arn)
    imported = state_resource(project, "bell")
    assert imported["inputs"]["shots"] == 30 and imported["inputs"]["deviceArn"] == SV1_ARN
    preview = project.preview()
    assert plan(preview) == {}, preview.change_summary

    # Destroy forgets the tasks (terminal tasks cannot be deleted in Braket), none is running.
    destroy = project.destroy()
    assert changes(destroy) == {"delete": 2}
    assert project.resources() == []
    assert {t["status"] for t in tasks_tagged(env, marker)} <= TERMINAL


def test_spending_limit_lifecycle(engine_project, local_cloud):
    env = local_cloud.client_env()
    period = {"startAt": "2030-01-01T00:00:00Z", "endAt": "2030-12-31T00:00:00Z"}

    def limit(device: str, amount: str) -> dict:
        props = {
            "deviceArn": device,
            "spendingLimit": amount,
            "timePeriod": period,
            "tags": {"team": "research"},
        }
        return {"type": LIMIT, "name": "budget", "props": props}

    def live() -> dict[str, dict]:
        return {s["spendingLimitArn"]: s for s in all_spending_limits(env)}

    project = plugin_project(engine_project, env, [limit(FORTE, "100")])
    up = project.up()
    assert changes(up) == {"create": 2}, up.summary.resource_changes
    arn = up.outputs["budgetId"].value
    out = up.outputs["budget"].value
    assert out["spendingLimitArn"] == arn and out["effectiveTimePeriod"] == period
    assert live()[arn]["spendingLimit"] == "100"
    assert_converged(project)

    # In place: the amount.
    declare(project, [limit(FORTE, "150.50")])
    assert plan(project.preview()) == {"update": 1}
    assert changes(project.up()) == {"update": 1}
    assert live()[arn]["spendingLimit"] == "150.50"

    # Replace: another device.
    declare(project, [limit(FORTE_ENTERPRISE, "150.50")])
    assert plan(project.preview()) == {"replace": 1}
    up = project.up()
    assert changes(up) == {"replace": 1}
    arn = up.outputs["budgetId"].value
    assert set(live()) == {arn} and live()[arn]["deviceArn"] == FORTE_ENTERPRISE

    # Out-of-band delete → refresh drops it → up recreates it.
    braket_client(env).delete_spending_limit(spendingLimitArn=arn)
    refresh = project.refresh()
    assert changes(refresh) == {"delete": 1}, refresh.summary.resource_changes
    assert plan(project.preview()) == {"create": 1}
    up = project.up()
    assert changes(up) == {"create": 1}
    arn = up.outputs["budgetId"].value
    assert set(live()) == {arn}

    # pulumi import by ARN → the program plans nothing.
    reimport(project, LIMIT, "budget", arn)
    preview = project.preview()
    assert plan(preview) == {}, preview.change_summary

    destroy = project.destroy()
    assert changes(destroy) == {"delete": 2}
    assert live() == {}
