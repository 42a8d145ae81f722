"""The plugin's package schema is the declarations, and nothing else.

Every input and output of every declaration is in it with its camelCase name, its
required-ness and its secrecy; hidden bookkeeping never is; the provider config lists every
``quantum:`` key the package reads (``config_value`` callers), secrets marked. The engine's own
binder accepts it (``pulumi schema check``), and ``pulumi package get-schema`` reads the same
schema from the plugin over gRPC.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pulumi_quantum import __version__
from pulumi_quantum.catalogue import all_declarations
from pulumi_quantum.plugin.schema import CONFIG, package_schema

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = package_schema()


def test_names_version_and_languages():
    assert SCHEMA["name"] == "quantum" and SCHEMA["version"] == __version__
    assert set(SCHEMA["language"]) == {"python", "nodejs", "go", "csharp"}
    # The generated Python SDK must never shadow this package (the dynamic resources' home).
    assert SCHEMA["language"]["python"]["packageName"] != "pulumi_quantum"


@pytest.mark.parametrize("decl", all_declarations(), ids=lambda d: d.token)
def test_every_declared_property_is_in_the_schema(decl):
    spec = SCHEMA["resources"][decl.token]
    inputs = {p.camel: p for p in decl.inputs}
    visible = {p.camel: p for p in (*decl.inputs, *decl.outputs)}
    assert set(spec["inputProperties"]) == set(inputs)
    assert set(spec["properties"]) == set(visible)
    assert spec["requiredInputs"] == sorted(n for n, p in inputs.items() if p.required)
    assert spec["required"] == sorted(n for n, p in visible.items() if p.required)
    for name, prop in visible.items():
        assert spec["properties"][name]["description"] == prop.doc
        assert spec["properties"][name].get("secret", False) == prop.secret
    for hidden in decl.hidden:
        assert hidden.camel not in spec["properties"]
        assert hidden.camel not in spec["inputProperties"]
    for obj in decl.types:
        typed = SCHEMA["types"][f"quantum:{decl.module}:{obj.name}"]
        assert set(typed["properties"]) == {p.camel for p in obj.props}


def test_every_resource_and_type_comes_from_a_declaration():
    decls = all_declarations()
    assert set(SCHEMA["resources"]) == {d.token for d in decls}
    assert set(SCHEMA["types"]) == {f"quantum:{d.module}:{t.name}" for d in decls for t in d.types}
    text = json.dumps(SCHEMA)
    refs = set(re.findall(r'"#/types/([^"]+)"', text))
    assert refs <= set(SCHEMA["types"]), refs - set(SCHEMA["types"])


def test_kinds_map_to_schema_types():
    task = SCHEMA["resources"]["quantum:braket:QuantumTask"]["inputProperties"]
    assert task["action"]["type"] == "string"  # json: canonical JSON text
    assert task["shots"]["type"] == "integer"
    assert task["tags"] == {
        **task["tags"],
        "type": "object",
        "additionalProperties": {"type": "string"},
    }
    assert task["associations"]["items"] == {"$ref": "#/types/quantum:braket:Association"}
    limit = SCHEMA["resources"]["quantum:braket:SpendingLimit"]["inputProperties"]
    assert limit["timePeriod"]["$ref"] == "#/types/quantum:braket:TimePeriod"
    session = SCHEMA["resources"]["quantum:ibm:Session"]
    assert {"type": "integer"} in session["inputProperties"]["maxTime"]["oneOf"]
    assert session["properties"]["maxTime"]["type"] == "integer"  # check normalises to seconds


def test_config_is_every_key_the_package_reads_with_secrets_marked():
    read = set()
    for path in (ROOT / "pulumi_quantum").rglob("*.py"):
        read |= set(re.findall(r'config_value\(\s*"(\w+)"', path.read_text()))
    variables = SCHEMA["config"]["variables"]
    assert read <= set(variables), read - set(variables)
    assert set(variables) == {key.name for key in CONFIG}
    assert SCHEMA["provider"]["inputProperties"] == variables
    secrets = {name for name, spec in variables.items() if spec.get("secret")}
    assert secrets == {
        "ibmToken",
        "ibmApiKey",
        "awsAccessKeyId",
        "awsSecretAccessKey",
        "awsSessionToken",
    }


def test_the_engine_reads_the_schema_from_the_plugin(tmp_path):
    """``pulumi package get-schema <plugin>``: the engine starts the console script the way it
    starts any plugin and prints the schema it serves."""
    pulumi = shutil.which("pulumi")
    plugin = shutil.which("pulumi-resource-quantum")
    assert pulumi and plugin, "run scripts/bootstrap and source scripts/env.sh"
    done = subprocess.run(
        [pulumi, "package", "get-schema", plugin],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={
            "PATH": str(Path(plugin).parent) + ":" + str(Path(pulumi).parent),
            "HOME": str(tmp_path),
            "PULUMI_SKIP_UPDATE_CHECK": "1",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_BACKEND_URL": f"file://{tmp_path}",
        },
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == SCHEMA


def test_the_engine_binds_the_schema(tmp_path):
    """``pulumi schema check``: the engine's own schema binder (the one ``gen-sdk`` and Pulumi
    YAML use) accepts the schema without an error or a warning."""
    pulumi = shutil.which("pulumi")
    assert pulumi, "run scripts/bootstrap and source scripts/env.sh"
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(SCHEMA))
    done = subprocess.run(
        [pulumi, "schema", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={"PATH": str(Path(pulumi).parent), "HOME": str(tmp_path),
             "PULUMI_SKIP_UPDATE_CHECK": "1"},
        check=False,
    )  # fmt: skip
    assert done.returncode == 0 and not (done.stdout + done.stderr).strip(), done
