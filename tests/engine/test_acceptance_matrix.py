"""Acceptance cells the other engine tests do not already cover (see docs/acceptance-matrix.md).

One stack with every resource type, several steps, on the real engine:

1. basic: create → refresh → empty preview (every resource's read agrees with its create);
2. disappears: SpendingLimit, Session and ResultsBucket removed out of band → refresh drops them
   → up recreates exactly those → empty preview;
3. a QuantumTask re-created after destroy with identical inputs is a new task;
4. destroy leaves nothing (no program, open session, limit or bucket; tasks only terminal).
"""

from __future__ import annotations

import uuid

import pytest

from tests.fixtures import TERMINAL

from ._stacks import (
    all_programs,
    all_spending_limits,
    braket_client,
    changes,
    ibm_session,
    ibm_session_info,
    plan,
    s3_client,
    tasks_tagged,
)

pytestmark = pytest.mark.engine

PROGRAM = """
import pulumi
from pulumi_quantum.braket import QuantumTask, SpendingLimit
from pulumi_quantum.ibm import RuntimeProgram, Session
from pulumi_quantum.storage import ResultsBucket

SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
MARK = "{mark}"
program = RuntimeProgram(
    "prog",
    data="def main(backend, user_messenger, **kwargs):\\n    return 1\\n",
    name=f"matrix-{{MARK}}",
    description="acceptance matrix",
    max_execution_time=300,
)
session = Session("work", backend="ibm_loopback_5q", max_time="1h")
bucket = ResultsBucket("results", bucket=f"matrix-{{MARK}}", force_destroy=True)
task = QuantumTask(
    "bell",
    source="OPENQASM 3.0; qubit[2] q; bit[2] c; h q[0]; cnot q[0], q[1]; c = measure q;",
    device_arn=SV1,
    output_s3_bucket=bucket.bucket,
    output_s3_key_prefix="matrix",
    shots=50,
    tags={{"marker": MARK}},
)
limit = SpendingLimit(  # a QPU: Braket has no spending limits for simulators
    "budget",
    device_arn="arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1",
    spending_limit="10.00",
)
pulumi.export("program_id", program.program_id)
pulumi.export("session_id", session.session_id)
pulumi.export("bucket", bucket.bucket)
pulumi.export("task_arn", task.quantum_task_arn)
pulumi.export("limit_arn", limit.spending_limit_arn)
"""
RESOURCES = 6  # the stack + five resources


def test_refresh_disappears_and_destroy_for_every_resource(engine_project, local_cloud):
    env = local_cloud.client_env()
    mark = uuid.uuid4().hex[:10]
    project = engine_project(PROGRAM.format(mark=mark), env=env)

    # 1. basic: create → refresh → empty preview.
    up = project.up()
    assert changes(up) == {"create": RESOURCES}, up.summary.resource_changes
    out = {k: v.value for k, v in up.outputs.items()}
    refresh = project.refresh()
    assert changes(refresh) == {}, refresh.summary.resource_changes
    preview = project.preview()
    assert plan(preview) == {}, preview.change_summary

    # 2. disappears: limit deleted, session closed, bucket emptied and deleted — out of band.
    braket_client(env).delete_spending_limit(spendingLimitArn=out["limit_arn"])
    ibm_session(env).delete(f"/sessions/{out['session_id']}/close")
    s3 = s3_client(env)
    for item in s3.list_objects_v2(Bucket=out["bucket"]).get("Contents", []):
        s3.delete_object(Bucket=out["bucket"], Key=item["Key"])
    s3.delete_bucket(Bucket=out["bucket"])
    refresh = project.refresh()
    assert changes(refresh) == {"delete": 3}, refresh.summary.resource_changes
    kinds = sorted(r["type"].rsplit(":", 1)[1] for r in project.resources())
    assert kinds == ["QuantumTask", "RuntimeProgram"]
    up = project.up()
    # The three come back; the task's results went with the bucket, but the task in state is
    # unchanged by a bucket (its counts are kept in state): nothing else is touched.
    assert changes(up) == {"create": 3}, up.summary.resource_changes
    again = {k: v.value for k, v in up.outputs.items()}
    assert again["task_arn"] == out["task_arn"] and again["program_id"] == out["program_id"]
    assert again["limit_arn"] != out["limit_arn"] and again["session_id"] != out["session_id"]
    preview = project.preview()
    assert plan(preview) == {}, preview.change_summary

    # 4. destroy leaves nothing.
    destroy = project.destroy()
    assert changes(destroy) == {"delete": RESOURCES}, destroy.summary.resource_changes
    assert project.resources() == []
    assert [p for p in all_programs(env) if p["name"] == f"matrix-{mark}"] == []
    assert ibm_session_info(env, again["session_id"])["state"] == "closed"
    assert again["limit_arn"] not in [s["spendingLimitArn"] for s in all_spending_limits(env)]
    assert out["bucket"] not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    tasks = tasks_tagged(env, mark)
    assert [t["quantumTaskArn"] for t in tasks] == [out["task_arn"]]
    assert {t["status"] for t in tasks} <= TERMINAL

    # 3. the same stack again after destroy: a new task (the destroyed deployment's is spent).
    up = project.up()
    assert changes(up) == {"create": RESOURCES}, up.summary.resource_changes
    assert up.outputs["task_arn"].value != out["task_arn"]
    assert len(tasks_tagged(env, mark)) == 2
    project.destroy()
