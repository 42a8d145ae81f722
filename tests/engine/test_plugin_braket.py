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

from ._plugin import declare, plugin_project, reimport, state_resource
from ._stacks import BELL, all_spending_limits, all_tasks, changes, plan, s3_client

pytestmark = pytest.mark.engine

BUCKET = "quantum:storage:ResultsBucket"
TASK = "quantum:braket:QuantumTask"
LIMIT = "quantum:braket:SpendingLimit"


def buckets(env: dict[str, str]) -> set[str]:
    return {b["Name"] for b in s3_client(env).list_buckets()["Buckets"]}


def assert_converged(project) -> None:
    """A preview, a refresh and another preview all find nothing to do."""
    preview = project.preview()
    assert plan(preview) == {}, preview.change_summary
    refresh = project.refresh()
    assert changes(refresh) == {}, refresh.summary.resource_changes
    preview = project.preview()
    assert plan(preview) == {}, preview.change_summary


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
