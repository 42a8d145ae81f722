"""Storage faults are visible and safe (issue 28, point 2).

Two faults, each real where it can be:

* **disk full** — the data dir lives on its own small tmpfs (mounted by the fixture, which needs
  root, as the test machines run) and a filler file takes every free byte, so SQLite's own writes
  fail with ``SQLITE_FULL`` exactly as on a full disk; deleting the filler ends the fault.
* **read-only database** — a read-only remount is refused while the database is open (the
  kernel answers "busy"), and root ignores file modes, so the ``storage_read_only`` fault knob
  (``POST /_local/faults``) turns on SQLite's own ``PRAGMA query_only``: SQLite itself refuses
  every write with ``SQLITE_READONLY``, the code a read-only database file gives.

Every write that cannot be committed answers the vendor's 503 and changes nothing; health and
``local status`` report the fault; S3 after a restart holds exactly what was acknowledged; and a
task that finishes during the fault is completed when storage returns, without a restart.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import logging
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from pulumi_quantum.local.daemon import health
from pulumi_quantum.local.ibm.builtin import PUBLIC_PROGRAMS
from pulumi_quantum.local.server import LocalCloud
from tests.polling import wait_until

BELL = (
    '{"braketSchemaHeader": {"name": "braket.ir.openqasm.program", "version": "1"},'
    ' "source": "OPENQASM 3.0; bit[2] b; qubit[2] q; h q[0]; cnot q[0], q[1]; b = measure q;"}'
)
GATED_PROGRAM = """
import os
import time

def main(backend, user_messenger, gate):
    print("waiting for the gate", flush=True)
    while not os.path.exists(gate):
        time.sleep(0.05)
    return "through the gate"
"""
SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
BIG = b"x" * (2 * 1024 * 1024)  # larger than any slack SQLite's write-ahead log may hold


class SmallDisk:
    """A 48 MiB tmpfs of its own; ``fill()`` takes every free byte, ``free()`` gives them back."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.filler = path / "filler"

    def fill(self) -> None:
        with open(self.filler, "ab", buffering=0) as out:  # unbuffered: close has no flush
            for chunk in (1024 * 1024, 4096, 1):
                try:
                    while out.write(b"\0" * chunk):
                        pass
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC, exc
        stat = os.statvfs(self.path)
        assert stat.f_bavail == 0

    def free(self) -> None:
        self.filler.unlink()


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[SmallDisk]:
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (the test machines run tests as root)")
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(mount)], check=True)
    try:
        yield SmallDisk(mount)
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture
def cloud(disk: SmallDisk) -> Iterator[LocalCloud]:
    with LocalCloud(disk.path / "cloud", workers=1, sim_processes=0) as c:
        yield c


class Fault:
    """Turns one kind of storage fault on and off for ``cloud``."""

    def __init__(self, kind: str, cloud: LocalCloud, disk: SmallDisk) -> None:
        self.kind, self.cloud, self.disk = kind, cloud, disk

    def _knob(self, value: bool) -> None:
        url = f"{self.cloud.endpoints['braket']}/_local/faults"
        answer = requests.post(url, json={"storage_read_only": value}, timeout=30)
        assert answer.status_code == 200, answer.text

    def on(self) -> None:
        self.disk.fill() if self.kind == "disk full" else self._knob(True)

    def off(self) -> None:
        self.disk.free() if self.kind == "disk full" else self._knob(False)


@pytest.fixture(params=["disk full", "read-only database"])
def fault(request: pytest.FixtureRequest, cloud: LocalCloud, disk: SmallDisk) -> Iterator[Fault]:
    f = Fault(request.param, cloud, disk)
    yield f
    with contextlib.suppress(Exception):
        f.off()


def _aws(cloud: LocalCloud) -> dict:
    env = cloud.client_env()
    return {
        "aws_access_key_id": env["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"],
        "region_name": "us-east-1",
        "config": Config(retries={"max_attempts": 1}),  # see each 503 itself, not the retries
    }


def clients(cloud: LocalCloud) -> tuple:
    s3 = boto3.client("s3", endpoint_url=cloud.endpoints["s3"], **_aws(cloud))
    braket = boto3.client("braket", endpoint_url=cloud.endpoints["braket"], **_aws(cloud))
    return s3, braket


def error_of(call, *args, **kwargs) -> tuple[int, str]:
    with pytest.raises(ClientError) as info:
        call(*args, **kwargs)
    response = info.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]


def create_task(braket, bucket: str) -> str:
    return braket.create_quantum_task(
        deviceArn=SV1, action=BELL, shots=10, outputS3Bucket=bucket,
        outputS3KeyPrefix="tasks", clientToken=str(uuid.uuid4()),
    )["quantumTaskArn"]  # fmt: skip


def test_uncommitted_writes_answer_503_and_change_nothing(cloud, fault):
    s3, braket = clients(cloud)
    s3.create_bucket(Bucket="kept")
    s3.put_object(Bucket="kept", Key="a.txt", Body=b"acknowledged")
    ibm = ibm_session(cloud)  # logging in is a write too
    fault.on()

    # Braket: the model's InternalServiceException, as 503; no task was created.
    assert error_of(create_task, braket, "kept") == (503, "InternalServiceException")
    # STS (on the Braket port): AWS's common ServiceUnavailable; no key was issued.
    sts = boto3.client("sts", endpoint_url=cloud.endpoints["braket"], **_aws(cloud))
    assert error_of(sts.get_session_token) == (503, "ServiceUnavailable")
    # S3: ServiceUnavailable; the object, the overwrite, the delete, the bucket never happened.
    assert error_of(s3.delete_object, Bucket="kept", Key="a.txt") == (503, "ServiceUnavailable")
    assert error_of(s3.create_bucket, Bucket="never") == (503, "ServiceUnavailable")
    assert error_of(s3.put_object, Bucket="kept", Key="b.txt", Body=BIG) == (
        503,
        "ServiceUnavailable",
    )
    assert error_of(s3.put_object, Bucket="kept", Key="a.txt", Body=BIG)[0] == 503
    assert s3.get_object(Bucket="kept", Key="a.txt")["Body"].read() == b"acknowledged"
    assert error_of(s3.get_object, Bucket="kept", Key="b.txt") == (404, "NoSuchKey")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["kept"]
    # IBM: a program upload (a JSON error with status 503).
    refused = ibm.post(
        f"{cloud.endpoints['ibm']}/programs",
        json={"name": "p", "data": b64(GATED_PROGRAM), "cost": 600, "description": "p"},
        timeout=30,
    )
    assert refused.status_code == 503, refused.text
    assert refused.json()["errors"][0]["code"] == "service_unavailable"

    fault.off()
    assert braket.search_quantum_tasks(filters=[])["quantumTasks"] == []
    listed = ibm.get(f"{cloud.endpoints['ibm']}/programs", timeout=30).json()["programs"]
    assert [p["id"] for p in listed if p["id"] not in PUBLIC_PROGRAMS] == []  # IBM's own only
    # Storage is back: the same writes now work, without a restart.
    s3.put_object(Bucket="kept", Key="b.txt", Body=b"now")
    assert s3.get_object(Bucket="kept", Key="b.txt")["Body"].read() == b"now"
    assert create_task(braket, "kept").startswith("arn:aws:braket:")


def test_uncommitted_multipart_steps_answer_503_and_change_nothing(cloud, fault):
    """Every multipart step is a write: refused ones leave the open upload as acknowledged."""
    s3, _ = clients(cloud)
    s3.create_bucket(Bucket="parts")
    upload = s3.create_multipart_upload(Bucket="parts", Key="k")["UploadId"]
    part = {"Bucket": "parts", "Key": "k", "UploadId": upload}
    etag = s3.upload_part(**part, PartNumber=1, Body=b"acknowledged")["ETag"]
    fault.on()

    assert error_of(s3.create_multipart_upload, Bucket="parts", Key="k2") == (
        503,
        "ServiceUnavailable",
    )
    assert error_of(s3.upload_part, **part, PartNumber=2, Body=BIG)[0] == 503
    assert error_of(s3.upload_part, **part, PartNumber=1, Body=BIG)[0] == 503
    assert error_of(s3.abort_multipart_upload, **part)[0] == 503
    assert error_of(
        s3.complete_multipart_upload,
        **part,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]},
    ) == (503, "ServiceUnavailable")
    uploads = s3.list_multipart_uploads(Bucket="parts")["Uploads"]
    assert [(u["Key"], u["UploadId"]) for u in uploads] == [("k", upload)]
    parts = s3.list_parts(**part)["Parts"]
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in parts] == [(1, etag, 12)]
    assert error_of(s3.get_object, Bucket="parts", Key="k") == (404, "NoSuchKey")

    fault.off()
    s3.complete_multipart_upload(
        **part, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]}
    )
    assert s3.get_object(Bucket="parts", Key="k")["Body"].read() == b"acknowledged"


def ibm_session(cloud: LocalCloud) -> requests.Session:
    """The local IBM runtime's legacy REST API, logged in as qiskit-ibmq-provider does."""
    login = requests.post(
        f"{cloud.endpoints['ibm']}/users/loginWithToken",
        json={"apiToken": cloud.credentials.ibm_token},
        timeout=30,
    )
    assert login.status_code == 200, login.text
    session = requests.Session()
    session.headers["X-Access-Token"] = login.json()["id"]
    return session


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_health_reports_the_fault_until_storage_returns(cloud, fault):
    services = {k: v for k, v in cloud.endpoints.items() if k in ("braket", "s3", "ibm")}
    assert health(services) == dict.fromkeys(services, "ok")
    fault.on()
    report = health(services)
    for name in services:
        assert report[name].startswith("unhealthy: "), report
    problem = "disk .* is full" if fault.kind == "disk full" else "read-only"
    assert re.search(problem, report["s3"]), report
    fault.off()
    assert health(services) == dict.fromkeys(services, "ok")


def test_local_status_reports_a_full_disk(disk, local_cloud_process):
    served = local_cloud_process(disk.path / "daemon")

    def status() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pulumi_quantum.local", "status", "--data-dir",
             str(served.data_dir)],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    assert status().returncode == 0
    disk.fill()
    faulty = status()
    assert faulty.returncode == 1, faulty.stdout
    assert "UNHEALTHY" in faulty.stdout
    assert re.search(r"s3\s+http://\S+\s+unhealthy: .*disk .* is full", faulty.stdout)
    disk.free()
    assert status().returncode == 0


def test_s3_after_restart_holds_exactly_what_was_acknowledged(disk):
    data = disk.path / "cloud"
    with LocalCloud(data, workers=1, sim_processes=0) as cloud:
        s3, _ = clients(cloud)
        s3.create_bucket(Bucket="acked")
        for key in ("kept", "overwritten", "deleted", "delete-refused"):
            s3.put_object(Bucket="acked", Key=key, Body=key.encode())
        s3.delete_object(Bucket="acked", Key="deleted")  # acknowledged: must stay deleted
        disk.fill()
        answers = [
            error_of(s3.delete_object, Bucket="acked", Key="delete-refused")[0],
            error_of(s3.put_object, Bucket="acked", Key="overwritten", Body=BIG)[0],
            error_of(s3.put_object, Bucket="acked", Key="refused", Body=BIG)[0],
        ]
        before = _contents(s3, "acked")
        disk.free()
    with LocalCloud(data, workers=1, sim_processes=0) as cloud:
        after = _contents(clients(cloud)[0], "acked")
    acknowledged = {
        "kept": b"kept",
        "overwritten": b"overwritten",
        "delete-refused": b"delete-refused",
    }
    assert (before, after) == (acknowledged, acknowledged)
    assert answers == [503, 503, 503]


def _contents(s3, bucket: str) -> dict[str, bytes]:
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return {k: s3.get_object(Bucket=bucket, Key=k)["Body"].read() for k in keys}


def test_braket_task_finishing_during_the_fault_completes_when_storage_returns(
    cloud, fault, caplog
):
    s3, braket = clients(cloud)
    s3.create_bucket(Bucket="results")
    runner = f"{cloud.endpoints['braket']}/_local/runner"
    requests.post(runner, json={"paused": True}, timeout=30).raise_for_status()
    arn = create_task(braket, "results")
    wait_until(lambda: braket.get_quantum_task(quantumTaskArn=arn)["status"] == "RUNNING")
    fault.on()
    caplog.set_level(logging.WARNING, logger="pulumi_quantum.local.store")
    requests.post(runner, json={"paused": False}, timeout=30).raise_for_status()
    # The simulation has finished and its completion could not be committed.
    wait_until(lambda: f"the completion of {arn} waits" in caplog.text)
    task = braket.get_quantum_task(quantumTaskArn=arn)
    assert task["status"] == "RUNNING"
    key = f"tasks/{arn.rsplit('/', 1)[1]}/results.json"
    assert error_of(s3.get_object, Bucket="results", Key=key) == (404, "NoSuchKey")

    fault.off()  # no restart
    wait_until(lambda: braket.get_quantum_task(quantumTaskArn=arn)["status"] == "COMPLETED")
    result = s3.get_object(Bucket="results", Key=key)["Body"].read()
    assert b'"measurements"' in result


def test_ibm_job_finishing_during_the_fault_completes_when_storage_returns(
    cloud, fault, caplog, tmp_path
):
    """The job's program waits for a gate file, so it provably ends while storage is down."""
    ibm, url = ibm_session(cloud), cloud.endpoints["ibm"]
    upload = ibm.post(
        f"{url}/programs",
        json={"name": "gated", "data": b64(GATED_PROGRAM), "cost": 600, "description": "g"},
        timeout=30,
    )
    assert upload.status_code == 201, upload.text
    gate = tmp_path / "gate"  # outside the small disk
    hub, group, project = cloud.credentials.ibm_instance.split("/")
    submitted = ibm.post(
        f"{url}/jobs",
        json={"program_id": upload.json()["id"], "backend": "ibmq_qasm_simulator", "hub": hub,
              "group": group, "project": project, "params": {"gate": str(gate)}},
        timeout=30,
    )  # fmt: skip
    assert submitted.status_code == 200, submitted.text
    job_url = f"{url}/jobs/{submitted.json()['id']}"

    def status() -> str:
        return ibm.get(job_url, timeout=30).json()["status"]

    wait_until(lambda: status() == "Running", timeout=120)
    wait_until(lambda: "waiting for the gate" in ibm.get(f"{job_url}/logs", timeout=30).text, 120)
    caplog.set_level(logging.WARNING, logger="pulumi_quantum.local.store")
    fault.on()
    gate.touch()
    wait_until(lambda: f"the end of IBM job {submitted.json()['id']} waits" in caplog.text, 120)
    assert status() == "Running"

    fault.off()  # no restart
    job = wait_until(
        lambda: (j := ibm.get(job_url, timeout=30).json())["status"] != "Running" and j
    )
    if fault.kind == "read-only database":
        assert job["status"] == "Completed", job
        assert ibm.get(f"{job_url}/results", timeout=30).json() == "through the gate"
    else:  # the job's own files could not be written either: it ends, reporting why
        assert job["status"] == "Failed", job
        assert "without a result" in job["state"]["reason"]
