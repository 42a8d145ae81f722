"""RuntimeProgram through the engine: stack-config token, adoption by id, duplicate names.

Split from test_ibm_program.py to keep each engine test file short.
"""

from __future__ import annotations

import base64

import pytest

from tests.engine.test_ibm_program import (
    PROGRAM,
    SOURCE_V1,
    SOURCE_V2,
    assert_no_bytes_under,
    assert_only_in_secret_envelopes,
    metadata,
    vendor_api,
    vendor_program,
    vendor_programs_named,
    write_files,
)

pytestmark = pytest.mark.engine


def test_token_from_stack_config_is_used_and_never_stored(engine_project, local_cloud):
    env = local_cloud.client_env()
    env_without_token = {k: v for k, v in env.items() if k != "QISKIT_IBM_TOKEN"}
    env_without_token.pop("QISKIT_IBM_INSTANCE", None)
    project = engine_project(PROGRAM, env=env_without_token)
    write_files(project.directory, SOURCE_V1, metadata("bobs-program"))
    bob_token = "local-ibm-token-bob"
    project.set_config({"quantum:ibmToken": bob_token}, secret=True)

    up = project.up()
    program_id = up.outputs["program_id"].value
    bob_env = {**env, "QISKIT_IBM_TOKEN": bob_token}
    # Created with bob's token from stack config: bob owns it; alice (the env default) can't see it.
    assert vendor_program(bob_env, program_id)["name"] == "bobs-program"
    assert vendor_program(env, program_id) is None

    # Nothing persisted by the backend (state, history, backups) holds the token's bytes.
    assert_no_bytes_under(project.backend, bob_token)
    # The harness exports with --show-secrets, which decrypts the engine's own secret envelope of
    # the stack config it hands the dynamic provider host; the token may appear only there.
    assert_only_in_secret_envelopes(project.export_state(), bob_token)
    assert bob_token not in up.stdout and bob_token not in up.stderr
    [resource] = project.resources("RuntimeProgram")
    provider_blob = base64.b64decode(resource["inputs"]["__provider"]).decode("latin-1")
    assert bob_token not in provider_blob

    destroy = project.destroy()
    assert bob_token not in destroy.stdout
    assert vendor_program(bob_env, program_id) is None


def test_existing_program_is_adopted_with_import(engine_project, local_cloud):
    env = local_cloud.client_env()
    created = (
        vendor_api(env)
        .post(
            "/programs",
            json={
                "name": "adopted",
                "data": base64.b64encode(SOURCE_V1.encode()).decode(),
                "cost": 300,
                "description": "made outside pulumi",
                "is_public": False,
            },
        )
        .json()
    )
    program_id = created["id"]
    source = f"""
import pulumi
from pulumi_quantum.ibm import RuntimeProgram

program = RuntimeProgram(
    "adopted",
    data="hello.py",
    name="adopted",
    description="now managed by pulumi",
    max_execution_time=300,
    opts=pulumi.ResourceOptions(import_={program_id!r}),
)
pulumi.export("program_id", program.program_id)
"""
    project = engine_project(source, env=env)
    (project.directory / "hello.py").write_text(SOURCE_V1)

    up = project.up()
    assert up.summary.resource_changes.get("create") == 2, up.summary.resource_changes  # stack + it
    assert up.outputs["program_id"].value == program_id
    assert len(vendor_programs_named(env, "adopted")) == 1  # adopted, not uploaded again
    assert vendor_program(env, program_id)["description"] == "now managed by pulumi"
    again = project.up()
    assert set(again.summary.resource_changes) == {"same"}, again.summary.resource_changes
    project.destroy()
    assert vendor_program(env, program_id) is None


def test_duplicate_name_error_says_how_to_import(engine_project, local_cloud):
    env = local_cloud.client_env()
    existing = (
        vendor_api(env)
        .post(
            "/programs",
            json={
                "name": "taken-name",
                # Another program's source: with the same source, create would adopt it
                # (that is how a re-run after a crash converges).
                "data": base64.b64encode(SOURCE_V2.encode()).decode(),
                "cost": 300,
                "description": "already here",
            },
        )
        .json()["id"]
    )
    project = engine_project(PROGRAM, env=env)
    write_files(project.directory, SOURCE_V1, metadata("taken-name"))

    from pulumi import automation as auto

    with pytest.raises(auto.errors.CommandError) as info:
        project.up()
    text = str(info.value)
    assert "a program named 'taken-name' already exists" in text
    assert f"import_={existing!r}" in text
    assert project.resources("RuntimeProgram") == []
    vendor_api(env).delete(f"/programs/{existing}")
