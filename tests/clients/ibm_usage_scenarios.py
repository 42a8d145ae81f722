"""Usage-limit scenarios for the unmodified newest qiskit-ibm-runtime (0.51), in its own venv.

Usage (by tests/clients/test_ibm_usage_latest.py): ``python ibm_usage_scenarios.py SCENARIO
CONFIG OUT`` as ``runtime_scenarios.py`` (same CONFIG, same environment). The test side sets
the instance's limit through IBM's instance-configuration API before it runs a scenario; here
only the client talks.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

# Sibling modules: this directory is on sys.path.
from runtime_scenarios import bell, service_for
from scenario_common import error_of, main


def limit(cfg: dict[str, Any]) -> dict[str, Any]:
    """``usage()`` before and after a job, then a job past the limit, then a session opened
    past the limit and its job."""
    from qiskit_ibm_runtime import SamplerV2, Session

    service = service_for(cfg, cfg["crn"])
    backend = service.backend(cfg["backend"])
    circuit = bell(backend)
    out: dict[str, Any] = {"before": service.usage()}
    job = SamplerV2(mode=backend).run([circuit], shots=20)
    job.result()
    out["job"] = {"usage": job.usage(), "timestamps": job.metrics()["timestamps"]}
    out["after"] = service.usage()
    out["jobs_before"] = sorted(j.job_id() for j in service.jobs(limit=100))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out["refused"] = error_of(lambda: SamplerV2(mode=backend).run([circuit], shots=20))
        session = Session(backend=backend)  # POST /sessions past the limit
        out["session_id"] = session.session_id
        out["session_refused"] = error_of(lambda: SamplerV2(mode=session).run([circuit]))
        session.close()
        out["session_usage"] = session.usage()
    out["warnings"] = [str(w.message) for w in caught]
    out["jobs_after"] = sorted(j.job_id() for j in service.jobs(limit=100))
    out["pending"] = [j.job_id() for j in service.jobs(pending=True)]
    out["final"] = service.usage()
    return out


SCENARIOS = {"limit": limit}


if __name__ == "__main__":
    sys.exit(main(sys.argv, SCENARIOS))
