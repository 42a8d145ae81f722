# shellcheck shell=bash
# Environment for running Pulumi offline against this project. Sourced by the other scripts
# after scripts/bootstrap has run; safe to source in an interactive shell too:
#   source scripts/env.sh
PQ_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PQ_ENGINE_VERSION="$(sed -n 's/^ *"pulumi==\([0-9.]*\)".*/\1/p' "$PQ_ROOT/pyproject.toml" | head -n1)"
PQ_CACHE="${PQ_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-quantum}"
# The pinned engine as built (or linked) once per version ...
PQ_ENGINE_BASE="$PQ_CACHE/engine/v$PQ_ENGINE_VERSION/bin"
# ... and the directory the tools run it from: the same files beside the Python language host built
# from this checkout's tools/pulumi/cmd/pulumi-language-python (the engine looks for language hosts
# beside `pulumi` only). One directory per hash of the host's sources, so a changed host is rebuilt
# and checkouts with different hosts never replace each other's (scripts/bootstrap, step 2a).
PQ_PYHOST_HASH="$(cat "$PQ_ROOT"/tools/pulumi/cmd/pulumi-language-python/*.go \
  "$PQ_ROOT/tools/pulumi/go.mod" "$PQ_ROOT/tools/pulumi/go.sum" | sha256sum | cut -c1-16)"
PQ_ENGINE_BIN="$PQ_CACHE/engine/v$PQ_ENGINE_VERSION/python-host-$PQ_PYHOST_HASH/bin"
# The Pulumi YAML language host, at the pulumi-yaml tag required in tools/pulumi-yaml/go.mod, and
# the SDK generators of the pkg/v3 release required in tools/pulumi-codegen/go.mod (older than the
# engine: the newest that still has .NET's); both built by scripts/bootstrap.
PQ_YAML_VERSION="$(sed -n 's|.*github\.com/pulumi/pulumi-yaml \(v[0-9][^ ]*\).*|\1|p' \
  "$PQ_ROOT/tools/pulumi-yaml/go.mod" | head -n1)"
PQ_YAML_BIN="$PQ_CACHE/language-yaml/$PQ_YAML_VERSION/bin"
PQ_CODEGEN_VERSION="$(sed -n 's|.*github\.com/pulumi/pulumi/pkg/v3 \(v[0-9][^ ]*\).*|\1|p' \
  "$PQ_ROOT/tools/pulumi-codegen/go.mod" | head -n1)"
PQ_CODEGEN_BIN="$PQ_CACHE/codegen/$PQ_CODEGEN_VERSION/bin"
# Always this checkout's own virtualenv: one inherited from another checkout's environment
# would run that checkout's code.
PQ_VENV="$PQ_ROOT/.venv"
export PQ_ROOT PQ_ENGINE_VERSION PQ_CACHE PQ_ENGINE_BASE PQ_PYHOST_HASH PQ_ENGINE_BIN PQ_VENV PQ_YAML_VERSION PQ_YAML_BIN
export PQ_CODEGEN_VERSION PQ_CODEGEN_BIN

# The engine's plugins (and our language host) find Python through these.
export PATH="$PQ_VENV/bin:$PQ_ENGINE_BIN:$PATH"
# Appended, not prepended: a `pulumi-language-yaml` the user already has on PATH comes first.
export PATH="$PATH:$PQ_YAML_BIN:$PQ_CODEGEN_BIN"
export PULUMI_PYTHON_CMD="$PQ_VENV/bin/python"
# Offline operation: no update checks, no plugin downloads, local passphrase-protected stacks.
export PULUMI_SKIP_UPDATE_CHECK=1
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
# Plugins come from Pulumi's plugin cache (scripts/bootstrap installs ours there) or from beside
# `pulumi`, never from PATH: a plugin found on PATH makes the engine warn at every load.
export PULUMI_IGNORE_AMBIENT_PLUGINS=true
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-local-quickstart}"

# Where scripts/quickstart keeps its stack and its local cloud, so the README's follow-up commands
# (`pulumi stack output`, `pulumi-quantum results task_arns.bell`) work in a fresh shell. Values
# already set win. scripts/test sets PQ_ENV_TOOLS_ONLY=1: tests build their own backends and clouds.
if [[ -z "${PQ_ENV_TOOLS_ONLY:-}" ]]; then
  # `pulumi refresh` / `destroy` run the program, so providers get the *current* stack config
  # (an endpoint changed since the last `up` is honoured instead of the one recorded then).
  export PULUMI_RUN_PROGRAM="${PULUMI_RUN_PROGRAM:-true}"
  export PQ_STATE_DIR="${PQ_STATE_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/pulumi-quantum}"
  export PQ_LOCAL_DATA_DIR="${PQ_LOCAL_DATA_DIR:-$PQ_STATE_DIR/cloud}"
  if [[ -z "${PULUMI_BACKEND_URL:-}" ]]; then
    # The file backend must exist for `pulumi stack init` in a shell that never ran the quickstart.
    mkdir -p "$PQ_STATE_DIR/backend"
    export PULUMI_BACKEND_URL="file://$PQ_STATE_DIR/backend"
  fi
  # The running local cloud's endpoints and keys, unless Braket is already pointed elsewhere.
  if [[ -z "${AWS_ENDPOINT_URL_BRAKET:-}" && -x "$PQ_VENV/bin/pulumi-quantum" ]]; then
    if pq_exports="$("$PQ_VENV/bin/pulumi-quantum" local env --data-dir "$PQ_LOCAL_DATA_DIR" 2>/dev/null)"; then
      # Not the IBM platform proxy: it relays IBM's host names only, so pip, git or curl in this
      # shell would fail through it. The providers do not need it (they read the local cloud's
      # client.json); qiskit-ibm-runtime by hand: eval "$(pulumi-quantum local env)".
      eval "$(grep '^export ' <<<"$pq_exports" | grep -Ev '^export (HTTPS?_PROXY|https?_proxy)=')"
    fi
    unset pq_exports
  fi
fi
