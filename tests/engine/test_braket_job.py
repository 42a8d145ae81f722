"""braket.Job through the real Pulumi engine (Automation API) against the local Braket.

The local cloud runs in this pytest process; the engine, the program and the dynamic provider
are subprocesses. The job itself runs the unmodified Braket SDK inside the local cloud's job
runner; assertions about the cloud side use unmodified boto3.
"""

from __future__ import annotations

import textwrap
import uuid

import boto3
import pytest

from pulumi_quantum.local.braket.devices import SV1_ARN

from ._stacks import changes

pytestmark = pytest.mark.engine

ALGORITHM = """
import os
from braket.aws import AwsDevice
from braket.circuits import Circuit
from braket.jobs import get_hyperparameters, save_job_result


def main():
    hp = get_hyperparameters()
    device = AwsDevice(os.environ["AMZN_BRAKET_DEVICE_ARN"])
    counts = device.run(Circuit().x(0).cnot(0, 1), shots=int(hp["shots"])).result()
    save_job_result({"counts": dict(counts.measurement_counts), "version": VERSION})
"""

SLEEPER = "import time\n\ndef main():\n    time.sleep(600)\n"

PROGRAM = """
import pulumi
from pulumi_quantum.braket import Job, JobArgs

job = Job(
    "vqe",
    JobArgs(
        source={source!r},
        entry_point={entry!r},
        device={device!r},
        hyperparameters={{"shots": "20"}},
        output_data_config={{"s3Path": "s3://{bucket}/jobs"}},
        tags={tags!r},
        wait_for_completion={wait},
        wait_timeout_seconds=180,
    ),
    opts=pulumi.ResourceOptions(import_={import_!r}),
)
pulumi.export("arn", job.job_arn)
pulumi.export("status", job.status)
pulumi.export("result", job.result)
pulumi.export("task_count", job.task_count)
pulumi.export("log_group", job.log_group)
pulumi.export("role", job.execution_role_arn)
"""


def write_source(tmp_path, body: str, version: int = 1):
    folder = tmp_path / "algorithm"
    folder.mkdir(exist_ok=True)
    (folder / "__init__.py").write_text("")
    (folder / "vqe.py").write_text(textwrap.dedent(body).replace("VERSION", str(version)))
    return folder


def program(source, bucket: str, marker: str, **overrides) -> str:
    values = {
        "source": str(source),
        "entry": "algorithm.vqe:main",
        "device": SV1_ARN,
        "bucket": bucket,
        "tags": {"marker": marker},
        "wait": True,
        "import_": None,
    }
    values.update(overrides)
    return PROGRAM.format(**values)


def jobs_tagged(marker: str) -> list[dict]:
    braket = boto3.client("braket")
    jobs = braket.search_jobs(filters=[])["jobs"]
    return [
        j
        for j in jobs
        if braket.list_tags_for_resource(resourceArn=j["jobArn"])["tags"].get("marker") == marker
    ]


def test_job_lifecycle(engine_project, local_cloud, cloud_env, results_bucket, tmp_path):
    braket = boto3.client("braket")
    marker = uuid.uuid4().hex[:10]
    source = write_source(tmp_path, ALGORITHM)
    project = engine_project(program(source, results_bucket, marker), env=local_cloud.client_env())

    up = project.up()
    assert up.outputs["status"].value == "COMPLETED"
    result = up.outputs["result"].value
    assert result["version"] == 1 and result["counts"] == {"11": 20}  # X then CNOT: always 11
    assert up.outputs["task_count"].value == 1
    assert up.outputs["log_group"].value == "/aws/braket/jobs"
    assert "AmazonBraketJobsExecutionRole" in up.outputs["role"].value  # the SDK's default
    arn = up.outputs["arn"].value
    [resource] = project.resources(":Job")
    assert resource["id"] == arn
    job = braket.get_job(jobArn=arn)
    assert job["hyperParameters"] == {"shots": "20"}
    assert job["algorithmSpecification"]["scriptModeConfig"]["entryPoint"] == "algorithm.vqe:main"
    assert local_cloud.client_env()["AWS_SECRET_ACCESS_KEY"] not in project.state_text()

    again = project.up()
    assert changes(again) == {}, again.summary.resource_changes

    project.write_program(
        program(source, results_bucket, marker, tags={"marker": marker, "v": "2"})
    )
    retag = project.up()
    assert changes(retag) == {"update": 1}
    assert retag.outputs["arn"].value == arn
    assert braket.list_tags_for_resource(resourceArn=arn)["tags"] == {"marker": marker, "v": "2"}

    # Out of band: a tag removed in Braket; refresh brings the state in line, up puts it back.
    braket.untag_resource(resourceArn=arn, tagKeys=["v"])
    project.refresh()
    [resource] = project.resources(":Job")
    assert resource["outputs"]["tags"] == {"marker": marker}
    assert changes(project.up()) == {"update": 1}
    assert braket.list_tags_for_resource(resourceArn=arn)["tags"] == {"marker": marker, "v": "2"}

    write_source(tmp_path, ALGORITHM, version=2)  # same path, new content: a new run
    rerun = project.up()
    assert changes(rerun) == {"replace": 1}
    assert rerun.outputs["arn"].value != arn
    assert rerun.outputs["result"].value["version"] == 2

    project.destroy()
    assert project.resources() == []
    assert {j["status"] for j in jobs_tagged(marker)} == {"COMPLETED"}  # Braket keeps them


def test_import_adopts_a_job_and_destroy_cancels_a_running_one(
    engine_project, local_cloud, cloud_env, results_bucket, tmp_path, wait_until
):
    braket = boto3.client("braket")
    marker = uuid.uuid4().hex[:10]
    source = write_source(tmp_path, SLEEPER)
    first = engine_project(
        program(source, results_bucket, marker, wait=False), env=local_cloud.client_env()
    )
    up = first.up()
    arn = up.outputs["arn"].value
    assert up.outputs["status"].value in {"QUEUED", "RUNNING"}
    assert wait_until(lambda: braket.get_job(jobArn=arn)["status"] == "RUNNING", timeout=60)

    adopter = engine_project(
        program(source, results_bucket, marker, wait=False, import_=arn),
        env=local_cloud.client_env(),
    )
    imported = adopter.up()
    assert imported.outputs["arn"].value == arn  # adopted, not a second job
    assert len(jobs_tagged(marker)) == 1

    first.destroy()
    assert braket.get_job(jobArn=arn)["status"] in {"CANCELLING", "CANCELLED"}
    assert wait_until(lambda: braket.get_job(jobArn=arn)["status"] == "CANCELLED", timeout=60)
    adopter.refresh()
    [resource] = adopter.resources(":Job")
    assert resource["outputs"]["status"] == "CANCELLED"


YAML = """
resources:
  vqe:
    type: quantum:braket:Job
    properties:
      source: {source}
      entryPoint: algorithm.vqe:main
      device: {device}
      hyperparameters:
        shots: "20"
      outputDataConfig:
        s3Path: s3://{bucket}/yaml-jobs
      tags:
        marker: {marker}
outputs:
  arn: ${{vqe.jobArn}}
  status: ${{vqe.status}}
  result: ${{vqe.result}}
  taskCount: ${{vqe.taskCount}}
"""


def test_job_from_pulumi_yaml_through_the_plugin(
    yaml_project, local_cloud, cloud_env, results_bucket, tmp_path
):
    marker = uuid.uuid4().hex[:10]
    source = write_source(tmp_path, ALGORITHM, version=7)
    body = YAML.format(source=source, device=SV1_ARN, bucket=results_bucket, marker=marker)
    project = yaml_project(body, env=local_cloud.client_env())

    up = project.up()
    assert up.outputs["status"].value == "COMPLETED"
    assert up.outputs["result"].value == {"counts": {"11": 20}, "version": 7}
    assert up.outputs["taskCount"].value == 1
    arn = up.outputs["arn"].value
    assert boto3.client("braket").get_job(jobArn=arn)["tags"] == {"marker": marker}
    assert changes(project.up()) == {}  # the content hash is stable through the plugin

    project.destroy()
    assert project.resources() == []
    assert [j["jobArn"] for j in jobs_tagged(marker)] == [arn]
