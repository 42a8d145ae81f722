"""Durations as Qiskit writes them: seconds, or strings like ``"2h 30m 40s"``.

The grammar is that of qiskit-ibm-provider's ``hms_to_seconds`` (``<int>d``, ``<int>h``,
``<int>m``, ``<int>s`` tokens, summed), re-implemented here because importing qiskit at preview
time costs about a second. Unlike ``hms_to_seconds``, text that is not a token is an error
(``"2 hours"`` would otherwise silently mean 2 seconds… or nothing), and a plain number of seconds
is accepted as a string too, since stack config values are strings.
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
