"""``python -m pulumi_quantum.cli``: the same entry point as the ``pulumi-quantum`` script."""

import sys

from . import main

sys.exit(main())
