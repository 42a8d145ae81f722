"""``python -m pulumi_quantum.local start|stop|status|serve`` (same as ``pulumi-quantum local``)."""

from __future__ import annotations

import sys

from .cli import main_local

if __name__ == "__main__":
    sys.exit(main_local())
