"""A stack set to a real account never deploys into the local cloud (issue 27 point 1).

The shell is the one ``source scripts/env.sh`` leaves behind while the local cloud runs: its
``AWS_ENDPOINT_URL_*``, its keys and ``QISKIT_IBM_*`` exported. A stack configured with
``quantum:target aws`` / ``quantum:ibmTarget ibm`` (as examples/real-accounts is) must fail at
``pulumi preview``, naming both values and the fix, and ``up`` must create nothing.
"""

from __future__ import annotations

import uuid

import pytest
from pulumi import automation as auto

pytestmark = pytest.mark.engine

BRAKET = """
from pulumi_quantum.braket import QuantumTask

QuantumTask(
    "bell",
    source="OPENQASM 3.0; qubit[2] q; bit[2] c; h q[0]; cnot q[0], q[1]; c = measure q;",
    device_arn="arn:aws:braket:::device/quantum-simulator/amazon/sv1",
    output_s3_bucket="BUCKET",
    output_s3_key_prefix="MARKER",
    shots=10,
    tags={"marker": "MARKER"},
)
"""
IBM = """
from pulumi_quantum.ibm import Session

Session("work", backend="ibm_loopback_5q", max_time="10m")
"""


def test_target_aws_with_the_local_clouds_exports_fails_at_preview(
    engine_project, local_cloud, cloud_env, results_bucket
):
    import boto3

    marker = f"target-{uuid.uuid4().hex[:8]}"
    env = local_cloud.client_env()  # what env.sh exports while the local cloud runs
    source = BRAKET.replace("BUCKET", results_bucket).replace("MARKER", marker)
    project = engine_project(source, env=env)
    project.set_config({"quantum:target": "aws"})

    with pytest.raises(auto.errors.CommandError) as preview:
        project.preview()
    text = str(preview.value)
    braket = env["AWS_ENDPOINT_URL_BRAKET"]
    assert f"quantum:target is aws but AWS_ENDPOINT_URL_BRAKET is {braket}" in text
    assert "unset AWS_ENDPOINT_URL_BRAKET" in text and "quantum:target local" in text
    assert "has a problem: quantum:target is aws" in text  # the resource's problem, in words
    assert "{<nil>}" not in text  # not an input property "with no value"
    assert env["AWS_SECRET_ACCESS_KEY"] not in text

    with pytest.raises(auto.errors.CommandError):
        project.up()
    assert project.resources() == []
    tasks = boto3.client("braket").search_quantum_tasks(filters=[])["quantumTasks"]
    assert [t for t in tasks if (t.get("tags") or {}).get("marker") == marker] == []


def test_ibm_target_with_the_local_clouds_exports_fails_at_preview(engine_project, local_cloud):
    env = local_cloud.client_env()
    project = engine_project(IBM, env=env)
    project.set_config({"quantum:ibmTarget": "ibm"})
    with pytest.raises(auto.errors.CommandError) as preview:
        project.preview()
    text = str(preview.value)
    assert f"quantum:ibmTarget is ibm but QISKIT_IBM_URL is {env['QISKIT_IBM_URL']}" in text
    assert "quantum:ibmTarget local" in text and env["QISKIT_IBM_TOKEN"] not in text
    with pytest.raises(auto.errors.CommandError):
        project.up()
    assert project.resources() == []
