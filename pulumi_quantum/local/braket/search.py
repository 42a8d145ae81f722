"""What Braket's Search* operations share: time filters, the query, and pagination.

SearchQuantumTasks, SearchJobs and SearchSpendingLimits take ``filters`` of ``{name, operator,
values}`` and page with ``maxResults`` / ``nextToken``; each operation maps its own filter names
to columns, and this module turns the rest into SQL and pages once.
"""

from __future__ import annotations

import base64
from typing import Any

from botocore.utils import parse_timestamp

from ..store import Store
from .exceptions import ValidationException

TIME_OPERATORS = {"LT": "<", "LTE": "<=", "GT": ">", "GTE": ">="}
"""Braket's comparison operators on a time filter (beside BETWEEN and EQUAL)."""


def time_filter(
    name: str, column: str, operator: str, values: list[Any], timestamps: str
) -> tuple[str, list[float]]:
    """The SQL condition and arguments of a filter on a time ``column`` (``createdAt``, ...);
    ``timestamps`` names the format the error asks for."""
    try:
        stamps = [parse_timestamp(v).timestamp() for v in values]
    except (ValueError, TypeError):
        raise ValidationException(
            f"filters: {name} values must be {timestamps} timestamps, got {values}"
        ) from None
    if operator == "BETWEEN":
        if len(stamps) != 2:
            raise ValidationException(f"filters: BETWEEN on {name} needs 2 values")
        return f"{column} BETWEEN ? AND ?", stamps
    if operator == "EQUAL":
        return f"{column} IN ({','.join('?' * len(stamps))})", stamps
    if operator in TIME_OPERATORS:
        return f"{column} {TIME_OPERATORS[operator]} ?", stamps[:1]
    raise ValidationException(f"filters: {name} does not support {operator}")


def page(items: list[Any], params: dict[str, Any]) -> tuple[list[Any], str | None]:
    """The ``maxResults`` (default 100) items from ``nextToken`` on, and the next token."""
    try:
        start = int(base64.urlsafe_b64decode(params["nextToken"])) if "nextToken" in params else 0
    except (ValueError, TypeError):
        raise ValidationException("nextToken: not a token this service issued") from None
    size = params.get("maxResults") or 100
    end = start + size
    token = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(items) else None
    return items[start:end], token


def search(
    store: Store,
    table: str,
    where: list[str],
    args: list[Any],
    params: dict[str, Any],
    order: str = "created_at DESC, rowid DESC",
) -> tuple[list[Any], str | None]:
    """One page of the rows of ``table`` meeting every ``where`` condition, and the next token."""
    sql = f"SELECT * FROM {table}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return page(store.query(f"{sql} ORDER BY {order}", args), params)
