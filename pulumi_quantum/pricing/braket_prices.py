"""Which rows of Braket's offer file price a task, a simulator minute or a job instance.

Matched exactly as the Braket SDK's ``Tracker`` matches them (``braket/tracking/tracker.py``),
so an estimate here and the Tracker's figure for the same task agree:

* a QPU task: ``Product Family`` ``Quantum Task`` (per task) and ``Quantum Task-Shot`` (per
  shot), the device in column ``DeviceName``; inside a hybrid job ``Braket Managed Jobs QPU
  Task`` / ``... Task Shot`` with the device in ``Device Name`` (AWS spells the column both
  ways). The device name is the ARN's last segment, first letter upper-cased (``IBEX`` for
  AQT's Ibex, ``2000Q`` / ``Advantage_system`` for D-Wave's);
* a simulator task: ``Simulator Task`` with ``operation`` ``CompleteTask`` (in a job:
  ``Braket Managed Jobs Simulator Task`` / ``Managed-Jobs``), the simulator (``SV1``) in
  ``Version``, priced per ``Unit`` (``minutes``), at least 3 seconds a task;
* a hybrid job's instance: ``Braket Managed Jobs Instance`` per ``Instance Type`` (the SDK does
  not price jobs; AWS's pricing documentation names the family).

Every search is by ``Region Code``: the task's region (a QPU's ARN names it; a simulator's does
not, so the configured region).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from .offers import OfferFile

MIN_SIMULATOR_SECONDS = 3
"""Braket bills a simulator task for at least 3 seconds (the SDK's ``MIN_SIMULATOR_DURATION``)."""
INSTANCE_FAMILY = "Braket Managed Jobs Instance"


class PriceNotFound(LookupError):
    """No (or more than one) row of the offer file matches; the message names the search."""


@dataclass(frozen=True)
class Price:
    """One row's price: USD per ``unit``, and the row's description."""

    usd: Decimal
    unit: str
    description: str

    def per_second(self) -> Decimal:
        """A per-time price (``minutes``, ``hours``, ``seconds``) per second."""
        try:
            seconds = timedelta(**{self.unit.lower(): 1}).total_seconds()
        except TypeError:
            raise PriceNotFound(f"unit {self.unit!r} is not a unit of time") from None
        return self.usd / Decimal(str(seconds))


def device_name(device_arn: str) -> str:
    """The offer file's name of a QPU: the SDK's rule (``_get_qpu_task_cost``)."""
    name = device_arn.split("/")[-1]
    name = name[:1].upper() + name[1:]
    if "Ibex" in name:
        name = name.replace("Ibex", "IBEX")
    elif "2000Q" in name:
        name = "2000Q"
    elif "Advantage_system" in name:
        name = "Advantage_system"
    return name


def device_region(device_arn: str, default: str) -> str:
    """The region a device's ARN names (QPUs), else ``default`` (simulators: the client's)."""
    parts = device_arn.split(":")
    return parts[3] if len(parts) > 3 and parts[3] else default


def is_simulator(device_arn: str) -> bool:
    return "/quantum-simulator/" in device_arn


def is_qpu(device_arn: str) -> bool:
    return "/qpu/" in device_arn


def _one(offers: OfferFile, criteria: Mapping[str, str]) -> Price:
    rows = offers.search(**criteria)
    if len(rows) != 1:
        shown = ", ".join(f"{k}={v}" for k, v in criteria.items())
        raise PriceNotFound(f"{len(rows)} rows of the offer file match {shown}")
    row = rows[0]
    if row.get("Currency") != "USD":
        raise PriceNotFound(f"the price of {row.get('PriceDescription')!r} is not in USD")
    return Price(Decimal(row["PricePerUnit"]), row.get("Unit", ""), row.get("PriceDescription", ""))


def qpu_prices(offers: OfferFile, region: str, device_arn: str, job: bool) -> tuple[Price, Price]:
    """(per task, per shot) of a QPU task."""
    if job:
        criteria = {"Region Code": region, "Device Name": device_name(device_arn)}
        families = ("Braket Managed Jobs QPU Task", "Braket Managed Jobs QPU Task Shot")
    else:
        criteria = {"Region Code": region, "DeviceName": device_name(device_arn)}
        families = ("Quantum Task", "Quantum Task-Shot")
    task = _one(offers, {**criteria, "Product Family": families[0]})
    shot = _one(offers, {**criteria, "Product Family": families[1]})
    return task, shot


def simulator_price(offers: OfferFile, region: str, device_arn: str, job: bool) -> Price:
    """The per-time price of a simulator task."""
    family, operation = (
        ("Braket Managed Jobs Simulator Task", "Managed-Jobs")
        if job
        else ("Simulator Task", "CompleteTask")
    )
    criteria = {
        "Region Code": region,
        "Version": device_arn.split("/")[-1].upper(),
        "Product Family": family,
        "operation": operation,
    }
    return _one(offers, criteria)


def instance_price(offers: OfferFile, region: str, instance_type: str) -> Price:
    """The per-time price of one hybrid-job instance."""
    criteria = {
        "Region Code": region,
        "Product Family": INSTANCE_FAMILY,
        "Instance Type": instance_type,
    }
    return _one(offers, criteria)
