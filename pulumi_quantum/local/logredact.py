"""Keep credentials out of the local cloud's logs, at every verbosity.

``serve -v`` turns on DEBUG everywhere, and some libraries log whole requests at DEBUG (botocore's
parsers, which the local Braket uses to read requests, print every header, Authorization
included). A filter on the log handlers rewrites each record's final text: SigV4 signatures and
Authorization values, IBM tokens and access tokens, and every configured secret become ``***``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

_PATTERNS = [
    # Authorization headers in any rendering: "Authorization: x", 'Authorization': 'x', ...
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)[^'\"\n}]+"),
    re.compile(r"(?i)(signature=)[0-9a-f]+"),
    re.compile(r"(?i)(x-access-token['\"]?\s*[:=]\s*['\"]?)[^'\"\n,}]+"),
    re.compile(r"(?i)(apitoken['\"]?\s*[:=]\s*['\"]?)[^'\"\n,}]+"),
    re.compile(r"(?i)(x-amz-security-token['\"]?\s*[:=]\s*['\"]?)[^'\"\n,}]+"),
]


class RedactingFilter(logging.Filter):
    """Rewrites records so no credential reaches a handler."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def redact(self, text: str) -> str:
        for pattern in _PATTERNS:
            text = pattern.sub(lambda m: m.group(1) + "***", text)
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def install(secrets: Iterable[str] = ()) -> None:
    """Put the filter on every root handler (call after ``logging.basicConfig``)."""
    redacting = RedactingFilter(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redacting)
