"""The V2 primitives of the current platform, run on qiskit's reference simulators.

Runs inside the job subprocess (``runner.py``). Params arrive exactly as qiskit-ibm-runtime's
``SamplerV2``/``EstimatorV2`` sent them (``{"pubs": [...], "options": {...}, "version": 2,
...}``, encoded with its ``RuntimeEncoder``); the result is a ``PrimitiveResult`` encoded
with the same encoder, which is what ``RuntimeJobV2.result()`` decodes. The simulators are
qiskit's own ``StatevectorSampler`` / ``StatevectorEstimator``: exact reference
implementations, so tests can compare counts against them.
"""

from __future__ import annotations

import json
from typing import Any

PROGRAMS = ("sampler", "estimator")
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

    params = json.loads(params_text, cls=RuntimeDecoder)
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
