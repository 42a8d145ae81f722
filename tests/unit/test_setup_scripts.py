"""The set-up scripts build what their job needs, and quietly.

``scripts/quickstart`` (the main job) runs ``scripts/bootstrap`` with no option: the virtualenv
and the engine only. The test-only tools (the YAML language host, the SDK generators, the
vendor clients' virtualenvs) are built by ``scripts/bootstrap --test-tools``, which
``scripts/test`` runs. Checked by running the real script against a cache whose engine is the
real one and a ``go`` that records what it is asked to build.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

FAKE_GO = """#!/bin/sh
# Records the build and writes an empty executable for each package, like `go build -o DIR/`.
echo "$*" >> "{log}"
out=""; prev=""
for arg in "$@"; do [ "$prev" = "-o" ] && out="$arg"; prev="$arg"; done
for arg in "$@"; do
  case "$arg" in
    github.com/*/cmd/*|./cmd/*)
      name="${{arg##*/}}"; printf '#!/bin/sh\\n' > "$out/$name"; chmod +x "$out/$name" ;;
  esac
done
"""


def real_cache() -> Path:
    return Path(
        os.environ.get("PQ_CACHE")
        or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pulumi-quantum"
    )


@pytest.fixture
def bootstrap(tmp_path):
    """Run scripts/bootstrap with a fresh cache (engine and client venvs linked from the real
    one, nothing else) and a recording ``go``; returns (run, go log)."""
    cache = tmp_path / "cache"
    cache.mkdir()
    for shared in ("engine", "client-venvs"):
        if not (real_cache() / shared).is_dir():
            pytest.fail(f"no {real_cache() / shared}: run scripts/bootstrap --test-tools first")
    (cache / "client-venvs").symlink_to(real_cache() / "client-venvs")
    # The engine's files one by one, never its directory: nothing the script writes beside
    # `pulumi` may land in the real cache.
    for real_bin in (real_cache() / "engine").glob("v*/bin"):
        copy = cache / real_bin.relative_to(real_cache())
        copy.mkdir(parents=True)
        for item in real_bin.iterdir():
            if item.name == ".complete":
                (copy / item.name).touch()
            else:
                (copy / item.name).symlink_to(item.resolve())
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    log = tmp_path / "go.log"
    log.touch()
    go = stubs / "go"
    go.write_text(FAKE_GO.format(log=log))
    go.chmod(0o755)
    env = {
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "PATH": f"{stubs}:/usr/bin:/bin",
        "PQ_CACHE": str(cache),
        "PULUMI_HOME": str(tmp_path / "pulumi-home"),  # plugins installed here, not in the real one
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", str(REPO / "scripts" / "bootstrap"), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    return run, log


def test_bootstrap_builds_only_the_main_jobs_tools_by_default(bootstrap, tmp_path):
    run, log = bootstrap
    done = run()
    assert done.returncode == 0, done.stderr
    assert log.read_text() == ""  # no Go build: no YAML host, no SDK generators
    assert "client virtualenvs" not in done.stderr
    assert "engine v" in done.stderr  # the engine is still made ready


def test_the_provider_plugin_goes_to_pulumis_plugin_cache_not_path(bootstrap, tmp_path):
    """A plugin found on PATH makes the engine warn at every load ("using
    pulumi-resource-quantum from $PATH", five times a command); from the cache it is silent."""
    run, _ = bootstrap
    assert run().returncode == 0
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    plugin = tmp_path / "pulumi-home" / "plugins" / f"resource-quantum-v{version}"
    shim = (plugin / "pulumi-resource-quantum").read_text()
    assert "PULUMI_PYTHON_CMD" in shim and "-m pulumi_quantum.plugin" in shim
    env_sh = (REPO / "scripts" / "env.sh").read_text()
    assert "export PULUMI_IGNORE_AMBIENT_PLUGINS=true" in env_sh
    again = run()  # installed once: a second run leaves it alone
    assert "plugin cache" not in again.stderr, again.stderr


def test_the_python_language_host_is_built_once_per_hash_of_its_sources(bootstrap, tmp_path):
    """The engine finds language hosts beside `pulumi` only: the tools run it from a directory
    per hash of the host's sources (hard links of the engine plus the host built from this
    checkout), so a changed host (RunPlugin for policy packs) is rebuilt and an unchanged one
    is not."""
    run, log = bootstrap
    base = next((tmp_path / "cache" / "engine").glob("v*/bin"))
    for linked in base.iterdir():  # a built engine, not links to a user's own
        if linked.is_symlink() and linked.name.startswith("pulumi") and "yaml" not in linked.name:
            target = linked.resolve()
            linked.unlink()
            os.link(target, linked)
    done = run()
    assert done.returncode == 0, done.stderr
    host_dir = REPO / "tools" / "pulumi"
    sources = sorted((host_dir / "cmd" / "pulumi-language-python").glob("*.go"))
    sources += [host_dir / "go.mod", host_dir / "go.sum"]
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()[:16]
    bin_dir = base.parent / f"python-host-{digest}" / "bin"
    assert (bin_dir / "pulumi-language-python").is_file(), done.stderr
    assert os.path.samefile(bin_dir / "pulumi", base / "pulumi")
    assert log.read_text().count("./cmd/pulumi-language-python") == 1
    again = run()
    assert again.returncode == 0, again.stderr
    assert log.read_text().count("./cmd/pulumi-language-python") == 1


def test_bootstrap_yaml_builds_the_yaml_host_only(bootstrap):
    run, log = bootstrap
    done = run("--yaml")
    assert done.returncode == 0, done.stderr
    builds = log.read_text().splitlines()
    assert len(builds) == 1 and "pulumi-language-yaml" in builds[0], builds
    assert "client virtualenvs" not in done.stderr


def test_bootstrap_test_tools_builds_every_test_only_tool(bootstrap):
    run, log = bootstrap
    done = run("--test-tools")
    assert done.returncode == 0, done.stderr
    built = log.read_text()
    assert "pulumi-language-yaml" in built and "pulumi-quantum-gen-sdk" in built
    assert "client virtualenvs" in done.stderr


def test_the_test_command_asks_for_the_test_tools_and_the_quickstart_does_not():
    test = (REPO / "scripts" / "test").read_text()
    quickstart = (REPO / "scripts" / "quickstart").read_text()
    assert '"$here/bootstrap" --test-tools' in test
    assert '"$here/bootstrap"\n' in quickstart


def test_license_is_an_spdx_expression():
    """A ``license = {text = ...}`` table makes setuptools (>= 77) print a deprecation warning
    three times per install; an SPDX string is the current form."""
    from packaging.licenses import canonicalize_license_expression

    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    license_ = project["project"]["license"]
    assert isinstance(license_, str)
    assert canonicalize_license_expression(license_) == license_
    assert not any(c.startswith("License ::") for c in project["project"].get("classifiers", []))
    assert any(
        r.replace(" ", "").startswith("setuptools>=77") for r in project["build-system"]["requires"]
    )
