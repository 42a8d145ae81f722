"""``pulumi-quantum results``: counts of a real task on the local cloud, by ARN and by stack output.

The task is created with unmodified boto3 against the in-process local cloud; the command reads
it back through the project's clients (GetQuantumTask + results.json in S3).
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import boto3
import pytest

from pulumi_quantum.cli import main
from pulumi_quantum.local.braket.devices import SV1_ARN
from pulumi_quantum.testing.engine import make_project
from tests.fixtures import GHZ3

SHOTS = 300


@pytest.fixture
def completed_task(cloud_env, results_bucket, wait_until) -> str:
    braket = boto3.client("braket")
    action = {
        "braketSchemaHeader": {"name": "braket.ir.openqasm.program", "version": "1"},
        "source": GHZ3,
    }
    arn = braket.create_quantum_task(
        clientToken=str(uuid.uuid4()),
        deviceArn=SV1_ARN,
        outputS3Bucket=results_bucket,
        outputS3KeyPrefix="results-cli",
        shots=SHOTS,
        action=json.dumps(action),
    )["quantumTaskArn"]
    status = wait_until(
        lambda: (
            (s := braket.get_quantum_task(quantumTaskArn=arn)["status"])
            in ("COMPLETED", "FAILED", "CANCELLED")
            and s
        ),
        timeout=60,
    )
    assert status == "COMPLETED"
    return arn


def test_table_by_arn(completed_task: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["results", completed_task]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert completed_task in lines[0] and f"({SHOTS} shots)" in lines[0]
    assert lines[1].split() == ["outcome", "count", "probability"]
    rows = {parts[0]: (int(parts[1]), float(parts[2])) for parts in map(str.split, lines[2:])}
    assert set(rows) == {"000", "111"}
    assert sum(count for count, _ in rows.values()) == SHOTS
    for count, probability in rows.values():
        assert probability == pytest.approx(count / SHOTS, abs=1e-4)


def test_json_by_arn(completed_task: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["results", "--json", completed_task]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["source"] == completed_task
    assert doc["shots"] == SHOTS
    assert set(doc["counts"]) == {"000", "111"}
    assert sum(doc["probabilities"].values()) == pytest.approx(1.0)
    # Same numbers as reading results.json straight from S3 with boto3.
    task = boto3.client("braket").get_quantum_task(quantumTaskArn=completed_task)
    body = (
        boto3.client("s3")
        .get_object(Bucket=task["outputS3Bucket"], Key=f"{task['outputS3Directory']}/results.json")[
            "Body"
        ]
        .read()
    )
    shots = json.loads(body)["measurements"]
    assert doc["counts"]["111"] == sum(
        1 for shot in shots if [int(bit) for bit in shot] == [1, 1, 1]
    )


def test_plot_writes_png(completed_task: str, tmp_path: Path, capsys) -> None:
    png = tmp_path / "ghz.png"
    assert main(["results", completed_task, "--plot", str(png)]) == 0
    assert f"histogram written to {png}" in capsys.readouterr().out
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 2000  # a drawn figure, not an empty image


def test_plot_into_a_missing_directory_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    """Refused before any call (no cloud here): one line on stderr naming the directory."""
    target = tmp_path / "no" / "such" / "dir" / "x.png"
    arn = "arn:aws:braket:us-east-1:123456789012:quantum-task/" + str(uuid.uuid4())
    done = subprocess.run(
        [sys.executable, "-m", "pulumi_quantum.cli", "results", arn, "--plot", str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        f"pulumi-quantum results: {target.parent}: no such directory (for --plot)\n"
    )


def test_unknown_arn_and_not_an_arn(cloud_env, capsys: pytest.CaptureFixture[str]) -> None:
    missing = "arn:aws:braket:us-east-1:123456789012:quantum-task/" + str(uuid.uuid4())
    assert main(["results", missing]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert main(["results", "arn:aws:s3:::bucket"]) == 1
    assert "is not a quantum-task ARN" in capsys.readouterr().err


@pytest.mark.engine
def test_stack_output_names(
    completed_task: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Outputs holding an ARN, a counts dict, and a dict of several ARNs (picked by NAME.KEY)."""
    program = f"""
import pulumi
pulumi.export("arn", {completed_task!r})
pulumi.export("counts", {{"0": 7, "1": 3}})
pulumi.export("task_arns", {{"ghz": {completed_task!r}, "other": {completed_task!r}}})
pulumi.export("task", {{"measurement_counts": {{"00": 1, "11": 1}}, "status": "COMPLETED"}})
"""
    project = make_project(tmp_path, program, name="results-cli")
    project.up()
    for key, value in project.env.items():
        monkeypatch.setenv(key, value)
    where = ["--stack", "test", "--cwd", str(project.directory)]

    assert main(["results", "--json", "arn", *where]) == 0
    assert json.loads(capsys.readouterr().out)["counts"].keys() == {"000", "111"}

    assert main(["results", "--json", "counts", *where]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc == {
        "source": "counts",
        "shots": 10,
        "counts": {"0": 7, "1": 3},
        "probabilities": {"0": 0.7, "1": 0.3},
    }

    assert main(["results", "--json", "task", *where]) == 0
    assert json.loads(capsys.readouterr().out)["source"] == "task.measurement_counts"

    assert main(["results", "task_arns", *where]) == 1
    assert "task_arns.<entry>" in capsys.readouterr().err
    assert main(["results", "--json", "task_arns.ghz", *where]) == 0
    assert json.loads(capsys.readouterr().out)["source"] == completed_task

    assert main(["results", "nope", *where]) == 1
    assert "no output 'nope'" in capsys.readouterr().err
