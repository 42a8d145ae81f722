"""RuntimeProgram / Session check and diff: preview-time validation, no remote calls.

No endpoint is configured here at all: QISKIT_IBM_URL points at a closed port, so any remote
call from check or diff would fail the test.
"""

from __future__ import annotations

import json

import pytest

from pulumi_quantum.ibm.program import RuntimeProgramArgs, RuntimeProgramProvider
from pulumi_quantum.ibm.session import SessionArgs, SessionProvider
from pulumi_quantum.values import UNKNOWN

SOURCE = "def main(backend, user_messenger, **kwargs):\n    return 1\n"
META = {"name": "prog", "description": "d", "max_execution_time": 300}


@pytest.fixture(autouse=True)
def _project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QISKIT_IBM_URL", "http://127.0.0.1:9")  # discard port: nothing listens
    (tmp_path / "prog.py").write_text(SOURCE)
    (tmp_path / "meta.json").write_text(json.dumps(META, indent=2))
    return tmp_path


def check(**news):
    result = RuntimeProgramProvider().check({}, news)
    return result.inputs, {(f.property, f.reason) for f in result.failures}


def test_file_inputs_normalise_to_hash_size_and_merged_fields():
    inputs, failures = check(data="prog.py", metadata="meta.json", description="override")
    assert failures == set()
    assert inputs["data"] == "prog.py"
    assert len(inputs["data_sha256"]) == 64
    assert inputs["data_size"] == len(SOURCE)
    assert inputs["name"] == "prog"
    assert inputs["description"] == "override"  # individual input wins
    assert inputs["is_public"] is False
    assert SOURCE not in json.dumps(inputs)  # a path input keeps the source out of state


def test_inline_source_and_dict_metadata_hash_the_same_as_the_file():
    by_file, _ = check(data="prog.py", metadata="meta.json")
    inline, failures = check(data=SOURCE, metadata=dict(META))
    assert failures == set()
    assert inline["data_sha256"] == by_file["data_sha256"]


def test_missing_program_file_names_the_path():
    _, failures = check(data="nope/prog.py", metadata=META)
    [(prop, reason)] = failures
    assert prop == "data"
    assert "'nope/prog.py' not found" in reason


def test_program_without_main_or_not_compiling_is_refused(_project):
    (_project / "nomain.py").write_text("x = 1\n")
    (_project / "broken.py").write_text("def main(:\n")
    _, failures = check(data="nomain.py", metadata=META)
    assert any("def main" in r for _, r in failures)
    _, failures = check(data="broken.py", metadata=META)
    assert any("does not compile" in r and "line 1" in r for _, r in failures)


def test_three_mistakes_in_a_metadata_file_are_all_reported_with_positions(_project):
    (_project / "bad.json").write_text(
        '{\n  "nmae": "prog",\n  "description": "d",\n  "max_execution_time": 0\n}\n'
    )
    _, failures = check(data="prog.py", metadata="bad.json")
    assert failures == {
        ("name", "bad.json:1:1: /name: required field is missing"),
        ("nmae", "bad.json:2:3: /nmae: unknown field 'nmae' — did you mean 'name'?"),
        (
            "max_execution_time",
            "bad.json:4:3: /max_execution_time: 0 is less than the minimum of 1",
        ),
    }


def test_problems_in_individual_inputs_name_the_input_without_a_file_position():
    _, failures = check(data="prog.py", metadata="meta.json", max_execution_time=99999)
    assert failures == {
        ("max_execution_time", "/max_execution_time: 99999 is greater than the maximum of 28800")
    }


def test_invalid_json_metadata_file_reports_the_parse_position(_project):
    (_project / "garbled.json").write_text('{"name": "x",,}')
    _, failures = check(data="prog.py", metadata="garbled.json")
    [(prop, reason)] = failures
    assert prop == "metadata"
    assert reason.startswith("garbled.json:1:14: invalid JSON")


def test_unknown_values_during_preview_are_not_reported_as_errors():
    inputs, failures = check(data=UNKNOWN, metadata=META, description=UNKNOWN)
    assert failures == set()
    assert inputs["data_sha256"] == UNKNOWN
    inputs, failures = check(data="prog.py", metadata=UNKNOWN)
    assert failures == set()
    _, failures = check(data="prog.py", metadata=UNKNOWN, max_execution_time=-1)
    assert {p for p, _ in failures} == {"max_execution_time"}  # known bad values still fail


def _diff(olds, news):
    return RuntimeProgramProvider().diff("id", olds, news)


def test_unchanged_inputs_diff_to_no_change_even_through_a_different_but_equal_file(_project):
    first, _ = check(data="prog.py", metadata="meta.json")
    (_project / "copy.py").write_text(SOURCE)
    second, _ = check(data="copy.py", metadata=dict(META))
    result = _diff(first, second)
    assert result.changes is False
    assert result.replaces == []


def test_every_change_is_in_place(_project):
    olds, _ = check(data="prog.py", metadata="meta.json")
    (_project / "prog.py").write_text(SOURCE + "# edited\n")
    news, _ = check(data="prog.py", metadata="meta.json", description="new", is_public=True)
    result = _diff(olds, news)
    assert result.changes is True
    assert result.replaces == []
    assert "description" not in result.stables and "data_sha256" not in result.stables
    assert "name" in result.stables


def test_args_class_is_the_declaration():
    from dataclasses import fields

    from pulumi_quantum.ibm.declarations import RUNTIME_PROGRAM

    assert {f.name for f in fields(RuntimeProgramArgs)} == {p.name for p in RUNTIME_PROGRAM.inputs}
    assert RuntimeProgramArgs(data="prog.py", metadata="meta.json", name="n2").name == "n2"
    blank = RUNTIME_PROGRAM.blank_outputs()
    for output in ("program_id", "data_sha256", "creation_date", "update_date"):
        assert output in blank and blank[output] is None
    assert "import_id" not in {f.name for f in fields(RuntimeProgramArgs)}  # opts.import_ only
    with pytest.raises(TypeError):
        RuntimeProgramArgs(metadata="meta.json")  # data is required


def session_check(**news):
    result = SessionProvider().check({}, news)
    return result.inputs, {f.property: f.reason for f in result.failures}


def test_session_defaults_and_duration_normalisation():
    inputs, failures = session_check(backend="ibmq_qasm_simulator", max_time="2h 30m 40s")
    assert failures == {}
    assert inputs.pop("estimated_cost")["usd"] == pytest.approx(9040 * 1.60)  # docs/cost.md
    assert inputs.pop("instance_usage") is None  # no platform to read it from here
    assert inputs == {
        "backend": "ibmq_qasm_simulator",
        "instance": None,
        "max_time": 9040,
        "mode": "dedicated",
        "on_delete": "close",
    }


@pytest.mark.parametrize(
    ("max_time", "expected"),
    [(299, "299 is 299 s"), ("8h 1s", "'8h 1s' is 28801 s"), ("soon", "is not a duration")],
)
def test_session_max_time_bounds(max_time, expected):
    _, failures = session_check(backend="b", max_time=max_time)
    assert expected in failures["max_time"]


def test_session_bounds_are_inclusive():
    for ok in (300, "5m", 28800, "8h"):
        assert session_check(backend="b", max_time=ok)[1] == {}


def test_session_all_failures_at_once():
    _, failures = session_check(
        backend="", instance="not-an-instance", mode="shared", on_delete="drop", max_time=1
    )
    assert set(failures) == {"backend", "instance", "mode", "on_delete", "max_time"}
    assert "hub/group/project" in failures["instance"]
    assert "'dedicated', 'batch'" in failures["mode"]


def test_session_input_changes_replace_except_on_delete():
    base, _ = session_check(backend="b", max_time=600)
    provider = SessionProvider()
    for change in ({"backend": "c"}, {"max_time": 900}, {"mode": "batch"}, {"instance": "h/g/p"}):
        news, _ = session_check(**{"backend": "b", "max_time": 600, **change})
        result = provider.diff("sid", base, news)
        assert result.replaces == list(change), change
    news, _ = session_check(backend="b", max_time="10m", on_delete="cancel")
    result = provider.diff("sid", base, news)
    assert result.changes is True and result.replaces == []
    same, _ = session_check(backend="b", max_time="10m")
    assert provider.diff("sid", base, same).changes is False


def test_session_args_declare_outputs():
    from pulumi_quantum.ibm.declarations import SESSION

    assert SessionArgs(backend="b").backend == "b"
    props = SESSION.blank_outputs()
    assert {"session_id", "state", "active", "accepting_jobs", "max_ttl", "started_at"} <= set(
        props
    )
    assert "expires_at" not in props  # not a field IBM returns
