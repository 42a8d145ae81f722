"""IBM's date-based API versions (``IBM-API-Version``) and what each changes on the wire.

IBM publishes the versions at ``GET /api/v1/versions`` (no credentials needed) and their
differences in the REST API changelog. Every client release pins one date in its requests:
qiskit-ibm-runtime 0.44-0.47 send ``2025-05-01``, 0.48-0.51 send ``2026-04-15``. A request
is answered in the shape of the version it names; a date IBM never published is a 400 naming
the versions that exist. A request without the header gets the live version.

What differs between versions, from IBM's changelog, for the routes the local cloud serves:

* ``2026-02-01`` dropped ``GET /jobs/{id}/transpiled_circuits`` (never served here);
* ``2026-02-15`` only reorganised the OpenAPI document;
* ``2026-03-15``: job metrics and job lists report usage as ``usage.qpu_charge_time_seconds``
  and ``usage.status`` (``pending`` until final, then ``complete``), no longer ``bss``,
  ``usage.quantum_seconds`` or ``usage.seconds`` - qiskit-ibm-runtime 0.44 reads
  ``usage.quantum_seconds``, 0.51 reads ``usage.qpu_charge_time_seconds``;
* ``2026-04-15``: ``circuits_execution_time_ns`` moved from ``usage`` to the metrics' root.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import bad_request


@dataclass(frozen=True)
class ApiVersion:
    date: str
    sunset: str | None  # None: the live version

    @property
    def status(self) -> str:
        return "live" if self.sunset is None else "deprecated"


VERSIONS = (
    ApiVersion("2024-01-01", "2027-01-01"),
    ApiVersion("2025-01-01", "2027-01-01"),
    ApiVersion("2025-05-01", "2027-01-01"),
    ApiVersion("2026-02-01", "2027-02-01"),
    ApiVersion("2026-02-15", "2027-02-15"),
    ApiVersion("2026-03-15", "2027-03-15"),
    ApiVersion("2026-04-15", None),
)
LIVE = VERSIONS[-1].date
USAGE_AS_QPU_CHARGE = "2026-03-15"
EXECUTION_TIME_AT_ROOT = "2026-04-15"


def listing() -> dict[str, Any]:
    """The body of ``GET /api/v1/versions``."""
    out = []
    for v in VERSIONS:
        entry: dict[str, Any] = {"version": v.date, "status": v.status}
        if v.sunset:
            entry["sunset_date"] = v.sunset
        out.append(entry)
    return {"versions": out}


def resolve(header: str | None) -> str:
    """The version a request is served as: the one it names, or the live one if none."""
    if header is None or not header.strip():
        return LIVE
    value = header.strip()
    if value not in {v.date for v in VERSIONS}:
        raise bad_request(
            f"unsupported IBM-API-Version {value!r}: send one of "
            f"{[v.date for v in VERSIONS]} (GET /api/v1/versions lists them)"
        )
    return value


def shape_metrics(metrics: dict[str, Any], version: str, final: bool) -> dict[str, Any]:
    """Job metrics as ``version`` words them.

    ``metrics`` is the legacy runtime's shape (``bss`` and ``usage.seconds``, the time the
    job ran on the simulator); the result has only the fields ``version`` defines (ISO
    dates compare as strings).
    """
    metrics = dict(metrics)
    seconds = metrics.pop("usage")["seconds"]
    metrics.pop("bss", None)
    execution_ns = int(seconds * 1e9)
    if version < USAGE_AS_QPU_CHARGE:
        metrics["bss"] = {"seconds": seconds}
        metrics["usage"] = {"seconds": seconds, "quantum_seconds": seconds}
        return metrics
    usage: dict[str, Any] = {
        "qpu_charge_time_seconds": seconds,
        "status": "complete" if final else "pending",
    }
    if version < EXECUTION_TIME_AT_ROOT:
        usage["circuits_execution_time_ns"] = execution_ns
    else:
        metrics["circuits_execution_time_ns"] = execution_ns
    metrics["usage"] = usage
    return metrics
