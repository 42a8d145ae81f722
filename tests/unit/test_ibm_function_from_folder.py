"""``Function.from_folder``: a program deploys a function folder from its ``function.json`` (the
manifest ``pulumi-quantum validate`` reviews), with Pulumi's mocks (no engine, no gateway)."""

from __future__ import annotations

import json
from pathlib import Path

import pulumi
import pytest

from pulumi_quantum.ibm import Function
from pulumi_quantum.ibm.function_folder import ManifestError
from tests.pulumi_mocks import Recorder

MANIFEST = {
    "title": "double",
    "entrypoint": "main.py",
    "version": "1.2.3",
    "dependencies": ["numpy==2.0.0"],
    "arguments_schema": {"type": "object"},
}


@pytest.fixture
def recorder():
    recorder = Recorder()
    pulumi.runtime.set_mocks(recorder, project="proj", stack="dev", preview=False)
    return recorder


def folder(tmp_path: Path, manifest: object, name: str = "double_it") -> Path:
    path = tmp_path / name
    path.mkdir()
    (path / "main.py").write_text("print('hi')\n")
    (path / "function.json").write_text(json.dumps(manifest))
    return path


def declare(recorder: Recorder, make) -> dict:
    @pulumi.runtime.test
    def run():
        return make().urn

    run()
    [resource] = recorder.resources
    return {"name": resource.name, **resource.inputs}


def test_the_manifest_gives_the_inputs_and_the_folder_the_source(recorder, tmp_path):
    path = folder(tmp_path, MANIFEST)
    declared = declare(recorder, lambda: Function.from_folder(path, title_prefix="proj-dev-"))
    assert declared["name"] == "double-it"
    assert declared["title"] == "proj-dev-double"
    assert declared["source"] == str(path)
    assert declared["entrypoint"] == "main.py"
    assert declared["version"] == "1.2.3"
    assert declared["dependencies"] == ["numpy==2.0.0"]
    assert declared["arguments_schema"] == {"type": "object"}


def test_inputs_override_the_manifest_and_env_vars_come_from_the_program(recorder, tmp_path):
    path = folder(tmp_path, MANIFEST)
    declared = declare(
        recorder,
        lambda: Function.from_folder(
            str(path), resource_name="fn", version="2.0.0", env_vars={"TOKEN": "x"}
        ),
    )
    assert declared["name"] == "fn"
    assert declared["title"] == "double"  # no prefix: the manifest's title as it stands
    assert declared["version"] == "2.0.0"
    assert declared["env_vars"]["value"] == {"TOKEN": "x"}  # marked secret by the resource


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ({**MANIFEST, "titel": "x"}, "unknown field 'titel' — did you mean 'title'?"),
        ({**MANIFEST, "env_vars": {"A": "b"}}, "env_vars are secrets"),
        (["title"], "must be a JSON object"),
    ],
)
def test_a_bad_manifest_is_refused_naming_the_file_and_field(tmp_path, manifest, message):
    path = folder(tmp_path, manifest)
    with pytest.raises(ManifestError) as raised:
        Function.from_folder(path)
    assert str(raised.value).startswith(f"{path / 'function.json'}:")
    assert message in str(raised.value)


def test_an_unknown_field_is_shown_at_its_line_and_column(tmp_path):
    path = folder(tmp_path, {**MANIFEST, "titel": "x"})
    column = (path / "function.json").read_text().index('"titel"') + 1
    with pytest.raises(ManifestError) as raised:
        Function.from_folder(path)
    assert str(raised.value).startswith(f"{path / 'function.json'}:1:{column}: unknown field")


def test_a_folder_without_a_manifest_or_with_broken_json_is_refused(tmp_path):
    with pytest.raises(ManifestError, match=r"function\.json: no such file"):
        Function.from_folder(tmp_path)
    (tmp_path / "function.json").write_text('{"title": ')
    with pytest.raises(ManifestError, match=r"function\.json:1:\d+: invalid JSON"):
        Function.from_folder(tmp_path)
