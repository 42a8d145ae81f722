"""String rules that botocore's service models state only in prose, read from that prose.

Most input constraints of a model are traits (``min``, ``max``, ``pattern``, ``enum``) that
``braket/model_check.py`` and the local Braket walk generically. A few are written only in a
member's documentation. Braket's ``CreateQuantumTask.outputS3KeyPrefix`` is the case that
matters: its ``CreateQuantumTaskRequestOutputS3KeyPrefixString`` shape has only ``min``/``max``,
and the documentation says

    Must not contain path traversal sequences such as ``../`` or ``./``. The following
    characters are not valid in the key prefix: Braces (``{`` or ``}``) ... Pound sign (``#``),
    Quotation mark (``"``), Non-printable ASCII characters (128-255 decimal characters)

A prefix that breaks these is refused by Braket, and where it is not refused the results land
under a key no client can read back. Rather than copy the list by hand (and drift when AWS edits
it), :func:`prose_rule` reads it from the documentation string botocore ships, for any member
whose documentation uses these phrasings, and both the preview check and the local Braket apply
the same rule. "Non-printable ASCII" is taken to cover the ASCII control characters (0-31, 127)
as well as the 128-255 range the text names.

Pure Python, no Pulumi and no botocore import: the local cloud and the provider both call it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cache

_CODE = re.compile(r"<code>(.*?)</code>", re.S)
_TRAVERSAL = re.compile(r"path traversal sequences such as (.*?)(?:\.\s|</p>)", re.S)
_NOT_VALID = re.compile(r"following characters are not valid in[^<]*</p>\s*<ul>(.*?)</ul>", re.S)
_ITEM = re.compile(r"<li>(.*?)</li>", re.S)
_RANGE = re.compile(r"(\d+)\s*[-\u2013]\s*(\d+)\s+decimal")
_CONTROL = frozenset(chr(c) for c in (*range(32), 127))


@dataclass(frozen=True)
class ProseRule:
    """What a member's documentation forbids: dot segments and single characters."""

    segments: frozenset[str]
    characters: frozenset[str]

    def problem(self, value: str) -> str | None:
        """Why ``value`` breaks the rule (None when it does not)."""
        for segment in value.split("/"):
            if segment in self.segments:
                return (
                    f"contains the path traversal segment {segment!r}; "
                    "use a plain prefix such as 'results/'"
                )
        bad = sorted({c for c in value if c in self.characters})
        if bad:
            shown = ", ".join(repr(c) for c in bad)
            return f"contains {shown}, which the service does not allow here"
        return None


@cache
def prose_rule(documentation: str) -> ProseRule | None:
    """The rule stated in ``documentation`` (a model member's HTML), or None if it states none."""
    segments: set[str] = set()
    characters: set[str] = set()
    traversal = _TRAVERSAL.search(documentation)
    if traversal:
        for sequence in _CODE.findall(traversal.group(1)):
            segment = html.unescape(sequence).strip("/")
            if segment and set(segment) == {"."}:
                segments.add(segment)
    listing = _NOT_VALID.search(documentation)
    if listing:
        for item in _ITEM.findall(listing.group(1)):
            for code in _CODE.findall(item):
                text = html.unescape(code)
                if len(text) == 1:
                    characters.add(text)
            span = _RANGE.search(item)
            if span:
                characters.update(chr(c) for c in range(int(span[1]), int(span[2]) + 1))
            if "non-printable ascii" in item.lower():
                characters |= _CONTROL
    if not segments and not characters:
        return None
    return ProseRule(frozenset(segments), frozenset(characters))


def prose_problem(documentation: str | None, value: str) -> str | None:
    """Why ``value`` breaks what ``documentation`` says about it (None when fine or silent)."""
    if not documentation or not isinstance(value, str):
        return None
    rule = prose_rule(documentation)
    return rule.problem(value) if rule else None
