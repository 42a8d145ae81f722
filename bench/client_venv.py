"""Time to build a vendor client's test virtualenv (tests/clients/venvs.py), cold and warm.

    .venv/bin/python bench/client_venv.py                 # pip cache as it is (~/.cache/pip)
    .venv/bin/python bench/client_venv.py --cold          # an empty, throwaway pip cache

Builds into a throwaway PQ_CACHE so the real cached environment is left alone; prints seconds.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requirements", default="ibmq-provider.txt")
    parser.add_argument("--cold", action="store_true", help="use an empty pip cache")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pq-venv-bench-") as tmp:
        os.environ["PQ_CACHE"] = str(Path(tmp) / "pq")
        if args.cold:
            os.environ["PIP_CACHE_DIR"] = str(Path(tmp) / "pip")
        from tests.clients.venvs import ensure_venv

        built = ensure_venv(args.requirements)
        reused = ensure_venv(args.requirements)
        kind = "empty pip cache" if args.cold else "pip cache as found"
        print(
            f"{args.requirements}: build {built.built_seconds} s ({kind}); reuse: "
            f"{'cached' if reused.built_seconds is None else 'REBUILT'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
