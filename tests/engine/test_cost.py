"""Cost through the real engine (issue 31): estimates in ``pulumi preview``, billed cost after
``up``, and ``pulumi-quantum cost`` on a real stack, on the local target.

The prices are the local Braket's offer file (``client_env()`` exports its URL, as
``local start`` does); the expected figures are computed here from the same file with the
per-task + per-shot rule, so a wrong row, a wrong rule or an estimate that is not known at
preview fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal

import pytest

from pulumi_quantum.pricing import braket_prices, offers
from tests.fixtures import BELL, FORTE1, SV1

from .test_ibm_function import own_schema_cache

pytestmark = pytest.mark.engine

PROGRAM = """
import pulumi
from pulumi_quantum.braket import QuantumTask

BELL = {bell!r}
qpu = QuantumTask("qpu", source=BELL, device_arn={qpu!r}, output_s3_bucket={bucket!r},
                  output_s3_key_prefix="cost", shots=100)
sim = QuantumTask("sim", source=BELL, device_arn={sim!r}, output_s3_bucket={bucket!r},
                  output_s3_key_prefix="cost", shots=100)
pulumi.export("qpu_estimate", qpu.estimated_cost)
pulumi.export("qpu_billed", qpu.billed_cost)
"""


def expected_qpu_usd(env: dict[str, str], shots: int) -> float:
    offer_file = offers.load(env["BRAKET_PRICE_OFFERS_URL"])
    task, shot = braket_prices.qpu_prices(offer_file, "us-east-1", FORTE1, job=False)
    return float(task.usd + shot.usd * shots)


def preview_states(project) -> dict[str, dict]:
    """Each resource's checked inputs (its step, before it runs) and outputs (once the preview
    has run the step), by resource name."""
    states: dict[str, dict] = {}

    def collect(event) -> None:
        for step, key, part in (
            (event.resource_pre_event, "inputs", "inputs"),
            (event.res_outputs_event, "outputs", "outputs"),
        ):
            if step is not None and step.metadata.new is not None:
                name = step.metadata.urn.rsplit("::", 1)[-1]
                states.setdefault(name, {})[key] = dict(getattr(step.metadata.new, part) or {})

    project.preview(on_event=collect)
    return states


def cost_cli(project, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **project.env}
    return subprocess.run(
        [sys.executable, "-m", "pulumi_quantum.cli", "cost", "--stack", "test", *args],
        cwd=project.directory,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_preview_shows_the_estimate_and_the_cost_command_adds_it_up(
    engine_project, local_cloud, results_bucket
):
    env = local_cloud.client_env()
    program = PROGRAM.format(bell=BELL, qpu=FORTE1, sim=SV1, bucket=results_bucket)
    project = engine_project(program, env=env)
    qpu_usd = expected_qpu_usd(env, 100)

    states = preview_states(project)
    estimate = states["qpu"]["inputs"]["estimated_cost"]  # the checked inputs: what policies see
    assert estimate["usd"] == pytest.approx(qpu_usd) and estimate["exact"] is True
    assert estimate["source"] == env["BRAKET_PRICE_OFFERS_URL"]
    assert estimate["price_date"] == offers.load(env["BRAKET_PRICE_OFFERS_URL"]).publication_date
    assert states["qpu"]["outputs"]["estimated_cost"] == estimate  # known at preview
    sim_estimate = states["sim"]["inputs"]["estimated_cost"]
    assert sim_estimate["exact"] is False and sim_estimate["usd"] > 0

    planned = cost_cli(project, "--json")
    assert planned.returncode == 0, planned.stderr
    report = json.loads(planned.stdout)
    assert report["source"] == "program"
    assert {r["name"] for r in report["resources"]} == {"qpu", "sim"}
    assert report["total_usd"] == pytest.approx(qpu_usd + sim_estimate["usd"])
    assert report["unknown"] == 0 and report["billed_usd"] is None
    table = cost_cli(project)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split()[:2] == ["resource", "type"]
    [qpu_line] = [line for line in lines if line.startswith("qpu ")]
    assert f"{Decimal(str(qpu_usd)):.4f}" in qpu_line and "QuantumTask" in qpu_line
    assert any(line.startswith("total") for line in lines)

    up = project.up()
    assert up.outputs["qpu_estimate"].value == estimate
    billed = up.outputs["qpu_billed"].value
    assert billed["exact"] is True and billed["usd"] == pytest.approx(qpu_usd)
    deployed = cost_cli(project, "--state", "--json")
    assert deployed.returncode == 0, deployed.stderr
    state_report = json.loads(deployed.stdout)
    assert state_report["source"] == "state"
    assert state_report["total_usd"] == pytest.approx(report["total_usd"])
    assert state_report["billed_usd"] >= qpu_usd  # the simulator's bill is its run time
    assert set(project.preview().change_summary) == {"same"}  # estimates never cause a diff


def test_the_plugin_knows_the_estimate_at_preview(
    yaml_project, local_cloud, results_bucket, tmp_path
):
    env = {**local_cloud.client_env(), **own_schema_cache(tmp_path)}
    project = yaml_project(
        f"""
resources:
  qpu:
    type: quantum:braket:QuantumTask
    properties:
      source: |
        {BELL.replace(chr(10), " ")}
      deviceArn: {FORTE1}
      outputS3Bucket: {results_bucket}
      outputS3KeyPrefix: yaml-cost
      shots: 100
outputs:
  estimate: ${{qpu.estimatedCost}}
""",
        env=env,
    )
    states = preview_states(project)
    estimate = states["qpu"]["inputs"]["estimatedCost"]
    assert estimate["usd"] == pytest.approx(expected_qpu_usd(env, 100))
    assert set(estimate) == {"usd", "source", "price_date", "basis", "exact"}  # one spelling
    assert states["qpu"]["outputs"]["estimatedCost"] == estimate  # known, not computed-later
