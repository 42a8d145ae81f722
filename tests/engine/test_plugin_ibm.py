"""The ``pulumi-resource-quantum`` plugin through the real engine: the IBM Qiskit Runtime
resources, and the provider's own configuration (secrets).

As in ``test_plugin_braket``: one stack per resource, driven through its whole life by a program
with no ``pulumi_quantum`` import; what the runtime holds is read through qiskit-ibm-provider's
authenticated session (``_stacks``).
"""

from __future__ import annotations

import json
import uuid

import pytest

from ._plugin import assert_converged, declare, plugin_project, reimport, state_resource
from ._stacks import (
    all_programs,
    changes,
    delete_program,
    ibm_session,
    ibm_session_info,
    plan,
)

pytestmark = pytest.mark.engine

PROGRAM = "quantum:ibm:RuntimeProgram"
SESSION = "quantum:ibm:Session"
BATCH = "quantum:ibm:Batch"
SECRET_SIG = "4dabf18193072939515e22adb298388d"
"""The engine's signature key of a secret value in state."""
SOURCE = "def main(backend, user_messenger, **kwargs):\n    return kwargs\n"


def programs_by_id(env: dict[str, str]) -> dict[str, dict]:
    return {p["id"]: p for p in all_programs(env)}


def test_runtime_program_lifecycle(engine_project, local_cloud):
    env = local_cloud.client_env()
    name = f"plugin-{uuid.uuid4().hex[:10]}"

    def program(description: str, source: str = SOURCE) -> dict:
        props = {
            "data": source,
            "name": name,
            "description": description,
            "maxExecutionTime": 300,
        }
        return {"type": PROGRAM, "name": "hello", "props": props}

    project = plugin_project(engine_project, env, [program("first")])
    up = project.up()
    assert changes(up) == {"create": 2}, up.summary.resource_changes
    program_id = up.outputs["helloId"].value
    out = up.outputs["hello"].value
    assert out["programId"] == program_id and out["dataSize"] == len(SOURCE)
    assert programs_by_id(env)[program_id]["description"] == "first"
    state = state_resource(project, "hello")
    assert "urnSeed" not in state["outputs"] and "importId" not in state["inputs"]
    assert_converged(project)

    # In place: the description, then the source (a program is never replaced).
    declare(project, [program("second")])
    assert plan(project.preview()) == {"update": 1}
    assert changes(project.up()) == {"update": 1}
    assert programs_by_id(env)[program_id]["description"] == "second"
    declare(project, [program("second", SOURCE.replace("kwargs\n", "{'ok': 1}\n"))])
    assert plan(project.preview()) == {"update": 1}
    up = project.up()
    assert changes(up) == {"update": 1}
    assert up.outputs["helloId"].value == program_id

    # Out-of-band delete → refresh drops it → up uploads it again.
    delete_program(env, program_id)
    refresh = project.refresh()
    assert changes(refresh) == {"delete": 1}, refresh.summary.resource_changes
    assert plan(project.preview()) == {"create": 1}
    up = project.up()
    assert changes(up) == {"create": 1}
    program_id = up.outputs["helloId"].value
    assert set(programs_by_id(env)) == {program_id}

    # pulumi import by id → the program plans nothing.
    reimport(project, PROGRAM, "hello", program_id)
    preview = project.preview()
    assert plan(preview) == {}, preview.change_summary

    destroy = project.destroy()
    assert changes(destroy) == {"delete": 2}
    assert all_programs(env) == []


@pytest.mark.parametrize("token", [SESSION, BATCH])
def test_session_and_batch_lifecycle(engine_project, local_cloud, token):
    env = local_cloud.client_env()

    def held(max_time: str, on_delete: str) -> dict:
        props = {"backend": "ibmq_qasm_simulator", "maxTime": max_time, "onDelete": on_delete}
        return {"type": token, "name": "held", "props": props}

    project = plugin_project(engine_project, env, [held("1h", "close")])
    up = project.up()
    assert changes(up) == {"create": 2}, up.summary.resource_changes
    first = up.outputs["heldId"].value
    out = up.outputs["held"].value
    assert out["sessionId"] == first and out["maxTime"] == 3600 and out["active"] is True
    assert out["mode"] == ("batch" if token == BATCH else "dedicated")
    assert ibm_session_info(env, first)["accepting_jobs"] is True
    assert_converged(project)

    # In place, with no remote call: onDelete.
    declare(project, [held("1h", "cancel")])
    assert plan(project.preview()) == {"update": 1}
    assert changes(project.up()) == {"update": 1}

    # Replace: maxTime → a new session; the old one cancelled (onDelete).
    declare(project, [held("2h", "cancel")])
    assert plan(project.preview()) == {"replace": 1}
    up = project.up()
    assert changes(up) == {"replace": 1}
    second = up.outputs["heldId"].value
    assert second != first and ibm_session_info(env, second)["max_ttl"] == 7200
    assert ibm_session_info(env, first)["state_reason"] == "cancelled"

    # Closed out of band → refresh drops it → up opens a new one.
    ibm_session(env).delete(f"/sessions/{second}/close").raise_for_status()
    refresh = project.refresh()
    assert changes(refresh) == {"delete": 1}, refresh.summary.resource_changes
    up = project.up()
    assert changes(up) == {"create": 1}
    third = up.outputs["heldId"].value
    assert third not in (first, second)

    # pulumi import by session id → the program (onDelete as imported: close) plans nothing.
    declare(project, [held("2h", "close")])
    reimport(project, token, "held", third)
    preview = project.preview()
    assert plan(preview) == {}, preview.change_summary

    destroy = project.destroy()
    assert changes(destroy) == {"delete": 2}
    closed = ibm_session_info(env, third)
    assert closed["state"] == "closed" and closed["accepting_jobs"] is False


AWS_KEY = f"AKIA{uuid.uuid4().hex[:16].upper()}"
AWS_SECRET = f"plugin-aws-secret-{uuid.uuid4().hex}"


@pytest.fixture
def keyed_cloud(tmp_path_factory):
    """A local cloud that accepts only AWS keys of its own (the defaults would let a client
    without the configured keys through). Requested before ``engine_project``, so it stops
    after the stack's teardown destroy."""
    from pulumi_quantum.local.server import LocalCloud, LocalCredentials

    cloud = LocalCloud(
        tmp_path_factory.mktemp("keyed-cloud"),
        credentials=LocalCredentials(aws={AWS_KEY: AWS_SECRET}),
        sim_processes=0,
    )
    cloud.start()
    yield cloud
    cloud.stop()


def test_provider_config_secrets_stay_out_of_state(keyed_cloud, engine_project):
    """Keys given as ``quantum:`` provider config secrets reach the core (the engine has no
    other credentials) and never appear in ``pulumi stack export``."""
    from pulumi_quantum.local.server import DEFAULT_IBM_TOKENS

    from ._plugin import cli
    from ._stacks import s3_client

    aws_key, aws_secret = AWS_KEY, AWS_SECRET
    ibm_token, ibm_instance = DEFAULT_IBM_TOKENS["bob"]
    urls = keyed_cloud.client_env()
    bucket = f"plugin-secret-{uuid.uuid4().hex[:8]}"
    name = f"plugin-secret-{uuid.uuid4().hex[:8]}"
    resources = [
        {"type": "quantum:storage:ResultsBucket", "name": "results",
         "props": {"bucket": bucket}},
        {"type": PROGRAM, "name": "hello",
         "props": {"data": SOURCE, "name": name, "description": "d", "maxExecutionTime": 60}},
    ]  # fmt: skip
    # The keys are the keyed cloud's own, sent to it deliberately: the target says local.
    project = plugin_project(engine_project, {"PULUMI_QUANTUM_TARGET": "local"}, resources)
    project.set_config(
        {
            "quantum:braketEndpoint": urls["AWS_ENDPOINT_URL_BRAKET"],
            "quantum:s3Endpoint": urls["AWS_ENDPOINT_URL_S3"],
            "quantum:ibmUrl": urls["QISKIT_IBM_URL"],
            "quantum:ibmInstance": ibm_instance,
        }
    )
    project.set_config(
        {
            "quantum:awsAccessKeyId": aws_key,
            "quantum:awsSecretAccessKey": aws_secret,
            "quantum:ibmToken": ibm_token,
        },
        secret=True,
    )
    up = project.up()
    assert changes(up) == {"create": 3}, up.summary.resource_changes
    owner = {**urls, "QISKIT_IBM_TOKEN": ibm_token}
    assert [p["name"] for p in all_programs(owner)] == [name]
    assert bucket in {
        b["Name"]
        for b in s3_client({**urls, "AWS_SECRET_ACCESS_KEY": aws_secret}).list_buckets()["Buckets"]
    }
    exported = cli(project, "stack", "export")  # as a user runs it: no --show-secrets
    for secret in (aws_key, aws_secret, ibm_token):
        assert secret not in exported
    provider = [
        r
        for r in json.loads(exported)["deployment"]["resources"]
        if r["type"] == "pulumi:providers:quantum"
    ]
    assert len(provider) == 1
    for key in ("awsAccessKeyId", "awsSecretAccessKey", "ibmToken"):
        assert set(provider[0]["inputs"][key]) == {SECRET_SIG, "ciphertext"}, key
    assert changes(project.destroy()) == {"delete": 3}
    assert all_programs(owner) == []
