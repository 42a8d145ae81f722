"""ibm.Function through the real engine against the local cloud's Qiskit Functions gateway.

The gateway's view is read over its REST API with the local platform's account (the calls
qiskit-serverless's ``ServerlessClient`` makes: ``programs/get_by_title``, ``programs/upload``);
its ``artifact_sha256`` is the sha256 of the tar it holds.
"""

from __future__ import annotations

import io
import os
import tarfile
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
import requests

pytestmark = pytest.mark.engine

SECRET = "sk-function-secret-7f3a"
MAIN = "from qiskit_serverless import save_result\nsave_result({'answer': 42})\n"
PROGRAM = """
import pulumi
from pulumi_quantum.ibm import Function

fn = Function(
    "fn",
    title="{title}",
    source="fn",
    entrypoint="main.py",
    dependencies=["numpy=={numpy}"],
    env_vars={{"API_SECRET": "{secret}"}},
    description="doubles",
    version="1.0.0",
    arguments_schema={{"type": "object", "properties": {{"x": {{"type": "integer"}}}}}},
    {opts}
)
pulumi.export("function_id", fn.function_id)
pulumi.export("content_sha256", fn.content_sha256)
pulumi.export("version", fn.function_version)
"""


def program(title: str, opts: str = "") -> str:
    """The program; each test its own title (the local cloud is shared, and functions are
    never deleted)."""
    return PROGRAM.format(title=title, numpy=metadata.version("numpy"), secret=SECRET, opts=opts)


def gateway(env: dict[str, str]) -> requests.Session:
    session = requests.Session()
    session.headers.update(
        {
            "Authorization": f"Bearer {env['ENV_GATEWAY_PROVIDER_TOKEN']}",
            "Service-CRN": env["QISKIT_SERVERLESS_INSTANCE"],
            "Service-Channel": "ibm_quantum_platform",
        }
    )
    return session


def function_on_gateway(env: dict[str, str], title: str) -> dict[str, Any] | None:
    url = f"{env['ENV_GATEWAY_PROVIDER_HOST']}/api/v1/programs/get_by_title/{title}"
    response = gateway(env).get(url, timeout=30)
    if response.status_code == 404:
        return None
    response.raise_for_status()
    return response.json()


def upload_out_of_band(env: dict[str, str], title: str, **fields: str) -> dict[str, Any]:
    """Upload as a script would: another folder (its main.py differs from the program's)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        data = (MAIN + "# uploaded by hand\n").encode()
        info = tarfile.TarInfo("main.py")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    response = gateway(env).post(
        f"{env['ENV_GATEWAY_PROVIDER_HOST']}/api/v1/programs/upload",
        data={"title": title, "entrypoint": "main.py", **fields},
        files={"artifact": ("artifact.tar", buffer.getvalue())},
        timeout=30,
    )
    response.raise_for_status()
    return response.json()


def stored_state(project: Any) -> str:
    """The stack's state file as the backend stores it (encrypted secrets)."""
    return "".join(p.read_text() for p in project.backend.rglob("*.json"))


def write_folder(directory: Path, main: str = MAIN) -> None:
    (directory / "fn").mkdir(exist_ok=True)
    (directory / "fn" / "main.py").write_text(main)


def test_function_uploads_updates_in_place_refreshes_and_is_retained(engine_project, local_cloud):
    env = local_cloud.client_env()
    project = engine_project(program("double"), env=env)
    write_folder(project.directory)

    up = project.up()
    function_id = up.outputs["function_id"].value
    first_hash = up.outputs["content_sha256"].value
    held = function_on_gateway(env, "double")
    assert held is not None and held["id"] == function_id
    assert held["artifact_sha256"] == first_hash  # the gateway holds exactly the packed folder
    assert held["version"] == "1.0.0" == up.outputs["version"].value
    assert held["description"] == "doubles"
    # env_vars: a secret in state (the export decrypts it, marked as a secret; the file holds
    # only ciphertext).
    [resource] = project.resources("Function")
    assert resource["id"] == "double"  # the id is the title: what get_by_title reads
    assert resource["inputs"]["env_vars"]["4dabf18193072939515e22adb298388d"]
    assert SECRET not in stored_state(project)
    assert "env_vars" in stored_state(project)

    again = project.up()
    assert set(again.summary.resource_changes) == {"same"}, again.summary.resource_changes

    # Editing a file is an in-place update: a re-upload under the same id.
    write_folder(project.directory, MAIN + "# edited\n")
    preview = project.preview()
    assert preview.change_summary.get("update") == 1, preview.change_summary
    edited = project.up()
    assert edited.outputs["function_id"].value == function_id
    assert edited.outputs["content_sha256"].value != first_hash
    assert function_on_gateway(env, "double")["artifact_sha256"] == (
        edited.outputs["content_sha256"].value
    )

    # Refresh: an upload outside Pulumi (another folder, another description) is seen.
    upload_out_of_band(env, "double", description="changed by hand", version="1.0.0")
    project.refresh()
    [resource] = project.resources("Function")
    assert resource["outputs"]["description"] == "changed by hand"
    assert (
        resource["outputs"]["content_sha256"]
        == function_on_gateway(env, "double")["artifact_sha256"]
    )
    fixed = project.up()  # converges back to the program's folder and description
    assert fixed.summary.resource_changes.get("update") == 1, fixed.summary.resource_changes
    assert function_on_gateway(env, "double")["description"] == "doubles"

    # Destroy: no delete API, so the function is retained, and the user is told.
    destroyed = project.destroy()
    assert "is retained: Qiskit Functions have no delete API" in destroyed.stdout
    assert project.resources("Function") == []
    assert function_on_gateway(env, "double")["id"] == function_id


def test_existing_function_is_imported_by_title_and_never_overwritten(engine_project, local_cloud):
    env = local_cloud.client_env()
    existing = upload_out_of_band(env, "adopted", description="made by hand")

    # Without import_: the upload would overwrite it (an upsert), so create refuses.
    project = engine_project(program("adopted"), env=env)
    write_folder(project.directory)
    from pulumi import automation as auto

    with pytest.raises(auto.errors.CommandError) as info:
        project.up()
    assert "a function titled 'adopted' already exists" in str(info.value)
    assert "import_='adopted'" in str(info.value)
    assert function_on_gateway(env, "adopted")["description"] == "made by hand"

    # With import_=<title>: adopted, then brought to the program's settings.
    project.write_program(program("adopted", 'opts=pulumi.ResourceOptions(import_="adopted"),'))
    up = project.up()
    assert up.outputs["function_id"].value == existing["id"]
    held = function_on_gateway(env, "adopted")
    assert held["description"] == "doubles"
    assert held["artifact_sha256"] == up.outputs["content_sha256"].value
    again = project.up()
    assert set(again.summary.resource_changes) == {"same"}, again.summary.resource_changes


def test_unavailable_dependency_fails_at_create_with_nothing_uploaded(engine_project, local_cloud):
    env = local_cloud.client_env()
    project = engine_project(program("pinned").replace("numpy==", "numpy==0.0.1+"), env=env)
    write_folder(project.directory)
    from pulumi import automation as auto

    project.preview()  # the allow-list needs the gateway: not checked at preview
    with pytest.raises(auto.errors.CommandError) as info:
        project.up()
    assert "dependencies: numpy==0.0.1+" in str(info.value)
    assert "is not available; the allow-list has" in str(info.value)
    assert function_on_gateway(env, "pinned") is None


YAML = """
resources:
  fn:
    type: quantum:ibm:Function
    properties:
      title: yaml-fn
      source: fn
      entrypoint: main.py
      version: '1.0.0'
      description: {description}
      envVars:
        API_SECRET: {secret}
      argumentsSchema:
        type: object
outputs:
  functionId: ${{fn.functionId}}
  contentSha256: ${{fn.contentSha256}}
"""


def own_schema_cache(tmp_path: Path) -> dict[str, str]:
    """A Pulumi home of this test's own that shares the installed plugins but not the schema
    cache: the engine caches the plugin's schema per name and version in ``~/.pulumi/schemas``,
    so on a machine where a checkout without ``ibm.Function`` ran the plugin first, the YAML
    host would read that stale schema."""
    real = Path(os.environ.get("PULUMI_HOME") or Path.home() / ".pulumi")
    home = tmp_path / "pulumi-home"
    home.mkdir()
    (home / "plugins").symlink_to(real / "plugins")
    return {"PULUMI_HOME": str(home)}


def test_yaml_program_deploys_updates_and_retains_a_function_through_the_plugin(
    yaml_project, local_cloud, tmp_path
):
    import shutil

    if shutil.which("pulumi-language-yaml") is None:
        raise AssertionError(
            "no pulumi-language-yaml: run scripts/bootstrap, source scripts/env.sh"
        )
    env = {**local_cloud.client_env(), **own_schema_cache(tmp_path)}
    project = yaml_project(YAML.format(description="first", secret=SECRET), env=env)
    write_folder(project.directory)

    up = project.up()
    held = function_on_gateway(env, "yaml-fn")
    assert held is not None and held["id"] == up.outputs["functionId"].value
    assert held["artifact_sha256"] == up.outputs["contentSha256"].value
    assert held["description"] == "first"
    assert SECRET not in stored_state(project)
    assert set(project.preview().change_summary) == {"same"}

    write_folder(project.directory, MAIN + "# v2\n")
    (project.directory / "Pulumi.yaml").write_text(
        (project.directory / "Pulumi.yaml")
        .read_text()
        .replace("description: first", "description: second")
    )
    again = project.up()
    assert again.summary.resource_changes.get("update") == 1, again.summary.resource_changes
    held = function_on_gateway(env, "yaml-fn")
    assert held["description"] == "second"
    assert held["artifact_sha256"] == again.outputs["contentSha256"].value

    destroyed = project.destroy()
    assert "is retained: Qiskit Functions have no delete API" in destroyed.stdout
    assert function_on_gateway(env, "yaml-fn")["id"] == up.outputs["functionId"].value


def test_plugin_pulumi_import_by_title_plans_nothing(engine_project, local_cloud, tmp_path):
    """``pulumi import quantum:ibm:Function NAME <title>``: the engine's Read with the id alone."""
    from ._plugin import plugin_project, reimport
    from ._stacks import changes, plan

    env = {**local_cloud.client_env(), **own_schema_cache(tmp_path)}
    props = {
        "title": "plugin-fn",
        "source": "fn",
        "entrypoint": "main.py",
        "version": "1.0.0",
        "description": "through the plugin",
    }
    project = plugin_project(
        engine_project, env, [{"type": "quantum:ibm:Function", "name": "fn", "props": props}]
    )
    write_folder(project.directory)
    up = project.up()
    assert changes(up) == {"create": 2}, up.summary.resource_changes
    assert up.outputs["fnId"].value == "plugin-fn"  # the id is the title

    reimport(project, "quantum:ibm:Function", "fn", "plugin-fn")
    preview = project.preview()
    assert plan(preview) == {}, preview.change_summary
    destroyed = project.destroy()
    assert "is retained" in destroyed.stdout
    assert function_on_gateway(env, "plugin-fn") is not None
