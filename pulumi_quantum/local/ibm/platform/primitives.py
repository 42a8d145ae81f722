"""The V2 primitives of the current platform, run on qiskit's reference simulators.

Runs inside the job subprocess (``runner.py``). Params arrive exactly as qiskit-ibm-runtime's
``SamplerV2``/``EstimatorV2`` sent them (``{"pubs": [...], "options": {...}, "version": 2,
...}``, encoded with its ``RuntimeEncoder``); the result is a ``PrimitiveResult`` encoded
with the same encoder, which is what ``RuntimeJobV2.result()`` decodes. The simulators are
qiskit's own ``StatevectorSampler`` / ``StatevectorEstimator``: exact reference
implementations, so tests can compare counts against them.

The module imports nothing outside the standard library at load time, so the executor can run
it as a script (``python primitives.py JOB_DIR``) under another interpreter: the newest clients
(qiskit-ibm-runtime 0.48+, qiskit 2.x) encode circuits as QPY 17, which the qiskit 1.x beside
the local cloud cannot read, so :data:`PYTHON_VARIABLE` may name a Python with qiskit 2.x and
qiskit-ibm-runtime to run the platform's jobs, as IBM runs them on its own current qiskit.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

PROGRAMS = ("sampler", "estimator")
PYTHON_VARIABLE = "PQ_IBM_PRIMITIVES_PYTHON"
"""Names the Python that runs primitive jobs (``executor.PRIMITIVES_PYTHON``; this script
cannot import the package it lives in when it runs under that Python)."""
DEFAULT_SHOTS = 4096


def _option(options: dict[str, Any], *path: str) -> Any:
    node: Any = options
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def run(program_id: str, params_text: str) -> str:
    """Run one primitive job; answer the encoded ``PrimitiveResult`` text."""
    from qiskit_ibm_runtime.utils.json import RuntimeDecoder, RuntimeEncoder

    try:
        params = json.loads(params_text, cls=RuntimeDecoder)
    except Exception as exc:
        if "QPY format version" not in str(exc):
            raise
        raise ValueError(
            f"{exc} - the circuits come from a newer qiskit than the local cloud's; set "
            f"{PYTHON_VARIABLE} to a Python that has qiskit 2.x and qiskit-ibm-runtime "
            "(e.g. the client's own virtualenv) before starting the local cloud"
        ) from exc
    pubs = params.get("pubs")
    if not isinstance(pubs, list) or not pubs:
        raise ValueError("params.pubs must be a non-empty list of PUBs")
    options = params.get("options") or {}
    seed = _option(options, "simulator", "seed_simulator")
    if program_id == "sampler":
        from qiskit.primitives import StatevectorSampler

        shots = _option(options, "default_shots") or DEFAULT_SHOTS
        sampler = StatevectorSampler(default_shots=int(shots), seed=seed)
        result = sampler.run([tuple(p) if isinstance(p, list) else p for p in pubs]).result()
    elif program_id == "estimator":
        from qiskit.primitives import StatevectorEstimator

        precision = _option(options, "default_precision") or 0.0
        estimator = StatevectorEstimator(default_precision=float(precision), seed=seed)
        result = estimator.run([tuple(p) if isinstance(p, list) else p for p in pubs]).result()
    else:
        raise ValueError(f"program {program_id!r} is not a primitive; use one of {PROGRAMS}")
    return json.dumps(result, cls=RuntimeEncoder)


def _write_outcome(job_dir: Path, outcome: dict[str, Any]) -> None:
    tmp = job_dir / "outcome.json.tmp"
    tmp.write_text(json.dumps(outcome), encoding="utf-8")
    os.replace(tmp, job_dir / "outcome.json")


def finish(job_dir: Path, work: Callable[[], str]) -> int:
    """Run a job's ``work`` and write ``outcome.json`` (the runner's file protocol): its result
    text, or whatever it raised (SystemExit from user code too) with the traceback, which also
    goes to stderr (the job's log). Shared with ``runner.py``; here so this script stays
    standalone. Answers the process's exit status."""
    try:
        text = work()
    except BaseException as exc:  # report everything, including SystemExit from user code
        detail = traceback.format_exc()
        sys.stderr.write(detail)
        reason = f"{type(exc).__name__}: {exc}"
        _write_outcome(job_dir, {"status": "Failed", "reason": reason, "error": detail})
        return 1
    _write_outcome(job_dir, {"status": "Completed", "result": text})
    return 0


def main(argv: list[str]) -> int:
    """Run the job in ``argv[1]`` with the runner's file protocol (see ``runner.py``)."""
    job_dir = Path(argv[1]).resolve()
    spec = json.loads((job_dir / "job.json").read_text(encoding="utf-8"))

    def work() -> str:
        (job_dir / "started").write_text(str(time.time()), encoding="utf-8")
        return run(spec["program_id"], spec["params"])

    return finish(job_dir, work)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
