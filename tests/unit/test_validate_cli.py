"""`pulumi-quantum validate` / `schema`: exit codes, positions and all three output formats."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_quantum.cli import main

GOOD = """{
  "name": "hello-world",
  "description": "says hello",
  "max_execution_time": 300,
  "spec": {"parameters": {"type": "object"}}
}
"""
BAD = """{
  "nmae": "hello",
  "description": "says hello",
  "max_execution_time": 0,
  "spec": {"parameters": {"type": "strin"}}
}
"""
GARBLED = '{\n  "name": "x",\n  "description": "d"\n  "max_execution_time": 3\n}\n'
PROGRAM = "def main(backend, user_messenger, **kwargs):\n    return 1\n"


@pytest.fixture
def repo(tmp_path):
    (tmp_path / "good.json").write_text(GOOD)
    (tmp_path / "good.py").write_text(PROGRAM)
    (tmp_path / "bad.json").write_text(BAD)
    (tmp_path / "garbled.json").write_text(GARBLED)
    return tmp_path


def run(capsys, *argv):
    code = main(["validate", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_valid_file_exits_zero_and_prints_no_problems(repo, capsys):
    code, out, err = run(capsys, repo / "good.json")
    assert (code, out) == (0, "")
    assert "all 1 metadata file(s) valid" in err


def test_invalid_file_lists_every_problem_with_position_and_pointer(repo, capsys):
    code, out, _ = run(capsys, repo / "bad.json")
    bad = repo / "bad.json"
    assert code == 1
    assert out.splitlines() == [
        f"{bad}:1:1: /name: required field is missing",
        f"{bad}:2:3: /nmae: unknown field 'nmae' — did you mean 'name'?",
        f"{bad}:4:3: /max_execution_time: 0 is less than the minimum of 1",
        f"{bad}:5:27: /spec/parameters/type: 'strin' is not one of "
        "['array', 'boolean', 'integer', 'null', 'number', 'object', 'string']",
    ]


def test_garbled_json_reports_the_parse_position(repo, capsys):
    code, out, _ = run(capsys, repo / "garbled.json")
    assert code == 1
    assert out == f"{repo / 'garbled.json'}:4:3: invalid JSON: Expecting ',' delimiter\n"


def test_directory_is_walked_and_a_broken_program_beside_metadata_is_caught(repo, capsys):
    (repo / "good.py").write_text("def main(:\n    pass\n")
    (repo / ".hidden").mkdir()
    (repo / ".hidden" / "ignored.json").write_text("not json")
    code, out, err = run(capsys, repo)
    assert code == 1
    files = {line.split(":")[0] for line in out.splitlines()}
    assert files == {str(repo / "bad.json"), str(repo / "garbled.json"), str(repo / "good.py")}
    assert f"{repo / 'good.py'}:1:10: " in out and "does not compile" in out
    assert "checked 3 metadata file(s)" in err


def test_missing_path_is_one_line_on_stderr_and_exit_code_2(repo):
    """A path that is not there is a usage error: one line naming it, no traceback, exit 2."""
    missing = repo / "nope.json"
    done = subprocess.run(
        [sys.executable, "-m", "pulumi_quantum.cli", "validate", str(repo / "good.json"), missing],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == f"pulumi-quantum validate: {missing}: no such file or directory\n"


def test_json_format(repo, capsys):
    code, out, _ = run(capsys, "--format", "json", repo / "good.json", repo / "garbled.json")
    report = json.loads(out)
    assert code == 1
    assert report["valid"] is False
    assert report["files"] == [str(repo / "good.json"), str(repo / "garbled.json")]
    assert report["problems"] == [
        {
            "file": str(repo / "garbled.json"),
            "line": 4,
            "column": 3,
            "pointer": None,
            "message": "invalid JSON: Expecting ',' delimiter",
        }
    ]
    code, out, _ = run(capsys, "--format", "json", repo / "good.json")
    assert (code, json.loads(out)["valid"], json.loads(out)["problems"]) == (0, True, [])


def test_github_format_is_workflow_annotations_with_escaping(repo, capsys):
    (repo / "odd, name.json").write_text(
        '{"name": "x", "description": "d", "max_execution_time": 0}'
    )
    code, out, _ = run(capsys, "--format", "github", repo / "odd, name.json", repo / "bad.json")
    lines = out.splitlines()
    assert code == 1
    assert len(lines) == 5
    assert lines[0] == (
        f"::error file={repo / 'odd%2C name.json'!s},line=1,col=35,"
        "title=runtime program metadata::/max_execution_time: 0 is less than the minimum of 1"
    )
    assert all(line.startswith("::error file=") for line in lines)


def test_schema_command_prints_the_schema(capsys):
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["title"] == "Qiskit Runtime program metadata"


def test_installed_console_script_runs(repo):
    result = subprocess.run(
        [sys.executable, "-m", "pulumi_quantum.cli", "validate", str(repo / "bad.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "/nmae: unknown field" in result.stdout


GITOPS = Path(__file__).resolve().parents[2] / "examples" / "ibm-programs-gitops"


def test_yaml_program_of_the_gitops_example_deploys_exactly_its_folder(capsys):
    code = main(
        [
            "validate",
            str(GITOPS / "programs"),
            "--yaml-program",
            str(GITOPS / "yaml" / "Pulumi.yaml"),
        ]
    )
    assert code == 0, capsys.readouterr()


def test_yaml_program_out_of_step_with_the_folder_is_reported(tmp_path, capsys):
    programs = tmp_path / "programs"
    shutil.copytree(GITOPS / "programs", programs)
    shutil.copy(programs / "hello_world.json", programs / "third.json")
    shutil.copy(programs / "hello_world.py", programs / "third.py")
    (tmp_path / "yaml").mkdir()
    program = tmp_path / "yaml" / "Pulumi.yaml"
    text = (GITOPS / "yaml" / "Pulumi.yaml").read_text()
    program.write_text(text.replace("../programs/bell_sampler.py", "../programs/gone.py"))
    code = main(["validate", str(programs), "--yaml-program", str(program)])
    out = capsys.readouterr().out
    assert code == 1
    assert "third.json:1:1: not deployed: add a quantum:ibm:RuntimeProgram" in out
    assert "resources.bell_sampler.data: no file ../programs/gone.py" in out
