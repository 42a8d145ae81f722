"""RuntimeProgram on a 409 (name taken): adopt only this resource's own earlier upload.

Names are unique per owner, and the listing also shows other accounts' public programs. The
duplicate lookup must consider only the caller's programs, adopt only one carrying this
resource's marker (its earlier, crashed upload), and hint only ids the caller can manage.
"""

from __future__ import annotations

import base64

import pytest

from pulumi_quantum import _provider
from pulumi_quantum.clients.ibm_runtime import IBMRuntimeClient
from pulumi_quantum.ibm.program import MARKER_KEY, RuntimeProgramProvider
from tests.local import test_ibm_handlers as handlers
from tests.local.test_ibm_handlers import SOURCE, checked

project, vendor = handlers.project, handlers.vendor  # the same fixtures

BOB_TOKEN = "local-ibm-token-bob"


@pytest.fixture
def bob(cloud_env):
    with IBMRuntimeClient(cloud_env["QISKIT_IBM_URL"], BOB_TOKEN) as client:
        yield client


def upload(client: IBMRuntimeClient, name: str, source: str, *, public: bool = False) -> str:
    created = client.create_program(
        data_base64=base64.b64encode(source.encode()).decode(),
        name=name,
        description="made outside pulumi",
        max_execution_time=60,
        is_public=public,
    )
    return str(created["id"])


def test_hint_names_the_callers_program_never_another_accounts(project, vendor, bob):
    bobs = upload(bob, "shared-name", SOURCE, public=True)  # listed to alice too
    alices = upload(vendor, "shared-name", SOURCE.replace("1", "7"))
    with pytest.raises(_provider.ProviderError) as caught:
        RuntimeProgramProvider().create(checked("shared-name"))
    message = str(caught.value)
    assert f"import_={alices!r}" in message and "outside Pulumi" in message
    assert bobs not in message
    bob.delete_program(bobs)
    vendor.delete_program(alices)


def test_crash_rerun_finds_the_callers_own_upload_behind_a_public_namesake(project, vendor, bob):
    bobs = upload(bob, "crash-behind-public", SOURCE, public=True)  # same name, same source
    provider = RuntimeProgramProvider()
    inputs = checked("crash-behind-public")
    first = provider.create(inputs)
    rerun = provider.create(inputs)  # the engine never saw `first`
    assert rerun.id == first.id != bobs
    assert bob.get_program(bobs)["name"] == "crash-behind-public"  # bob's untouched
    bob.delete_program(bobs)
    provider.delete(first.id, first.outs)


def test_same_name_same_source_from_another_stack_is_not_adopted(project, vendor):
    provider = RuntimeProgramProvider()
    theirs = provider.create(
        checked("two-stacks", urn_seed="proj::other-stack::RuntimeProgram::two-stacks")
    )
    with pytest.raises(_provider.ProviderError) as caught:
        provider.create(checked("two-stacks"))
    assert "another Pulumi resource" in str(caught.value)
    assert f"import_={theirs.id!r}" in str(caught.value)
    made_outside = upload(vendor, "outside", SOURCE)
    with pytest.raises(_provider.ProviderError, match="outside Pulumi"):
        provider.create(checked("outside"))  # same source, but nothing proves it is ours
    provider.delete(theirs.id, theirs.outs)
    vendor.delete_program(made_outside)


def test_marker_is_on_the_service_but_never_in_outputs_or_diffs(project, vendor):
    provider = RuntimeProgramProvider()
    spec = {"backend_requirements": {"min_num_qubits": 2}}
    inputs = checked("marked", spec=spec)
    created = provider.create(inputs)
    assert MARKER_KEY in vendor.get_program(created.id)["spec"]
    assert created.outs["spec"] == spec
    read = provider.read(created.id, created.outs)
    assert read.outs["spec"] == spec and read.inputs["spec"] == spec
    assert provider.diff(created.id, read.outs, inputs).changes is False
    # An update of the spec keeps the marker.
    updated = provider.update(created.id, read.outs, {**inputs, "spec": None})
    assert updated.outs["spec"] is None
    assert set(vendor.get_program(created.id)["spec"]) == {MARKER_KEY}
    provider.delete(created.id, created.outs)
