"""Where pulumi-quantum keeps what it caches (price lists, check verdicts, client virtualenvs).

One rule, the one ``scripts/env.sh`` uses: ``$PQ_CACHE``, else ``$XDG_CACHE_HOME/pulumi-quantum``,
else ``~/.cache/pulumi-quantum``. Imports nothing of the package, so the provider side, the local
cloud and the tests' helpers all read the same place.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def cache_root(environ: Mapping[str, str] | None = None) -> Path:
    """The cache directory under ``environ`` (default: this process's environment)."""
    env = os.environ if environ is None else environ
    base = env.get("PQ_CACHE") or os.path.join(
        env.get("XDG_CACHE_HOME") or os.path.join(env.get("HOME") or "~", ".cache"),
        "pulumi-quantum",
    )
    return Path(os.path.expanduser(base))
