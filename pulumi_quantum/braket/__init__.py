"""Amazon Braket resources: :class:`QuantumTask`, :class:`Job` and :class:`SpendingLimit`.

Importing this package loads neither boto3 nor botocore (nor, until a name is used, the Pulumi
SDK); the providers import them when they first talk to Braket (or, for ``check``, load
botocore's service model to validate inputs). See docs/resources.md for inputs, outputs and
update-vs-replace, and the README for configuration.
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
    from ._generated import Association as Association
    from ._generated import JobArgs as JobArgs
    from ._generated import QuantumTaskArgs as QuantumTaskArgs
    from ._generated import SpendingLimitArgs as SpendingLimitArgs
    from ._generated import TimePeriod as TimePeriod
    from .job import Job as Job
    from .job import JobProvider as JobProvider
    from .spending_limit import SpendingLimit as SpendingLimit
    from .spending_limit import SpendingLimitProvider as SpendingLimitProvider
    from .task import QuantumTask as QuantumTask
    from .task import QuantumTaskProvider as QuantumTaskProvider

__getattr__ = lazy_exports(__name__, _HOME)
