"""The real-accounts example's shape, with Pulumi's mocks (no engine, no vendor: it is not run
here because no vendor cloud is reachable; this checks what it would declare)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pulumi
import pytest

from tests.pulumi_mocks import Recorder

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "real-accounts"

CONFIG = {
    "real-accounts:resultsBucket": "amazon-braket-team-results",
    "real-accounts:braketDevice": "arn:aws:braket:us-east-1::device/qpu/ionq/Aria-1",
}


@pytest.fixture
def declared():
    recorder = Recorder()
    pulumi.runtime.set_mocks(recorder, project="real-accounts", stack="prod", preview=False)
    pulumi.runtime.set_all_config(dict(CONFIG), [])

    @pulumi.runtime.test
    def run_program():
        names = runpy.run_path(str(EXAMPLE / "__main__.py"))
        declared = [
            names["session"],
            names["batch"],
            names["bell"],
            names["budget"],
            *names["programs"].values(),
            *names["functions"].values(),
        ]
        return pulumi.Output.all(*[resource.urn for resource in declared])

    run_program()
    return recorder.resources


def test_real_accounts_declares_the_quickstart_resources_from_config(declared):
    by_type: dict[str, list] = {}
    for resource in declared:
        by_type.setdefault(resource.typ.rsplit(":", 1)[-1], []).append(resource)
    assert len(by_type["RuntimeProgram"]) == 2
    # Today's IBM Quantum Platform: the example function's folder, its function.json settings.
    [function] = by_type["Function"]
    assert function.inputs["title"] == "real-accounts-prod-bell-counts"
    assert Path(function.inputs["source"]) == EXAMPLE.parent / "functions" / "bell_counts"
    assert function.inputs["entrypoint"] == "main.py"
    assert function.inputs["version"] == "1.0.0"
    assert function.inputs["arguments_schema"]["properties"]["shots"]["type"] == "integer"
    assert len(by_type["Session"]) == 1
    [batch] = by_type["Batch"]
    assert batch.inputs["mode"] == "batch" and batch.inputs["on_delete"] == "cancel"
    [task] = by_type["QuantumTask"]
    assert task.inputs["output_s3_bucket"] == "amazon-braket-team-results"
    assert task.inputs["device_arn"].endswith("qpu/ionq/Aria-1")
    assert task.inputs["wait_timeout_seconds"] == 7200  # customTimeouts.create = "2h"
    [limit] = by_type["SpendingLimit"]
    assert limit.inputs["device_arn"] == task.inputs["device_arn"]
    # Nothing in the program names an endpoint or a credential.
    text = (EXAMPLE / "__main__.py").read_text()
    for word in ("http://", "https://", "AKIA", "token="):
        assert word not in text
