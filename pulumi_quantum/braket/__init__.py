"""Amazon Braket resources: :class:`QuantumTask` and :class:`SpendingLimit`.

Importing this package loads neither boto3 nor botocore (nor, until a name is used, the Pulumi
SDK); the providers import them when they first talk to Braket (or, for ``check``, load
botocore's service model to validate inputs). See docs/resources.md for inputs, outputs and
update-vs-replace, and the README for configuration.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

__all__ = [
    "Association",
    "QuantumTask",
    "QuantumTaskArgs",
    "QuantumTaskProvider",
    "SpendingLimit",
    "SpendingLimitArgs",
    "SpendingLimitProvider",
    "TimePeriod",
]

_HOME = {
    "Association": "_generated",
    "QuantumTask": "task",
    "QuantumTaskArgs": "_generated",
    "QuantumTaskProvider": "task",
    "SpendingLimit": "spending_limit",
    "SpendingLimitArgs": "_generated",
    "SpendingLimitProvider": "spending_limit",
    "TimePeriod": "_generated",
}

if TYPE_CHECKING:  # pragma: no cover
    from ._generated import Association, QuantumTaskArgs, SpendingLimitArgs, TimePeriod
    from .spending_limit import SpendingLimit, SpendingLimitProvider
    from .task import QuantumTask, QuantumTaskProvider

__getattr__ = lazy_exports(__name__, _HOME)
