"""The package schema generates an SDK for every language we can generate here.

Why: issue 13 publishes a Pulumi package schema so users of other languages can run
`pulumi package gen-sdk`. A schema that binds but trips one language's generator (a name clash, an
unsupported type, a missing language section) is only found by generating. This runs each
generator (see tests/engine/gensdk.py for which command and why) and checks the main files of the
resource appear, with exit code 0 and no error diagnostics. The generated Python is also compiled
with the project's interpreter and must define the resource. The generated C# cannot be compiled
(no dotnet toolchain here), so its resource file is checked against the schema instead.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from .gensdk import check_schema, error_lines, gen_sdk

pytestmark = pytest.mark.engine


def schema_under_test() -> Path:
    """The plugin's package schema (built from the declarations), written to a file once."""
    from pulumi_quantum.plugin.schema import package_schema

    path = Path(tempfile.gettempdir()) / f"pulumi-quantum-schema-{os.getpid()}.json"
    path.write_text(json.dumps(package_schema(), indent=2))
    return path


@dataclass(frozen=True)
class Names:
    """What the generators call the schema's package and its first resource, per language."""

    package: str  # "quantum"
    module: str  # "braket" from quantum:braket:QuantumTask
    resource: str  # "QuantumTask"
    python_package: str  # language.python.packageName, else pulumi_<package>
    version: str  # "0.1.0", or "" without a version
    csharp_package: str  # language.csharp rootNamespace + "." + the package's namespace
    csharp_module: str  # "Braket": the module's namespace, also its directory

    @property
    def camel(self) -> str:
        return self.resource[0].lower() + self.resource[1:]

    @property
    def snake(self) -> str:
        return "".join(f"_{c.lower()}" if c.isupper() else c for c in self.resource).lstrip("_")

    def expected_files(self, language: str) -> list[str]:
        """Main files per language, relative to the SDK's root."""
        version = f"-{self.version}" if self.version else ""
        return {
            "nodejs": ["package.json", "index.ts", f"{self.module}/{self.camel}.ts"],
            "go": [f"{self.package}/provider.go", f"{self.package}/{self.module}/{self.camel}.go"],
            "python": [
                "pyproject.toml",
                f"{self.python_package}/__init__.py",
                f"{self.python_package}/{self.module}/{self.snake}.py",
            ],
            "dotnet": [
                f"{self.csharp_package}.csproj",
                "Provider.cs",
                f"{self.csharp_module}/{self.resource}.cs",
            ],
            "yaml": [f"{self.package}{version}.yaml"],
        }[language]


def names() -> Names:
    schema = json.loads(schema_under_test().read_text())
    token = sorted(schema["resources"])[0]
    _, module, resource = token.split(":")
    python = schema.get("language", {}).get("python", {})
    csharp = schema.get("language", {}).get("csharp", {})

    def namespace(name: str) -> str:
        # The .NET generator's rule: language.csharp.namespaces, else the name title-cased.
        return csharp.get("namespaces", {}).get(name, name[:1].upper() + name[1:])

    return Names(
        package=schema["name"],
        module=module,
        resource=resource,
        python_package=python.get("packageName", f"pulumi_{schema['name']}"),
        version=schema.get("version", ""),
        csharp_package=f"{csharp.get('rootNamespace', 'Pulumi')}.{namespace(schema['name'])}",
        csharp_module=namespace(module),
    )


def test_schema_binds_strictly() -> None:
    process = check_schema(schema_under_test())
    assert process.returncode == 0, process.stderr
    assert error_lines(process) == [], process.stderr


def test_strict_binding_rejects_a_dangling_type_reference(tmp_path: Path) -> None:
    """The check above can fail: the engine's lenient binding would let this schema through."""
    schema = json.loads(schema_under_test().read_text())
    token = sorted(schema["resources"])[0]
    package = schema["name"]
    schema["resources"][token]["properties"]["broken"] = {"$ref": f"#/types/{package}:x:Missing"}
    broken = tmp_path / "broken-schema.json"
    broken.write_text(json.dumps(schema))
    process = check_schema(broken)
    assert process.returncode == 1
    assert any(f"{package}:x:Missing not found" in line for line in error_lines(process)), (
        process.stderr
    )


@pytest.mark.parametrize("language", ["nodejs", "go", "python", "dotnet", "yaml"])
def test_schema_generates_sdk(language: str, tmp_path: Path) -> None:
    out = tmp_path / "sdk"
    process = gen_sdk(schema_under_test(), language, out)
    report = f"{process.args}\nstdout:\n{process.stdout}\nstderr:\n{process.stderr}"
    assert process.returncode == 0, report
    assert error_lines(process) == [], report
    root = out / language
    missing = [name for name in names().expected_files(language) if not (root / name).is_file()]
    assert missing == [], f"{missing} not generated; got {sorted(root.rglob('*'))}"


def test_generated_python_sdk_compiles(tmp_path: Path) -> None:
    """The generated Python is valid for this interpreter and defines the resource class.

    (Importing it would also need the generated SDK's own dependencies, parver and semver, which
    the project does not install; compiling every module checks what the generator controls.)
    """
    out = tmp_path / "sdk"
    process = gen_sdk(schema_under_test(), "python", out)
    assert process.returncode == 0, process.stderr
    n = names()
    root = out / "python" / n.python_package
    result = subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(root)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    module = ast.parse((root / n.module / f"{n.snake}.py").read_text())
    classes = {node.name for node in module.body if isinstance(node, ast.ClassDef)}
    assert {n.resource, f"{n.resource}Args"} <= classes, classes


def test_generated_dotnet_sdk_declares_the_resource(tmp_path: Path) -> None:
    """The generated C# declares the resource and its Args with exactly the schema's inputs.

    Without a dotnet toolchain the C# cannot be compiled; this checks what the schema controls:
    the namespace (language.csharp), the resource and Args classes, and one `[Input("name")]`
    per input property, none missing or extra.
    """
    out = tmp_path / "sdk"
    process = gen_sdk(schema_under_test(), "dotnet", out)
    assert process.returncode == 0, process.stderr
    n = names()
    source = (out / "dotnet" / n.csharp_module / f"{n.resource}.cs").read_text()
    assert f"namespace {n.csharp_package}.{n.csharp_module}\n" in source
    assert f"public partial class {n.resource} : global::Pulumi.CustomResource\n" in source
    args_class = f"public sealed class {n.resource}Args : global::Pulumi.ResourceArgs\n"
    assert args_class in source
    args = source[source.index(args_class) :]
    schema = json.loads(schema_under_test().read_text())
    inputs = schema["resources"][f"{n.package}:{n.module}:{n.resource}"]["inputProperties"]
    assert sorted(re.findall(r'\[Input\("(\w+)"', args)) == sorted(inputs)
