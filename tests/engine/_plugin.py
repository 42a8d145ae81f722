"""Helpers of the plugin engine tests: a program that declares ``quantum:`` resources from JSON.

The program is a plain Pulumi Python program with no ``pulumi_quantum`` import: each resource is
``pulumi.CustomResource("<token>", name, {camelCase props})``, served by the
``pulumi-resource-quantum`` plugin the engine finds in Pulumi's plugin cache (scripts/bootstrap).
The resources live in ``resources.json`` next to it, so each step of a test rewrites data, not
code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_quantum.catalogue import all_declarations

from ._stacks import changes, plan, run_cli
from .harness import EngineProject

PROGRAM = """
import json

import pulumi

for spec in json.load(open("resources.json")):
    timeouts = spec.get("createTimeout")
    opts = pulumi.ResourceOptions(
        custom_timeouts=pulumi.CustomTimeouts(create=timeouts) if timeouts else None
    )
    outputs = dict.fromkeys(spec["outputs"])
    resource = pulumi.CustomResource(spec["type"], spec["name"], {**outputs, **spec["props"]}, opts)
    pulumi.export(spec["name"], {k: getattr(resource, k) for k in spec["outputs"]})
    pulumi.export(spec["name"] + "Id", resource.id)
"""

DECLS = {d.token: d for d in all_declarations()}


def assert_converged(project: EngineProject) -> None:
    """A preview, a refresh and another preview all find nothing to do."""
    preview = project.preview()
    assert plan(preview) == {}, preview.change_summary
    refresh = project.refresh()
    assert changes(refresh) == {}, refresh.summary.resource_changes
    preview = project.preview()
    assert plan(preview) == {}, preview.change_summary


def outputs_of(token: str) -> list[str]:
    """Every visible property of a resource (camelCase): what the program reads back."""
    decl = DECLS[token]
    return [p.camel for p in (*decl.inputs, *decl.outputs)]


def declare(project: EngineProject, resources: Sequence[Mapping[str, Any]]) -> None:
    """Write ``resources.json``: each ``{type, name, props[, createTimeout]}``."""
    specs = [{"outputs": outputs_of(r["type"]), **r} for r in resources]
    (project.directory / "resources.json").write_text(json.dumps(specs, indent=1))


def plugin_project(make: Any, env: Mapping[str, str], resources: Sequence[Mapping[str, Any]]):
    project = make(PROGRAM, env=dict(env))
    declare(project, resources)
    return project


def state_resource(project: EngineProject, name: str) -> dict[str, Any]:
    """The one state entry of the resource called ``name``."""
    found = [r for r in project.resources() if r["urn"].endswith(f"::{name}")]
    assert len(found) == 1, found
    return found[0]


def cli(project: EngineProject, *args: str) -> str:
    """Run a ``pulumi`` command in the project; fail with its output if it fails."""
    done = run_cli(project, list(args))
    assert done.returncode == 0, f"pulumi {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def reimport(project: EngineProject, token: str, name: str, resource_id: str) -> str:
    """Forget the resource (``pulumi state delete``), then ``pulumi import`` it by its id."""
    urn = state_resource(project, name)["urn"]
    cli(project, "state", "delete", urn, "--yes")
    assert not [r for r in project.resources() if r["urn"] == urn]
    # No code generation: this repo's minimal Python language host has no GenerateProgram (the
    # upstream one does); the import itself is the engine's Read → state, as for any user.
    args = ("--yes", "--protect=false", "--generate-code=false")
    return cli(project, "import", token, name, resource_id, *args)
