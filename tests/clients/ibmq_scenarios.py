"""Scenarios for the unmodified qiskit-ibmq-provider 0.20.2, run in its own virtualenv.

Usage (by tests/clients/test_ibmq_provider.py): ``python ibmq_scenarios.py SCENARIO CONFIG OUT``
where CONFIG is a JSON file ``{"url", "tokens": {user: token}, "instances": {user: h/g/p},
"workdir"}`` and OUT the JSON file this writes: what the client observed. The pytest side
asserts on it. Nothing here talks HTTP itself or patches the client: every call goes through
``qiskit.IBMQ`` and the provider's ``runtime`` service exactly as a user's script would.

This file runs under qiskit-terra 0.23 and Python 3.11 with only that environment's packages.
"""

from __future__ import annotations

import base64
import json
import sys
import time
import warnings
from pathlib import Path
from typing import Any

# A sibling module: this directory is on sys.path.
from scenario_common import error_of, main, wait_until

warnings.simplefilter("ignore")  # the 0.20 client warns about its own deprecation at import

from qiskit import IBMQ  # noqa: E402

# Errors are reported by class name (see error_of), so the test side needs no client import.

DEADLINE_SECONDS = 120.0

# -- runtime programs uploaded by the scenarios ------------------------------------------------

ECHO_PROGRAM = """
def main(backend, user_messenger, **kwargs):
    print("echo program ran with", sorted(kwargs))
    return {"version": 1, "inputs": kwargs}
"""

ECHO_PROGRAM_V2 = """
def main(backend, user_messenger, **kwargs):
    return {"version": 2, "inputs": kwargs}
"""

# Publishes interim results, each after the client's callback has seen the previous one (the
# callback creates "<release>.<i>"): so a callback that only ran after the job ended would
# never release it, and the job would fail at its deadline instead of completing.
GHZ_PROGRAM = """
import os
import time

from qiskit import QuantumCircuit, transpile


def _wait_for(path, deadline):
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the client never acknowledged interim result {path}")
        time.sleep(0.05)


def main(backend, user_messenger, n_qubits=3, shots=1000, release=None, steps=3):
    deadline = time.monotonic() + 60
    for step in range(steps):
        user_messenger.publish({"step": step, "of": steps})
        if release:
            _wait_for(f"{release}.{step}", deadline)
    circuit = QuantumCircuit(n_qubits, n_qubits)
    circuit.h(0)
    for q in range(1, n_qubits):
        circuit.cx(q - 1, q)
    circuit.measure(range(n_qubits), range(n_qubits))
    counts = backend.run(transpile(circuit, backend), shots=shots).result().get_counts()
    print(f"ghz program: {n_qubits} qubits, {shots} shots on {backend.name}")
    return {"counts": counts}
"""

WAITING_PROGRAM = """
import os
import time


def main(backend, user_messenger, started=None, **kwargs):
    open(started, "w").close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # until cancelled
        time.sleep(0.05)
    return "not cancelled"
"""

SLOW_PROGRAM = """
import time


def main(backend, user_messenger, **kwargs):
    print("slow program: going to sleep", flush=True)
    time.sleep(600)
"""

FAILING_PROGRAM = """
def main(backend, user_messenger, **kwargs):
    raise ValueError("the program failed on purpose: " + kwargs.get("why", ""))
"""


def provider_for(cfg: dict[str, Any], user: str) -> Any:
    if IBMQ.active_account():
        IBMQ.disable_account()
    IBMQ.enable_account(cfg["tokens"][user], cfg["url"])
    hub, group, project = cfg["instances"][user].split("/")
    return IBMQ.get_provider(hub=hub, group=group, project=project)


# -- scenarios ---------------------------------------------------------------------------------


def account(cfg: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    out["bad_token"] = error_of(lambda: IBMQ.enable_account("not-a-valid-token", cfg["url"]))
    provider = provider_for(cfg, "alice")
    creds = provider.credentials
    out["urls"] = {
        "http": creds.url,
        "base": creds.base_url,
        "runtime": creds.runtime_url,
        "websockets": creds.websockets_url,
    }
    out["providers"] = [
        f"{p.credentials.hub}/{p.credentials.group}/{p.credentials.project}"
        for p in IBMQ.providers()
    ]
    out["active_account_url"] = IBMQ.active_account()["url"]
    hub, group, _ = cfg["instances"]["bob"].split("/")
    out["foreign_provider"] = error_of(
        lambda: IBMQ.get_provider(hub=hub, group=group, project="bob-project")
    )
    backends = {}
    for backend in provider.backends():
        config = backend.configuration()
        status = backend.status()
        props = backend.properties()
        backends[backend.name()] = {
            "simulator": config.simulator,
            "n_qubits": config.n_qubits,
            "basis_gates": config.basis_gates,
            "operational": status.operational,
            "pending_jobs": status.pending_jobs,
            "t1_q0": props.t1(0) if props is not None else None,
            "max_jobs": backend.job_limit().maximum_jobs,
        }
    out["backends"] = backends
    out["runtime_service"] = type(provider.runtime).__name__
    return out


def programs(cfg: dict[str, Any]) -> dict[str, Any]:
    work = Path(cfg["workdir"])
    rt = provider_for(cfg, "alice").runtime
    out: dict[str, Any] = {}
    stamp = str(time.time_ns())
    spec = {
        "backend_requirements": {"min_num_qubits": 1},
        "parameters": {
            "$schema": "https://json-schema.org/draft/2019-09/schema",
            "properties": {"x": {"type": "integer", "description": "a number"}},
            "required": ["x"],
        },
        "return_values": {"type": "object"},
        "interim_results": {},
    }
    meta = {
        "name": f"text-{stamp}",
        "description": "uploaded from text, metadata as a dict",
        "max_execution_time": 120,
        "spec": spec,
        "is_public": False,
        "not_a_metadata_field": "the client drops it",
    }
    text_id = rt.upload_program(data=ECHO_PROGRAM, metadata=meta)

    program_file = work / "echo_program.py"
    program_file.write_text(ECHO_PROGRAM, encoding="utf-8")
    meta_file = work / "echo_metadata.json"
    meta_file.write_text(
        json.dumps(
            {
                "name": f"file-{stamp}",
                "description": "uploaded from a file, metadata from a file",
                "max_execution_time": 300,
                "is_public": True,
            }
        ),
        encoding="utf-8",
    )
    file_id = rt.upload_program(data=str(program_file), metadata=str(meta_file))

    def describe(program: Any) -> dict[str, Any]:
        return {
            "id": program.program_id,
            "name": program.name,
            "description": program.description,
            "max_execution_time": program.max_execution_time,
            "is_public": program.is_public,
            "backend_requirements": program.backend_requirements,
            "parameters": program.parameters().metadata,
            "source": base64.b64decode(program.data).decode("utf-8"),
        }

    out["uploaded_text"] = describe(rt.program(text_id, refresh=True))
    out["uploaded_file"] = describe(rt.program(file_id, refresh=True))
    out["expected_source"] = ECHO_PROGRAM
    out["listed"] = sorted(p.program_id for p in rt.programs(refresh=True, limit=None))
    out["listed_first"] = [p.program_id for p in rt.programs(limit=1)]

    # Errors raised by upload_program, and that nothing was created by them.
    count_before = len(rt.programs(refresh=True, limit=None))
    out["duplicate"] = error_of(lambda: rt.upload_program(data=ECHO_PROGRAM, metadata=meta))
    out["missing_metadata"] = error_of(
        lambda: rt.upload_program(
            data=ECHO_PROGRAM, metadata={"description": "no name", "max_execution_time": 60}
        )
    )
    out["no_metadata"] = error_of(lambda: rt.upload_program(data=ECHO_PROGRAM))
    out["count_unchanged"] = len(rt.programs(refresh=True, limit=None)) == count_before

    # update_program: data, metadata as dict and file, individual fields winning over metadata.
    rt.update_program(text_id, data=ECHO_PROGRAM_V2)
    out["updated_source"] = base64.b64decode(rt.program(text_id, refresh=True).data).decode()
    rt.update_program(
        text_id,
        metadata={
            "name": f"metadata-name-{stamp}",
            "description": "description from metadata",
            "max_execution_time": 600,
        },
        name=f"field-name-{stamp}",
        max_execution_time=900,
    )
    updated = rt.program(text_id, refresh=True)
    out["updated_meta"] = {
        "name": updated.name,
        "description": updated.description,
        "max_execution_time": updated.max_execution_time,
    }
    update_file = work / "update_metadata.json"
    update_file.write_text(json.dumps({"description": "description from a file"}), "utf-8")
    data_file = work / "echo_v1_again.py"
    data_file.write_text(ECHO_PROGRAM, encoding="utf-8")
    rt.update_program(text_id, data=str(data_file), metadata=str(update_file))
    again = rt.program(text_id, refresh=True)
    out["updated_from_files"] = {
        "description": again.description,
        "source": base64.b64decode(again.data).decode(),
    }
    out["update_missing"] = error_of(lambda: rt.update_program("no-such-program", name="x"))

    # Visibility, seen from another account (bob).
    rt.set_program_visibility(text_id, True)
    out["public_flag"] = rt.program(text_id, refresh=True).is_public
    bob_rt = provider_for(cfg, "bob").runtime
    bob_view = bob_rt.program(text_id, refresh=True)
    out["bob_sees_public"] = {"name": bob_view.name, "is_public": bob_view.is_public}
    out["bob_reads_data"] = error_of(lambda: bob_view.data)
    out["bob_deletes"] = error_of(lambda: bob_rt.delete_program(text_id))
    rt = provider_for(cfg, "alice").runtime
    rt.set_program_visibility(text_id, False)
    out["private_flag"] = rt.program(text_id, refresh=True).is_public
    bob_rt = provider_for(cfg, "bob").runtime
    out["bob_sees_private"] = error_of(lambda: bob_rt.program(text_id, refresh=True))
    out["visibility_missing"] = error_of(
        lambda: bob_rt.set_program_visibility("no-such-program", True)
    )

    # Not authorised: carol's account may not upload.
    carol_rt = provider_for(cfg, "carol").runtime
    out["carol_upload"] = error_of(
        lambda: carol_rt.upload_program(
            data=ECHO_PROGRAM,
            metadata={"name": f"carol-{stamp}", "description": "d", "max_execution_time": 60},
        )
    )
    out["carol_programs"] = [p.name for p in carol_rt.programs(refresh=True, limit=None)]

    # Delete, twice.
    rt = provider_for(cfg, "alice").runtime
    rt.delete_program(text_id)
    out["deleted_get"] = error_of(lambda: rt.program(text_id, refresh=True))
    out["delete_again"] = error_of(lambda: rt.delete_program(text_id))
    out["listed_after_delete"] = sorted(p.program_id for p in rt.programs(refresh=True, limit=None))
    out["ids"] = {"text": text_id, "file": file_id}
    return out


def jobs(cfg: dict[str, Any]) -> dict[str, Any]:
    work = Path(cfg["workdir"])
    provider = provider_for(cfg, "alice")
    rt = provider.runtime
    out: dict[str, Any] = {}
    stamp = str(time.time_ns())

    def upload(name: str, source: str) -> str:
        return rt.upload_program(
            data=source,
            metadata={"name": f"{name}-{stamp}", "description": name, "max_execution_time": 120},
        )

    ghz_id = upload("ghz", GHZ_PROGRAM)
    release = str(work / "release")
    received: list[dict[str, Any]] = []

    def callback(job_id: str, message: Any) -> None:
        # The job must still be running when an interim result reaches the callback.
        status = rt.job(job_id).status().name
        received.append({"job_id": job_id, "message": message, "status": status})
        Path(f"{release}.{message['step']}").touch()

    job = rt.run(
        ghz_id,
        options={"backend_name": "ibmq_qasm_simulator"},
        inputs={"n_qubits": 3, "shots": 1000, "release": release, "steps": 3},
        callback=callback,
    )
    result = job.result(timeout=DEADLINE_SECONDS, wait=0.2)
    out["ghz"] = {
        "job_id": job.job_id(),
        "program_id": job.program_id,
        "result": result,
        "status": job.status().name,
        "logs": job.logs(),
        "backend": job.backend().name(),
        "interim": received,
    }
    retrieved = rt.job(job.job_id())
    out["retrieved"] = {
        "inputs": retrieved.inputs,
        "status": retrieved.status().name,
        "result": retrieved.result(wait=0.2),
    }
    out["listed"] = [j.job_id() for j in rt.jobs(limit=None, program_id=ghz_id)]

    # Circuits through the built-in circuit-runner (QPY from terra 0.23, run by qiskit 1.x).
    from qiskit import QuantumCircuit

    bell = QuantumCircuit(2, 2)
    bell.h(0)
    bell.cx(0, 1)
    bell.measure([0, 1], [0, 1])
    runner = provider.run_circuits(bell, backend_name="ibmq_qasm_simulator", shots=200)
    out["run_circuits"] = runner.result(timeout=DEADLINE_SECONDS, wait=0.2).get_counts()

    # Cancel a running job.
    waiting_id = upload("waiting", WAITING_PROGRAM)
    started = work / "waiting-started"
    waiting = rt.run(
        waiting_id,
        options={"backend_name": "ibmq_qasm_simulator"},
        inputs={"started": str(started)},
    )
    wait_until(started.exists, DEADLINE_SECONDS, interval=0.05)
    out["before_cancel"] = waiting.status().name
    waiting.cancel()
    out["after_cancel"] = waiting.status().name
    fresh = rt.job(waiting.job_id())
    out["server_status_after_cancel"] = fresh.status().name
    out["cancel_again"] = error_of(fresh.cancel)

    # A failing program.
    failing_id = upload("failing", FAILING_PROGRAM)
    failing = rt.run(
        failing_id, options={"backend_name": "ibmq_qasm_simulator"}, inputs={"why": "test"}
    )
    out["failing_result"] = error_of(lambda: failing.result(timeout=DEADLINE_SECONDS, wait=0.2))
    out["failing_status"] = failing.status().name
    out["failing_logs"] = failing.logs()
    return out


def seed_gaps(cfg: dict[str, Any]) -> dict[str, Any]:
    """Where the seed client met behaviour unlike IBM's (issue 29): deleting a running job,
    a job over its maximum execution time, and what a job's log holds."""
    work = Path(cfg["workdir"])
    rt = provider_for(cfg, "alice").runtime
    out: dict[str, Any] = {}
    stamp = str(time.time_ns())

    def upload(name: str, source: str, max_execution_time: int = 120) -> str:
        return rt.upload_program(
            data=source,
            metadata={
                "name": f"{name}-{stamp}",
                "description": name,
                "max_execution_time": max_execution_time,
            },
        )

    options = {"backend_name": "ibmq_qasm_simulator"}

    # Deleting a running job cancels it, as IBM's runtime did (no 409), and it is gone.
    started = work / "delete-started"
    running = rt.run(upload("waiting", WAITING_PROGRAM), options, {"started": str(started)})
    wait_until(started.exists, DEADLINE_SECONDS, interval=0.05)
    out["before_delete"] = running.status().name
    out["delete_running"] = error_of(lambda: rt.delete_job(running.job_id()))
    out["deleted_job"] = error_of(lambda: rt.job(running.job_id()))

    # Over its maximum execution time: IBM's status and the client's own message for it.
    slow = rt.run(upload("slow", SLOW_PROGRAM, max_execution_time=2), options, {})
    out["too_long_result"] = error_of(lambda: slow.result(timeout=DEADLINE_SECONDS, wait=0.2))
    out["too_long_status"] = slow.status().name
    out["too_long_logs"] = slow.logs()

    # IBM's public programs exist for every account, runnable, not the user's to change.
    listed = {p.program_id: p for p in rt.programs(refresh=True, limit=None)}
    out["public_listed"] = sorted(i for i in ("hello-world", "sample-program") if i in listed)
    hello = rt.program("hello-world", refresh=True)
    out["hello_meta"] = {"is_public": hello.is_public, "name": hello.name}
    out["hello_data"] = error_of(lambda: hello.data)
    out["hello_delete"] = error_of(lambda: rt.delete_program("hello-world"))
    interim: list[Any] = []
    hello_job = rt.run(
        "hello-world", options, {"iterations": 2}, callback=lambda _id, m: interim.append(m)
    )
    out["hello_result"] = hello_job.result(timeout=DEADLINE_SECONDS, wait=0.2)
    wait_until(lambda: len(interim) >= 2, 30, interval=0.05)
    out["hello_interim"] = interim
    sample = rt.run("sample-program", options, {"iterations": 1})
    out["sample_result"] = sample.result(timeout=DEADLINE_SECONDS, wait=0.2)

    # A job's log is what the program printed, without the runner's own warnings.
    echo = rt.run(upload("echo", ECHO_PROGRAM), options, {"x": 1})
    echo.result(timeout=DEADLINE_SECONDS, wait=0.2)
    out["echo_logs"] = echo.logs()
    return out


SCENARIOS = {"account": account, "programs": programs, "jobs": jobs, "seed_gaps": seed_gaps}


if __name__ == "__main__":
    sys.exit(main(sys.argv, SCENARIOS))
