"""Braket's price list as AWS publishes it: the Price List Bulk API offer file, CSV.

The Braket SDK's ``braket.tracking.Tracker`` prices tasks from this file, which it downloads from
``BRAKET_PRICE_OFFERS_URL`` (default: AWS's public offer file). The local Braket serves its own at
:data:`OFFER_PATH` on the Braket port, generated from the device table (``devices.py`` /
``qpus.py``: per-task and per-shot prices of QPUs, per-minute prices of simulators), so there is
one copy of every price: what a task costs locally, what spending limits count and what the
Tracker computes all read it.

Format (AWS Billing User Guide, "Reading the offer file"): five metadata rows (format version,
disclaimer, publication date, version, offer code), the header row, then one row per price.
The rows are shaped as the SDK searches them (``braket/tracking/tracker.py``):

* QPU tasks: ``Product Family`` ``Quantum Task`` (per task) and ``Quantum Task-Shot`` (per
  shot), device in column ``DeviceName``; a hybrid job's QPU tasks ``Braket Managed Jobs QPU
  Task`` / ``... Task Shot`` with the device in ``Device Name`` (the SDK's spelling differs on
  purpose: so does AWS's file). Device names are the ARN's last segment with its first letter
  upper-cased (``IBEX`` for AQT's Ibex), which is how the SDK derives them from a task's device.
* Simulator tasks: ``Simulator Task`` / ``operation`` ``CompleteTask`` (a job's:
  ``Braket Managed Jobs Simulator Task`` / ``Managed-Jobs``), the simulator (``SV1``, ``DM1``,
  ``TN1``) in ``Version``, ``Unit`` ``minutes`` (the SDK turns it into a ``timedelta``).
* One row per region the device is served in (``Region Code``): the SDK prices a task by its
  ARN's region.

Test devices (``--test-devices``: an OFFLINE and a RETIRED QPU AWS does not have) never run a
task and have no row.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from .devices import ALL_DEVICES, PRICES_PUBLISHED, Device

OFFER_PATH = "/offers/v1.0/aws/AmazonBraket/current/index.csv"
"""Where AWS publishes Braket's offer file (the path of the SDK's default URL), here too."""

FORMAT_VERSION = "v1.0"
DISCLAIMER = (
    "This pricing list is for informational purposes only. It is served by the pulumi-quantum "
    "local cloud from its device table; AWS's public offer file and pricing page are binding."
)
OFFER_CODE = "AmazonBraket"
ON_DEMAND_TERM = "JRTCKXETXF"  # AWS's OfferTermCode for OnDemand terms
RATE_SUFFIX = "6YS6EN2CT7"  # ... and the rate code of its single price dimension

HEADER = (
    "SKU", "OfferTermCode", "RateCode", "TermType", "PriceDescription", "EffectiveDate",
    "StartingRange", "EndingRange", "Unit", "PricePerUnit", "Currency", "Product Family",
    "serviceCode", "Location", "Location Type", "Device Name", "DeviceName", "Region Code",
    "Version", "usagetype", "operation", "serviceName",
)  # fmt: skip

QPU_TASK = "Quantum Task"
QPU_SHOT = "Quantum Task-Shot"
JOB_QPU_TASK = "Braket Managed Jobs QPU Task"
JOB_QPU_SHOT = "Braket Managed Jobs QPU Task Shot"
SIMULATOR_TASK = "Simulator Task"
JOB_SIMULATOR_TASK = "Braket Managed Jobs Simulator Task"


@dataclass(frozen=True)
class Offer:
    """One price: a product (family, device, region) and its USD price per unit."""

    family: str
    region: str
    device: str  # the offer file's device name (QPUs) or version (simulators)
    unit: str
    price: float
    description: str

    @property
    def sku(self) -> str:
        """Stable per product, as AWS's SKUs are (16 upper-case characters)."""
        key = f"{self.family}|{self.region}|{self.device}".encode()
        return hashlib.sha256(key).hexdigest()[:16].upper()


def offer_device_name(arn: str) -> str:
    """The name the offer file gives a device: what the SDK derives from the device ARN."""
    name = arn.rsplit("/", 1)[-1]
    name = name[0].upper() + name[1:]
    return name.replace("Ibex", "IBEX")


def _price(value: float) -> str:
    return f"{value:.10f}"


def offers(devices: Iterable[Device]) -> list[Offer]:
    """Every price of these devices, in every region each is served in."""
    out: list[Offer] = []
    for device in devices:
        for region in device.regions:
            if device.qpu is not None:
                name, qpu = offer_device_name(device.arn), device.qpu
                task = f"{_price(qpu.price_per_task)} USD per task on {name}"
                shot = f"{_price(qpu.price_per_shot)} USD per shot on {name}"
                out += [
                    Offer(QPU_TASK, region, name, "Tasks", qpu.price_per_task, task),
                    Offer(QPU_SHOT, region, name, "Shots", qpu.price_per_shot, shot),
                    Offer(JOB_QPU_TASK, region, name, "Tasks", qpu.price_per_task, task),
                    Offer(JOB_QPU_SHOT, region, name, "Shots", qpu.price_per_shot, shot),
                ]
            elif device.type == "SIMULATOR":
                version = device.arn.rsplit("/", 1)[-1].upper()
                minute = f"{_price(device.cost_per_minute)} USD per minute of {version}"
                out += [
                    Offer(SIMULATOR_TASK, region, version, "minutes", device.cost_per_minute,
                          minute),
                    Offer(JOB_SIMULATOR_TASK, region, version, "minutes",
                          device.cost_per_minute, minute),
                ]  # fmt: skip
    return out


@cache
def _locations() -> Mapping[str, str]:
    """Region code -> AWS's region name (``US East (N. Virginia)``), from botocore's data."""
    import botocore.session

    data = botocore.session.get_session().get_data("endpoints")
    return {
        code: region.get("description", code)
        for partition in data["partitions"]
        for code, region in partition["regions"].items()
    }


def _row(offer: Offer) -> dict[str, str]:
    qpu = offer.family in (QPU_TASK, QPU_SHOT, JOB_QPU_TASK, JOB_QPU_SHOT)
    job = offer.family.startswith("Braket Managed Jobs")
    if qpu:
        operation = "Managed-Jobs" if job else "CreateQuantumTask"
    else:
        operation = "Managed-Jobs" if job else "CompleteTask"
    return {
        "SKU": offer.sku,
        "OfferTermCode": ON_DEMAND_TERM,
        "RateCode": f"{offer.sku}.{ON_DEMAND_TERM}.{RATE_SUFFIX}",
        "TermType": "OnDemand",
        "PriceDescription": offer.description,
        "EffectiveDate": f"{PRICES_PUBLISHED}T00:00:00Z",
        "StartingRange": "0",
        "EndingRange": "Inf",
        "Unit": offer.unit,
        "PricePerUnit": _price(offer.price),
        "Currency": "USD",
        "Product Family": offer.family,
        "serviceCode": OFFER_CODE,
        "Location": _locations().get(offer.region, offer.region),
        "Location Type": "AWS Region",
        "Device Name": offer.device if qpu and job else "",
        "DeviceName": offer.device if qpu and not job else "",
        "Region Code": offer.region,
        "Version": "" if qpu else offer.device,
        "usagetype": f"{offer.region}-{offer.device}-{offer.family.replace(' ', '')}",
        "operation": operation,
        "serviceName": "Amazon Braket",
    }


@cache
def offer_file() -> str:
    """The offer file's text (CSV, all fields quoted as AWS quotes them)."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    published = f"{PRICES_PUBLISHED}T00:00:00Z"
    writer.writerow(["FormatVersion", FORMAT_VERSION])
    writer.writerow(["Disclaimer", DISCLAIMER])
    writer.writerow(["Publication Date", published])
    writer.writerow(["Version", PRICES_PUBLISHED.replace("-", "") + "000000"])
    writer.writerow(["OfferCode", OFFER_CODE])
    writer.writerow(HEADER)
    for offer in offers(ALL_DEVICES.values()):
        row = _row(offer)
        writer.writerow([row[column] for column in HEADER])
    return out.getvalue()


def offers_url(braket_endpoint: str) -> str:
    """``BRAKET_PRICE_OFFERS_URL`` for a local Braket at ``braket_endpoint``."""
    return braket_endpoint.rstrip("/") + OFFER_PATH
