"""Reading AWS errors, one way for every resource that talks to an AWS API (Braket, S3)."""

from __future__ import annotations

from collections.abc import Mapping


def error_code(exc: BaseException) -> str | None:
    """The service's error code of a botocore ``ClientError`` (``NoSuchBucket``), else None."""
    response = getattr(exc, "response", None)
    if isinstance(response, Mapping):
        return response.get("Error", {}).get("Code")
    return None
