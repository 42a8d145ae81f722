"""`pulumi-quantum validate` on Qiskit Function folders (a folder with a ``function.json``):
the rules ``ibm.Function`` applies at preview, reported at the manifest field, in the same three
formats as program metadata."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pulumi_quantum import rules
from pulumi_quantum.cli import main
from pulumi_quantum.ibm.function import FunctionProvider

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "functions" / "bell_counts"
MAIN = "from qiskit_serverless import save_result\nsave_result({'ok': 1})\n"
BAD = """{
  "title": "double",
  "entrypoint": "run.py",
  "version": "1.0",
  "dependencies": ["numpy==2.0.0", "scipy"],
  "arguments_schema": {"type": "strin"}
}
"""


def run(capsys, *argv):
    code = main(["validate", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def folder(root: Path, name: str, manifest: str, files: dict[str, str] | None = None) -> Path:
    path = root / name
    path.mkdir(parents=True)
    (path / "function.json").write_text(manifest)
    for rel, text in (files if files is not None else {"main.py": MAIN}).items():
        (path / rel).parent.mkdir(parents=True, exist_ok=True)
        (path / rel).write_text(text)
    return path


@pytest.fixture(autouse=True)
def _no_cloud(tmp_path, monkeypatch):
    monkeypatch.setenv("PQ_LOCAL_DATA_DIR", str(tmp_path / "no-cloud"))  # preview: no target


def test_the_example_function_folder_is_valid(capsys):
    code, out, err = run(capsys, EXAMPLE)
    assert (code, out) == (0, "")
    assert "all 0 metadata file(s) and 1 function folder(s) valid" in err


def test_every_rule_problem_is_reported_at_its_manifest_field(tmp_path, capsys):
    bad = folder(tmp_path, "double", BAD)
    manifest = bad / "function.json"
    code, out, _ = run(capsys, bad)
    assert code == 1
    assert out.splitlines() == [
        f"{manifest}:3:3: /entrypoint: 'run.py' is not in the folder '{bad}'; give "
        "the path of the script relative to it (e.g. 'main.py')",
        f"{manifest}:4:3: /version: '1.0' is not in the x.y.z format (e.g. '1.0.0')",
        f"{manifest}:5:3: /dependencies: 'scipy' is not pinned with '==' (e.g. 'qiskit==1.4.0')",
        f"{manifest}:6:3: /arguments_schema: not a valid JSON Schema at /type: 'strin' is not "
        "valid under any of the given schemas",
    ]


def test_validate_and_preview_report_the_same_problems(tmp_path, monkeypatch, capsys):
    """One set of rules: the resource's check says what validate says, field by field."""
    bad = folder(tmp_path, "double", BAD)
    _, out, _ = run(capsys, "--format", "json", bad)
    reported = {(p["pointer"][1:], p["message"]) for p in json.loads(out)["problems"]}
    monkeypatch.chdir(tmp_path)
    news = {**json.loads(BAD), "source": str(bad.resolve())}
    preview = FunctionProvider().check({}, news)
    assert {(f.property, f.reason) for f in preview.failures} == reported


def test_manifest_shape_unknown_missing_and_mistyped_fields(tmp_path, capsys):
    manifest = '{\n  "titel": "x",\n  "entrypoint": ["main.py"],\n  "env_vars": {"A": "b"}\n}\n'
    path = folder(tmp_path, "shape", manifest) / "function.json"
    code, out, _ = run(capsys, path)
    assert code == 1
    assert out.splitlines() == [
        f"{path}:1:1: /title: required field is missing",
        f"{path}:2:3: /titel: unknown field 'titel' — did you mean 'title'?",
        f"{path}:3:3: /entrypoint: must be a JSON string, not list",
        f"{path}:4:3: /env_vars: unknown field 'env_vars' — env_vars are secrets: give them in "
        "the program (from stack config), not in a committed file",
    ]


def test_the_tar_size_limit_is_the_resource_rule(tmp_path, capsys, monkeypatch):
    big = folder(tmp_path, "big", '{"title": "big", "entrypoint": "main.py"}')
    (big / "data.bin").write_bytes(b"\1" * 20_000)
    monkeypatch.setattr(rules, "MAX_FUNCTION_ARTIFACT_BYTES", 10_000)  # IBM's 50 MB, scaled
    code, out, _ = run(capsys, big)
    assert code == 1
    [line] = out.splitlines()
    assert line.startswith(f"{big / 'function.json'}:1:1: the folder {big}: the folder packs to ")
    assert "over IBM's 10000-byte limit; move data out of it" in line


def test_a_directory_walk_separates_function_folders_from_program_metadata(tmp_path, capsys):
    """JSON files inside a function folder are its data, not runtime program metadata."""
    shutil.copytree(EXAMPLE, tmp_path / "functions" / "bell_counts")
    (tmp_path / "functions" / "bell_counts" / "fixtures.json").write_text('{"not": "metadata"}')
    folder(tmp_path / "functions", "broken", '{"title": "b", "entrypoint": "main.py"}', {})
    (tmp_path / "programs").mkdir()
    (tmp_path / "programs" / "hello.json").write_text(
        '{"name": "hello", "description": "d", "max_execution_time": 300}'
    )
    code, out, err = run(capsys, "--format", "github", tmp_path)
    assert code == 1
    broken = tmp_path / "functions" / "broken" / "function.json"
    assert out.splitlines() == [
        f"::error file={broken},line=1,col=16,title=Qiskit Function::/entrypoint: 'main.py' is "
        f"not in the folder '{broken.parent}'; give the path of the script relative to it (e.g. "
        "'main.py')"
    ]
    assert "checked 1 metadata file(s) and 2 function folder(s)" in err
    _, out, _ = run(capsys, "--format", "json", tmp_path)
    report = json.loads(out)
    assert report["files"] == [str(tmp_path / "programs" / "hello.json")]
    assert report["functions"] == [
        str(tmp_path / "functions" / "bell_counts"),
        str(tmp_path / "functions" / "broken"),
    ]
