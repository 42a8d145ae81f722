"""The shipped policy pack (pulumi_quantum/policy) through the real engine and the local cloud.

The engine starts the pack through our Python language host's RunPlugin (without it: "method
RunPlugin not implemented"), asks it about each resource before creating it, and refuses the
deployment on a mandatory violation. What the cloud holds afterwards is read with unmodified
boto3: a refused ``up`` has created nothing.
"""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import pytest
from pulumi import automation as auto

from pulumi_quantum.local.braket.devices import SV1_ARN
from pulumi_quantum.policy import PACK_DIR

from ._stacks import all_spending_limits, tasks_tagged

pytestmark = pytest.mark.engine

GARNET = "arn:aws:braket:eu-north-1::device/qpu/iqm/Garnet"
"""A QPU whose price is per task and per shot: its estimate is exact (0.30 + 1000 x 0.00145 USD
at Braket's published prices, 1.75 USD)."""
ANY_DEVICE_NO_LIMIT = {
    # Only the rule under test decides: any device, and no SpendingLimit demanded.
    "quantum-device-allow-list": {"allowedDevices": ["*"]},
    "quantum-qpu-spending-limit": {"enforcementLevel": "disabled"},
}

PROGRAM = """
import pulumi
from pulumi_quantum.braket import QuantumTask, QuantumTaskArgs, SpendingLimit, SpendingLimitArgs

BELL = "OPENQASM 3.0; qubit[2] q; bit[2] c; h q[0]; cnot q[0], q[1]; c = measure q;"
depends_on = []
if {limit!r}:
    depends_on.append(SpendingLimit(
        "budget",
        SpendingLimitArgs(
            device_arn={device!r},
            spending_limit="100",
            tags={{"cost-centre": "physics-42"}},
        ),
    ))
tasks = [
    QuantumTask(
        "bell" if i == 0 else f"bell-{{i}}",
        QuantumTaskArgs(
            source=BELL,
            device_arn={device!r},
            output_s3_bucket={bucket!r},
            output_s3_key_prefix="bell",
            shots={shots},
            tags={tags!r},
            wait_for_completion={wait},
            wait_timeout_seconds=120,
        ),
        opts=pulumi.ResourceOptions(depends_on=depends_on),
    )
    for i in range({count})
]
task = tasks[0]
pulumi.export("arn", task.quantum_task_arn)
pulumi.export("estimate", task.estimated_cost)
"""


def program(bucket: str, marker: str, **overrides) -> str:
    values = {
        "device": SV1_ARN,
        "bucket": bucket,
        "shots": 100,
        "tags": {"marker": marker, "cost-centre": "physics-42"},
        "limit": False,
        "wait": True,
        "count": 1,
    }
    values.update(overrides)
    return PROGRAM.format(**values)


def pack_config(tmp_path: Path, config: dict) -> list[str]:
    """``--policy-pack-config`` file for the pack: per policy, its level and settings."""
    path = tmp_path / f"policy-config-{uuid.uuid4().hex[:6]}.json"
    path.write_text(json.dumps(config))
    return [str(path)]


def test_an_over_budget_up_is_refused_and_creates_nothing_a_within_budget_one_passes(
    engine_project, local_cloud, cloud_env, results_bucket, tmp_path
):
    marker = uuid.uuid4().hex[:10]
    config = pack_config(
        tmp_path, {**ANY_DEVICE_NO_LIMIT, "quantum-max-resource-cost": {"maxUsd": 1}}
    )
    project = engine_project(
        program(results_bucket, marker, device=GARNET, shots=1000, wait=False),
        env=local_cloud.client_env(),
    )
    with pytest.raises(auto.CommandError) as refused:
        project.up(policy_packs=[str(PACK_DIR)], policy_pack_configs=config)
    text = str(refused.value)
    assert "quantum-max-resource-cost" in text
    assert "above the 1.00 USD allowed per resource" in text and "1000 shots x" in text
    assert tasks_tagged(cloud_env, marker) == []
    assert project.resources() == []

    # A simulator task of the same stack is estimated within the budget: the same pack passes it.
    project.write_program(program(results_bucket, marker))
    up = project.up(policy_packs=[str(PACK_DIR)], policy_pack_configs=config)
    assert 0 < up.outputs["estimate"].value["usd"] <= 1
    assert [t["quantumTaskArn"] for t in tasks_tagged(cloud_env, marker)] == [
        up.outputs["arn"].value
    ]


def test_the_stack_budget_counts_every_resource(
    engine_project, local_cloud, results_bucket, tmp_path
):
    """Two QPU tasks each within the per-resource cap, together over the stack's (>= 0.30 USD a
    task at Braket's per-task price): the second is refused at preview."""
    marker = uuid.uuid4().hex[:10]
    project = engine_project(
        program(results_bucket, marker, device=GARNET, wait=False, count=2),
        env=local_cloud.client_env(),
    )
    config = pack_config(
        tmp_path, {**ANY_DEVICE_NO_LIMIT, "quantum-max-stack-cost": {"maxUsd": 0.5}}
    )
    with pytest.raises(auto.CommandError) as refused:
        project.preview(policy_packs=[str(PACK_DIR)], policy_pack_configs=config)
    text = str(refused.value)
    assert "quantum-max-stack-cost" in text and "above the 0.5 USD allowed per stack" in text
    relaxed = pack_config(
        tmp_path, {**ANY_DEVICE_NO_LIMIT, "quantum-max-stack-cost": {"maxUsd": 5}}
    )
    preview = project.preview(policy_packs=[str(PACK_DIR)], policy_pack_configs=relaxed)
    assert preview.change_summary.get("create") == 3  # stack and two tasks


def test_the_device_allow_list_refuses_an_up(
    engine_project, local_cloud, cloud_env, results_bucket, tmp_path
):
    marker = uuid.uuid4().hex[:10]
    project = engine_project(program(results_bucket, marker), env=local_cloud.client_env())
    only_dm1 = pack_config(
        tmp_path,
        {"quantum-device-allow-list": {"allowedDevices": ["*/quantum-simulator/amazon/dm1"]}},
    )
    with pytest.raises(auto.CommandError) as refused:
        project.up(policy_packs=[str(PACK_DIR)], policy_pack_configs=only_dm1)
    text = str(refused.value)
    assert "quantum-device-allow-list" in text and SV1_ARN in text
    assert tasks_tagged(cloud_env, marker) == []
    assert project.resources() == []


def test_max_shots_refuses_the_stack(engine_project, local_cloud, results_bucket, tmp_path):
    marker = uuid.uuid4().hex[:10]
    project = engine_project(
        program(results_bucket, marker, shots=2000), env=local_cloud.client_env()
    )
    config = pack_config(tmp_path, {"quantum-max-shots": {"maxShots": 1000}})
    with pytest.raises(auto.CommandError) as refused:
        project.preview(policy_packs=[str(PACK_DIR)], policy_pack_configs=config)
    assert "2000 shots, above the 1000 allowed" in str(refused.value)
    # Advisory instead of mandatory: reported, not refused.
    advisory = pack_config(
        tmp_path, {"quantum-max-shots": {"enforcementLevel": "advisory", "maxShots": 1000}}
    )
    preview = project.preview(policy_packs=[str(PACK_DIR)], policy_pack_configs=advisory)
    assert "2000 shots, above the 1000 allowed" in preview.stdout


def test_a_qpu_task_without_a_spending_limit_is_refused(
    engine_project, local_cloud, cloud_env, results_bucket, tmp_path
):
    marker = uuid.uuid4().hex[:10]
    allow_garnet = pack_config(
        tmp_path, {"quantum-device-allow-list": {"allowedDevices": [GARNET]}}
    )
    bare = engine_project(
        program(results_bucket, marker, device=GARNET), env=local_cloud.client_env()
    )
    with pytest.raises(auto.CommandError) as refused:
        bare.up(policy_packs=[str(PACK_DIR)], policy_pack_configs=allow_garnet)
    text = str(refused.value)
    assert "quantum-qpu-spending-limit" in text and GARNET in text
    assert tasks_tagged(cloud_env, marker) == [] and all_spending_limits(cloud_env) == []

    # With a SpendingLimit on the device, which the task depends on, the rule is met.
    limited = engine_project(
        program(results_bucket, marker, device=GARNET, limit=True), env=local_cloud.client_env()
    )
    preview = limited.preview(policy_packs=[str(PACK_DIR)], policy_pack_configs=allow_garnet)
    assert "quantum-qpu-spending-limit" not in preview.stdout
    assert preview.change_summary.get("create") == 3  # stack, limit, task


YAML_PROGRAM = """
resources:
  bell:
    type: quantum:braket:QuantumTask
    properties:
      source: "OPENQASM 3.0; qubit[2] q; bit[2] c; h q[0]; cnot q[0], q[1]; c = measure q;"
      deviceArn: {device}
      outputS3Bucket: {bucket}
      outputS3KeyPrefix: bell
      shots: {shots}
      tags:
        cost-centre: physics-42
"""


def test_the_pack_recognises_the_plugins_resources(
    yaml_project, local_cloud, results_bucket, tmp_path
):
    """The plugin's types (``quantum:braket:QuantumTask``) and camelCase inputs, its
    ``estimatedCost`` included, are judged like the dynamic resources'."""
    if shutil.which("pulumi-language-yaml") is None:
        raise AssertionError("no pulumi-language-yaml: run scripts/bootstrap --yaml")
    project = yaml_project(
        YAML_PROGRAM.format(device=GARNET, bucket=results_bucket, shots=5000),
        env=local_cloud.client_env(),
    )
    config = pack_config(
        tmp_path,
        {
            **ANY_DEVICE_NO_LIMIT,
            "quantum-max-shots": {"maxShots": 1000},
            "quantum-max-resource-cost": {"maxUsd": 1},
        },
    )
    with pytest.raises(auto.CommandError) as refused:
        project.preview(policy_packs=[str(PACK_DIR)], policy_pack_configs=config)
    text = str(refused.value)
    assert "quantum:braket:QuantumTask" in text and "5000 shots, above the 1000" in text
    assert "quantum-max-resource-cost" in text and "5000 shots x" in text


SESSION_PROGRAM = """
from pulumi_quantum.ibm import Session

Session("held", backend="ibm_loopback_5q", max_time={max_time!r})
"""
ONLY_SESSION_TIME = {
    # Sessions are priced per second (docs/cost.md): only the rule under test decides here.
    "quantum-max-resource-cost": {"enforcementLevel": "disabled"},
    "quantum-max-stack-cost": {"enforcementLevel": "disabled"},
    "quantum-device-allow-list": {"allowedDevices": ["*"]},
}


def test_a_session_held_longer_than_allowed_is_refused(engine_project, local_cloud, tmp_path):
    project = engine_project(SESSION_PROGRAM.format(max_time="2h"), env=local_cloud.client_env())
    config = pack_config(
        tmp_path, {**ONLY_SESSION_TIME, "quantum-max-session-time": {"maxSeconds": 3600}}
    )
    with pytest.raises(auto.CommandError) as refused:
        project.up(policy_packs=[str(PACK_DIR)], policy_pack_configs=config)
    text = str(refused.value)
    assert "quantum-max-session-time" in text
    assert "max_time is 7200 s, above the 3600 s allowed" in text
    assert project.resources() == []

    project.write_program(SESSION_PROGRAM.format(max_time="30m"))
    preview = project.preview(policy_packs=[str(PACK_DIR)], policy_pack_configs=config)
    assert "quantum-max-session-time" not in preview.stdout
    assert preview.change_summary.get("create") == 1  # the session (the stack exists now)
