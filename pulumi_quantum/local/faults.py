"""Fault knobs of the local quantum cloud, shared by every service.

Tests turn these on to prove the clients and providers cope with a real cloud's bad days:
throttling, latency, quota limits and internal errors. Values come from CLI flags or the
``PQ_LOCAL_*`` environment variables and can be changed at run time through each service's
``/_local/faults`` admin endpoint (JSON body with any of the fields below).
"""

from __future__ import annotations

import os
import random
import threading
import time
from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass
class Faults:
    throttle_rate: float = 0.0
    """Fraction of requests rejected as throttled (Braket: 400 ThrottlingException, IBM: 429)."""
    latency_ms: int = 0
    """Delay added to every API request."""
    max_concurrent_tasks: int = 0
    """Braket: non-terminal tasks allowed at once (0 = unlimited); beyond it
    ServiceQuotaExceededException."""
    error_rate: float = 0.0
    """Fraction of API requests answered with an internal server error (HTTP 500)."""
    seed: int | None = None

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(self.seed)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Faults:
        env = os.environ if environ is None else environ
        return cls(
            throttle_rate=float(env.get("PQ_LOCAL_THROTTLE_RATE", "0") or 0),
            latency_ms=int(env.get("PQ_LOCAL_LATENCY_MS", "0") or 0),
            max_concurrent_tasks=int(env.get("PQ_LOCAL_MAX_CONCURRENT_TASKS", "0") or 0),
            error_rate=float(env.get("PQ_LOCAL_ERROR_RATE", "0") or 0),
        )

    def update(self, values: dict[str, Any]) -> None:
        known = {f.name: f.type for f in fields(self)}
        with self._lock:
            for key, value in values.items():
                if key not in known:
                    raise ValueError(f"unknown fault knob {key!r}; known: {sorted(known)}")
                setattr(self, key, value)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if not k.startswith("_")}

    def _roll(self, rate: float) -> bool:
        if rate <= 0:
            return False
        with self._lock:
            return self._random.random() < rate

    def delay(self) -> None:
        """Apply the configured latency (a deliberate fault, not synchronisation)."""
        if self.latency_ms > 0:
            time.sleep(self.latency_ms / 1000.0)

    def should_throttle(self) -> bool:
        return self._roll(self.throttle_rate)

    def should_fail(self) -> bool:
        return self._roll(self.error_rate)
