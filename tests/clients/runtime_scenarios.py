"""Scenarios for the unmodified newest qiskit-ibm-runtime (0.51, qiskit 2.x), in its own venv.

Usage (by tests/clients/test_ibm_runtime_latest.py): ``python runtime_scenarios.py SCENARIO
CONFIG OUT`` where CONFIG is a JSON file ``{"url", "key", "crn", "backend"}`` and OUT the JSON
file this writes: what the client observed. The environment is the one ``pulumi-quantum local
start`` prints for qiskit-ibm-runtime (proxy, CA bundle, ``IAM_URL``); nothing here talks HTTP
itself or patches the client.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import Any

# A sibling module: this directory is on sys.path.
from scenario_common import error_of, main


def service_for(cfg: dict[str, Any], instance: str | None) -> Any:
    from qiskit_ibm_runtime import QiskitRuntimeService

    return QiskitRuntimeService(
        channel="ibm_quantum_platform", token=cfg["key"], instance=instance, url=cfg["url"]
    )


def bell(backend: Any) -> Any:
    from qiskit import QuantumCircuit, transpile

    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure_all()
    return transpile(qc, backend, seed_transpiler=7)


def surface(cfg: dict[str, Any]) -> dict[str, Any]:
    import qiskit
    import qiskit_ibm_runtime
    from qiskit import QuantumCircuit, transpile
    from qiskit.primitives import StatevectorEstimator, StatevectorSampler
    from qiskit.quantum_info import SparsePauliOp
    from qiskit_ibm_runtime import Batch, EstimatorV2, SamplerV2, Session

    out: dict[str, Any] = {
        "versions": {"qiskit": qiskit.__version__, "runtime": qiskit_ibm_runtime.__version__}
    }
    # Instance discovery: no instance given, the client finds the key's instances itself.
    discovered = service_for(cfg, None)
    out["discovered_instance"] = discovered.active_instance()
    out["instances"] = sorted(i["crn"] for i in discovered.instances())
    service = service_for(cfg, cfg["crn"])
    out["active_instance"] = service.active_instance()
    out["backends"] = sorted(b.name for b in service.backends())
    backend = service.backend(cfg["backend"])
    out["num_qubits"] = backend.num_qubits
    out["has_cx"] = "cx" in backend.target.operation_names
    out["service_usage"] = service.usage()

    # Session, joined from elsewhere by id; SamplerV2 against qiskit's reference sampler.
    circuit = bell(backend)
    session = Session(backend=backend, max_time=600)
    out["session_details"] = session.details()
    joined = Session.from_id(session.session_id, service=service_for(cfg, cfg["crn"]))
    sampler = SamplerV2(mode=joined)
    sampler.options.default_shots = 500
    sampler.options.simulator.seed_simulator = 42
    job = sampler.run([circuit])
    counts = job.result()[0].data.meas.get_counts()
    reference = StatevectorSampler(default_shots=500, seed=42).run([circuit]).result()
    out["sampler"] = {
        "counts": counts,
        "reference": reference[0].data.meas.get_counts(),
        "job_session": job.session_id,
        "session": session.session_id,
        "status": job.status(),
        "usage": job.usage(),
        "metrics_usage": job.metrics()["usage"],
    }
    out["session_after"] = session.details()
    out["session_usage"] = session.usage()
    session.close()
    out["session_closed"] = session.details()
    out["run_on_closed"] = error_of(
        lambda: SamplerV2(mode=Session.from_id(session.session_id, service=service)).run([circuit])
    )

    # Batch + EstimatorV2.
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    isa = transpile(qc, backend, seed_transpiler=7)
    observable = SparsePauliOp("ZZ").apply_layout(isa.layout)
    batch = Batch(backend=backend)
    out["batch_mode"] = batch.details()["mode"]
    evs = EstimatorV2(mode=batch).run([(isa, observable)]).result()[0].data.evs
    expected = StatevectorEstimator().run([(isa, observable)]).result()[0].data.evs
    out["estimator"] = {"value": float(evs), "reference": float(expected)}
    batch.cancel()
    out["batch_closed"] = batch.details()["state"]

    # Job tags: set at run time and updated; the service filters by them.
    tagged = SamplerV2(mode=backend)
    tagged.options.environment.job_tags = ["sweep-a", "team-x"]
    tagged_job = tagged.run([circuit], shots=20)
    tagged_job.result()
    other = SamplerV2(mode=backend).run([circuit], shots=20)
    other.result()
    out["tags_at_run"] = service.job(tagged_job.job_id()).tags
    out["filtered_both"] = [j.job_id() for j in service.jobs(job_tags=["sweep-a", "team-x"])]
    tagged_job.update_tags(["sweep-b"])
    out["tags_updated"] = service.job(tagged_job.job_id()).tags
    out["filtered_old"] = [j.job_id() for j in service.jobs(job_tags=["sweep-a"])]
    out["filtered_new"] = [j.job_id() for j in service.jobs(job_tags=["sweep-b"])]
    out["ids"] = {"tagged": tagged_job.job_id(), "other": other.job_id()}
    created = tagged_job.creation_date  # aware, local time: the client converts it to UTC
    out["created_after"] = [j.job_id() for j in service.jobs(created_after=created, limit=50)]
    out["created_before"] = [
        j.job_id() for j in service.jobs(created_before=created - timedelta(seconds=1), limit=50)
    ]
    out["missing_job"] = error_of(lambda: service.job("nosuchjob00000000000"))
    return out


SCENARIOS = {"surface": surface}


if __name__ == "__main__":
    sys.exit(main(sys.argv, SCENARIOS))
