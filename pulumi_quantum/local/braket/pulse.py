"""Pulse control data of the Rigetti QPUs: ports, frames and native gate calibrations.

Braket's Rigetti devices publish a ``pulse`` block in their capabilities
(``braket.device_schema.pulse.PulseDeviceActionProperties``) whose ``ports`` and ``frames`` the
SDK turns into ``AwsDevice.ports`` / ``AwsDevice.frames``, and whose ``nativeGateCalibrationsRef``
is a URL the SDK downloads (plain ``urllib``, query string dropped) and parses as
``braket.device_schema.pulse.NativeGateCalibrations`` into ``AwsDevice.gate_calibrations``. On
AWS that URL is a presigned S3 URL; here it points at the local Braket itself
(``/_local/calibrations/<provider>/<device>``, on loopback, unauthenticated like the other
``/_local`` endpoints); the host is filled in per request from the address the server is bound to.

The content follows the shapes and example values of amazon-braket-schemas' own docstrings
(``q0_rf`` ports with ``dt`` 1 ns, ``q0_rf_frame`` frames, ``drag_gaussian`` waveforms of
60 ns for ``rx``, ``shift_phase`` by ``-theta`` for ``rz``); the per-qubit frequencies and
amplitudes are plausible placeholders, not a device's measured calibration (docs/braket-devices.md).
Ports and frames follow Rigetti's naming: per qubit a drive port (``q{n}_rf``), a readout pair
(``q{n}_ro_tx`` / ``q{n}_ro_rx``) and a flux port (``q{n}_ff``); per coupler an ``iswap`` frame
on the lower qubit's flux port.
"""

from __future__ import annotations

import math
from contextvars import ContextVar
from typing import Any

CALIBRATIONS_PATH = "/_local/calibrations/"
PLACEHOLDER_ENDPOINT = "http://127.0.0.1"
"""What the cached capabilities carry until a request fills in the bound address."""

REQUEST_ENDPOINT: ContextVar[str | None] = ContextVar("braket_request_endpoint", default=None)
"""``http://host:port`` the current request reached (set by the app from the bound address)."""

DT = 1e-9  # the schemas' example: 1 ns sample time on every port
RX_LENGTH = 6.000000000000001e-08  # the schemas' example drag_gaussian
RX_SIGMA = 6.369913502160144e-09
RX_BETA = 7.494904522022295e-10
RX_HALF_PI_AMPLITUDE = 0.4549282253548838
ISWAP_LENGTH = 1.2e-07
RX_ANGLES = (math.pi / 2, -math.pi / 2, math.pi, -math.pi)  # Rigetti's native rx angles

_HEADER = {"name": "braket.device_schema.pulse.pulse_device_action_properties", "version": "1"}
_CALIBRATIONS_HEADER = {
    "name": "braket.device_schema.pulse.native_gate_calibrations",
    "version": "1",
}


def calibrations_url(qpu: Any, endpoint: str = PLACEHOLDER_ENDPOINT) -> str:
    provider, name = qpu.arn.split("/")[-2:]
    return f"{endpoint}{CALIBRATIONS_PATH}{provider}/{name}"


def served_capabilities(document: str) -> str:
    """A capabilities JSON with the calibrations URL aimed at the current request's endpoint."""
    endpoint = REQUEST_ENDPOINT.get()
    needle = f'"{PLACEHOLDER_ENDPOINT}{CALIBRATIONS_PATH}'
    if endpoint is None or needle not in document:
        return document
    return document.replace(needle, f'"{endpoint}{CALIBRATIONS_PATH}')


def _drive_frequency(q: int) -> float:
    return 4.525620740864410e9 + (q % 9) * 41.3e6 - (q // 9 % 5) * 17.9e6


def _readout_frequency(q: int) -> float:
    return 7.05e9 + (q % 12) * 23.0e6


def _function(name: str, *arguments: tuple[str, str], optional: tuple[str, ...] = ()) -> dict:
    return {
        "functionName": name,
        "arguments": [
            {"name": arg, "type": kind, "optional": arg in optional} for arg, kind in arguments
        ],
    }


def pulse_properties(qpu: Any) -> dict[str, Any]:
    """The ``pulse`` block of a Rigetti QPU's capabilities."""
    ports: dict[str, Any] = {}
    frames: dict[str, Any] = {}
    for q in qpu.qubits():
        for suffix, direction, kind in (("rf", "tx", "rf"), ("ro_tx", "tx", "ro_tx"),
                                        ("ro_rx", "rx", "ro_rx"), ("ff", "tx", "ff")):  # fmt: skip
            ports[f"q{q}_{suffix}"] = {
                "portId": f"q{q}_{suffix}",
                "direction": direction,
                "portType": kind,
                "dt": DT,
                "qubitMappings": [q],
            }
        for suffix, port, frequency in (
            ("rf_frame", "rf", _drive_frequency(q)),
            ("ro_tx_frame", "ro_tx", _readout_frequency(q)),
            ("ro_rx_frame", "ro_rx", _readout_frequency(q)),
        ):
            frames[f"q{q}_{suffix}"] = {
                "frameId": f"q{q}_{suffix}",
                "portId": f"q{q}_{port}",
                "frequency": frequency,
                "phase": 0.0,
                "qubitMappings": [q],
            }
    for a, b in qpu.edges:
        frames[f"q{a}_q{b}_iswap_frame"] = {
            "frameId": f"q{a}_q{b}_iswap_frame",
            "portId": f"q{a}_ff",
            "frequency": abs(_drive_frequency(a) - _drive_frequency(b)),
            "phase": 0.0,
            "associatedGate": "iswap",
            "qubitMappings": [a, b],
        }
    return {
        "braketSchemaHeader": _HEADER,
        "supportedQhpTemplateWaveforms": {
            "constant": _function("constant", ("length", "duration"), ("iq", "complex")),
            "gaussian": _function(
                "gaussian",
                ("length", "duration"),
                ("sigma", "duration"),
                ("amplitude", "float"),
                ("zero_at_edges", "bool"),
                optional=("amplitude", "zero_at_edges"),
            ),
            "drag_gaussian": _function(
                "drag_gaussian",
                ("length", "duration"),
                ("sigma", "duration"),
                ("beta", "float"),
                ("amplitude", "float"),
                ("zero_at_edges", "bool"),
                optional=("amplitude", "zero_at_edges"),
            ),
            "erf_square": _function(
                "erf_square",
                ("length", "duration"),
                ("width", "duration"),
                ("sigma", "duration"),
                ("off_center", "duration"),
                ("amplitude", "float"),
                ("zero_at_edges", "bool"),
                optional=("off_center", "amplitude", "zero_at_edges"),
            ),
        },
        "ports": ports,
        "supportedFunctions": {
            "shift_phase": _function("shift_phase", ("frame", "frame"), ("phase", "float")),
            "set_phase": _function("set_phase", ("frame", "frame"), ("phase", "float")),
            "shift_frequency": _function(
                "shift_frequency", ("frame", "frame"), ("frequency", "float")
            ),
            "set_frequency": _function("set_frequency", ("frame", "frame"), ("frequency", "float")),
            "play": _function("play", ("frame", "frame"), ("waveform", "waveform")),
            "capture_v0": _function("capture_v0", ("frame", "frame")),
        },
        "frames": frames,
        "supportsLocalPulseElements": False,
        "supportsDynamicFrames": True,
        "supportsNonNativeGatesWithPulses": True,
        "validationParameters": {
            "MAX_SCALE": 4.0,
            "MAX_AMPLITUDE": 1.0,
            "PERMITTED_FREQUENCY_DIFFERENCE": 400000000.0,
            "MIN_PULSE_LENGTH": 8e-09,
            "MAX_PULSE_LENGTH": 1e-05,
        },
        "nativeGateCalibrationsRef": calibrations_url(qpu),
    }


def _arg(name: str, value: Any, kind: str) -> dict[str, Any]:
    return {"name": name, "value": value, "type": kind}


def _barrier(*qubits: int) -> dict[str, Any]:
    return {"name": "barrier", "arguments": [_arg("qubit", str(q), "string") for q in qubits]}


def _play(frame: str, waveform: str) -> dict[str, Any]:
    return {"name": "play", "arguments": [_arg("frame", frame, "frame"),
                                          _arg("waveform", waveform, "waveform")]}  # fmt: skip


def native_gate_calibrations(qpu: Any) -> dict[str, Any]:
    """The document behind ``nativeGateCalibrationsRef`` (``NativeGateCalibrations``)."""
    gates: dict[str, Any] = {}
    waveforms: dict[str, Any] = {}
    for q in qpu.qubits():
        rx = []
        for angle in RX_ANGLES:
            waveform = f"q{q}_rx_{'m' if angle < 0 else ''}{'pi' if abs(angle) > 2 else 'pi_2'}"
            amplitude = (
                RX_HALF_PI_AMPLITUDE * (abs(angle) / (math.pi / 2)) * math.copysign(1, angle)
            )
            waveforms[waveform] = {
                "waveformId": waveform,
                "name": "drag_gaussian",
                "arguments": [
                    _arg("length", RX_LENGTH, "float"),
                    _arg("sigma", RX_SIGMA, "float"),
                    _arg("amplitude", amplitude / 2, "float"),
                    _arg("beta", RX_BETA, "float"),
                ],
            }
            rx.append({
                "name": "rx",
                "qubits": [str(q)],
                "arguments": [repr(angle)],
                "calibrations": [_barrier(q), _play(f"q{q}_rf_frame", waveform), _barrier(q)],
            })  # fmt: skip
        rz = {
            "name": "rz",
            "qubits": [str(q)],
            "arguments": ["theta"],
            "calibrations": [{"name": "shift_phase", "arguments": [
                _arg("frame", f"q{q}_rf_frame", "frame"), _arg("phase", "-1.0*theta", "expr")]}],
        }  # fmt: skip
        gates[str(q)] = {"rx": rx, "rz": [rz]}
    for a, b in qpu.edges:
        waveform = f"q{a}_q{b}_iswap"
        waveforms[waveform] = {
            "waveformId": waveform,
            "name": "constant",
            "arguments": [_arg("length", ISWAP_LENGTH, "float"), _arg("iq", "0.35", "complex")],
        }
        gates[f"{a}_{b}"] = {
            "iswap": [
                {
                    "name": "iswap",
                    "qubits": [str(a), str(b)],
                    "arguments": [],
                    "calibrations": [
                        _barrier(a, b),
                        _play(f"q{a}_q{b}_iswap_frame", waveform),
                        _barrier(a, b),
                    ],
                }
            ]
        }
    return {"braketSchemaHeader": _CALIBRATIONS_HEADER, "gates": gates, "waveforms": waveforms}
