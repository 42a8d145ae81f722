"""Amazon Braket resources: :class:`QuantumTask` and :class:`SpendingLimit`.

Importing this package loads neither boto3 nor botocore; the providers import them when they
first talk to Braket (or, for ``check``, load botocore's service model to validate inputs).
See the README ("Amazon Braket resources") for inputs, outputs, update-vs-replace and configuration.
"""

from __future__ import annotations

from .spending_limit import SpendingLimit, SpendingLimitArgs, SpendingLimitProvider, TimePeriod
from .task import Association, QuantumTask, QuantumTaskArgs, QuantumTaskProvider

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
