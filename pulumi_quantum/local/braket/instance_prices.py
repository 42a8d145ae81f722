"""What a hybrid job's classical instance costs: the one table of it in the local cloud.

Braket bills a hybrid job's instance time per minute under the offer file's ``Braket Managed
Jobs Instance`` product family (AWS's pricing documentation names it; the SDK's ``Tracker`` does
not price jobs). The local Braket runs every job as one local process whatever its
``instanceType``, so these prices only feed the offer file (``offers.py``) and whatever estimates
jobs from it.

The hourly prices are an assumption, marked as such in ``docs/local-braket-cost.md``: Braket's
Hybrid Jobs tab was not available offline, so these are SageMaker's on-demand training prices in
us-east-1 for the same ``ml.*`` instances, as recalled; the same in every region here. Instance
types missing here have no row (an estimate for them says the price is unknown).
"""

from __future__ import annotations

from decimal import Decimal

HOURLY_USD: dict[str, str] = {
    "ml.m5.large": "0.115",
    "ml.m5.xlarge": "0.23",
    "ml.m5.2xlarge": "0.461",
    "ml.m5.4xlarge": "0.922",
    "ml.c5.xlarge": "0.204",
    "ml.c5.2xlarge": "0.408",
    "ml.c5.4xlarge": "0.816",
    "ml.g4dn.xlarge": "0.736",
}


def per_minute(instance_type: str) -> Decimal:
    """USD per minute of one instance, to the 10 decimal places the offer file prints."""
    return (Decimal(HOURLY_USD[instance_type]) / 60).quantize(Decimal("1e-10"))
