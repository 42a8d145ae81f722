"""RuntimeProgram through the real engine (Automation API) against the local IBM runtime.

The runtime's view is checked through qiskit-ibm-provider's own authenticated HTTP session (its
``AuthClient`` performs the token login and service discovery), never through our client.
"""

from __future__ import annotations

import base64
import json
import warnings
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.engine

SOURCE_V1 = "def main(backend, user_messenger, **kwargs):\n    return 'v1'\n"
SOURCE_V2 = "def main(backend, user_messenger, **kwargs):\n    return 'v2'\n"

PROGRAM = """
import pulumi
from pulumi_quantum.ibm import RuntimeProgram

program = RuntimeProgram("hello", data="hello.py", metadata="hello.json")
pulumi.export("program_id", program.program_id)
pulumi.export("data_sha256", program.data_sha256)
"""


def vendor_api(env: dict[str, str]) -> Any:
    """qiskit-ibm-provider's authenticated RetrySession on the runtime API."""
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    from qiskit_ibm_provider.api.client_parameters import ClientParameters
    from qiskit_ibm_provider.api.clients import AuthClient

    auth = AuthClient(ClientParameters(token=env["QISKIT_IBM_TOKEN"], url=env["QISKIT_IBM_URL"]))
    return auth.base_api.session


def vendor_program(env: dict[str, str], program_id: str) -> dict[str, Any] | None:
    from qiskit_ibm_provider.api.exceptions import RequestsApiError

    try:
        return vendor_api(env).get(f"/programs/{program_id}").json()
    except RequestsApiError as exc:
        if exc.status_code == 404:
            return None
        raise


def vendor_programs_named(env: dict[str, str], name: str) -> list[dict[str, Any]]:
    programs = vendor_api(env).get("/programs", params={"limit": 1000}).json()["programs"]
    return [p for p in programs if p["name"] == name]


SECRET_SIG = "4dabf18193072939515e22adb298388d"  # Pulumi's marker of a secret value in state


def assert_no_bytes_under(directory: Path, secret: str) -> None:
    files = [p for p in directory.rglob("*") if p.is_file()]
    assert files, f"no state files under {directory}"
    for path in files:
        assert secret.encode() not in path.read_bytes(), f"secret found in {path}"


def assert_only_in_secret_envelopes(value: Any, secret: str, inside: bool = False) -> None:
    if isinstance(value, dict):
        envelope = inside or SECRET_SIG in value
        for item in value.values():
            assert_only_in_secret_envelopes(item, secret, envelope)
    elif isinstance(value, list):
        for item in value:
            assert_only_in_secret_envelopes(item, secret, inside)
    elif isinstance(value, str) and secret in value:
        assert inside, f"secret outside a secret envelope: {value[:80]!r}"


def write_files(directory: Path, source: str, metadata: dict[str, Any]) -> None:
    (directory / "hello.py").write_text(source)
    (directory / "hello.json").write_text(json.dumps(metadata, indent=2))


def metadata(name: str, description: str = "says hello") -> dict[str, Any]:
    return {
        "name": name,
        "description": description,
        "max_execution_time": 300,
        "spec": {"parameters": {"type": "object", "properties": {"n": {"type": "integer"}}}},
    }


def test_program_lifecycle_create_update_drift_and_destroy(engine_project, local_cloud):
    env = local_cloud.client_env()
    project = engine_project(PROGRAM, env=env)
    write_files(project.directory, SOURCE_V1, metadata("lifecycle"))

    preview = project.preview()
    assert preview.change_summary.get("create") == 2  # the stack + the program
    assert vendor_programs_named(env, "lifecycle") == []  # preview created nothing

    up = project.up()
    program_id = up.outputs["program_id"].value
    held = vendor_program(env, program_id)
    assert held is not None
    assert held["name"] == "lifecycle"
    assert held["description"] == "says hello"
    assert held["cost"] == 300
    assert held["is_public"] is False
    assert base64.b64decode(held["data"]).decode() == SOURCE_V1
    assert len(vendor_programs_named(env, "lifecycle")) == 1

    # A second up with unchanged inputs plans nothing.
    again = project.up()
    assert set(again.summary.resource_changes) == {"same"}, again.summary.resource_changes

    # State keeps the source's hash and size, not the source; no token anywhere.
    state = project.state_text()
    assert "return 'v1'" not in state
    assert env["QISKIT_IBM_TOKEN"] not in state
    assert_no_bytes_under(project.backend, "return 'v1'")
    [resource] = project.resources("RuntimeProgram")
    assert resource["outputs"]["data_size"] == len(SOURCE_V1)

    # Description edit: one in-place update, same program id.
    write_files(project.directory, SOURCE_V1, metadata("lifecycle", "says hello twice"))
    preview = project.preview()
    assert preview.change_summary.get("update") == 1, preview.change_summary
    assert "replace" not in preview.change_summary
    up = project.up()
    assert up.summary.resource_changes.get("update") == 1
    assert up.outputs["program_id"].value == program_id
    assert vendor_program(env, program_id)["description"] == "says hello twice"

    # Source edit: one in-place update; the runtime's stored data changed.
    write_files(project.directory, SOURCE_V2, metadata("lifecycle", "says hello twice"))
    preview = project.preview()
    assert preview.change_summary.get("update") == 1, preview.change_summary
    up = project.up()
    assert up.outputs["program_id"].value == program_id
    assert base64.b64decode(vendor_program(env, program_id)["data"]).decode() == SOURCE_V2
    assert up.outputs["data_sha256"].value != again.outputs["data_sha256"].value

    # Out-of-band edit: refresh picks it up and the next up puts the desired value back.
    vendor_api(env).patch(f"/programs/{program_id}", json={"description": "edited by hand"})
    project.refresh()
    [resource] = project.resources("RuntimeProgram")
    assert resource["outputs"]["description"] == "edited by hand"
    up = project.up()
    assert up.summary.resource_changes.get("update") == 1
    assert vendor_program(env, program_id)["description"] == "says hello twice"

    # Out-of-band delete: refresh drops it, up recreates it.
    vendor_api(env).delete(f"/programs/{program_id}")
    project.refresh()
    assert project.resources("RuntimeProgram") == []
    up = project.up()
    assert up.summary.resource_changes.get("create") == 1
    recreated = up.outputs["program_id"].value
    assert recreated != program_id
    assert vendor_program(env, recreated)["description"] == "says hello twice"

    project.destroy()
    assert vendor_program(env, recreated) is None


def test_three_metadata_mistakes_fail_preview_with_all_three_and_create_nothing(
    engine_project, local_cloud
):
    env = local_cloud.client_env()
    project = engine_project(PROGRAM, env=env)
    bad = {
        "name": "three-mistakes",
        "descripton": "typo in the field name",  # unknown field (and description missing)
        "max_execution_time": -5,  # out of bounds
        "spec": {"parameters": {"type": "strin"}},  # not a valid JSON Schema
    }
    write_files(project.directory, SOURCE_V1, bad)

    from pulumi import automation as auto

    with pytest.raises(auto.errors.CommandError) as info:
        project.preview()
    text = str(info.value)
    assert "/descripton: unknown field 'descripton'" in text
    assert "did you mean 'description'?" in text
    assert "/max_execution_time: -5 is less than the minimum of 1" in text
    assert "/spec/parameters/type:" in text and "'strin'" in text
    assert "/description: required field is missing" in text
    assert "hello.json:" in text  # problems point into the metadata file

    with pytest.raises(auto.errors.CommandError):
        project.up()
    assert project.resources("RuntimeProgram") == []
    assert vendor_programs_named(env, "three-mistakes") == []


def test_missing_program_file_is_a_preview_error_naming_the_path(engine_project, local_cloud):
    env = local_cloud.client_env()
    project = engine_project(PROGRAM.replace("hello.py", "missing/prog.py"), env=env)
    write_files(project.directory, SOURCE_V1, metadata("missing-file"))

    from pulumi import automation as auto

    with pytest.raises(auto.errors.CommandError) as info:
        project.preview()
    assert "program file 'missing/prog.py' not found" in str(info.value)
    assert vendor_programs_named(env, "missing-file") == []
