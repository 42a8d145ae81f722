"""Print the policy pack's directory.

For ``pulumi preview --policy-pack "$(python -m pulumi_quantum.policy.path)"``: the pack ships
inside the installed package, wherever pip put it.
"""

from __future__ import annotations

from . import PACK_DIR

if __name__ == "__main__":
    print(PACK_DIR)
