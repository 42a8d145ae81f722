"""``ResultsBucket``: the S3 bucket Braket writes task results to (see :mod:`.bucket`).

Names are loaded on first access, so reading the declaration (codegen, the plugin's schema)
does not import the Pulumi SDK.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = ["ResultsBucket", "ResultsBucketArgs", "ResultsBucketProvider"]

if TYPE_CHECKING:  # pragma: no cover
    from .bucket import ResultsBucket, ResultsBucketArgs, ResultsBucketProvider


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.bucket"), name)
