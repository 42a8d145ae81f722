"""Braket hybrid jobs on the local cloud, driven only through the unmodified SDK and boto3.

Each job is a real subprocess that imports the SDK and talks to the local Braket / S3 / Logs
like a client, so these tests are slow-ish (seconds per job); they share the module's cloud.
"""

from __future__ import annotations

import io
import json
import os
import sys
import tarfile
import textwrap
import time
import uuid
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
TERMINAL = ("COMPLETED", "FAILED", "CANCELLED")

ALGORITHM = """
import os
from braket.aws import AwsDevice
from braket.circuits import Circuit
from braket.jobs import (
    get_hyperparameters, get_input_data_dir, save_job_checkpoint, save_job_result,
)
from braket.jobs.metrics import log_metric


def main():
    hp = get_hyperparameters()
    print("local job starting with", hp)
    with open(os.path.join(get_input_data_dir("input"), "angles.txt")) as f:
        data = f.read().strip()
    device = AwsDevice(os.environ["AMZN_BRAKET_DEVICE_ARN"])
    counts = []
    for i in range(int(hp["tasks"])):
        task = device.run(Circuit().x(0).cnot(0, 1), shots=20)
        counts.append(dict(task.result().measurement_counts))
        log_metric("energy", -1.0 - i, iteration_number=i)
    save_job_checkpoint({"done": int(hp["tasks"])})
    import boto3
    identity = boto3.client("sts").get_caller_identity()["Arn"]
    key = os.environ["AWS_ACCESS_KEY_ID"]
    save_job_result({"counts": counts, "data": data, "hp": hp, "identity": identity, "key": key,
                     "env": sorted(os.environ)})
"""


def _wait_terminal(job, wait_until, timeout=180.0):
    state = lambda: job.state() in TERMINAL and job.state()  # noqa: E731
    return wait_until(state, timeout=timeout, interval=0.5)


def _source(tmp_path: Path, name: str, body: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    (folder / "algo.py").write_text(textwrap.dedent(body))
    return folder


@pytest.fixture(scope="module")
def finished_job(local_cloud, tmp_path_factory):
    """One job created with AwsQuantumJob.create from a source folder, run to its end."""
    from braket.aws import AwsQuantumJob
    from braket.jobs.config import CheckpointConfig

    from tests.polling import wait_until

    tmp = tmp_path_factory.mktemp("job-src")
    with pytest.MonkeyPatch.context() as mp:
        for key, value in local_cloud.client_env().items():
            mp.setenv(key, value)
        source = _source(tmp, "vqe_module", ALGORITHM)
        (tmp / "angles.txt").write_text("0.1,0.2")
        name = f"vqe-{uuid.uuid4().hex[:8]}"
        job = AwsQuantumJob.create(
            device=SV1,
            source_module=str(source),
            entry_point="vqe_module.algo:main",
            job_name=name,
            hyperparameters={"tasks": 2},
            input_data=str(tmp / "angles.txt"),
            checkpoint_config=CheckpointConfig(
                s3Uri=f"s3://amazon-braket-us-east-1-123456789012/ckpt/{name}"
            ),
            tags={"team": "vqe"},
        )
        yield job, _wait_terminal(job, wait_until)


def test_job_from_source_module_completes_with_its_result(
    finished_job, cloud_env, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # job.result() downloads model.tar.gz into the working directory
    job, state = finished_job
    assert state == "COMPLETED", job.metadata().get("failureReason")
    result = job.result()
    assert result["counts"] == [{"11": 20}, {"11": 20}]  # X then CNOT: always 11
    assert result["data"] == "0.1,0.2"  # the input channel reached the job's input directory
    assert result["hp"] == {"tasks": "2"}  # hyperparameters file, values as strings
    # The job signs as its role (temporary keys), not with the server's own key.
    role = "assumed-role/AmazonBraketJobsExecutionRole/"
    assert result["identity"] == f"arn:aws:sts::123456789012:{role}{job.name}"
    assert result["key"].startswith("ASIA") and result["key"] != cloud_env["AWS_ACCESS_KEY_ID"]
    assert "QISKIT_IBM_TOKEN" not in result["env"]  # no other credential of the server either
    assert {"AMZN_BRAKET_JOB_TOKEN", "AMZN_BRAKET_CHECKPOINT_DIR"} <= set(result["env"])
    meta = job.metadata()
    assert meta["jobName"] == job.name and meta["tags"] == {"team": "vqe"}
    assert meta["startedAt"] <= meta["endedAt"] and meta["billableDuration"] >= 0
    events = [e["eventType"] for e in meta["events"]]
    assert events[0] == "WAITING_FOR_PRIORITY" and "RUNNING" in events
    assert events[-1] == "COMPLETED"
    s3 = boto3.client("s3")
    bucket, _, prefix = meta["outputDataConfig"]["s3Path"][5:].partition("/")
    body = s3.get_object(Bucket=bucket, Key=f"{prefix}/output/model.tar.gz")["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as tar:
        assert tar.getnames() == ["results.json"]


def test_job_checkpoint_is_uploaded_at_braket_key(finished_job, cloud_env):
    job, _ = finished_job
    uri = job.metadata()["checkpointConfig"]["s3Uri"]
    bucket, _, prefix = uri[5:].partition("/")
    doc = json.loads(
        boto3.client("s3").get_object(Bucket=bucket, Key=f"{prefix}/{job.name}.json")["Body"].read()
    )
    assert doc["dataDictionary"] == {"done": 2}


def test_job_tasks_carry_its_arn_and_are_found_by_it(finished_job, cloud_env):
    job, _ = finished_job
    tasks = job.get_tasks()  # SearchQuantumTasks filtered by jobArn
    assert len(tasks) == 2
    braket = boto3.client("braket")
    for task in tasks:
        got = braket.get_quantum_task(quantumTaskArn=task.id)
        assert got["jobArn"] == job.arn and got["status"] == "COMPLETED"
    other = braket.search_quantum_tasks(
        filters=[{"name": "jobArn", "operator": "EQUAL", "values": [job.arn + "x"]}]
    )
    assert other["quantumTasks"] == []


def test_job_logs_and_metrics(finished_job, cloud_env, capsys):
    job, _ = finished_job
    job.logs(wait=False, poll_interval_seconds=0)
    out = capsys.readouterr().out
    assert "local job starting with {'tasks': '2'}" in out
    assert "Metrics - timestamp=" in out
    metrics = job.metrics()
    assert sorted(metrics["energy"]) == [-2.0, -1.0]
    assert sorted(metrics["iteration_number"]) == [0.0, 1.0]
    logs = boto3.client("logs")
    streams = logs.describe_log_streams(
        logGroupName="/aws/braket/jobs", logStreamNamePrefix=f"{job.name}/"
    )["logStreams"]
    assert len(streams) == 1
    assert streams[0]["logStreamName"].startswith(f"{job.name}/{job.arn.rsplit('/', 1)[1]}/algo-1-")


def test_search_jobs_finds_it_by_name(finished_job, cloud_env):
    job, _ = finished_job
    braket = boto3.client("braket")
    exact = braket.search_jobs(
        filters=[{"name": "jobName", "operator": "EQUAL", "values": [job.name]}]
    )["jobs"]
    assert [j["jobArn"] for j in exact] == [job.arn]
    assert exact[0]["status"] == "COMPLETED" and exact[0]["device"] == SV1
    contains = braket.search_jobs(
        filters=[{"name": "jobName", "operator": "CONTAINS", "values": [job.name[4:]]}]
    )["jobs"]
    assert job.arn in [j["jobArn"] for j in contains]


def test_hybrid_job_decorator_runs_the_function(cloud_env, tmp_path, monkeypatch, wait_until):
    from braket.jobs import hybrid_job

    monkeypatch.chdir(tmp_path)  # the decorator writes its temporary source folder here

    @hybrid_job(device=SV1, job_name=f"deco-{uuid.uuid4().hex[:8]}")  # ECR: the image's Python
    def bell(shots: int = 30):
        from braket.aws import AwsDevice
        from braket.circuits import Circuit
        from braket.jobs import get_job_device_arn

        task = AwsDevice(get_job_device_arn()).run(Circuit().h(0).cnot(0, 1), shots=shots)
        counts = task.result().measurement_counts
        return {"total": sum(counts.values()), "keys": sorted(counts)}

    job = bell(shots=40)
    assert _wait_terminal(job, wait_until) == "COMPLETED", job.metadata().get("failureReason")
    result = job.result()  # the function's returned dict, saved by the decorator's entry point
    assert result["total"] == 40 and set(result["keys"]) <= {"00", "11"}


def test_failure_reason_is_the_exception(cloud_env, tmp_path, wait_until):
    from braket.aws import AwsQuantumJob

    source = _source(tmp_path, "bad", "def main():\n    raise ValueError('bad angle')\n")
    job = AwsQuantumJob.create(SV1, source_module=str(source), entry_point="bad.algo:main")
    assert _wait_terminal(job, wait_until) == "FAILED"
    assert job.metadata()["failureReason"] == "AlgorithmError: ValueError: bad angle, exit code: 1"
    assert job.metadata()["events"][-1]["eventType"] == "FAILED"
    with pytest.raises(ClientError, match="ConflictException"):  # a finished job stays finished
        boto3.client("braket").cancel_job(jobArn=job.arn)


def test_stopping_condition_stops_the_job(cloud_env, tmp_path, wait_until):
    from braket.aws import AwsQuantumJob
    from braket.jobs.config import StoppingCondition

    source = _source(tmp_path, "slow", "import time\n\ndef main():\n    time.sleep(600)\n")
    started = time.monotonic()
    job = AwsQuantumJob.create(
        SV1,
        source_module=str(source),
        entry_point="slow.algo:main",
        stopping_condition=StoppingCondition(maxRuntimeInSeconds=3),
    )
    assert _wait_terminal(job, wait_until, timeout=120) == "FAILED"
    assert time.monotonic() - started < 90  # not the 600 s the script asked for
    meta = job.metadata()
    assert meta["failureReason"].startswith("MaxRuntimeExceeded")
    assert "maxRuntimeInSeconds of 3 seconds" in meta["failureReason"]
    assert "MAX_RUNTIME_EXCEEDED" in [e["eventType"] for e in meta["events"]]


def test_cancel_stops_the_process(cloud_env, tmp_path, wait_until):
    from braket.aws import AwsQuantumJob

    body = "import os, time\n\ndef main():\n    print('pid', os.getpid(), flush=True)\n" \
        "    time.sleep(600)\n"  # fmt: skip
    source = _source(tmp_path, "sleeper", body)
    job = AwsQuantumJob.create(SV1, source_module=str(source), entry_point="sleeper.algo:main")
    logs = boto3.client("logs")

    def pid():
        streams = logs.describe_log_streams(
            logGroupName="/aws/braket/jobs", logStreamNamePrefix=f"{job.name}/"
        )["logStreams"]
        for stream in streams:
            events = logs.get_log_events(
                logGroupName="/aws/braket/jobs", logStreamName=stream["logStreamName"]
            )["events"]
            for event in events:
                if event["message"].startswith("pid "):
                    return int(event["message"].split()[1])
        return None

    process = wait_until(pid, timeout=120, interval=0.5)
    assert job.state() == "RUNNING"
    assert job.cancel() == "CANCELLING"
    assert _wait_terminal(job, wait_until, timeout=60) == "CANCELLED"
    with pytest.raises(ProcessLookupError):
        os.kill(process, 0)
    assert job.metadata().get("failureReason") is None
    assert job.metadata()["events"][-1]["eventType"] == "CANCELLED"


def test_concurrent_jobs_lose_no_tasks(cloud_env, tmp_path, wait_until, monkeypatch):
    from braket.aws import AwsQuantumJob

    monkeypatch.chdir(tmp_path)  # job.result() downloads model.tar.gz here

    body = """
    import os
    from braket.aws import AwsDevice
    from braket.circuits import Circuit
    from braket.jobs import save_job_result

    def main():
        device = AwsDevice(os.environ["AMZN_BRAKET_DEVICE_ARN"])
        batch = device.run_batch([Circuit().x(0)] * 6, shots=5, max_parallel=6)
        save_job_result({"n": len([r for r in batch.results() if r is not None])})
    """
    source = _source(tmp_path, "many", body)
    jobs = [
        AwsQuantumJob.create(SV1, source_module=str(source), entry_point="many.algo:main")
        for _ in range(3)
    ]
    for job in jobs:
        assert _wait_terminal(job, wait_until, timeout=240) == "COMPLETED", job.metadata().get(
            "failureReason"
        )
    for job in jobs:
        assert job.result() == {"n": 6}
        tasks = job.get_tasks()
        assert len(tasks) == 6
        assert {t.state() for t in tasks} == {"COMPLETED"}
    all_ids = [t.id for job in jobs for t in job.get_tasks()]
    assert len(set(all_ids)) == 18  # each job sees only its own tasks


def test_task_with_a_foreign_job_token_is_refused(cloud_env, results_bucket):
    from braket.circuits import Circuit
    from braket.circuits.serialization import IRType

    braket = boto3.client("braket")
    program = Circuit().h(0).to_ir(IRType.OPENQASM).json()
    with pytest.raises(ClientError, match="jobToken"):
        braket.create_quantum_task(
            clientToken=str(uuid.uuid4()), deviceArn=SV1, shots=10, action=program,
            outputS3Bucket=results_bucket, outputS3KeyPrefix="t", jobToken="not-a-job-token",
        )  # fmt: skip


def test_create_job_errors_name_the_field(cloud_env, results_bucket):
    braket = boto3.client("braket")
    common = {
        "clientToken": str(uuid.uuid4()),
        "jobName": "bad-job",
        "roleArn": "arn:aws:iam::123456789012:role/service-role/AmazonBraketJobsExecutionRole",
        "instanceConfig": {"instanceType": "ml.m5.large", "volumeSizeInGb": 30},
        "outputDataConfig": {"s3Path": f"s3://{results_bucket}/out"},
        "deviceConfig": {"device": SV1},
    }
    with pytest.raises(ClientError, match=r"scriptModeConfig\.s3Uri: no object"):
        braket.create_job(
            algorithmSpecification={
                "scriptModeConfig": {"entryPoint": "x", "s3Uri": f"s3://{results_bucket}/nope"}
            },
            **common,
        )
    with pytest.raises(ClientError, match=r"roleArn: .* is not a role of this account"):
        braket.create_job(
            algorithmSpecification={
                "scriptModeConfig": {"entryPoint": "x", "s3Uri": f"s3://{results_bucket}/nope"}
            },
            **{**common, "roleArn": "arn:aws:iam::999999999999:role/Other"},
        )
    found = braket.search_jobs(
        filters=[{"name": "jobName", "operator": "EQUAL", "values": ["bad-job"]}]
    )["jobs"]
    assert found == []  # nothing half-created


def test_jobs_survive_a_kill_9_of_the_local_cloud(tmp_path, local_cloud_process, wait_until,
                                                  monkeypatch):  # fmt: skip
    """Role, image and logs survive; a running job's process ends with the server and the job
    is FAILED with a reason at the restart."""

    def use(proc):
        env = proc.client_env()
        for service in ("IAM", "ECR", "CLOUDWATCH_LOGS"):  # what `local start` exports
            env[f"AWS_ENDPOINT_URL_{service}"] = proc.endpoints["braket"]
        for key, value in env.items():
            monkeypatch.setenv(key, value)

    from braket.aws import AwsQuantumJob, AwsSession

    first = local_cloud_process(tmp_path / "cloud")
    use(first)
    hello = _source(tmp_path, "hello", "def main():\n    print('hello from the job')\n")
    job = AwsQuantumJob.create(SV1, source_module=str(hello), entry_point="hello.algo:main")
    assert _wait_terminal(job, wait_until) == "COMPLETED"
    body = "import os, time\n\ndef main():\n    print('pid', os.getpid(), flush=True)\n" \
        "    time.sleep(600)\n"  # fmt: skip
    sleeper = AwsQuantumJob.create(
        SV1, source_module=str(_source(tmp_path, "sleeper", body)), entry_point="sleeper.algo:main"
    )
    logs = boto3.client("logs")

    def job_pid():
        for stream in logs.describe_log_streams(
            logGroupName="/aws/braket/jobs", logStreamNamePrefix=f"{sleeper.name}/"
        )["logStreams"]:
            for event in logs.get_log_events(
                logGroupName="/aws/braket/jobs", logStreamName=stream["logStreamName"]
            )["events"]:
                if event["message"].startswith("pid "):
                    return int(event["message"].split()[1])
        return None

    pid = wait_until(job_pid, timeout=120, interval=0.5)
    first.kill()

    def gone():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False

    wait_until(gone, timeout=30, interval=0.2)  # the job process ended with its server
    second = local_cloud_process(tmp_path / "cloud")
    use(second)
    session = AwsSession()
    role = session.get_default_jobs_role()
    assert role.endswith("role/service-role/AmazonBraketJobsExecutionRole")
    image = "292282985366.dkr.ecr.us-east-1.amazonaws.com/amazon-braket-base-jobs:latest"
    python = f"-py{sys.version_info.major}{sys.version_info.minor}-"
    assert python in session.get_full_image_tag(image)  # what @hybrid_job compares
    logs = boto3.client("logs")
    prefix = f"{job.name}/{job.arn.rsplit('/', 1)[1]}/"
    stream = logs.describe_log_streams(logGroupName="/aws/braket/jobs", logStreamNamePrefix=prefix)[
        "logStreams"
    ][0]["logStreamName"]
    events = logs.get_log_events(logGroupName="/aws/braket/jobs", logStreamName=stream)
    assert [e["message"] for e in events["events"]] == ["hello from the job"]
    assert AwsQuantumJob(job.arn).state() == "COMPLETED"
    again = AwsQuantumJob(sleeper.arn)
    assert again.state() == "FAILED"
    assert again.metadata()["failureReason"].startswith("InternalServerError: the local quantum")


def test_job_tasks_jump_the_task_queue(local_cloud, cloud_env, results_bucket, tmp_path,
                                       wait_until):  # fmt: skip
    """A job's tasks run before ordinary tasks queued earlier (Braket's job priority)."""
    from braket.aws import AwsQuantumJob
    from braket.circuits import Circuit
    from braket.circuits.serialization import IRType

    from tests.holds import runner_held

    braket = boto3.client("braket")
    program = Circuit().h(0).to_ir(IRType.OPENQASM).json()
    body = """
    import os
    from braket.aws import AwsDevice
    from braket.circuits import Circuit

    def main():
        AwsDevice(os.environ["AMZN_BRAKET_DEVICE_ARN"]).run(Circuit().h(0), shots=5).result()
    """
    source = _source(tmp_path, "prio", body)
    with runner_held(local_cloud):  # every task worker busy: new tasks wait in the queue
        ordinary = [
            braket.create_quantum_task(
                clientToken=str(uuid.uuid4()), deviceArn=SV1, shots=10, action=program,
                outputS3Bucket=results_bucket, outputS3KeyPrefix="prio",
            )["quantumTaskArn"]
            for _ in range(4)
        ]  # fmt: skip
        job = AwsQuantumJob.create(SV1, source_module=str(source), entry_point="prio.algo:main")
        job_task = wait_until(lambda: job.get_tasks(), timeout=120, interval=0.5)[0].id
        local_cloud.runner.pause(True)  # the next tasks picked up stay RUNNING, the rest QUEUED
    try:
        status = lambda arn: braket.get_quantum_task(quantumTaskArn=arn)["status"]  # noqa: E731
        wait_until(lambda: sum(status(a) == "RUNNING" for a in [job_task, *ordinary]) == 2)
        assert status(job_task) == "RUNNING"  # picked before the ordinary tasks queued earlier
        assert [status(a) for a in ordinary[1:]] == ["QUEUED"] * 3
    finally:
        local_cloud.runner.pause(False)
    assert _wait_terminal(job, wait_until) == "COMPLETED"
    wait_until(lambda: all(status(a) == "COMPLETED" for a in ordinary))


def test_logs_insights_filters_by_stream_and_refuses_what_it_cannot_run(finished_job, cloud_env):
    job, _ = finished_job
    logs = boto3.client("logs")
    prefix = f"{job.name}/".replace("/", "\\/")
    query = f"fields @timestamp, @message | filter @logStream like /^{prefix}/ | limit 1000"
    started = logs.start_query(
        logGroupName="/aws/braket/jobs", startTime=0, endTime=int(time.time()) + 60,
        queryString=query,
    )  # fmt: skip
    rows = logs.get_query_results(queryId=started["queryId"])["results"]
    messages = [next(f["value"] for f in row if f["field"] == "@message") for row in rows]
    assert any(m.startswith("local job starting with") for m in messages)
    assert not any("hello from the job" in m for m in messages)  # no other job's lines
    with pytest.raises(ClientError, match="does not support 'stats'"):
        logs.start_query(
            logGroupName="/aws/braket/jobs", startTime=0, endTime=int(time.time()),
            queryString="stats count(*) by bin(5m)",
        )  # fmt: skip


def test_create_job_is_idempotent_and_taggable(cloud_env, results_bucket, wait_until):
    braket, s3 = boto3.client("braket"), boto3.client("s3")
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        code = b"print('idempotent job ran')\n"
        info = tarfile.TarInfo("once.py")
        info.size = len(code)
        tar.addfile(info, io.BytesIO(code))
    s3.put_object(Bucket=results_bucket, Key="src/source.tar.gz", Body=archive.getvalue())
    request = {
        "clientToken": str(uuid.uuid4()),
        "jobName": f"once-{uuid.uuid4().hex[:8]}",
        "roleArn": "arn:aws:iam::123456789012:role/service-role/AmazonBraketJobsExecutionRole",
        "algorithmSpecification": {
            "scriptModeConfig": {
                "entryPoint": "once",  # a bare module runs as `python -m once`
                "s3Uri": f"s3://{results_bucket}/src/source.tar.gz",
                "compressionType": "GZIP",
            }
        },
        "instanceConfig": {"instanceType": "ml.m5.large", "volumeSizeInGb": 30},
        "outputDataConfig": {"s3Path": f"s3://{results_bucket}/out"},
        "deviceConfig": {"device": SV1},
    }
    arn = braket.create_job(**request)["jobArn"]
    assert braket.create_job(**request)["jobArn"] == arn  # same token, same request: same job
    with pytest.raises(ClientError, match="clientToken"):
        braket.create_job(**{**request, "jobName": "another-name"})
    done = lambda: braket.get_job(jobArn=arn)["status"] in TERMINAL  # noqa: E731
    wait_until(done, timeout=120, interval=0.5)
    job = braket.get_job(jobArn=arn)
    assert job["status"] == "COMPLETED", job.get("failureReason")
    assert job["stoppingCondition"] == {"maxRuntimeInSeconds": 432000}  # Braket's default
    braket.tag_resource(resourceArn=arn, tags={"owner": "qa"})
    assert braket.list_tags_for_resource(resourceArn=arn)["tags"] == {"owner": "qa"}
    assert s3.head_object(Bucket=results_bucket, Key="out/output/model.tar.gz")
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        braket.get_job(jobArn=arn[:-4] + "0000")
