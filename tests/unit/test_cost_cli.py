"""``pulumi-quantum cost`` on saved files: what it reads from a preview's JSON and from a stack
export, and its errors (the real engine's output: tests/engine/test_cost.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pulumi_quantum.cli import main

QPU = {
    "usd": 8.3,
    "source": "file:///o.csv",
    "price_date": "2026-11-22",
    "basis": "b",
    "exact": True,
}
SIM = {
    "usd": 0.00375,
    "source": "file:///o.csv",
    "price_date": "2026-11-22",
    "basis": "min",
    "exact": False,
}
UNPRICED = {
    "usd": None,
    "source": "file:///o.csv",
    "price_date": None,
    "basis": "unknown: x",
    "exact": False,
}
TASK = "pulumi-python:dynamic/quantum/braket:QuantumTask"


def urn(name: str, kind: str = TASK) -> str:
    return f"urn:pulumi:dev::proj::{kind}::{name}"


PREVIEW = {
    "steps": [
        {
            "op": "create",
            "urn": urn("qpu"),
            "newState": {"type": TASK, "inputs": {"estimated_cost": QPU}},
        },
        {
            "op": "create",
            "urn": urn("sim"),
            "newState": {"type": TASK, "inputs": {"estimated_cost": SIM}},
        },
        {
            "op": "delete",
            "urn": urn("gone"),
            "oldState": {"type": TASK, "inputs": {"estimated_cost": QPU}},
        },
        {
            "op": "create",
            "urn": urn("limit", "quantum:braket:SpendingLimit"),
            "newState": {"type": "quantum:braket:SpendingLimit", "inputs": {"spendingLimit": "5"}},
        },
        {
            "op": "same",
            "urn": urn("yaml", "quantum:braket:QuantumTask"),
            "newState": {
                "type": "quantum:braket:QuantumTask",
                "inputs": {"estimatedCost": UNPRICED},
            },
        },
    ]
}
EXPORT = {
    "version": 3,
    "deployment": {
        "resources": [
            {
                "urn": urn("qpu"),
                "type": TASK,
                "outputs": {"estimated_cost": QPU, "billed_cost": QPU},
            },
            {
                "urn": "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev",
                "type": "pulumi:pulumi:Stack",
            },
        ]
    },
}


def run(tmp_path: Path, document, *args: str, capsys) -> tuple[int, str, str]:
    path = tmp_path / "doc.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    code = main(["cost", "--file", str(path), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_preview_adds_up_the_known_estimates_and_counts_the_unknown(tmp_path, capsys):
    code, out, _ = run(tmp_path, PREVIEW, "--json", capsys=capsys)
    assert code == 0
    report = json.loads(out)
    assert report["source"] == "program"
    assert [r["name"] for r in report["resources"]] == ["qpu", "sim", "yaml"]  # no deletes
    assert report["total_usd"] == pytest.approx(8.3 + 0.00375)
    assert report["unknown"] == 1 and report["exact"] is False and report["billed_usd"] is None


def test_the_table_marks_bounds_and_unknowns(tmp_path, capsys):
    code, out, _ = run(tmp_path, PREVIEW, capsys=capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["resource", "type", "estimate", "USD", "billed", "USD", "basis"]
    assert lines[1].split()[:3] == ["qpu", "QuantumTask", "8.3000"]
    assert lines[2].split()[:3] == ["sim", "QuantumTask", "0.0038*"]
    assert lines[3].split()[:3] == ["yaml", "QuantumTask", "unknown"]
    assert lines[4].split() == ["total", "8.3038"]
    assert "1 estimate(s) unknown" in out


def test_a_stack_export_shows_the_billed_cost(tmp_path, capsys):
    code, out, _ = run(tmp_path, EXPORT, "--json", capsys=capsys)
    report = json.loads(out)
    assert code == 0 and report["source"] == "state"
    assert report["billed_usd"] == pytest.approx(8.3) and len(report["resources"]) == 1


def test_errors_name_the_file_and_the_fix(tmp_path, capsys):
    code, _, err = run(tmp_path, "{not json", capsys=capsys)
    assert code == 1 and "doc.json is not JSON" in err
    code, _, err = run(tmp_path, {"outputs": {}}, capsys=capsys)
    assert code == 1 and "not a `pulumi preview --json` output" in err
    assert main(["cost", "--file", str(tmp_path / "missing.json")]) == 2
    assert "missing.json: no such file or directory" in capsys.readouterr().err


def test_without_the_pulumi_cli_it_says_how_to_get_one(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no pulumi here
    assert main(["cost", "--cwd", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "the pulumi CLI is not on PATH" in err and "--file" in err
