"""The device catalogue of the local Braket: what GetDevice / SearchDevices return.

The Amazon simulators keep their real ARNs so code written for AWS runs unchanged. Their
capabilities are the ones amazon-braket-default-simulator itself publishes (so what we advertise is
what we can run), with the service block adjusted to what SV1/DM1/TN1 advertise on AWS (shot range,
cost) and a short poll interval, which the Braket SDK honours, so local results arrive quickly.

The QPUs Braket offers (``qpus``) keep their real regional ARNs, names, providers and capabilities;
gate-model tasks on them run on the state-vector simulator once ``qpu_rules`` has accepted them as
that QPU would, and QuEra Aquila's analog programs run on the default simulator's AHS simulator.

Regions: a regional QPU exists only in its own region and the simulators in the regions Braket
serves them from; the region is the one the caller signed the request for (SigV4 credential
scope), so ``AwsDevice`` switching its session to the device's region works as against AWS.

Two QPU-style test devices exist only so that DeviceOfflineException is real (no device AWS
offers is OFFLINE here) and a RETIRED device needs no real one: one is OFFLINE, one RETIRED, under a
provider ("Local") AWS does not have. They are *not* in the default catalogue (code that maps every
listed device onto the SDK's ``Devices`` enum must work, as against AWS): ``catalogue(True)``
adds them, which ``local start --test-devices`` / ``PQ_LOCAL_TEST_DEVICES=1`` select. Their
capabilities use the IonQ schema of amazon-braket-schemas because the SDK can only parse
capabilities whose schema header it knows.

TN1 is mapped onto the state-vector simulator: same programs, same results, no tensor-network
speed-up (the local cloud runs tiny circuits).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from typing import Any

from .pulse import served_capabilities
from .qpus import AHS_ACTION, QPUS, Qpu, service_properties
from .qpus import capabilities as qpu_capabilities
from .results import RUNNABLE_ACTIONS

SV1_ARN = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
DM1_ARN = "arn:aws:braket:::device/quantum-simulator/amazon/dm1"
TN1_ARN = "arn:aws:braket:::device/quantum-simulator/amazon/tn1"
OFFLINE_QPU_ARN = "arn:aws:braket:us-east-1::device/qpu/local/offline-qpu"
RETIRED_QPU_ARN = "arn:aws:braket:us-east-1::device/qpu/local/retired-qpu"

MAX_SHOTS = 100_000
MIN_BILLED_SECONDS = 3.0  # AWS bills simulator tasks for at least 3 seconds
PRICES_PUBLISHED = "2026-11-22"
"""The date of every price here (simulators' ``cost_per_minute``, QPUs' per-task and per-shot
prices in ``qpus.py``): the day they were recorded from Braket's pricing page. The offer file
(``offers.py``) publishes it; change it with any price."""
OPENQASM_ACTION = "braket.ir.openqasm.program"
# The regions Braket runs in (the SDK's ``AwsDevice.REGIONS``); SV1 and DM1 are served in all of
# them, TN1 only in three (AWS Braket Developer Guide, "Amazon Braket supported regions and
# devices").
REGIONS = ("us-east-1", "us-west-1", "us-west-2", "eu-west-2", "eu-north-1")
TN1_REGIONS = ("us-east-1", "us-west-2", "eu-west-2")
DEFAULT_REGION = "us-east-1"

REQUEST_REGION: ContextVar[str] = ContextVar("braket_request_region", default=DEFAULT_REGION)
"""The region the current request was signed for (set by the app from the SigV4 scope)."""


@dataclass(frozen=True)
class Device:
    arn: str
    name: str
    provider: str
    type: str  # SIMULATOR | QPU
    status: str  # ONLINE | OFFLINE | RETIRED
    backend: str | None  # "state_vector" | "density_matrix" | "ahs" | None (runs nothing)
    cost_per_minute: float
    regions: tuple[str, ...] = REGIONS
    qpu: Qpu | None = None
    adjoint_gradient: bool = False  # SV1 only, as on Braket

    @property
    def actions(self) -> tuple[str, ...]:
        return (AHS_ACTION,) if self.backend == "ahs" else (OPENQASM_ACTION,)

    @property
    def shots_range(self) -> tuple[int, int]:
        if self.qpu is not None:
            return self.qpu.shots_range
        return (0 if self.type == "SIMULATOR" else 1, MAX_SHOTS)

    def available_in(self, region: str) -> bool:
        return region in self.regions

    def task_cost(self, shots: int, seconds: float) -> float:
        """USD Braket charges for one task: per task + per shot on a QPU, per minute of
        simulation (at least MIN_BILLED_SECONDS) on a simulator."""
        if self.qpu is not None:
            return self.qpu.price_per_task + shots * self.qpu.price_per_shot
        return self.cost_per_minute * max(MIN_BILLED_SECONDS, seconds) / 60

    def summary(self) -> dict[str, Any]:
        return {
            "deviceArn": self.arn,
            "deviceName": self.name,
            "providerName": self.provider,
            "deviceType": self.type,
            "deviceStatus": self.status,
        }

    def describe(self, counts: dict[str, int] | None = None) -> dict[str, Any]:
        """GetDevice's answer; ``counts`` are the local queue's sizes (normal, priority, jobs)."""
        counts = counts or {}
        return {
            **self.summary(),
            "deviceCapabilities": served_capabilities(capabilities_json(self.arn)),
            "deviceQueueInfo": [
                {
                    "queue": "QUANTUM_TASKS_QUEUE",
                    "queueSize": _size(counts.get("normal", 0), 4000),
                    "queuePriority": "Normal",
                },
                {
                    "queue": "QUANTUM_TASKS_QUEUE",
                    "queueSize": _size(counts.get("priority", 0), 4000),
                    "queuePriority": "Priority",
                },
                {"queue": "JOBS_QUEUE", "queueSize": _size(counts.get("jobs", 0), 1000)},
            ],
        }


def _size(n: int, cap: int) -> str:
    """Braket caps what it shows: '>4000' tasks, '>1000' jobs (per the SDK's queue_depth docs)."""
    return f">{cap}" if n > cap else str(n)


def _qpu_device(qpu: Qpu) -> Device:
    return Device(
        qpu.arn,
        qpu.name,
        qpu.provider,
        "QPU",
        qpu.status,
        "ahs" if qpu.family == "quera" else "state_vector",
        0.0,
        regions=(qpu.region,),
        qpu=qpu,
    )


DEVICES: dict[str, Device] = {
    d.arn: d
    for d in (
        Device(
            SV1_ARN, "SV1", "Amazon Braket", "SIMULATOR", "ONLINE", "state_vector", 0.075,
            adjoint_gradient=True,
        ),
        Device(DM1_ARN, "dm1", "Amazon Braket", "SIMULATOR", "ONLINE", "density_matrix", 0.075),
        Device(
            TN1_ARN, "TN1", "Amazon Braket", "SIMULATOR", "ONLINE", "state_vector", 0.275,
            regions=TN1_REGIONS,
        ),
        *(_qpu_device(q) for q in QPUS),
    )
}  # fmt: skip
"""The default catalogue: only devices Amazon Braket has."""

TEST_DEVICES: dict[str, Device] = {
    d.arn: d
    for d in (
        Device(
            OFFLINE_QPU_ARN, "Offline QPU", "Local", "QPU", "OFFLINE", None, 0.3,
            regions=("us-east-1",),
        ),
        Device(
            RETIRED_QPU_ARN, "Retired QPU", "Local", "QPU", "RETIRED", None, 0.3,
            regions=("us-east-1",),
        ),
    )
}  # fmt: skip
"""Devices for tests only (OFFLINE / RETIRED under a provider AWS does not have)."""

ALL_DEVICES: dict[str, Device] = {**DEVICES, **TEST_DEVICES}
"""Every device an ARN can name (a task stored by a daemon started with test devices still runs
and reports after a restart without them)."""

TEST_DEVICES_ENV = "PQ_LOCAL_TEST_DEVICES"


def test_devices_from_env(environ: Mapping[str, str] | None = None) -> bool:
    """``PQ_LOCAL_TEST_DEVICES`` set to 1/true/yes turns the test devices on."""
    env = os.environ if environ is None else environ
    return env.get(TEST_DEVICES_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def catalogue(test_devices: bool = False) -> dict[str, Device]:
    """The devices GetDevice / SearchDevices / CreateQuantumTask see."""
    return ALL_DEVICES if test_devices else DEVICES


def simulator_for(backend: str) -> Any:
    """A new default-simulator instance (imported lazily: the package is slow to import)."""
    if backend == "ahs":
        from braket.analog_hamiltonian_simulator.rydberg.rydberg_simulator import (
            RydbergAtomSimulator,
        )

        return RydbergAtomSimulator()
    from braket.default_simulator import DensityMatrixSimulator, StateVectorSimulator

    return DensityMatrixSimulator() if backend == "density_matrix" else StateVectorSimulator()


def _offer_adjoint_gradient(openqasm: dict[str, Any]) -> None:
    """SV1 publishes AdjointGradient (OpenQASM, shots=0), which the default simulator's own
    capabilities forbid; the local SV1 computes it (``adjoint.py``)."""
    pragma = "braket_result_type_adjoint_gradient"
    openqasm["forbiddenPragmas"] = [p for p in openqasm["forbiddenPragmas"] if p != pragma]
    openqasm["supportedPragmas"].append(pragma)
    openqasm["supportedResultTypes"].append(
        {"name": "AdjointGradient", "observables": ["x", "y", "z", "h", "i"], "minShots": 0,
         "maxShots": 0}
    )  # fmt: skip


def _service_block(device: Device) -> dict[str, Any]:
    return service_properties(
        (0 if device.type == "SIMULATOR" else 1, MAX_SHOTS),
        {"price": device.cost_per_minute, "unit": "minute"},
        f"{device.name} served by the pulumi-quantum local cloud",
        "local",
        "2024-01-01T00:00:00",
    )


@cache
def capabilities_json(arn: str) -> str:
    """Capabilities document for a device, validated by amazon-braket-schemas' own models."""
    device = ALL_DEVICES[arn]
    if device.qpu is not None:
        return qpu_capabilities(device.qpu)
    if device.backend is not None:
        caps = json.loads(simulator_for(device.backend).properties.json())
        caps["service"] = _service_block(device)
        caps["action"] = {k: v for k, v in caps["action"].items() if k in RUNNABLE_ACTIONS}
        if device.adjoint_gradient:
            _offer_adjoint_gradient(caps["action"][OPENQASM_ACTION])
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
