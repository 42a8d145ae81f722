"""The resource budget of one request: what accepted work may cost this machine, decided up front.

A local cloud runs on a developer's machine, not on a fleet: one valid-looking request (a
30-qubit program, a million gates, a billion shots) must not be able to exhaust its memory or
stall every other request. So each request is priced *before* work starts and refused, in the
vendor's own error shape, when it does not fit:

* program text: at most :func:`max_program_bytes` bytes and :func:`max_instructions` statements,
  checked by counting bytes and ``;`` before anything parses it (the ANTLR parser needs minutes
  and gigabytes for a million gates);
* simulated state: ``2**n`` amplitudes (state vector) or ``4**n`` (density matrix) of 16 bytes
  each, against :func:`max_state_bytes`, a ceiling derived from the machine's memory;
* the simulation itself runs in worker processes whose address space is capped
  (:func:`limit_address_space`), so a program the estimate lets through by mistake costs a
  failed task (``MemoryError``), never the server.

Every figure can be set through the environment (``PQ_LOCAL_MAX_STATE_BYTES``,
``PQ_LOCAL_MAX_PROGRAM_BYTES``, ``PQ_LOCAL_MAX_INSTRUCTIONS``, ``PQ_LOCAL_WORKER_ADDRESS_SPACE``;
plain byte counts or with a ``K``/``M``/``G`` suffix), read at call time.
"""

from __future__ import annotations

import os

AMPLITUDE_BYTES = 16
"""One complex128 amplitude, as amazon-braket-default-simulator and qiskit store them."""
STATE_SHARE_OF_MEMORY = 16
"""Default state ceiling: this fraction of physical memory (several workers run at once, and a
simulation holds a few copies of its state)."""
DEFAULT_PROGRAM_BYTES = 64 * 1024
"""At most the largest program the parse cache keeps, so an accepted program is parsed once."""
DEFAULT_INSTRUCTIONS = 5_000
WORKER_OVERHEAD = 2 * 1024**3
"""Address space a worker needs besides its state: a warmed simulation worker measured
0.5-0.75 GiB (interpreter, numpy, numba, LLVM), an IBM job process 0.5 GiB (qiskit)."""
STATE_COPIES = 4
"""Copies of the state a simulation may hold at once (state, gate output, probabilities): a
25-qubit state vector (512 MiB) peaked at 1.8 GiB above the warmed worker (3.5 copies)."""

_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}


def _size_from_env(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip().upper().removesuffix("B")
    if not text:
        return default
    unit = text[-1] if text[-1] in _UNITS else ""
    number = text[: len(text) - len(unit)] if unit else text
    try:
        value = int(float(number) * _UNITS[unit])
    except ValueError:
        raise ValueError(
            f"{name}={os.environ[name]!r} is not a size; use bytes or e.g. 512M, 2G"
        ) from None
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {os.environ[name]!r}")
    return value


def physical_memory() -> int:
    """Bytes of RAM on this machine."""
    return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def max_state_bytes() -> int:
    """The largest simulated state (bytes) one task may ask for."""
    return _size_from_env("PQ_LOCAL_MAX_STATE_BYTES", physical_memory() // STATE_SHARE_OF_MEMORY)


def max_program_bytes() -> int:
    return _size_from_env("PQ_LOCAL_MAX_PROGRAM_BYTES", DEFAULT_PROGRAM_BYTES)


def max_instructions() -> int:
    return _size_from_env("PQ_LOCAL_MAX_INSTRUCTIONS", DEFAULT_INSTRUCTIONS)


def worker_address_space() -> int:
    """The address-space cap of a simulation worker: room for the largest state it may accept."""
    default = WORKER_OVERHEAD + STATE_COPIES * max_state_bytes()
    return _size_from_env("PQ_LOCAL_WORKER_ADDRESS_SPACE", default)


def validate_environment() -> None:
    """Raise ValueError naming the variable when a configured size is not one."""
    max_state_bytes()
    max_program_bytes()
    max_instructions()
    worker_address_space()


def state_bytes(qubits: int, density_matrix: bool = False) -> int:
    """Bytes of the state of ``qubits`` qubits (a density matrix squares the amplitudes)."""
    return AMPLITUDE_BYTES * (4 if density_matrix else 2) ** qubits


def _human(size: int) -> str:
    for unit, scale in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"


def state_problem(qubits: int, density_matrix: bool, where: str) -> str | None:
    """Why simulating ``qubits`` qubits would not fit this machine, or None."""
    need, ceiling = state_bytes(qubits, density_matrix), max_state_bytes()
    if need <= ceiling:
        return None
    largest = 0
    while state_bytes(largest + 1, density_matrix) <= ceiling:
        largest += 1
    kind = "density matrix" if density_matrix else "state vector"
    return (
        f"the program uses {qubits} qubits; simulating them on {where} needs a {_human(need)} "
        f"{kind}, more than this local cloud's ceiling of {_human(ceiling)} (at most {largest} "
        "qubits). Use fewer qubits, or raise PQ_LOCAL_MAX_STATE_BYTES where the machine has "
        "the memory"
    )


def program_size_problem(source: str) -> str | None:
    """Why program text is too large to parse here, decided without parsing it."""
    size, limit = len(source.encode()), max_program_bytes()
    if size > limit:
        return (
            f"the program is {size} bytes; this local cloud accepts at most {limit} "
            "(PQ_LOCAL_MAX_PROGRAM_BYTES). Split it into smaller tasks"
        )
    count, most = source.count(";"), max_instructions()
    if count > most:
        return (
            f"the program has {count} statements; this local cloud accepts at most {most} "
            "(PQ_LOCAL_MAX_INSTRUCTIONS). Use loops or split it into smaller tasks"
        )
    return None


def limit_address_space(limit: int | None = None) -> None:
    """Cap this process's address space (``RLIMIT_AS``), so running out of it raises
    MemoryError in this process instead of the kernel's OOM killer picking a victim."""
    import resource

    cap = worker_address_space() if limit is None else limit
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
