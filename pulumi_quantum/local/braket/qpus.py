"""The QPUs of Amazon Braket as the local Braket serves them: ARNs, names, providers and the facts
their capabilities documents are built from.

Every fact here has its source recorded in ``docs/braket-devices.md``; where no public source was
available offline the value is marked there as an assumption. The capabilities documents are
validated by amazon-braket-schemas' own typed classes (``IonqDeviceCapabilities``, ...), so
``AwsDevice(arn).properties`` is exactly the class the SDK gives for the real device.

Status follows the SDK's ``braket.devices.Devices`` enum, which prefixes devices Braket no longer
offers with ``_`` (e.g. ``_Aria1``, ``_Ankaa3``): those are RETIRED here, the others ONLINE.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

OPENQASM_ACTION = "braket.ir.openqasm.program"
AHS_ACTION = "braket.ir.ahs.program"
RESULT_TYPES = ("Sample", "Expectation", "Variance", "Probability")
OBSERVABLES = ["x", "y", "z", "h", "i"]

# Supported operations per provider: AWS Braket Developer Guide, "Submitting quantum tasks to
# QPUs" (IonQ, IQM and Rigetti sections).
IONQ_OPERATIONS = ("x", "y", "z", "rx", "ry", "rz", "h", "cnot", "s", "si", "t", "ti", "v", "vi",
                   "xx", "yy", "zz", "swap")  # fmt: skip
IQM_OPERATIONS = ("ccnot", "cnot", "cphaseshift", "cphaseshift00", "cphaseshift01",
                  "cphaseshift10", "cswap", "swap", "iswap", "pswap", "ecr", "cy", "cz", "xy",
                  "xx", "yy", "zz", "h", "i", "phaseshift", "rx", "ry", "rz", "s", "si", "t",
                  "ti", "v", "vi", "x", "y", "z")  # fmt: skip
# AQT: the operations and result types of the AqtDeviceCapabilities example in
# amazon-braket-schemas' own tests (the IQM list plus prx); no Developer Guide list was available.
AQT_OPERATIONS = (*IQM_OPERATIONS, "prx")
RIGETTI_OPERATIONS = ("cz", "xy", "ccnot", "cnot", "cphaseshift", "cphaseshift00",
                      "cphaseshift01", "cphaseshift10", "cswap", "h", "i", "iswap", "phaseshift",
                      "pswap", "rx", "ry", "rz", "s", "si", "swap", "t", "ti", "x", "y",
                      "z")  # fmt: skip


@dataclass(frozen=True)
class Qpu:
    """One QPU: identity, where it lives, and what it accepts."""

    arn: str
    name: str
    provider: str
    family: str  # ionq | iqm | rigetti | aqt | quera
    status: str
    qubit_count: int
    native_gates: tuple[str, ...] = ()
    operations: tuple[str, ...] = ()
    edges: tuple[tuple[int, int], ...] = ()  # empty: fully connected
    shots_range: tuple[int, int] = (1, 10_000)
    price_per_task: float = 0.3
    price_per_shot: float = 0.0
    location: str = ""
    # OpenQASM definitions of native gates the local simulator lacks, in its own gates; added to
    # the program that is simulated (never to the action recorded in results.json).
    simulation_gates: tuple[tuple[str, str], ...] = ()
    extras: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def region(self) -> str:
        return self.arn.split(":")[3]

    @property
    def fully_connected(self) -> bool:
        return self.family != "quera" and not self.edges

    @property
    def action(self) -> str:
        return AHS_ACTION if self.family == "quera" else OPENQASM_ACTION

    def qubits(self) -> list[int]:
        """Physical qubit labels (IQM numbers from 1, the others from 0, as on Braket)."""
        first = 1 if self.family == "iqm" else 0
        return list(range(first, first + self.qubit_count))

    def graph(self) -> dict[str, list[str]]:
        adjacency: dict[int, set[int]] = {}
        for a, b in self.edges:
            adjacency.setdefault(a, set()).add(b)
            adjacency.setdefault(b, set()).add(a)
        return {str(q): [str(n) for n in sorted(adjacency[q])] for q in sorted(adjacency)}


def _grid(rows: int, columns: int, first: int = 0, missing: tuple[tuple[int, int], ...] = ()):
    """Nearest-neighbour couplers of a rows x columns square lattice, row-major labels."""
    edges = []
    for r in range(rows):
        for c in range(columns):
            q = first + r * columns + c
            if c + 1 < columns:
                edges.append((q, q + 1))
            if r + 1 < rows:
                edges.append((q, q + columns))
    return tuple(e for e in edges if e not in missing)


# IQM Garnet's 20-qubit square-lattice ("crystal") couplers, 1-based as Braket numbers them.
GARNET_EDGES = (
    (1, 2), (1, 4), (2, 5), (3, 4), (3, 8), (4, 5), (4, 9), (5, 6), (5, 10), (6, 7), (6, 11),
    (7, 12), (8, 9), (8, 13), (9, 10), (9, 14), (10, 11), (10, 15), (11, 12), (11, 16), (12, 17),
    (13, 14), (14, 15), (14, 18), (15, 16), (15, 19), (16, 17), (16, 20), (18, 19), (19, 20),
)  # fmt: skip

# IQM Emerald's couplers as Braket reported them on 2025-11-06 (the device-capabilities snapshot
# amazon-braket-examples ships as examples/braket_features/Device_emulation/
# garnet_device_properties_20251106.json, which despite its name is Emerald: 54 qubits, Munich):
# IQM's 54-qubit "Aphrodite" lattice (qiskit-on-iqm's fake_aphrodite.py, 90 couplers) minus 7.
EMERALD_EDGES = (
    (1, 2), (1, 5), (2, 6), (3, 4), (3, 9), (4, 5), (4, 10), (5, 6), (5, 11), (6, 7), (6, 12),
    (8, 9), (8, 16), (9, 10), (9, 17), (10, 11), (11, 12), (11, 19), (12, 13), (12, 20), (13, 14),
    (13, 21), (14, 22), (15, 16), (15, 23), (16, 17), (16, 24), (17, 18), (17, 25), (18, 19),
    (18, 26), (19, 20), (19, 27), (20, 21), (20, 28), (21, 22), (21, 29), (22, 30), (23, 24),
    (24, 25), (24, 32), (25, 26), (25, 33), (26, 27), (26, 34), (27, 28), (27, 35), (28, 29),
    (28, 36), (29, 30), (29, 37), (30, 31), (31, 39), (32, 33), (33, 34), (33, 41), (34, 35),
    (34, 42), (35, 36), (35, 43), (36, 37), (36, 44), (37, 38), (37, 45), (38, 39), (38, 46),
    (40, 41), (41, 42), (41, 47), (42, 43), (42, 48), (44, 45), (44, 50), (45, 46), (45, 51),
    (47, 48), (48, 49), (48, 52), (49, 53), (50, 51), (50, 54), (52, 53), (53, 54),
)  # fmt: skip

_IONQ = {"family": "ionq", "provider": "IonQ", "operations": tuple(IONQ_OPERATIONS)}
_IQM = {
    "family": "iqm",
    "provider": "IQM",
    "operations": tuple(IQM_OPERATIONS),
    "native_gates": ("cz", "prx"),
    "location": "Espoo, Finland",
}
# AQT's native R(theta, phi) = exp(-i theta/2 (cos phi X + sin phi Y)) is Braket's prx(theta, phi)
# and RXX(theta) = exp(-i theta/2 X(x)X) is Braket's xx(theta).
AQT_SIMULATION_GATES = (
    ("r", "gate r(theta, phi) q { prx(theta, phi) q; }"),
    ("rxx", "gate rxx(theta) a, b { xx(theta) a, b; }"),
)
_RIGETTI = {
    "family": "rigetti",
    "provider": "Rigetti",
    "operations": tuple(RIGETTI_OPERATIONS),
    "native_gates": ("rx", "rz", "iswap"),
    "location": "Berkeley, California",
}

QPUS: tuple[Qpu, ...] = (
    Qpu(
        "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1", "Forte 1", status="ONLINE",
        qubit_count=36, native_gates=("gpi", "gpi2", "zz"), shots_range=(100, 5000),
        price_per_shot=0.08, location="Maryland, USA", **_IONQ,
    ),
    Qpu(
        "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-Enterprise-1", "Forte Enterprise 1",
        status="ONLINE", qubit_count=36, native_gates=("gpi", "gpi2", "zz"),
        shots_range=(100, 5000), price_per_shot=0.08, location="Washington, USA", **_IONQ,
    ),
    Qpu(
        "arn:aws:braket:us-east-1::device/qpu/ionq/Aria-1", "Aria 1", status="RETIRED",
        qubit_count=25, native_gates=("gpi", "gpi2", "ms"), shots_range=(100, 5000),
        price_per_shot=0.03, location="Maryland, USA", **_IONQ,
    ),
    Qpu(
        "arn:aws:braket:eu-north-1::device/qpu/iqm/Garnet", "Garnet", status="ONLINE",
        qubit_count=20, edges=GARNET_EDGES, shots_range=(1, 20000), price_per_shot=0.00145,
        **_IQM,
    ),
    Qpu(
        "arn:aws:braket:eu-north-1::device/qpu/iqm/Emerald", "Emerald", status="ONLINE",
        qubit_count=54, edges=EMERALD_EDGES, shots_range=(1, 200000),
        price_per_shot=0.0016, **{**_IQM, "location": "Munich, Germany"},
    ),
    Qpu(
        "arn:aws:braket:us-west-1::device/qpu/rigetti/Ankaa-3", "Ankaa-3", status="RETIRED",
        qubit_count=84, edges=_grid(12, 7, missing=((26, 27),)), shots_range=(10, 50000),
        price_per_shot=0.0009, **_RIGETTI,
    ),
    Qpu(
        "arn:aws:braket:us-west-1::device/qpu/rigetti/Cepheus-1-108Q", "Cepheus-1-108Q",
        status="ONLINE", qubit_count=108, edges=_grid(12, 9), shots_range=(10, 50000),
        price_per_shot=0.0009, **_RIGETTI,
    ),
    Qpu(
        "arn:aws:braket:eu-north-1::device/qpu/aqt/Ibex-Q1", "IBEX-Q1", provider="AQT",
        family="aqt", status="ONLINE", qubit_count=12, native_gates=("r", "rxx", "rz"),
        operations=AQT_OPERATIONS, shots_range=(1, 2000), price_per_shot=0.00145,
        location="Innsbruck, Austria", simulation_gates=AQT_SIMULATION_GATES,
    ),
    Qpu(
        "arn:aws:braket:us-east-1::device/qpu/quera/Aquila", "Aquila", provider="QuEra",
        family="quera", status="ONLINE", qubit_count=256, shots_range=(1, 1000),
        price_per_shot=0.01, location="Boston, USA",
    ),
)  # fmt: skip

# Aquila's published limits (AWS Braket Developer Guide, "Submit an analog program using QuEra's
# Aquila"; the Rabi maximum 15.8e6 rad/s also appears verbatim in Braket's ValidationException).
AQUILA = {
    "width": 75e-6,
    "height": 76e-6,
    "spacing_radial_min": 4e-6,
    "spacing_vertical_min": 4e-6,
    "position_resolution": 1e-7,
    "sites_max": 256,
    "c6": 5.42e-24,
    "rabi_max": 15.8e6,
    "rabi_slew_max": 2.5e14,
    "detuning_max": 125e6,
    "detuning_slew_max": 2.5e15,
    "time_max": 4e-6,
    "time_delta_min": 5e-8,
    "time_resolution": 1e-9,
}


def service_properties(
    shots_range: tuple[int, int] | list[int],
    cost: dict[str, Any],
    summary: str,
    location: str,
    updated_at: str,
) -> dict[str, Any]:
    """The ``service`` block of a capabilities document (simulators and QPUs alike).

    A short poll interval, which the Braket SDK honours, so local results arrive quickly.
    """
    return {
        "braketSchemaHeader": {
            "name": "braket.device_schema.device_service_properties",
            "version": "1",
        },
        "executionWindows": [
            {"executionDay": "Everyday", "windowStartHour": "00:00", "windowEndHour": "23:59:59"}
        ],
        "shotsRange": list(shots_range),
        "deviceCost": cost,
        "deviceDocumentation": {
            "summary": summary,
            "externalDocumentationUrl": "https://docs.aws.amazon.com/braket/",
        },
        "deviceLocation": location,
        "updatedAt": updated_at,
        "getTaskPollIntervalMillis": 50,
    }


def _service(qpu: Qpu) -> dict[str, Any]:
    return service_properties(
        qpu.shots_range,
        {"price": qpu.price_per_shot, "unit": "shot"},
        f"{qpu.provider} {qpu.name}, served by the pulumi-quantum local cloud on "
        "the local simulator (noiseless)",
        qpu.location or qpu.region,
        "2025-01-01T00:00:00",
    )


def _openqasm(qpu: Qpu) -> dict[str, Any]:
    return {
        "actionType": OPENQASM_ACTION,
        "version": ["1"],
        "supportedOperations": list(qpu.operations),
        "supportedModifiers": [],
        "supportedPragmas": ["braket_result_type_sample", "verbatim"],
        "forbiddenPragmas": [],
        "maximumQubitArrays": 1,
        "maximumClassicalArrays": 1,
        "forbiddenArrayOperations": [],
        "requiresAllQubitsMeasurement": qpu.family not in ("rigetti", "aqt"),
        "supportsPhysicalQubits": qpu.family != "ionq",
        "requiresContiguousQubitIndices": qpu.family == "ionq",
        "supportsPartialVerbatimBox": qpu.family != "ionq",
        "supportsUnassignedMeasurements": qpu.family != "aqt",
        "disabledQubitRewiringSupported": qpu.family == "rigetti",
        "supportedResultTypes": [
            {
                "name": name,
                "observables": None if name in ("Sample", "Probability") else OBSERVABLES,
                "minShots": qpu.shots_range[0],
                "maxShots": qpu.shots_range[1],
            }
            for name in RESULT_TYPES
        ],
    }


# Program sets on the QPUs whose amazon-braket-schemas capabilities class admits the action.
# The limits are assumed: the default simulator's 100 executables, the QPU's shot maximum in total.
PROGRAM_SET_ACTION = "braket.ir.openqasm.program_set"
_PROGRAM_SET_FAMILIES = ("ionq", "iqm", "rigetti")


def _program_set(qpu: Qpu) -> dict[str, Any]:
    if qpu.family not in _PROGRAM_SET_FAMILIES:
        return {}
    return {
        PROGRAM_SET_ACTION: {
            "actionType": PROGRAM_SET_ACTION,
            "version": ["1"],
            "maximumExecutables": 100,
            "maximumTotalShots": qpu.shots_range[1],
        }
    }


def _gate_model(qpu: Qpu, header: str, parameters: Any) -> dict[str, Any]:
    return {
        "braketSchemaHeader": {"name": header, "version": "1"},
        "service": _service(qpu),
        "action": {OPENQASM_ACTION: _openqasm(qpu), **_program_set(qpu)},
        "paradigm": {
            "braketSchemaHeader": {
                "name": "braket.device_schema.gate_model_qpu_paradigm_properties",
                "version": "1",
            },
            "qubitCount": qpu.qubit_count,
            "nativeGateSet": list(qpu.native_gates),
            "connectivity": {
                "fullyConnected": qpu.fully_connected,
                "connectivityGraph": qpu.graph(),
            },
        },
        "deviceParameters": json.loads(parameters.schema_json()),
    }


def _quera(qpu: Qpu) -> dict[str, Any]:
    a = AQUILA
    error = 0.01
    return {
        "braketSchemaHeader": {
            "name": "braket.device_schema.quera.quera_device_capabilities",
            "version": "1",
        },
        "service": _service(qpu),
        "action": {AHS_ACTION: {"actionType": AHS_ACTION, "version": ["1"]}},
        "deviceParameters": {},
        "paradigm": {
            "braketSchemaHeader": {
                "name": "braket.device_schema.quera.quera_ahs_paradigm_properties",
                "version": "1",
            },
            "qubitCount": qpu.qubit_count,
            "lattice": {
                "area": {"width": a["width"], "height": a["height"]},
                "geometry": {
                    "spacingRadialMin": a["spacing_radial_min"],
                    "spacingVerticalMin": a["spacing_vertical_min"],
                    "positionResolution": a["position_resolution"],
                    "numberSitesMax": a["sites_max"],
                },
            },
            "rydberg": {
                "c6Coefficient": a["c6"],
                "rydbergGlobal": {
                    "rabiFrequencyRange": [0.0, a["rabi_max"]],
                    "rabiFrequencyResolution": 400.0,
                    "rabiFrequencySlewRateMax": a["rabi_slew_max"],
                    "detuningRange": [-a["detuning_max"], a["detuning_max"]],
                    "detuningResolution": 0.2,
                    "detuningSlewRateMax": a["detuning_slew_max"],
                    "phaseRange": [-99.0, 99.0],
                    "phaseResolution": 5e-7,
                    "timeResolution": a["time_resolution"],
                    "timeDeltaMin": a["time_delta_min"],
                    "timeMin": 0.0,
                    "timeMax": a["time_max"],
                },
            },
            "performance": {
                "lattice": {
                    "positionErrorAbs": 1e-7,
                    **{
                        f"{k}{s}": error
                        for k in (
                            "fillingError",
                            "vacancyError",
                            "atomLossProbability",
                            "atomCaptureProbability",
                            "atomDetectionErrorFalsePositive",
                            "atomDetectionErrorFalseNegative",
                        )
                        for s in ("Typical", "Worst")
                    },
                    "sitePositionError": 1e-7,
                    "atomPositionError": 1e-7,
                },
                "rydberg": {
                    "rydbergGlobal": {
                        "rabiFrequencyErrorRel": error,
                        "rabiFrequencyGlobalErrorRel": error,
                        "rabiFrequencyInhomogeneityRel": error,
                        "groundDetectionError": error,
                        "rydbergDetectionError": error,
                        "groundPrepError": error,
                        "rydbergPrepErrorBest": error,
                        "rydbergPrepErrorWorst": error,
                        "T1Single": 75e-6,
                        "T1Ensemble": 75e-6,
                        "T2StarSingle": 5e-6,
                        "T2StarEnsemble": 4e-6,
                        "T2EchoSingle": 5e-6,
                        "T2EchoEnsemble": 5e-6,
                        "T2EchoInhomogeneityRel": error,
                        "T2RabiSingle": 5e-6,
                        "T2RabiEnsemble": 4e-6,
                        "T2BlockadedRabiSingle": 4e-6,
                        "T2BlockadedRabiEnsemble": 3e-6,
                        "detuningError": 1e6,
                        "detuningInhomogeneity": 1e6,
                        "rabiAmplitudeRampCorrection": [
                            {"rampTime": 5e-8, "rabiCorrection": 0.92},
                            {"rampTime": 1e-7, "rabiCorrection": 0.97},
                        ],
                    }
                },
            },
        },
    }


def capabilities(qpu: Qpu) -> str:
    """The capabilities JSON of a QPU, parsed by its amazon-braket-schemas class first."""
    if qpu.family == "ionq":
        from braket.device_schema.ionq import IonqDeviceCapabilities, IonqDeviceParameters

        doc = _gate_model(
            qpu, "braket.device_schema.ionq.ionq_device_capabilities", IonqDeviceParameters
        )
        return IonqDeviceCapabilities.parse_obj(doc).json()
    if qpu.family == "iqm":
        from braket.device_schema.iqm import IqmDeviceCapabilities, IqmDeviceParameters

        doc = _gate_model(
            qpu, "braket.device_schema.iqm.iqm_device_capabilities", IqmDeviceParameters
        )
        return IqmDeviceCapabilities.parse_obj(doc).json()
    if qpu.family == "rigetti":
        from braket.device_schema.rigetti import RigettiDeviceCapabilities, RigettiDeviceParameters

        from .pulse import pulse_properties

        doc = _gate_model(
            qpu, "braket.device_schema.rigetti.rigetti_device_capabilities", RigettiDeviceParameters
        )
        doc["pulse"] = pulse_properties(qpu)  # ports, frames, calibrations URL (pulse.py)
        return RigettiDeviceCapabilities.parse_obj(doc).json()
    if qpu.family == "aqt":
        from braket.device_schema.aqt import AqtDeviceCapabilities
        from braket.device_schema.common.gate_model_device_parameters_v1 import (
            GateModelDeviceParameters,
        )

        doc = _gate_model(
            qpu, "braket.device_schema.aqt.aqt_device_capabilities", GateModelDeviceParameters
        )
        doc.update(_aqt_characterisation(qpu))
        return AqtDeviceCapabilities.parse_obj(doc).json()
    from braket.device_schema.quera import QueraDeviceCapabilities

    return QueraDeviceCapabilities.parse_obj(_quera(qpu)).json()


def _aqt_characterisation(qpu: Qpu) -> dict[str, Any]:
    """AQT's ``provider`` and ``standardized`` blocks. The gate fidelities are the published
    averages (single-qubit 99.97 %, two-qubit 98.7 %); the rest are placeholders the schema
    requires (see docs/braket-devices.md)."""
    one, two = 99.97, 98.7
    per_qubit = {str(q): {"value": one, "uncertainty": 0.01} for q in qpu.qubits()}
    fidelity = lambda value, name: {  # noqa: E731
        "fidelityType": {"name": name},
        "fidelity": value / 100,
        "unit": "fraction",
    }
    return {
        "provider": {
            "braketSchemaHeader": {
                "name": "braket.device_schema.aqt.aqt_provider_properties",
                "version": "1",
            },
            "properties": {
                "single_qubit_gate_fidelity": per_qubit,
                "mean_two_qubit_gate_fidelity": {"value": two, "uncertainty": 0.1},
                "spam_fidelity_lower_bound": 99.0,
                "t2_coherence_time_s": {"value": 0.1, "uncertainty": 0.01},
                "t1_s": {"value": 1.0, "uncertainty": 0.01},
                "readout_time_micros": 1500,
                "single_qubit_gate_duration_micros": 20,
                "two_qubit_gate_duration_micros": 600,
                "updated_at": "2025-01-01T00:00:00",
            },
        },
        "standardized": {
            "braketSchemaHeader": {
                "name": "braket.device_schema.standardized_gate_model_qpu_device_properties",
                "version": "3",
            },
            "singleQubitFidelity": [fidelity(one, "RANDOMIZED_BENCHMARKING")],
            "twoQubitGateFidelity": [fidelity(two, "RANDOMIZED_BENCHMARKING")],
        },
    }


def aquila_constants() -> Any:
    """Aquila's limits as the AHS validators of amazon-braket-default-simulator take them."""
    from decimal import Decimal

    from braket.analog_hamiltonian_simulator.rydberg.validators.capabilities_constants import (
        CapabilitiesConstants,
    )

    a = AQUILA
    return CapabilitiesConstants(
        BOUNDING_BOX_SIZE_X=Decimal(str(a["width"])),
        BOUNDING_BOX_SIZE_Y=Decimal(str(a["height"])),
        MAX_TIME=Decimal(str(a["time_max"])),
        MIN_DISTANCE=Decimal(str(a["spacing_radial_min"])),
        GLOBAL_AMPLITUDE_VALUE_MIN=Decimal("0"),
        GLOBAL_AMPLITUDE_VALUE_MAX=Decimal(str(a["rabi_max"])),
        GLOBAL_DETUNING_VALUE_MIN=Decimal(str(-a["detuning_max"])),
        GLOBAL_DETUNING_VALUE_MAX=Decimal(str(a["detuning_max"])),
        LOCAL_MAGNITUDE_SEQUENCE_VALUE_MIN=Decimal("0"),
        LOCAL_MAGNITUDE_SEQUENCE_VALUE_MAX=Decimal("1"),
        MAGNITUDE_PATTERN_VALUE_MIN=Decimal("0"),
        MAGNITUDE_PATTERN_VALUE_MAX=Decimal("1"),
        MAX_NET_DETUNING=Decimal(str(a["detuning_max"])),
    )
