"""pulumi-quantum's CrossGuard policy pack: cost caps and guard rails checked before ``up``.

Run it with ``pulumi preview --policy-pack "$(python -m pulumi_quantum.policy.path)"`` (or the
same on ``pulumi up``); configure it with ``--policy-pack-config FILE``. The rules are plain
functions in :mod:`.checks`; ``__main__.py`` is the pack the engine starts (through the Python
language host's RunPlugin); ``PulumiPolicy.yaml`` marks this directory as a policy pack.
See docs/policy.md.
"""

from __future__ import annotations

from pathlib import Path

PACK_DIR = Path(__file__).resolve().parent
"""The directory to pass to ``--policy-pack``."""
