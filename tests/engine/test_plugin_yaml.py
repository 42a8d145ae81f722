"""``examples/yaml-quickstart`` through the real engine: Pulumi YAML → pulumi-resource-quantum.

The YAML language host type-checks the program against the plugin's schema (so a property the
schema lacks, or a wrong type, fails here), then the plugin serves every resource. The example
deploys, a second ``up`` plans nothing, and ``destroy`` tears it all down.
"""

from __future__ import annotations

import shutil

import pytest

from ._stacks import all_programs, all_spending_limits, changes, ibm_session_info, plan, s3_client
from .harness import REPO_ROOT
from .test_ibm_function import function_on_gateway

pytestmark = pytest.mark.engine


def test_yaml_quickstart_deploys_converges_and_tears_down(engine_project, local_cloud):
    if shutil.which("pulumi-language-yaml") is None:
        raise AssertionError(
            "no pulumi-language-yaml: run scripts/bootstrap, source scripts/env.sh"
        )
    env = local_cloud.client_env()
    project = engine_project("", env=env)
    (project.directory / "__main__.py").unlink()
    for folder in ("programs", "functions"):
        shutil.copytree(REPO_ROOT / "examples" / folder, project.directory.parent / folder)
    yaml = (REPO_ROOT / "examples" / "yaml-quickstart" / "Pulumi.yaml").read_text()
    backend = f"backend:\n  url: file://{project.backend}\n"
    (project.directory / "Pulumi.yaml").write_text(yaml + backend)
    # Derived from project and stack, so stacks and examples deploy side by side.
    bucket = f"amazon-braket-pulumi-quantum-yaml-quickstart-{project.stack_name}"

    up = project.up()
    assert changes(up) == {"create": 11}, up.summary.resource_changes  # 10 and the stack
    assert {k: sum(v.value.values()) for k, v in up.outputs.items() if k.endswith("Counts")} == {
        "bellCounts": 200,
        "ghz5Counts": 200,
        "noisyBellCounts": 200,
    }
    assert up.outputs["sessionChannel"].value == "ibm_quantum_platform"
    assert up.outputs["resultsBucket"].value == bucket
    # The Qiskit Function, uploaded from ../functions/bell_counts through the plugin.
    title = up.outputs["functionTitle"].value
    assert title == f"pulumi-quantum-yaml-quickstart-{project.stack_name}-bell-counts"
    held = function_on_gateway(env, title)
    assert held is not None and held["id"] == up.outputs["functionId"].value
    assert held["version"] == "1.0.0" and held["entrypoint"] == "main.py"
    preview = project.preview()
    assert plan(preview) == {}, preview.change_summary

    destroy = project.destroy()
    assert changes(destroy) == {"delete": 11}
    assert function_on_gateway(env, title) is not None  # no delete API: retained
    assert all_programs(env) == [] and all_spending_limits(env) == []
    assert bucket not in {b["Name"] for b in s3_client(env).list_buckets()["Buckets"]}
    assert ibm_session_info(env, up.outputs["sessionId"].value)["state"] in ("closed", None)


def test_gitops_program_set_deploys_from_yaml(engine_project, local_cloud):
    """examples/ibm-programs-gitops/yaml: the folder's programs, deployed from Pulumi YAML."""
    env = local_cloud.client_env()
    project = engine_project("", env=env)
    (project.directory / "__main__.py").unlink()
    shutil.copytree(
        REPO_ROOT / "examples" / "ibm-programs-gitops" / "programs",
        project.directory.parent / "programs",
    )
    yaml = (REPO_ROOT / "examples" / "ibm-programs-gitops" / "yaml" / "Pulumi.yaml").read_text()
    backend = f"backend:\n  url: file://{project.backend}\n"
    (project.directory / "Pulumi.yaml").write_text(yaml + backend)

    up = project.up()
    ids = up.outputs["programIds"].value
    assert set(ids) == {"bell_sampler", "hello_world"}
    deployed = {p["id"]: p for p in all_programs(env)}
    assert set(ids.values()) <= set(deployed)
    assert plan(project.preview()) == {}
    # An edited description is one in-place update of the same program.
    metadata = project.directory.parent / "programs" / "hello_world.json"
    metadata.write_text(metadata.read_text().replace('"description": "', '"description": "v2 '))
    again = project.up()
    assert changes(again).get("update") == 1, again.summary.resource_changes
    assert again.outputs["programIds"].value == ids
    project.destroy()
    assert all_programs(env) == []
