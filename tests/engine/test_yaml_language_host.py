"""The Pulumi YAML language host built by scripts/bootstrap runs a YAML program through the engine.

Why: issue 13 makes the project usable from Pulumi YAML. Before any provider plugin is involved,
this proves the host itself (pulumi-yaml at the tag pinned in tools/pulumi-yaml, built against the
engine's pkg/sdk release) speaks the engine's protocol here: config in, expressions evaluated,
outputs out, and a clean destroy — with automatic plugin downloads disabled, so the program must
need no plugin but the language host.
"""

from __future__ import annotations

import shutil

import pytest

pytestmark = pytest.mark.engine

PROGRAM = """
config:
  shots:
    type: integer
    default: 100
  device:
    type: string
variables:
  deviceArn:
    fn::join:
      - "/"
      - ["arn:aws:braket:::device/quantum-simulator/amazon", "${device}"]
  metadata:
    fn::toJSON:
      shots: ${shots}
      device: ${deviceArn}
outputs:
  deviceArn: ${deviceArn}
  shots: ${shots}
  metadata: ${metadata}
  encoded:
    fn::toBase64: ${device}
"""


def test_yaml_program_up_outputs_destroy(yaml_project):
    project = yaml_project(PROGRAM)
    assert shutil.which("pulumi-language-yaml", path=project.env["PATH"]), (
        "pulumi-language-yaml is not on PATH: run scripts/bootstrap and source scripts/env.sh"
    )
    assert project.env["PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION"] == "true"
    project.set_config({"device": "sv1", "shots": "250"})

    preview = project.preview()
    assert preview.change_summary == {"create": 1}  # the stack resource only

    up = project.up()
    assert up.summary.result == "succeeded"
    outputs = {key: value.value for key, value in up.outputs.items()}
    assert outputs == {
        "deviceArn": "arn:aws:braket:::device/quantum-simulator/amazon/sv1",
        "shots": 250,
        "metadata": (
            '{"device":"arn:aws:braket:::device/quantum-simulator/amazon/sv1","shots":250}'
        ),
        "encoded": "c3Yx",
    }

    again = project.up()
    assert set(again.summary.resource_changes) == {"same"}, again.summary.resource_changes

    destroy = project.destroy()
    assert destroy.summary.result == "succeeded"
    assert project.export_state().get("resources", []) == []
