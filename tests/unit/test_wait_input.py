"""A resource ``up`` waits on (a Braket task, a hybrid job) waits ``customTimeouts.create`` when
``wait_timeout_seconds`` is not given (``DeclaredResource.WAIT_INPUT``), with Pulumi's mocks."""

from __future__ import annotations

import pulumi
import pytest

from pulumi_quantum.braket import Job, QuantumTask
from tests.pulumi_mocks import Recorder

SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
MAKE = {
    "QuantumTask": lambda **kw: QuantumTask(
        "t",
        source="OPENQASM 3.0;",
        device_arn=SV1,
        output_s3_bucket="b",
        output_s3_key_prefix="p",
        shots=10,
        **kw,
    ),
    "Job": lambda **kw: Job(
        "j", source="algo.py", device=SV1, output_data_config={"s3Path": "s3://b/j"}, **kw
    ),
}


def declared(make, **keywords) -> dict:
    recorder = Recorder()
    pulumi.runtime.set_mocks(recorder, project="proj", stack="dev", preview=False)

    @pulumi.runtime.test
    def run():
        return make(**keywords).urn

    run()
    [resource] = recorder.resources
    return resource.inputs


@pytest.mark.parametrize("kind", sorted(MAKE))
def test_custom_timeouts_create_is_the_wait_unless_given(kind):
    thirty_minutes = pulumi.ResourceOptions(custom_timeouts=pulumi.CustomTimeouts(create="30m"))
    assert declared(MAKE[kind], opts=thirty_minutes)["wait_timeout_seconds"] == 1800
    given = declared(MAKE[kind], opts=thirty_minutes, wait_timeout_seconds=60)
    assert given["wait_timeout_seconds"] == 60
