"""Print the policy pack's directory, for ``--policy-pack "$(python -m pulumi_quantum.policy.path)"``."""

from __future__ import annotations

from . import PACK_DIR

if __name__ == "__main__":
    print(PACK_DIR)
