"""RuntimeProgram / Session provider handlers against the local IBM runtime (no engine).

Covers what the engine tests reach only slowly: the file-changed-after-preview guard, drift in
the stored source, visibility toggling, configuration precedence and the no-capture rule.
"""

from __future__ import annotations

import base64
import types

import pytest

from pulumi_quantum import _provider
from pulumi_quantum.clients.ibm_runtime import IBMRuntimeClient
from pulumi_quantum.ibm.program import RuntimeProgramProvider
from pulumi_quantum.ibm.session import SessionProvider

SOURCE = "def main(backend, user_messenger, **kwargs):\n    return 1\n"


@pytest.fixture
def project(tmp_path, monkeypatch, cloud_env):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "prog.py").write_text(SOURCE)
    return tmp_path


@pytest.fixture
def vendor(cloud_env):
    with IBMRuntimeClient(cloud_env["QISKIT_IBM_URL"], cloud_env["QISKIT_IBM_TOKEN"]) as c:
        yield c


def checked(name: str, **extra):
    result = RuntimeProgramProvider().check(
        {},
        {
            "data": "prog.py",
            "name": name,
            "description": "d",
            "max_execution_time": 60,
            "urn_seed": f"proj::stack::RuntimeProgram::{name}",
            **extra,
        },
    )
    assert result.failures == []
    return result.inputs


def test_file_changed_between_preview_and_create_is_refused(project, vendor):
    inputs = checked("guarded")
    (project / "prog.py").write_text(SOURCE + "# changed after preview\n")
    with pytest.raises(_provider.ProviderError, match="changed after the preview"):
        RuntimeProgramProvider().create(inputs)
    assert vendor.find_program_by_name("guarded") is None


def test_visibility_toggles_and_read_detects_out_of_band_source_change(project, vendor):
    provider = RuntimeProgramProvider()
    inputs = checked("toggle")
    created = provider.create(inputs)
    made_public = provider.update(created.id, created.outs, {**inputs, "is_public": True})
    assert vendor.get_program(created.id)["is_public"] is True
    provider.update(created.id, made_public.outs, inputs)
    assert vendor.get_program(created.id)["is_public"] is False

    other = SOURCE.replace("1", "2")
    vendor.update_program_data(created.id, base64.b64encode(other.encode()).decode())
    read = provider.read(created.id, created.outs)
    assert read.outs["data_sha256"] != created.outs["data_sha256"]
    assert read.inputs["data_size"] == len(other)
    # Against the unchanged desired inputs, that drift is an in-place data update.
    diff = provider.diff(created.id, read.outs, inputs)
    assert diff.changes is True and diff.replaces == []
    provider.delete(created.id, read.outs)
    provider.delete(created.id, read.outs)  # already gone: still fine
    assert provider.read(created.id, read.outs).id is None


def test_rename_onto_an_existing_name_explains_the_conflict(project, vendor):
    provider = RuntimeProgramProvider()
    first = provider.create(checked("rename-a"))
    second_inputs = checked("rename-b")
    second = provider.create(second_inputs)
    with pytest.raises(_provider.ProviderError) as info:
        provider.update(second.id, second.outs, {**second_inputs, "name": "rename-a"})
    assert "a program named 'rename-a' already exists" in str(info.value)
    assert first.id in str(info.value)


def test_stack_config_wins_over_env_and_is_never_held_by_the_provider(project, vendor, cloud_env):
    import dill

    provider = RuntimeProgramProvider()
    config = types.SimpleNamespace(_props={"quantum:ibmToken": "local-ibm-token-bob"})
    provider.configure(types.SimpleNamespace(config=config))
    try:
        created = provider.create(checked("configured"))
        pickled = dill.dumps(provider, recurse=True)
    finally:
        provider.configure(types.SimpleNamespace(config=types.SimpleNamespace(_props={})))
    # Created as bob (stack config), so alice (the env token) cannot see it.
    with IBMRuntimeClient(cloud_env["QISKIT_IBM_URL"], "local-ibm-token-bob") as bob:
        assert bob.get_program(created.id)["name"] == "configured"
        bob.delete_program(created.id)
    assert b"local-ibm-token-bob" not in pickled
    assert vars(provider) == {}


def test_session_handlers_open_read_and_cancel(cloud_env, vendor):
    provider = SessionProvider()
    inputs = provider.check(
        {}, {"backend": "ibmq_qasm_simulator", "max_time": "10m", "on_delete": "cancel"}
    ).inputs
    created = provider.create(inputs)
    assert created.outs["active"] is True and created.outs["state"] == "open"
    assert created.outs["max_ttl"] == 600 and created.outs["started_at"]
    assert created.outs["channel"] == "ibm_quantum"  # cloud_env configures the legacy runtime
    read = provider.read(created.id, created.outs)
    assert read.id == created.id and read.inputs["max_time"] == 600
    provider.delete(created.id, created.outs)
    assert vendor.get_session(created.id)["state_reason"] == "cancelled"
    assert provider.read(created.id, created.outs).id is None  # gone: next up opens anew


def test_local_default_endpoint_and_token_apply_only_without_config(monkeypatch):
    from pulumi_quantum.clients import ibm as config

    for name in ("QISKIT_IBM_URL", "QISKIT_IBM_TOKEN", "QISKIT_IBM_INSTANCE"):
        monkeypatch.delenv(name, raising=False)
    assert config.ibm_url() == "http://127.0.0.1:4592"
    assert config.ibm_token() == "local-ibm-token-alice"
    monkeypatch.setenv("QISKIT_IBM_URL", "https://auth.quantum-computing.ibm.com/api")
    assert config.ibm_token() is None  # never send the local token to another service
    monkeypatch.setenv("QISKIT_IBM_TOKEN", "tok-secret-1")
    assert config.ibm_token() == "tok-secret-1"
    assert "tok-secret-1" not in repr(config.runtime_client())


def test_create_rerun_after_a_crash_adopts_the_uploaded_program(project, vendor):
    """No idempotency token in the runtime API: an upload whose state was never saved (crash)
    must not make the re-run fail, nor upload a second program."""
    provider = RuntimeProgramProvider()
    inputs = checked("crashed-once")
    first = provider.create(inputs)
    rerun = provider.create(inputs)  # the engine never saw `first`
    assert rerun.id == first.id
    assert [p["id"] for p in vendor.list_programs() if p["name"] == "crashed-once"] == [first.id]

    other = checked("crashed-once", description="different metadata, same source")
    assert provider.create(other).id == first.id  # adopted, then brought to the new metadata
    assert vendor.get_program(first.id)["description"] == "different metadata, same source"

    (project / "prog.py").write_text(SOURCE.replace("1", "3"))
    with pytest.raises(_provider.ProviderError, match="already exists"):
        provider.create(checked("crashed-once"))  # another program's source: a real conflict
