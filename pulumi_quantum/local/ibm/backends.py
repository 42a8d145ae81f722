"""The backends the local runtime offers: configuration, properties and status documents.

Two backends, both executed by qiskit's BasicSimulator:

* ``ibmq_qasm_simulator`` - a simulator (``simulator: true``), like IBM's cloud simulator.
* ``ibm_loopback_5q`` - a 5-qubit line that reports ``simulator: false`` with calibration
  properties. It exists because ``IBMBackend.open_session()`` only creates a server-side
  session for non-simulator backends; sessions through the unmodified client need one.

The documents are hand-written in the server's JSON shape (not produced by qiskit) so the
server does not import qiskit; they are decoded by the client with
``configuration_from_server_data`` and ``properties_from_server_data``.
"""

from __future__ import annotations

import copy
from typing import Any

from .errors import ApiError

BACKEND_VERSION = "1.0.0"
ONLINE_DATE = "2024-01-01T00:00:00Z"
CALIBRATION_DATE = "2024-01-01T00:00:00Z"

SIMULATOR = "ibmq_qasm_simulator"
DEVICE = "ibm_loopback_5q"
DEFAULT_BACKEND = SIMULATOR

_SIM_GATES = [
    "id",
    "x",
    "y",
    "z",
    "h",
    "s",
    "sdg",
    "t",
    "tdg",
    "sx",
    "rx",
    "ry",
    "rz",
    "u1",
    "u2",
    "u3",
    "cx",
    "cz",
    "swap",
    "ccx",
]
_DEVICE_GATES = ["id", "rz", "sx", "x", "cx"]
_DEVICE_QUBITS = 5
_DEVICE_EDGES = [[i, i + 1] for i in range(_DEVICE_QUBITS - 1)] + [
    [i + 1, i] for i in range(_DEVICE_QUBITS - 1)
]


def _gate_configs(
    names: list[str], n_qubits: int | None = None, edges: list[list[int]] | None = None
) -> list[dict[str, Any]]:
    """Gate configs; with ``n_qubits``/``edges`` each gate lists the qubits it acts on, which
    is how the client's target builder learns a device's connectivity."""
    params = {
        "rx": ["theta"],
        "ry": ["theta"],
        "rz": ["theta"],
        "u1": ["lambda"],
        "u2": ["phi", "lambda"],
        "u3": ["theta", "phi", "lambda"],
    }
    configs = []
    for n in names:
        config: dict[str, Any] = {"name": n, "parameters": params.get(n, []), "qasm_def": n}
        if n_qubits is not None:
            config["coupling_map"] = edges if n == "cx" else [[q] for q in range(n_qubits)]
        configs.append(config)
    return configs


def _common(name: str, n_qubits: int, gates: list[str]) -> dict[str, Any]:
    return {
        "backend_name": name,
        "backend_version": BACKEND_VERSION,
        "online_date": ONLINE_DATE,
        "n_qubits": n_qubits,
        "basis_gates": gates,
        "gates": _gate_configs(gates),
        "local": False,
        "conditional": False,
        "open_pulse": False,
        "memory": True,
        "max_shots": 100000,
        "max_experiments": 300,
        "supported_instructions": [*gates, "measure", "delay"],
        "description": "Local loopback backend executed by qiskit's BasicSimulator",
        "processor_type": {"family": "Loopback", "revision": 1},
    }


_CONFIGS: dict[str, dict[str, Any]] = {
    SIMULATOR: {**_common(SIMULATOR, 24, _SIM_GATES), "simulator": True, "coupling_map": None},
    DEVICE: {
        **_common(DEVICE, _DEVICE_QUBITS, _DEVICE_GATES),
        "gates": _gate_configs(_DEVICE_GATES, _DEVICE_QUBITS, _DEVICE_EDGES),
        "simulator": False,
        "coupling_map": _DEVICE_EDGES,
        "dt": 2.2222222222222221e-10,
    },
}


def names() -> list[str]:
    return list(_CONFIGS)


def require(name: str) -> str:
    if name not in _CONFIGS:
        raise ApiError(404, f"backend {name!r} not found; available: {names()}", code=1216)
    return name


def configuration(name: str) -> dict[str, Any]:
    return copy.deepcopy(_CONFIGS[require(name)])


def _nduv(name: str, unit: str, value: float) -> dict[str, Any]:
    return {"date": CALIBRATION_DATE, "name": name, "unit": unit, "value": value}


def properties(name: str) -> dict[str, Any]:
    """Calibration data; empty for the simulator (IBM answers none for simulators)."""
    config = _CONFIGS[require(name)]
    if config["simulator"]:
        return {}
    qubits = [
        [
            _nduv("T1", "us", 120.0),
            _nduv("T2", "us", 90.0),
            _nduv("frequency", "GHz", 5.0),
            _nduv("readout_error", "", 0.01),
            _nduv("readout_length", "ns", 700.0),
        ]
        for _ in range(config["n_qubits"])
    ]
    gates = []
    for gate in ("id", "rz", "sx", "x"):
        for q in range(config["n_qubits"]):
            length = 0.0 if gate == "rz" else 35.5
            gates.append(
                {
                    "gate": gate,
                    "qubits": [q],
                    "name": f"{gate}{q}",
                    "parameters": [
                        _nduv("gate_error", "", 0.0 if gate == "rz" else 3e-4),
                        _nduv("gate_length", "ns", length),
                    ],
                }
            )
    for a, b in config["coupling_map"]:
        gates.append(
            {
                "gate": "cx",
                "qubits": [a, b],
                "name": f"cx{a}_{b}",
                "parameters": [_nduv("gate_error", "", 8e-3), _nduv("gate_length", "ns", 300.0)],
            }
        )
    return {
        "backend_name": name,
        "backend_version": BACKEND_VERSION,
        "last_update_date": CALIBRATION_DATE,
        "qubits": qubits,
        "gates": gates,
        "general": [],
    }


def status(name: str, pending_jobs: int) -> dict[str, Any]:
    """The runtime ``/status`` shape the client maps onto ``BackendStatus``."""
    require(name)
    return {
        "state": True,
        "status": "active",
        "message": "available",
        "length_queue": pending_jobs,
        "backend_version": BACKEND_VERSION,
    }


def configurations() -> list[dict[str, Any]]:
    """Every backend's configuration: qiskit-ibmq-provider's ``/devices/v/1`` answer."""
    return [configuration(name) for name in names()]


def queue_status(name: str, pending_jobs: int) -> dict[str, Any]:
    """The IBM Quantum Experience ``/queue/status`` shape (``lengthQueue``, camel case), which
    qiskit-ibmq-provider maps onto ``BackendStatus``."""
    require(name)
    return {
        "state": True,
        "status": "active",
        "lengthQueue": pending_jobs,
        "backend_version": BACKEND_VERSION,
    }


def job_limit(name: str, running_jobs: int) -> dict[str, Any]:
    """``/jobsLimit``: no per-account limit (``-1``, which the client reports as ``None``)."""
    require(name)
    return {"maximumJobs": -1, "runningJobs": running_jobs}
