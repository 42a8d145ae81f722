"""The engine smoke test: the whole chain works on a throwaway project."""

from __future__ import annotations

import pulumi_quantum

PROGRAM = """
import pulumi
from pulumi_quantum.noop import Noop

marker = Noop("marker", value="v1")
pulumi.export("value", marker.value)
"""


def test_preview_up_refresh_destroy_with_real_engine(engine_project):
    project = engine_project(PROGRAM)

    preview = project.preview()
    assert preview.change_summary.get("create") == 2  # the stack itself + the Noop resource

    up = project.up()
    assert up.summary.result == "succeeded"
    assert up.summary.resource_changes.get("create") == 2
    assert up.outputs["value"].value == "v1"
    [resource] = project.resources("quantum:Noop")
    assert resource["id"].startswith("noop-")

    again = project.up()
    assert set(again.summary.resource_changes) == {"same"}, again.summary.resource_changes

    refresh = project.refresh()
    assert refresh.summary.result == "succeeded"

    destroy = project.destroy()
    assert destroy.summary.result == "succeeded"
    assert project.resources() == []


def test_provider_is_pickled_by_reference_and_not_secret(engine_project):
    project = engine_project(PROGRAM)
    project.up()
    [resource] = project.resources("quantum:Noop")
    provider = resource["inputs"]["__provider"]
    # serialize_as_secret_always=False: a plain string, not an encrypted secret envelope.
    assert isinstance(provider, str), provider
    # Pickled by reference to the installed class: small, and the class path is visible.
    assert len(provider) < 2048
    assert pulumi_quantum.__name__ in __import__("base64").b64decode(provider).decode("latin-1")
