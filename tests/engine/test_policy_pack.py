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

FORTE = "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1"

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
task = QuantumTask(
    "bell",
    QuantumTaskArgs(
        source=BELL,
        device_arn={device!r},
        output_s3_bucket={bucket!r},
        output_s3_key_prefix="bell",
        shots={shots},
        tags={tags!r},
        wait_for_completion=True,
        wait_timeout_seconds=120,
    ),
    opts=pulumi.ResourceOptions(depends_on=depends_on),
)
pulumi.export("arn", task.quantum_task_arn)
"""


def program(bucket: str, marker: str, **overrides) -> str:
    values = {
        "device": SV1_ARN,
        "bucket": bucket,
        "shots": 100,
        "tags": {"marker": marker, "cost-centre": "physics-42"},
        "limit": False,
    }
    values.update(overrides)
    return PROGRAM.format(**values)


def pack_config(tmp_path: Path, config: dict) -> list[str]:
    """``--policy-pack-config`` file for the pack: per policy, its level and settings."""
    path = tmp_path / f"policy-config-{uuid.uuid4().hex[:6]}.json"
    path.write_text(json.dumps(config))
    return [str(path)]


def test_compliant_up_passes_and_a_refused_up_creates_nothing(
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

    # The same program under the pack's defaults (simulators allowed, 100 shots, tagged) passes.
    up = project.up(policy_packs=[str(PACK_DIR)])
    assert up.outputs["arn"].value.startswith("arn:aws:braket:")
    assert [t["quantumTaskArn"] for t in tasks_tagged(cloud_env, marker)] == [
        up.outputs["arn"].value
    ]


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
    allow_forte = pack_config(tmp_path, {"quantum-device-allow-list": {"allowedDevices": [FORTE]}})
    bare = engine_project(
        program(results_bucket, marker, device=FORTE), env=local_cloud.client_env()
    )
    with pytest.raises(auto.CommandError) as refused:
        bare.up(policy_packs=[str(PACK_DIR)], policy_pack_configs=allow_forte)
    text = str(refused.value)
    assert "quantum-qpu-spending-limit" in text and FORTE in text
    assert tasks_tagged(cloud_env, marker) == [] and all_spending_limits(cloud_env) == []

    # With a SpendingLimit on the device, which the task depends on, the rule is met.
    limited = engine_project(
        program(results_bucket, marker, device=FORTE, limit=True), env=local_cloud.client_env()
    )
    preview = limited.preview(policy_packs=[str(PACK_DIR)], policy_pack_configs=allow_forte)
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
    if shutil.which("pulumi-language-yaml") is None:
        raise AssertionError("no pulumi-language-yaml: run scripts/bootstrap --yaml")
    project = yaml_project(
        YAML_PROGRAM.format(device=SV1_ARN, bucket=results_bucket, shots=5000),
        env=local_cloud.client_env(),
    )
    config = pack_config(tmp_path, {"quantum-max-shots": {"maxShots": 1000}})
    with pytest.raises(auto.CommandError) as refused:
        project.preview(policy_packs=[str(PACK_DIR)], policy_pack_configs=config)
    text = str(refused.value)
    assert "quantum:braket:QuantumTask" in text and "5000 shots, above the 1000" in text
