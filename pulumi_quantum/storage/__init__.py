"""``ResultsBucket``: the S3 bucket Braket writes task results to (see :mod:`.bucket`).

Names are loaded on first access, so reading the declaration (codegen, the plugin's schema)
does not import the Pulumi SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

__all__ = ["ResultsBucket", "ResultsBucketArgs", "ResultsBucketProvider"]

if TYPE_CHECKING:  # pragma: no cover
    from .bucket import ResultsBucket, ResultsBucketArgs, ResultsBucketProvider

_HOME = dict.fromkeys(__all__, "bucket")
__getattr__ = lazy_exports(__name__, _HOME)
