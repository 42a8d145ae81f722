"""Hold the local Braket runner so tasks stay QUEUED: a "long-running" task on demand.

The local cloud runs a Bell circuit in milliseconds; a long-running QPU task is modelled by
queueing work behind blockers in the runner's FIFO worker pool, so new tasks stay QUEUED (not
RUNNING, which the runner's own pause hook would give) until the block is released.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def runner_held(cloud: Any, limit_seconds: float = 120) -> Iterator[None]:
    release = threading.Event()
    for _ in range(cloud.workers):
        cloud.runner._pool.submit(release.wait, limit_seconds)
    try:
        yield
    finally:
        release.set()
