"""The examples deploy side by side, in any order, in one account; a conflict's hint is in the
language of the program that hit it.

Names that are unique per account (IBM program names, S3 buckets) are derived from the project
and the stack, so the README's examples run one after the other without tearing the previous
one down, and a second stack of the same example does not collide with the first.
"""

from __future__ import annotations

import base64
import shutil
import textwrap

import pytest
from pulumi import automation as auto

from ._stacks import all_programs, changes, ibm_session
from .harness import REPO_ROOT, EngineProject
from .test_lifecycle import quickstart_copy

pytestmark = pytest.mark.engine

EXAMPLES = REPO_ROOT / "examples"


def yaml_example(make, folder: str, programs: str, env) -> EngineProject:
    """``examples/<folder>/Pulumi.yaml`` as it is (plus the test's file backend), with the
    programs folder it reads beside it as ``../programs`` (and ``../functions``)."""
    project = make("", env=env)
    (project.directory / "__main__.py").unlink()
    shutil.copytree(EXAMPLES / programs, project.directory.parent / "programs")
    shutil.copytree(EXAMPLES / "functions", project.directory.parent / "functions")
    yaml = (EXAMPLES / folder / "Pulumi.yaml").read_text()
    backend = f"backend:\n  url: file://{project.backend}\n"
    (project.directory / "Pulumi.yaml").write_text(yaml + backend)
    return project


def gitops_python(make, env, stack: str) -> EngineProject:
    project = make("# replaced by the example's own program\n", env=env)
    project.stack_name = stack
    shutil.copy2(EXAMPLES / "ibm-programs-gitops" / "__main__.py", project.directory)
    shutil.copytree(EXAMPLES / "ibm-programs-gitops" / "programs", project.directory / "programs")
    return project


def test_quickstart_then_yaml_quickstart_in_one_account(engine_project, local_cloud):
    """The README's order: the quickstart, then examples/yaml-quickstart, neither torn down."""
    env = local_cloud.client_env()
    python = quickstart_copy(engine_project, env)
    first = python.up()
    yaml = yaml_example(engine_project, "yaml-quickstart", "programs", env)
    second = yaml.up()
    assert changes(second) == {"create": 11}, second.summary.resource_changes
    # The same function folder, under a title of each project and stack: two functions.
    titles = {
        first.outputs["function_titles"].value["bell_counts"],
        second.outputs["functionTitle"].value,
    }
    assert len(titles) == 2

    python_ids = set(first.outputs["program_ids"].value.values())
    yaml_ids = set(second.outputs["programIds"].value.values())
    names = {p["id"]: p["name"] for p in all_programs(env)}
    assert python_ids.isdisjoint(yaml_ids) and python_ids | yaml_ids <= set(names)
    assert all("pulumi-quantum-yaml-quickstart-test-" in names[i] for i in yaml_ids)
    assert first.outputs["results_bucket"].value != second.outputs["resultsBucket"].value
    yaml.destroy()
    python.destroy()
    assert all_programs(env) == []


def test_gitops_stacks_and_its_yaml_twin_in_one_account(engine_project, local_cloud):
    """Two stacks of the Python GitOps example and its YAML twin, in one account, any order."""
    env = local_cloud.client_env()
    yaml = yaml_example(
        engine_project, "ibm-programs-gitops/yaml", "ibm-programs-gitops/programs", env
    )
    dev, prod = (
        gitops_python(engine_project, env, "dev"),
        gitops_python(engine_project, env, "prod"),
    )
    for project in (yaml, dev, prod):
        up = project.up()
        assert changes(up).get("create") == 3, up.summary.resource_changes
    names = sorted(p["name"] for p in all_programs(env))
    assert names == sorted(
        f"{project}-{stack}-{program}"
        for project, stack in (("ibm-programs-gitops-yaml", "test"), ("engine-test", "dev"),
                               ("engine-test", "prod"))
        for program in ("bell-sampler", "hello-world")
    )  # fmt: skip
    for project in (dev, yaml, prod):
        project.destroy()
    assert all_programs(env) == []


def test_a_name_conflict_in_yaml_hints_in_yaml_once(yaml_project, local_cloud):
    """A program name taken outside Pulumi: the YAML user is told the YAML way to adopt it
    (``options: {import: ID}``), not Python's ``ResourceOptions(import_=...)``, and once."""
    env = local_cloud.client_env()
    source = "def main(backend, user_messenger, **kwargs):\n    return 1\n"
    taken = (
        ibm_session(env)
        .post(
            "/programs",
            json={
                "name": "taken-name",
                "data": base64.b64encode(source.encode()).decode(),
                "cost": 60,
                "description": "made outside Pulumi",
            },
        )
        .json()["id"]
    )
    project = yaml_project(
        textwrap.dedent(
            """
            resources:
              clash:
                type: quantum:ibm:RuntimeProgram
                properties:
                  data: |
                    def main(backend, user_messenger, **kwargs):
                        return 1
                  name: taken-name
                  description: mine
                  maxExecutionTime: 60
            """
        ),
        env=env,
    )
    with pytest.raises(auto.CommandError) as failed:
        project.up()
    output = str(failed.value)
    assert f"options: {{import: {taken}}}" in output, output
    assert "ResourceOptions" not in output
    # The plugin comes from Pulumi's plugin cache, the YAML host from beside `pulumi`
    # (scripts/bootstrap, scripts/env.sh): no "using ... from $PATH" warnings.
    assert "from $PATH" not in output, output
    # Once in the engine's summary of the resource's diagnostics (the progress lines above it
    # are the engine's own display of the same diagnostic).
    diagnostics = output.split("Diagnostics:", 1)[1].split("Resources:", 1)[0]
    assert diagnostics.count("already exists in this account") == 1, output
    ibm_session(env).delete(f"/programs/{taken}")
