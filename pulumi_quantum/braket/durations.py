"""Go duration strings ("1h30m", "45s") → seconds.

Pulumi's ``customTimeouts`` are Go durations, and the engine never hands them to a dynamic
provider; the resource classes translate them into an explicit input instead.
"""

from __future__ import annotations

import re

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)")
_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


def parse_duration(text: str) -> int:
    """Whole seconds (at least 1) of a Go duration; ValueError naming the text otherwise."""
    compact = text.strip()
    parts = _PART.findall(compact)
    if not compact or "".join(n + u for n, u in parts) != compact:
        raise ValueError(f"{text!r} is not a duration like '30m', '1h30m' or '90s'")
    seconds = sum(float(n) * _SECONDS[u] for n, u in parts)
    return max(1, round(seconds))
