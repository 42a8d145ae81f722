"""The default device catalogue holds only devices Amazon Braket has; the test-only QPUs (an
OFFLINE and a RETIRED one under the provider "Local") appear only behind an explicit option.

Driven through the unmodified Braket SDK / boto3 (docs/braket-devices.md, "Catalogue").
"""

from __future__ import annotations

import re

import boto3
import pytest

from pulumi_quantum.local.braket.devices import OFFLINE_QPU_ARN, RETIRED_QPU_ARN
from pulumi_quantum.local.server import LocalCloud
from tests.daemon import local_cli, operator_env
from tests.fixtures import braket_client

STATUSES = ["ONLINE", "OFFLINE", "RETIRED"]


def _enum_members() -> dict[str, tuple[str, str]]:
    """ARN -> (provider class, member name) over every provider the SDK's ``Devices`` exposes."""
    from braket.devices import Devices

    members = {}
    for provider in ("Amazon", "AQT", "IonQ", "IQM", "QuEra", "Rigetti"):
        for member in getattr(Devices, provider):
            members[member.value] = (provider, member.name)
    return members


def test_every_listed_device_maps_onto_the_sdk_devices_enum(cloud_env):
    """Code written for AWS (``Devices`` lookups over ``AwsDevice.get_devices()``) works."""
    from braket.aws import AwsDevice

    members = _enum_members()
    listed = AwsDevice.get_devices(statuses=STATUSES)  # every region, as the SDK searches
    assert len(listed) >= 12
    unmapped = [(d.arn, d.provider_name) for d in listed if d.arn not in members]
    assert unmapped == []
    for device in listed:
        if device.type.value == "QPU":  # the enum marks devices Braket no longer offers with "_"
            _provider, name = members[device.arn]
            assert name.startswith("_") == (device.status == "RETIRED"), device.arn
    assert "Local" not in {d.provider_name for d in listed}


def test_test_devices_are_not_served_by_default(cloud_env):
    braket = boto3.client("braket")
    for arn in (OFFLINE_QPU_ARN, RETIRED_QPU_ARN):
        with pytest.raises(braket.exceptions.ResourceNotFoundException):
            braket.get_device(deviceArn=arn)
    found = braket.search_devices(filters=[])["devices"]
    assert not {d["deviceArn"] for d in found} & {OFFLINE_QPU_ARN, RETIRED_QPU_ARN}
    assert "Local" not in {d["providerName"] for d in found}


def test_local_start_test_devices_serves_them(tmp_path):
    """``pulumi-quantum local start --test-devices`` (the daemon passes it on to ``serve``)."""
    ports = ("--braket-port", "0", "--s3-port", "0", "--ibm-port", "0")
    try:
        started = _cli(tmp_path, "start", *ports, "--test-devices")
        assert started.returncode == 0, started.stderr
        exports = dict(re.findall(r"^export (\w+)=(\S+)$", started.stdout, re.M))
        braket = braket_client(exports)
        found = braket.search_devices(filters=[])["devices"]
        statuses = {
            d["deviceArn"]: d["deviceStatus"] for d in found if d["providerName"] == "Local"
        }
        assert statuses == {OFFLINE_QPU_ARN: "OFFLINE", RETIRED_QPU_ARN: "RETIRED"}
    finally:
        _cli(tmp_path, "stop")


def _cli(data_dir, *args):
    return local_cli(data_dir, *args, env=operator_env())


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("yes", True), ("", False)])
def test_test_devices_env_variable(tmp_path, monkeypatch, value, expected):
    monkeypatch.setenv("PQ_LOCAL_TEST_DEVICES", value)
    assert LocalCloud(tmp_path).test_devices is expected
    assert LocalCloud(tmp_path, test_devices=False).test_devices is False  # explicit wins
