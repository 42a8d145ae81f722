"""Scenarios for the unmodified qiskit-serverless client (tests/clients/qiskit-serverless.txt).

Usage (by tests/clients/test_qiskit_serverless.py): ``python serverless_scenarios.py SCENARIO
CONFIG OUT`` where CONFIG is a JSON file ``{"gateway", "users": {name: {"key", "crn"}},
"platform_url", "work", "job_seconds", ...}`` and OUT the JSON file this writes: what the
client observed (values, and refusals as ``{"type", "message"}``). Each function is a folder
written here and uploaded with ``ServerlessClient.upload`` (the client tars it itself). Nothing
here talks HTTP itself or patches the client; the test asserts.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any

# A sibling module: this directory is on sys.path.
from scenario_common import error_of, main, wait_until

TERMINAL = ("DONE", "ERROR", "CANCELED")


def client(cfg: dict[str, Any], user: str = "alice", crn_of: str | None = None) -> Any:
    from qiskit_serverless import ServerlessClient

    who = cfg["users"][user]
    return ServerlessClient(
        host=cfg["gateway"], token=who["key"], instance=cfg["users"][crn_of or user]["crn"]
    )


def folder(cfg: dict[str, Any], name: str, source: str, **extra: str) -> str:
    root = Path(cfg["work"]) / name
    root.mkdir(parents=True, exist_ok=True)
    (root / "main.py").write_text(textwrap.dedent(source), encoding="utf-8")
    for file, text in extra.items():
        (root / file).write_text(text, encoding="utf-8")
    return str(root)


def function(title: str, working_dir: str, **kwargs: Any) -> Any:
    from qiskit_serverless import QiskitFunction

    return QiskitFunction(title=title, entrypoint="main.py", working_dir=working_dir, **kwargs)


def finished(cfg: dict[str, Any], job: Any) -> str:
    def terminal() -> str | None:
        status = job.status()
        return status if status in TERMINAL else None

    return wait_until(terminal, cfg["job_seconds"])


def started(cfg: dict[str, Any], job: Any) -> None:
    wait_until(lambda: "started" in job.logs(), cfg["job_seconds"])


DOUBLE = """
    from qiskit_serverless import get_arguments, save_result, update_status
    import os, helper

    args = get_arguments()
    print("function got", args["x"])
    print("greeting", os.environ.get("GREETING"), "canary", os.environ.get("PQ_GATEWAY_CANARY"))
    update_status("POST_PROCESSING")
    with open(os.path.join(os.environ["DATA_PATH"], "out.txt"), "w") as fh:
        fh.write(helper.NOTE)
    save_result({"doubled": args["x"] * 2, "note": helper.NOTE})
"""

SLOW = """
    import time
    print("started", flush=True)
    for _ in range(6000):
        time.sleep(0.1)
"""

SAMPLE = """
    from qiskit import QuantumCircuit, transpile
    from qiskit_ibm_runtime import SamplerV2
    from qiskit_serverless import get_runtime_service, save_result

    service = get_runtime_service()  # QISKIT_IBM_* the gateway hands the job
    backend = service.backend("ibm_loopback_5q")
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure_all()
    job = SamplerV2(mode=backend).run([transpile(qc, backend, seed_transpiler=7)], shots=200)
    counts = job.result()[0].data.meas.get_counts()
    save_result({"outcomes": sorted(counts), "runtime_job": job.job_id()})
"""


def upload_run(cfg: dict[str, Any]) -> dict[str, Any]:
    import qiskit_serverless

    out: dict[str, Any] = {"version": qiskit_serverless.__version__}
    alice = client(cfg)
    path = folder(cfg, "double", DOUBLE, **{"helper.py": "NOTE = 'from helper'\n"})
    uploaded = alice.upload(
        function(
            "double",
            path,
            version="1.0.0",
            description="doubles x",
            env_vars={"GREETING": "hello"},
        )
    )
    out["uploaded"] = [uploaded.title, uploaded.version, uploaded.description]
    out["titles"] = [f.title for f in alice.functions()]
    fn = alice.function("double")
    out["function"] = {"title": fn.title, "entrypoint": fn.entrypoint, "env_vars": fn.env_vars}
    job = fn.run(x=21)
    out["status"] = finished(cfg, job)
    out["result"] = job.result()
    out["logs"] = job.logs()
    out["sub_statuses"] = [e.data.get("sub_status") for e in job.events()]
    out["job_id"] = job.job_id
    out["jobs"] = [j.job_id for j in alice.jobs()]
    # DATA_PATH is the caller's files folder of the function: the files API sees what it wrote.
    out["files_after_run"] = alice.files(fn)
    local = Path(cfg["work"]) / "mine.txt"
    local.write_text("uploaded by the user", encoding="utf-8")
    alice.file_upload(str(local), fn)
    out["files_after_upload"] = alice.files(fn)
    downloads = Path(cfg["work"]) / "downloads"
    downloads.mkdir()
    name = alice.file_download("out.txt", fn, download_location=str(downloads))
    out["downloaded"] = (downloads / name).read_text(encoding="utf-8")
    alice.file_delete("mine.txt", fn)
    out["files_after_delete"] = alice.files(fn)
    return out


def upsert(cfg: dict[str, Any]) -> dict[str, Any]:
    alice = client(cfg)
    first = "from qiskit_serverless import save_result\nsave_result({'v': 1})\n"
    second = "from qiskit_serverless import save_result\nsave_result({'v': 2})\n"
    alice.upload(function("upsert", folder(cfg, "a", first), version="1.0.0"))
    alice.upload(function("upsert", folder(cfg, "b", second), version="1.1.0"))
    fn = alice.function("upsert")
    job = fn.run()
    return {
        "count": [f.title for f in alice.functions()].count("upsert"),
        "version": fn.version,
        "status": finished(cfg, job),
        "result": job.result(),
    }


def dependencies(cfg: dict[str, Any]) -> dict[str, Any]:
    alice = client(cfg)
    allowed = alice.dependencies_versions()
    qiskit_pin = next(p for p in allowed if p.startswith("qiskit=="))
    path = folder(cfg, "deps", "print('hi')\n")

    def upload(title: str, deps: list[str]) -> Any:
        return alice.upload(function(title, path, dependencies=deps))

    return {
        "allowed": allowed,
        "qiskit_pin": qiskit_pin,
        "unknown": error_of(lambda: upload("deps-unknown", ["left-pad-for-python==1.0.0"])),
        "unpinned": error_of(lambda: upload("deps-unpinned", ["qiskit>=1"])),
        "other_release": error_of(lambda: upload("deps-other-release", ["qiskit==0.1.0"])),
        "titles": [f.title for f in alice.functions()],
        "ok": upload("deps-ok", [qiskit_pin]).dependencies,
    }


def bad_version(cfg: dict[str, Any]) -> dict[str, Any]:
    alice = client(cfg)
    path = folder(cfg, "ver", "print('hi')\n")
    return {
        "refused": error_of(lambda: alice.upload(function("badver", path, version="1.0"))),
        "titles": [f.title for f in alice.functions()],
    }


def failing(cfg: dict[str, Any]) -> dict[str, Any]:
    alice = client(cfg)
    path = folder(cfg, "boom", "raise ValueError('boom from the function')\n")
    job = alice.upload(function("boom", path)).run()
    return {"status": finished(cfg, job), "result": error_of(job.result)}


def stop(cfg: dict[str, Any]) -> dict[str, Any]:
    from qiskit_ibm_runtime import QiskitRuntimeService

    alice = client(cfg)
    job = alice.upload(function("slow", folder(cfg, "s", SLOW))).run()
    started(cfg, job)
    out: dict[str, Any] = {"running": job.status()}
    # Without ``service`` the client builds a QiskitRuntimeService for IBM's own URL; give it
    # one on the local platform instead (qiskit-ibm-runtime reaches it through its proxy, from
    # the environment ``local start`` prints, which the test passes this process).
    who = cfg["users"]["alice"]
    service = QiskitRuntimeService(
        channel="ibm_quantum_platform",
        token=who["key"],
        instance=who["crn"],
        url=cfg["platform_url"],
    )
    out["cancel"] = job.cancel(service)
    out["status"] = job.status()
    out["cancel_again"] = job.cancel(service)
    out["contexts"] = [e.context for e in job.events()]
    return out


def tenants(cfg: dict[str, Any]) -> dict[str, Any]:
    alice, bob = client(cfg), client(cfg, "bob")
    fn = alice.upload(function("alice-only", folder(cfg, "mine", "print('alice only')\n")))
    job = fn.run()
    out = {
        "bob_titles": [f.title for f in bob.functions()],
        "bob_function": error_of(lambda: bob.function("alice-only")),
        "bob_run": error_of(lambda: bob.run("alice-only")),
        "bob_job": error_of(lambda: bob.job(job.job_id)),
        "bob_jobs": [j.job_id for j in bob.jobs()],
        "job_id": job.job_id,
        # bob's API key with alice's instance: the client's credential check fails at construction.
        "bob_key_alice_crn": error_of(lambda: client(cfg, "bob", crn_of="alice")),
        "bad_key": error_of(lambda: client(cfg, "nobody", crn_of="alice")),
    }
    out["status"] = finished(cfg, job)
    return out


def env_client(cfg: dict[str, Any]) -> dict[str, Any]:
    """Host and token from ENV_GATEWAY_PROVIDER_HOST / _TOKEN (the test exports them)."""
    import os

    import qiskit_serverless

    env_client = qiskit_serverless.ServerlessClient(
        instance=os.environ["QISKIT_SERVERLESS_INSTANCE"]
    )
    out: dict[str, Any] = {"host": env_client.host, "functions": env_client.functions()}
    out["functions_are_list"] = isinstance(out["functions"], list)
    if cfg.get("ibm_client"):
        # IBMServerlessClient: the same with IBM's account handling; its host defaults to IBM's.
        # 0.33+ builds a QiskitRuntimeService first, for IBM's URL unless a saved account names
        # another: save one for the local platform (in this process's own HOME) and load it.
        from qiskit_ibm_runtime import QiskitRuntimeService

        who = cfg["users"]["alice"]
        QiskitRuntimeService.save_account(
            channel="ibm_quantum_platform",
            token=who["key"],
            instance=who["crn"],
            url=cfg["platform_url"],
            name="local",
            overwrite=True,
        )
        ibm = qiskit_serverless.IBMServerlessClient(name="local", host=cfg["gateway"])
        out["ibm_token"] = ibm.account.token
        out["ibm_dependencies"] = ibm.dependencies_versions()
        out["dependencies"] = env_client.dependencies_versions()
    return out


def time_limit(cfg: dict[str, Any]) -> dict[str, Any]:
    job = client(cfg).upload(function("forever", folder(cfg, "forever", SLOW))).run()
    return {"status": finished(cfg, job), "logs": job.logs(), "job_id": job.job_id}


def restart_before(cfg: dict[str, Any]) -> dict[str, Any]:
    path = folder(cfg, "kept", SLOW)
    job = client(cfg).upload(function("kept", path, version="2.0.0")).run()
    started(cfg, job)
    return {"job_id": job.job_id}


def restart_after(cfg: dict[str, Any]) -> dict[str, Any]:
    alice = client(cfg)
    again = alice.job(cfg["job_id"])
    return {
        "version": alice.function("kept").version,
        "status": again.status(),
        "logs": again.logs(),
    }


def primitives(cfg: dict[str, Any]) -> dict[str, Any]:
    job = client(cfg).upload(function("sample", folder(cfg, "sample", SAMPLE))).run()
    out: dict[str, Any] = {"status": finished(cfg, job), "logs": job.logs()}
    out["result"] = job.result() if out["status"] == "DONE" else None
    out["runtime_jobs"] = job.runtime_jobs()
    return out


def provider(cfg: dict[str, Any]) -> dict[str, Any]:
    alice, bob = client(cfg), client(cfg, "bob")  # alice admins local-provider
    source = (
        "from qiskit_serverless import save_result\nprint('provider code')\nsave_result({'p': 1})\n"
    )
    path = folder(cfg, "prov", source)
    uploaded = alice.upload(function("local-provider/pfn", path))
    out: dict[str, Any] = {"uploaded": [uploaded.provider, uploaded.title]}
    out["bob_upload"] = error_of(lambda: bob.upload(function("local-provider/pfn", path)))
    # bob's own function of the same title is another function (the key is owner + title).
    bob.upload(function("pfn", folder(cfg, "b", "print(2)\n")))
    seen = bob.function("pfn", provider="local-provider")
    out["seen_provider"] = seen.provider
    job = seen.run()
    out["status"] = finished(cfg, job)
    out["result"] = job.result()
    out["job_id"] = job.job_id
    out["provider_jobs"] = [j.job_id for j in alice.provider_jobs(seen)]
    out["alice_jobs"] = [j.job_id for j in alice.jobs()]
    out["provider_logs"] = alice.provider_logs(job.job_id)
    out["bob_provider_jobs"] = error_of(lambda: bob.provider_jobs(seen))
    return out


SCENARIOS = {
    f.__name__: f
    for f in (
        upload_run,
        upsert,
        dependencies,
        bad_version,
        failing,
        stop,
        tenants,
        env_client,
        time_limit,
        restart_before,
        restart_after,
        primitives,
        provider,
    )
}


if __name__ == "__main__":
    sys.exit(main(sys.argv, SCENARIOS))
