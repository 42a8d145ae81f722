"""Generate a Pulumi package's SDK from its schema, for the schema-validity tests.

Why two commands: `pulumi package gen-sdk --language L` binds the schema in the CLI and then asks
the language host `pulumi-language-L` to generate (its GeneratePackage RPC). Here only the YAML
host is built (scripts/bootstrap); the nodejs, go, python and dotnet hosts live in Go modules the
module proxy reachable from this project's machines does not serve, and the project's own Python
host runs programs but does not generate SDKs. So :func:`gen_sdk` runs the engine's command first
and, only when it reports that no host for L can generate, runs `pulumi-quantum-gen-sdk`
(tools/pulumi-codegen): the same code generators, called the way those hosts call them. They come
from pkg/v3 v3.225.1, older than the engine, because that is the newest pkg/v3 the module proxy
serves that still has .NET's generator (later ones moved it to the pulumi-dotnet repository, not
served). A machine with real language hosts (any Pulumi installation) takes the engine path.

The engine binds schemas leniently (dangling type references allowed, as upstream does), so
:func:`check_schema` binds strictly with `pulumi-quantum-gen-sdk --check`: a `$ref` to an undefined
type fails there whatever path generation took.

.NET is generated but not compiled: there is no dotnet toolchain here. Offline, its generator also
cannot download the NuGet package icon, so the fallback writes an empty logo.png and warns.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from .harness import engine_env

#: Languages `pulumi-quantum-gen-sdk` can generate when no language host is available.
CODEGEN_LANGUAGES = frozenset({"nodejs", "go", "python", "dotnet"})

#: What `pulumi package gen-sdk` prints when no installed host for the language can generate.
_NO_GENERATING_HOST = re.compile(
    r"no language plugin 'pulumi-language-\w+' found|method GeneratePackage not implemented"
)

#: Generous: the engine path starts a language host; generation itself takes a second or two.
TIMEOUT_SECONDS = 300


def _run(command: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )


def gen_sdk(schema_path: Path, language: str, out_dir: Path) -> subprocess.CompletedProcess[str]:
    """Generate the ``language`` SDK for the schema at ``schema_path`` into ``out_dir/<language>``.

    Returns the finished process of the command that produced the SDK (``args[0]`` tells which),
    or of the engine's command when no fallback applies. Runs offline: no plugin downloads, and
    the working directory is ``out_dir`` so no enclosing Pulumi project is picked up.
    """
    env = engine_env()
    out_dir.mkdir(parents=True, exist_ok=True)
    schema = str(Path(schema_path).resolve())
    pulumi = shutil.which("pulumi", path=env["PATH"])
    if pulumi is None:
        raise RuntimeError("no Pulumi engine on PATH: run scripts/bootstrap, source scripts/env.sh")
    engine = _run(
        [pulumi, "package", "gen-sdk", schema, "--language", language, "--out", str(out_dir)],
        env,
        out_dir,
    )
    if (
        engine.returncode == 0
        or language not in CODEGEN_LANGUAGES
        or not _NO_GENERATING_HOST.search(engine.stderr)
    ):
        return engine
    return _run(
        [_codegen(env), "--language", language, "--out", str(out_dir), schema],
        env,
        out_dir,
    )


def _codegen(env: dict[str, str]) -> str:
    found = shutil.which("pulumi-quantum-gen-sdk", path=env["PATH"])
    if found is None:
        raise RuntimeError(
            "pulumi-quantum-gen-sdk is not on PATH: run scripts/bootstrap, source scripts/env.sh"
        )
    return found


def check_schema(schema_path: Path) -> subprocess.CompletedProcess[str]:
    """Bind the schema strictly (every type reference must resolve) without generating."""
    env = engine_env()
    schema = Path(schema_path).resolve()
    return _run([_codegen(env), "--check", str(schema)], env, schema.parent)


def error_lines(process: subprocess.CompletedProcess[str]) -> list[str]:
    """The "error" diagnostics a generator printed (both commands prefix them ``error:``)."""
    return [
        line
        for line in (process.stdout + process.stderr).splitlines()
        if line.lstrip().lower().startswith("error")
    ]
