"""The device catalogue of the local Braket: what GetDevice / SearchDevices return.

The Amazon simulators keep their real ARNs so code written for AWS runs unchanged. Their
capabilities are the ones amazon-braket-default-simulator itself publishes (so what we advertise is
what we can run), with the service block adjusted to what SV1/DM1/TN1 advertise on AWS (shot range,
cost) and a short poll interval, which the Braket SDK honours, so local results arrive quickly.

Two QPU-style devices exist only so that DeviceOfflineException / DeviceRetiredException are real:
one is OFFLINE, one RETIRED. Their capabilities use the IonQ schema of amazon-braket-schemas because
the SDK can only parse capabilities whose schema header it knows; the provider name says "Local".

TN1 is mapped onto the state-vector simulator: same programs, same results, no tensor-network
speed-up (the local cloud runs tiny circuits).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from .results import RUNNABLE_ACTIONS

SV1_ARN = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
DM1_ARN = "arn:aws:braket:::device/quantum-simulator/amazon/dm1"
TN1_ARN = "arn:aws:braket:::device/quantum-simulator/amazon/tn1"
OFFLINE_QPU_ARN = "arn:aws:braket:us-east-1::device/qpu/local/offline-qpu"
RETIRED_QPU_ARN = "arn:aws:braket:us-east-1::device/qpu/local/retired-qpu"

MAX_SHOTS = 100_000
OPENQASM_ACTION = "braket.ir.openqasm.program"


@dataclass(frozen=True)
class Device:
    arn: str
    name: str
    provider: str
    type: str  # SIMULATOR | QPU
    status: str  # ONLINE | OFFLINE | RETIRED
    backend: str | None  # "state_vector" | "density_matrix" | None (cannot run anything)
    cost_per_minute: float

    def summary(self) -> dict[str, Any]:
        return {
            "deviceArn": self.arn,
            "deviceName": self.name,
            "providerName": self.provider,
            "deviceType": self.type,
            "deviceStatus": self.status,
        }

    def describe(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "deviceCapabilities": capabilities_json(self.arn),
            "deviceQueueInfo": [
                {"queue": "QUANTUM_TASKS_QUEUE", "queueSize": "0", "queuePriority": "Normal"},
                {"queue": "QUANTUM_TASKS_QUEUE", "queueSize": "0", "queuePriority": "Priority"},
                {"queue": "JOBS_QUEUE", "queueSize": "0"},
            ],
        }


DEVICES: dict[str, Device] = {
    d.arn: d
    for d in (
        Device(SV1_ARN, "SV1", "Amazon Braket", "SIMULATOR", "ONLINE", "state_vector", 0.075),
        Device(DM1_ARN, "dm1", "Amazon Braket", "SIMULATOR", "ONLINE", "density_matrix", 0.075),
        Device(TN1_ARN, "TN1", "Amazon Braket", "SIMULATOR", "ONLINE", "state_vector", 0.275),
        Device(OFFLINE_QPU_ARN, "Offline QPU", "Local", "QPU", "OFFLINE", None, 0.3),
        Device(RETIRED_QPU_ARN, "Retired QPU", "Local", "QPU", "RETIRED", None, 0.3),
    )
}


def simulator_for(backend: str) -> Any:
    """A new default-simulator instance (imported lazily: the package is slow to import)."""
    from braket.default_simulator import DensityMatrixSimulator, StateVectorSimulator

    return DensityMatrixSimulator() if backend == "density_matrix" else StateVectorSimulator()


def _service_block(device: Device) -> dict[str, Any]:
    return {
        "braketSchemaHeader": {
            "name": "braket.device_schema.device_service_properties",
            "version": "1",
        },
        "executionWindows": [
            {"executionDay": "Everyday", "windowStartHour": "00:00", "windowEndHour": "23:59:59"}
        ],
        "shotsRange": [0 if device.type == "SIMULATOR" else 1, MAX_SHOTS],
        "deviceCost": {"price": device.cost_per_minute, "unit": "minute"},
        "deviceDocumentation": {
            "summary": f"{device.name} served by the pulumi-quantum local cloud",
            "externalDocumentationUrl": "https://docs.aws.amazon.com/braket/",
        },
        "deviceLocation": "local",
        "updatedAt": "2024-01-01T00:00:00",
        "getTaskPollIntervalMillis": 50,
    }


@cache
def capabilities_json(arn: str) -> str:
    """Capabilities document for a device, validated by amazon-braket-schemas' own models."""
    device = DEVICES[arn]
    if device.backend is not None:
        caps = json.loads(simulator_for(device.backend).properties.json())
        caps["service"] = _service_block(device)
        caps["action"] = {k: v for k, v in caps["action"].items() if k in RUNNABLE_ACTIONS}
        from braket.device_schema.simulators import GateModelSimulatorDeviceCapabilities

        return GateModelSimulatorDeviceCapabilities.parse_obj(caps).json()
    from braket.device_schema.ionq import IonqDeviceCapabilities

    caps = {
        "braketSchemaHeader": {
            "name": "braket.device_schema.ionq.ionq_device_capabilities",
            "version": "1",
        },
        "service": _service_block(device),
        "action": {
            OPENQASM_ACTION: {
                "actionType": OPENQASM_ACTION,
                "version": ["1"],
                "supportedOperations": ["x", "y", "z", "h", "cnot", "rx", "ry", "rz"],
                "supportedResultTypes": [
                    {"name": "Probability", "observables": None, "minShots": 1, "maxShots": 10000}
                ],
            }
        },
        "paradigm": {
            "braketSchemaHeader": {
                "name": "braket.device_schema.gate_model_qpu_paradigm_properties",
                "version": "1",
            },
            "qubitCount": 4,
            "nativeGateSet": ["gpi", "gpi2", "ms"],
            "connectivity": {"fullyConnected": True, "connectivityGraph": {}},
        },
        "deviceParameters": {},
    }
    return IonqDeviceCapabilities.parse_obj(caps).json()
