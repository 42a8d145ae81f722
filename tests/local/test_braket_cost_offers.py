"""The local Braket serves Braket's offer file as AWS publishes it (issue 31).

The unmodified SDK reads it: ``braket.tracking.pricing.Pricing`` downloads the file from
``BRAKET_PRICE_OFFERS_URL`` (which ``client_env()`` / ``local start`` set), skips the five
metadata rows and searches the rows exactly as ``Tracker`` does. Every device the local cloud
lists must be priced there once, and at the price its own capabilities advertise (``deviceCost``,
read through boto3's GetDevice: a second, independent view of the same device).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import urllib.request

import boto3
import pytest


def _sdk_pricing():
    """A fresh SDK price list (the module-level one caches the first file it ever read)."""
    from braket.tracking.pricing import Pricing

    return Pricing()


def _device_name(arn: str) -> str:
    """How the SDK's Tracker names a QPU in its searches (braket/tracking/tracker.py)."""
    name = arn.split("/")[-1]
    return (name[0].upper() + name[1:]).replace("Ibex", "IBEX")


def test_local_cloud_exports_the_offer_url_of_its_braket_port(local_cloud) -> None:
    env = local_cloud.client_env()
    assert env["BRAKET_PRICE_OFFERS_URL"] == (
        local_cloud.endpoints["braket"] + "/offers/v1.0/aws/AmazonBraket/current/index.csv"
    )


def test_offer_file_has_five_metadata_rows_then_the_header(cloud_env) -> None:
    with urllib.request.urlopen(cloud_env["BRAKET_PRICE_OFFERS_URL"], timeout=30) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/csv")
        text = response.read().decode()
    rows = list(csv.reader(io.StringIO(text)))
    metadata = dict(rows[:5])
    assert [r[0] for r in rows[:5]] == [
        "FormatVersion", "Disclaimer", "Publication Date", "Version", "OfferCode",
    ]  # fmt: skip
    assert metadata["FormatVersion"] == "v1.0"
    assert metadata["OfferCode"] == "AmazonBraket"
    published = dt.datetime.fromisoformat(metadata["Publication Date"].replace("Z", "+00:00"))
    assert published.tzinfo is not None and published < dt.datetime.now(dt.UTC)
    header = rows[5]
    for column in ("PricePerUnit", "Currency", "Unit", "Product Family", "Region Code",
                   "DeviceName", "Device Name", "Version", "operation"):  # fmt: skip
        assert column in header
    assert all(len(row) == len(header) for row in rows[6:])
    assert len(rows) > 6


def test_every_listed_device_is_priced_once_as_the_sdk_searches(cloud_env) -> None:
    braket = boto3.client("braket")
    pricing = _sdk_pricing()
    devices = braket.search_devices(filters=[])["devices"]
    assert devices
    for summary in devices:
        arn = summary["deviceArn"]
        caps = json.loads(braket.get_device(deviceArn=arn)["deviceCapabilities"])
        advertised = caps["service"]["deviceCost"]
        region = arn.split(":")[3] or cloud_env["AWS_DEFAULT_REGION"]
        if summary["deviceType"] == "QPU":
            name = _device_name(arn)
            found = {}
            for family, column in (
                ("Quantum Task", "DeviceName"),
                ("Quantum Task-Shot", "DeviceName"),
                ("Braket Managed Jobs QPU Task", "Device Name"),
                ("Braket Managed Jobs QPU Task Shot", "Device Name"),
            ):
                rows = pricing.price_search(
                    **{"Region Code": region, column: name, "Product Family": family}
                )
                assert len(rows) == 1, (arn, family, rows)
                assert rows[0]["Currency"] == "USD"
                found[family] = float(rows[0]["PricePerUnit"])
            assert advertised["unit"] == "shot"
            assert found["Quantum Task-Shot"] == pytest.approx(advertised["price"]), arn
            assert found["Braket Managed Jobs QPU Task Shot"] == found["Quantum Task-Shot"]
            assert found["Quantum Task"] > 0
        else:
            version = arn.split("/")[-1].upper()
            for family, operation in (
                ("Simulator Task", "CompleteTask"),
                ("Braket Managed Jobs Simulator Task", "Managed-Jobs"),
            ):
                rows = pricing.price_search(
                    **{"Region Code": region, "Version": version, "Product Family": family,
                       "operation": operation}
                )  # fmt: skip
                assert len(rows) == 1, (arn, family, rows)
                # The SDK turns Unit into a timedelta: timedelta(**{Unit: 1}).
                assert dt.timedelta(**{rows[0]["Unit"]: 1}) == dt.timedelta(minutes=1)
                assert advertised["unit"] == "minute"
                assert float(rows[0]["PricePerUnit"]) == pytest.approx(advertised["price"])


def test_simulators_are_priced_in_every_region_they_are_served(cloud_env) -> None:
    """A simulator task's ARN carries the region it was created in; the SDK prices it there."""
    pricing = _sdk_pricing()
    for region in ("us-east-1", "us-west-1", "us-west-2", "eu-west-2", "eu-north-1"):
        sv1 = pricing.price_search(
            **{"Region Code": region, "Version": "SV1", "Product Family": "Simulator Task",
               "operation": "CompleteTask"}
        )  # fmt: skip
        assert len(sv1) == 1, region
