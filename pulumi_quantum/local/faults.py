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
    storage_read_only: bool = False
    """Make the database refuse every write (SQLite's own ``PRAGMA query_only``), as a
    read-only database file does: writes answer 503 and health reports the fault."""
    iam_token_ttl: int = 3600
    """Seconds an IBM IAM access token issued from now on is valid (IBM's ``expires_in`` is
    3600); tests shorten it to watch a token expire and the client refresh it."""
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

    def update(self, values: Any) -> None:
        """Set knobs from a JSON object: all of them or, on any bad value, none (ValueError).

        Values are checked here because every later request reads them: a string latency used
        to turn every request into a 500.
        """
        if not isinstance(values, dict):
            raise ValueError(f"fault knobs must be a JSON object, got {type(values).__name__}")
        checked = {key: _check_knob(key, value) for key, value in values.items()}
        with self._lock:
            for key, value in checked.items():
                setattr(self, key, value)

    def update_json(self, raw: bytes) -> None:
        """:meth:`update` from an admin request body (empty: no change); ValueError if bad.

        The body is parsed with :func:`limits.loads_json`: deep nesting and ``Infinity`` /
        ``1e400`` are the caller's mistake (400), not the server's (500).
        """
        from .limits import loads_json

        self.update(loads_json(raw or b"{}", "fault knobs", finite=True))

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


_RATES = ("throttle_rate", "error_rate")
_COUNTS = ("latency_ms", "max_concurrent_tasks")
#: Latency above this is a typo, not a fault to inject (it would wedge every client).
MAX_LATENCY_MS = 60_000


def _check_knob(key: str, value: Any) -> Any:
    known = sorted(f.name for f in fields(Faults) if not f.name.startswith("_"))
    if key not in known:
        raise ValueError(f"unknown fault knob {key!r}; known: {known}")
    if key == "storage_read_only":
        if not isinstance(value, bool):
            raise ValueError(f"{key} must be true or false, got {value!r}")
        return value
    number = (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and abs(value) < 2**63  # also refuses inf; a larger int would overflow float()
        and value == value  # not NaN
    )
    if key in _RATES:
        if not number or not 0.0 <= float(value) <= 1.0:
            raise ValueError(f"{key} must be a number from 0 to 1, got {value!r}")
        return float(value)
    if key == "iam_token_ttl":
        if not number or float(value) != int(value) or not 1 <= int(value) <= 3600:
            raise ValueError(f"iam_token_ttl must be a whole number from 1 to 3600, got {value!r}")
        return int(value)
    if key in _COUNTS:
        if not number or float(value) != int(value) or int(value) < 0:
            raise ValueError(f"{key} must be a whole number >= 0, got {value!r}")
        if key == "latency_ms" and int(value) > MAX_LATENCY_MS:
            raise ValueError(f"latency_ms must be at most {MAX_LATENCY_MS}, got {value!r}")
        return int(value)
    if value is not None and (not number or float(value) != int(value)):
        raise ValueError(f"{key} must be a whole number or null, got {value!r}")
    return value
