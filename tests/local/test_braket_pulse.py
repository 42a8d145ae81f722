"""A Rigetti QPU's pulse data through the unmodified SDK: ``AwsDevice.ports``, ``.frames`` and
``.gate_calibrations`` (downloaded by the SDK from ``nativeGateCalibrationsRef``, which the local
Braket serves on loopback)."""

from __future__ import annotations

import math
import urllib.error
import urllib.request

import pytest

CEPHEUS = "arn:aws:braket:us-west-1::device/qpu/rigetti/Cepheus-1-108Q"
ANKAA = "arn:aws:braket:us-west-1::device/qpu/rigetti/Ankaa-3"
GARNET = "arn:aws:braket:eu-north-1::device/qpu/iqm/Garnet"


# Couplers: Cepheus a 12x9 lattice (12*8 + 11*9), Ankaa-3 12x7 minus 26-27 (docs/braket-devices.md)
@pytest.mark.parametrize(("arn", "qubits", "couplers"), [(CEPHEUS, 108, 195), (ANKAA, 84, 148)])
def test_rigetti_ports_and_frames(cloud_env, arn, qubits, couplers):
    from braket.aws import AwsDevice
    from braket.pulse import Frame, Port

    device = AwsDevice(arn)
    ports, frames = device.ports, device.frames
    assert len(ports) == 4 * qubits  # drive, readout tx/rx, flux per qubit
    assert isinstance(ports["q0_rf"], Port) and ports["q0_rf"].dt == 1e-9
    drive = frames["q0_rf_frame"]
    assert isinstance(drive, Frame) and drive.port is ports["q0_rf"]
    assert 4e9 < drive.frequency < 6e9 and drive.phase == 0.0
    assert frames["q0_ro_rx_frame"].port.properties["direction"] == "rx"
    iswap = [f for f in frames.values() if f.properties.get("associatedGate") == "iswap"]
    assert len(iswap) == couplers
    assert frames["q0_q1_iswap_frame"].properties["qubitMappings"] == [0, 1]
    assert device.properties.pulse.supportsDynamicFrames is True


def test_native_gate_calibrations_are_served_on_loopback(cloud_env):
    from braket.aws import AwsDevice
    from braket.circuits import FreeParameter, QubitSet
    from braket.circuits.gates import ISwap, Rx, Rz
    from braket.pulse import PulseSequence

    device = AwsDevice(CEPHEUS)
    url = device.properties.pulse.nativeGateCalibrationsRef
    assert url.startswith(cloud_env["AWS_ENDPOINT_URL_BRAKET"] + "/")  # this cloud, loopback
    calibrations = device.gate_calibrations
    assert calibrations is not None
    sequences = calibrations.pulse_sequences
    half_pi = sequences[(Rx(math.pi / 2), QubitSet(0))]
    assert isinstance(half_pi, PulseSequence)
    assert "play(q0_rf_frame, q0_rx_pi_2)" in half_pi.to_ir()
    assert (Rx(-math.pi), QubitSet(5)) in sequences
    rz = sequences[(Rz(FreeParameter("theta")), QubitSet(3))]
    assert "shift_phase(q3_rf_frame, -1.0 * theta)" in rz.to_ir()
    iswap = sequences[(ISwap(), QubitSet([0, 1]))]
    assert "play(q0_q1_iswap_frame, q0_q1_iswap)" in iswap.to_ir()
    assert len(sequences) == 108 * 5 + 195  # rx at 4 angles + rz per qubit, iswap per coupler


def test_devices_without_pulse_have_no_calibrations(cloud_env):
    from braket.aws import AwsDevice

    device = AwsDevice(GARNET)
    assert device.gate_calibrations is None and device.ports == {}
    base = cloud_env["AWS_ENDPOINT_URL_BRAKET"]
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{base}/_local/calibrations/iqm/Garnet")
    assert caught.value.code == 404
