"""The two duration spellings the package reads, in one place, each named for whose it is.

* **Qiskit's** (:func:`parse_duration`): a session's ``max_time`` — whole seconds, or strings
  like ``"2h 30m 40s"``. The grammar is that of qiskit-ibm-provider's ``hms_to_seconds``
  (``<int>d``, ``<int>h``, ``<int>m``, ``<int>s`` tokens, summed), re-implemented here because
  importing qiskit at preview time costs about a second. Unlike ``hms_to_seconds``, text that is
  not a token is an error (``"2 hours"`` would otherwise silently mean 2 seconds… or nothing),
  and a plain number of seconds is accepted as a string too, since stack config values are
  strings.
* **Go's** (:func:`go_duration_seconds`): Pulumi's ``customTimeouts`` (``"1h30m"``, ``"45s"``),
  which the engine never hands to a dynamic provider; the resource classes translate them into
  an explicit input instead.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"(\d+)([dhms])")
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


class DurationError(ValueError):
    pass


def parse_duration(value: object) -> int:
    """Seconds in ``value`` (int seconds or an ``"1d 2h 3m 4s"`` string)."""
    if isinstance(value, bool):
        raise DurationError(
            f"{value!r} is not a duration: use whole seconds (e.g. 3600) or hours/minutes/seconds "
            "like '2h 30m 40s'"
        )
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return int(text)
        tokens = _TOKEN.findall(text)
        leftover = _TOKEN.sub("", text).strip()
        if tokens and not leftover:
            return sum(int(number) * _UNIT_SECONDS[unit] for number, unit in tokens)
    raise DurationError(
        f"{value!r} is not a duration: use whole seconds (e.g. 3600) or hours/minutes/seconds "
        "like '2h 30m 40s'"
    )


_GO_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)")
_GO_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


def go_duration_seconds(text: str) -> int:
    """Whole seconds (at least 1) of a Go duration; ValueError naming the text otherwise."""
    compact = text.strip()
    parts = _GO_PART.findall(compact)
    if not compact or "".join(n + u for n, u in parts) != compact:
        raise ValueError(f"{text!r} is not a duration like '30m', '1h30m' or '90s'")
    seconds = sum(float(n) * _GO_SECONDS[u] for n, u in parts)
    return max(1, round(seconds))
