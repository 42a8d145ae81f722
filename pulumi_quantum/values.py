"""Plain-value helpers every layer may use: the engine's unknown value, JSON pointers, hints.

Neutral on purpose (it imports nothing from Pulumi, the vendors or the rest of the package): the
providers, the plugin, the JSON Schema checks and the local quantum cloud all spell these the
same way, and the local cloud must not load the Pulumi SDK to do so.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The engine's unknown (computed, not yet known) value, as the dynamic provider host passes it
during preview; the plugin turns its ``Computed`` values into the same string."""


def is_unknown(value: Any) -> bool:
    """True for values the engine does not know yet during preview (computed outputs)."""
    return isinstance(value, str) and value == UNKNOWN


def json_pointer(path: Iterable[str | int]) -> str:
    """RFC 6901 JSON pointer for a path of keys/indexes (``[]`` → ``""``, the whole document).

    Failures name the exact place in a nested input this way, the same notation JSON Schema
    tools and editors use, so a message can be followed straight to the offending value.
    """
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """A ``" — did you mean 'x'?"`` hint when ``word`` is close to a candidate, else ``""``."""
    import difflib

    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" — did you mean {matches[0]!r}?" if matches else ""
