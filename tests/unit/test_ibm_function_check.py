"""ibm.Function check and diff: preview-time validation of what IBM's gateway validates, no
remote call (no gateway is configured: a remote call would fail), and the content-hash diff."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pulumi_quantum.ibm.function import FunctionProvider, pack
from pulumi_quantum.values import UNKNOWN

MAIN = "from qiskit_serverless import get_arguments, save_result\nsave_result({'ok': 1})\n"


@pytest.fixture(autouse=True)
def _project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PQ_LOCAL_DATA_DIR", str(tmp_path / "no-cloud"))  # no client.json
    (tmp_path / "fn").mkdir()
    (tmp_path / "fn" / "main.py").write_text(MAIN)
    (tmp_path / "fn" / "lib").mkdir()
    (tmp_path / "fn" / "lib" / "util.py").write_text("X = 1\n")
    return tmp_path


def check(**news):
    news = {"title": "double", "source": "fn", "entrypoint": "main.py", **news}
    result = FunctionProvider().check({}, news)
    return result.inputs, {(f.property, f.reason) for f in result.failures}


def failed(prop, **news):
    _, failures = check(**news)
    reasons = [reason for p, reason in failures if p == prop]
    assert reasons, failures
    return reasons[0]


def test_valid_inputs_normalise_to_the_folder_hash_and_defaults():
    inputs, failures = check(
        dependencies=["numpy==2.0.0"],
        version="1.2.3",
        arguments_schema={"type": "object", "properties": {"x": {"type": "integer"}}},
    )
    assert failures == set()
    assert inputs["runner"] == "ray"
    assert inputs["content_sha256"] == pack(Path("fn")).sha256
    assert len(inputs["content_sha256"]) == 64


def test_the_hash_is_reproducible_and_follows_the_content(_project):
    first, _ = check()
    assert check()[0]["content_sha256"] == first["content_sha256"]
    (_project / "fn" / "__pycache__").mkdir()  # caches are left out of the tar
    (_project / "fn" / "__pycache__" / "main.cpython-311.pyc").write_bytes(b"\0")
    assert check()[0]["content_sha256"] == first["content_sha256"]
    (_project / "fn" / "lib" / "util.py").write_text("X = 2\n")
    assert check()[0]["content_sha256"] != first["content_sha256"]


def test_entrypoint_must_be_in_the_folder():
    reason = failed("entrypoint", entrypoint="nope.py")
    assert "'nope.py' is not in the folder 'fn'" in reason
    assert check(entrypoint="lib/util.py")[1] == set()


def test_missing_folder_names_source():
    assert "'nowhere' is not a folder" in failed("source", source="nowhere")


def test_version_must_be_x_y_z():
    assert "'1.0' is not in the x.y.z format" in failed("version", version="1.0")


def test_dependencies_must_be_pinned_with_double_equals():
    reason = failed("dependencies", dependencies=["numpy>=1.0", "scipy==1.13.0", "requests"])
    assert "'numpy>=1.0' is not pinned with '=='" in reason
    assert "'requests' is not pinned" in reason
    assert "scipy" not in reason


def test_arguments_schema_must_be_a_valid_json_schema():
    reason = failed("arguments_schema", arguments_schema={"type": "no-such-type"})
    assert "not a valid JSON Schema" in reason
    assert "/type" in reason


def test_title_and_runner_are_checked():
    assert "not a valid function title" in failed("title", title="my/fn")
    assert "'spark' is not one of ['ray', 'fleets']" in failed("runner", runner="spark")


def test_tar_over_50_mb_is_refused(_project):
    import os

    with open(_project / "fn" / "big.bin", "wb") as file:
        file.write(os.urandom(1024) * (50 * 1024 + 1))  # just over 50 MB
    assert "over IBM's 52428800-byte limit" in failed("source")


def test_every_problem_is_reported_at_once():
    _, failures = check(version="x", dependencies=["a"], entrypoint="missing.py")
    assert {p for p, _ in failures} == {"version", "dependencies", "entrypoint"}


def test_unknown_values_at_preview_are_not_checked():
    inputs, failures = check(source=UNKNOWN, version=UNKNOWN, dependencies=UNKNOWN)
    assert failures == set()
    assert inputs["content_sha256"] == UNKNOWN


def olds_news(**change):
    olds, _ = check()
    olds = {**olds, "function_id": "f1"}
    news, _ = check(**change)
    return olds, news


def test_a_file_edit_is_an_in_place_update(_project):
    olds, _ = olds_news()
    (_project / "fn" / "main.py").write_text(MAIN + "# edited\n")
    news, _ = check()
    diff = FunctionProvider().diff("f1", olds, news)
    assert diff.changes and not diff.replaces
    assert olds["content_sha256"] != news["content_sha256"]


def test_title_change_replaces_and_settings_update_in_place():
    olds, news = olds_news(title="triple")
    assert FunctionProvider().diff("f1", olds, news).replaces == ["title"]
    olds, news = olds_news(version="2.0.0", env_vars={"K": "v"})
    diff = FunctionProvider().diff("f1", olds, news)
    assert diff.changes and not diff.replaces


def test_no_change_is_no_diff():
    olds, news = olds_news()
    assert not FunctionProvider().diff("f1", olds, news).changes


def test_env_vars_values_are_not_in_check_failures():
    _, failures = check(env_vars={"bad name": "s3cr3t-value"})
    assert "s3cr3t-value" not in json.dumps(sorted(failures))
    assert ("env_vars", "['bad name']: names must be letters, digits and '_'") in failures
