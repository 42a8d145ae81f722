"""``ResultsBucket``: the S3 bucket Braket writes task results to (see :mod:`.bucket`).

Names are loaded on first access, so reading the declaration (codegen, the plugin's schema)
does not import the Pulumi SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports
from ..declare import package_exports
from . import declarations

_HOME = package_exports(vars(declarations))
"""Name → defining module, derived from the declarations (a resource, its provider, its Args and
object types); the type checkers' view below is checked against it by a unit test."""
__all__ = sorted(_HOME)

if TYPE_CHECKING:  # pragma: no cover
    from .bucket import ResultsBucket as ResultsBucket
    from .bucket import ResultsBucketArgs as ResultsBucketArgs
    from .bucket import ResultsBucketProvider as ResultsBucketProvider

__getattr__ = lazy_exports(__name__, _HOME)
