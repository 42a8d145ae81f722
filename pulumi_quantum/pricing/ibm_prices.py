"""IBM's price of Qiskit Runtime usage: a documented table, overridable by stack config.

IBM publishes no machine-readable price list. Its Pay-As-You-Go plan bills QPU usage per second
at one rate for every backend: USD 96 per minute, i.e. USD 1.60 per second, as IBM's pricing
page (ibm.com/quantum/pricing) lists it. :data:`PRICE_PER_SECOND_USD` is that figure and
:data:`PRICE_DATE` the day it was entered here; this project cannot re-check the page offline,
so a contract price or a newer list price is set with ``quantum:ibmPricePerSecond`` (USD per
second, decimal text) or ``PULUMI_QUANTUM_IBM_PRICE_PER_SECOND``. docs/cost.md says the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

PRICE_PER_SECOND_USD = Decimal("1.60")
PRICE_DATE = "2026-12-07"
SOURCE = "ibm price table"
PRICE_PAGE = "https://www.ibm.com/quantum/pricing"
CONFIG_KEY = "ibmPricePerSecond"
ENV_VAR = "PULUMI_QUANTUM_IBM_PRICE_PER_SECOND"


@dataclass(frozen=True)
class IbmPrice:
    usd_per_second: Decimal
    source: str
    price_date: str | None


def price_per_second() -> IbmPrice:
    """The table's price, or the configured one; ValueError naming the key when that is not a
    non-negative decimal."""
    from .._provider import config_value

    configured = config_value(CONFIG_KEY, ENV_VAR)
    if configured is None:
        return IbmPrice(PRICE_PER_SECOND_USD, SOURCE, PRICE_DATE)
    try:
        value = Decimal(str(configured).strip())
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or value < 0:
        raise ValueError(
            f"quantum:{CONFIG_KEY} is {configured!r}; set it to a price in USD per second, "
            'e.g. "1.60"'
        )
    return IbmPrice(value, f"quantum:{CONFIG_KEY}", None)
