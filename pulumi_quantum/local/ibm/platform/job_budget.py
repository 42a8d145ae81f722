"""A primitive job's budget against its backend's configuration, checked at ``POST /jobs``.

IBM refuses a job whose circuits are wider than the backend or whose shots exceed the backend's
``max_shots`` when it is created, not after it has queued; the local platform does the same, so a
30-qubit circuit on a 5-qubit backend or ``default_shots=10**9`` is a 400 in IBM's error JSON
instead of a job process that tries to allocate gigabytes.

The server never imports qiskit (see ``local/ibm/__init__.py``), so circuit widths are read from
the QPY header the client's ``RuntimeEncoder`` wrote (zlib + base64; only the first bytes are
inflated, so a compressed bomb costs nothing): the file header (``!6sBBBBQ`` and, from QPY
version 10, a symbolic-encoding byte; from version 5, the type key ``q``), then the circuit
header, whose ``num_qubits`` (uint32) and ``num_instructions`` (uint64) sit at the same offsets
from QPY version 2 on (``qiskit/qpy/formats.py``); from QPY version 16 (qiskit 2.x, whose Rust
writer qiskit-ibm-runtime >= 0.48 uses) 8 more bytes come between the type key and that header.
"""

from __future__ import annotations

import base64
import binascii
import struct
import zlib
from typing import Any

from ... import budget
from .. import backends
from ..errors import bad_request

_FILE_HEADER = struct.Struct("!6sBBBBQ")
_CIRCUIT_HEADER = struct.Struct("!H1cHIIQIQ")  # CIRCUIT_HEADER_V2's layout, a prefix of V12's


def circuit_shape(encoded: Any) -> tuple[int, int] | None:
    """``(num_qubits, num_instructions)`` of a ``RuntimeEncoder``-encoded QuantumCircuit, or
    None when ``encoded`` is not one this reader understands (the job process then decides)."""
    if not (isinstance(encoded, dict) and encoded.get("__type__") == "QuantumCircuit"):
        return None
    value = encoded.get("__value__")
    if not isinstance(value, str):
        return None
    try:
        head = base64.standard_b64decode(value[:256])
        data = zlib.decompressobj().decompress(head, 64)
        preface, version, *_ = _FILE_HEADER.unpack_from(data)
        if preface != b"QISKIT" or version < 2:
            return None
        offset = _FILE_HEADER.size + (1 if version >= 10 else 0)
        if version >= 5:  # a program type key: b"q" for a circuit
            if data[offset : offset + 1] != b"q":
                return None
            offset += 1
        if version >= 16:  # qiskit 2.x's writer puts an 8-byte field before the circuit header
            offset += 8
        fields = _CIRCUIT_HEADER.unpack_from(data, offset)
    except (binascii.Error, zlib.error, struct.error, ValueError):
        return None
    return fields[3], fields[7]


def _pubs(program_id: str, params: dict[str, Any]) -> list[tuple[Any, Any]]:
    """``(circuit, shots)`` of each PUB: a sampler PUB is ``[circuit, values, shots]``, an
    estimator PUB ``[circuit, observables, values, precision]``."""
    pubs = params.get("pubs")
    found = []
    for pub in pubs if isinstance(pubs, list) else []:
        if isinstance(pub, list) and pub:
            shots = pub[2] if len(pub) > 2 and program_id == "sampler" else None
            found.append((pub[0], shots))
        else:
            found.append((pub, None))
    return found


def check(program_id: str, backend: str, params: dict[str, Any]) -> None:
    """Raise IBM's 400 for the first thing ``backend`` cannot run in a primitive job."""
    config = backends.configuration(backend)
    max_shots, width = int(config["max_shots"]), int(config["n_qubits"])
    options = params.get("options") if isinstance(params.get("options"), dict) else {}
    requested = [("options.default_shots", options.get("default_shots"))]
    for index, (circuit, shots) in enumerate(_pubs(program_id, params)):
        requested.append((f"pubs[{index}] shots", shots))
        shape = circuit_shape(circuit)
        if shape is None:
            continue
        qubits, instructions = shape
        if qubits > width:
            raise bad_request(
                f"pubs[{index}]: the circuit has {qubits} qubits but backend {backend} has "
                f"{width} (n_qubits in its configuration); transpile it for the backend or "
                "choose a larger one"
            )
        if instructions > budget.max_instructions():
            raise bad_request(
                f"pubs[{index}]: the circuit has {instructions} instructions; this local "
                f"platform accepts at most {budget.max_instructions()} "
                "(PQ_LOCAL_MAX_INSTRUCTIONS)"
            )
        problem = budget.state_problem(qubits, False, backend)
        if problem:
            raise bad_request(f"pubs[{index}]: {problem}")
    for where, shots in requested:
        if shots is None:
            continue
        if not isinstance(shots, int) or isinstance(shots, bool) or not 1 <= shots <= max_shots:
            raise bad_request(
                f"{where} is {shots!r}; backend {backend} accepts 1 to {max_shots} shots "
                "(max_shots in its configuration)"
            )
