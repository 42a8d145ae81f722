"""One request cannot exhaust the machine: the local cloud prices work before it starts.

Every test here talks to one daemon (``python -m pulumi_quantum.local serve``) started with an
address-space limit (RLIMIT_AS, inherited by its simulation workers and IBM job processes), so
even on code without the budget none of these requests can take more than
:data:`DAEMON_ADDRESS_SPACE` of this machine. The daemon's state ceiling is set low
(``PQ_LOCAL_MAX_STATE_BYTES`` = 64 MiB: 22 state-vector qubits, 11 density-matrix qubits) so the
tests are cheap; the refusals are the vendors' own error shapes, through their unmodified clients.
"""

from __future__ import annotations

import http.client
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from pulumi_quantum.local import budget
from pulumi_quantum.local.limits import MAX_ADMIN_BODY
from tests import loopback
from tests.conftest import LocalCloudProcess
from tests.fixtures import braket_client, s3_client
from tests.polling import wait_until

GiB, MiB = 1024**3, 1024**2
DAEMON_ADDRESS_SPACE = 12 * GiB
STATE_CEILING = 64 * MiB
BUDGET_ENV = {"PQ_LOCAL_MAX_STATE_BYTES": str(STATE_CEILING)}
SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
DM1 = "arn:aws:braket:::device/quantum-simulator/amazon/dm1"
EMERALD = "arn:aws:braket:eu-north-1::device/qpu/iqm/Emerald"
CEPHEUS = "arn:aws:braket:us-west-1::device/qpu/rigetti/Cepheus-1-108Q"
OPENQASM = {"name": "braket.ir.openqasm.program", "version": "1"}


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloudProcess]:
    proc = LocalCloudProcess(
        tmp_path_factory.mktemp("budget"),
        [],
        environ=BUDGET_ENV,
        address_space=DAEMON_ADDRESS_SPACE,
    )
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture(scope="module")
def env(daemon: LocalCloudProcess) -> dict[str, str]:
    return daemon.client_env()


def _braket(env: dict[str, str], region: str = "us-east-1") -> Any:
    retries_once = Config(retries={"max_attempts": 1, "mode": "standard"}, read_timeout=120)
    return braket_client(env, config=retries_once, region_name=region)


@pytest.fixture(scope="module")
def bucket(env: dict[str, str]) -> str:
    name = f"amzn-braket-budget-{uuid.uuid4().hex[:8]}"
    s3_client(env, region_name="us-east-1").create_bucket(Bucket=name)
    return name


def _create(env: dict[str, str], bucket: str, device: str, source: str, **extra: Any) -> Any:
    region = device.split(":")[3] or "us-east-1"
    action = {"braketSchemaHeader": OPENQASM, "source": source, **extra}
    return _braket(env, region).create_quantum_task(
        deviceArn=device,
        action=json.dumps(action),
        shots=extra.pop("shots", 10),
        outputS3Bucket=bucket,
        outputS3KeyPrefix="budget",
    )


def _refusal(call: Any) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400, error
    assert error["Error"]["Code"] == "ValidationException", error
    return error["Error"]["Message"]


def _task_count(env: dict[str, str], region: str = "us-east-1") -> int:
    return len(_braket(env, region).search_quantum_tasks(filters=[])["quantumTasks"])


# ------------------------------------------------------------------------- qubits, folded
@pytest.mark.parametrize(
    ("source", "inputs", "qubits"),
    [
        ("OPENQASM 3.0; const int n = 27; qubit[n] q; h q[0];", None, 27),
        ("OPENQASM 3.0; qubit[30+30] q; h q[0];", None, 60),
        ("OPENQASM 3.0; input int n; qubit[n] q; h q[0];", {"n": 40}, 40),
        ("OPENQASM 3.0; int a = 9; qubit[a * 3] q; h q[0];", None, 27),
    ],
)
def test_qubit_counts_written_as_expressions_are_folded_and_refused(
    env, bucket, source, inputs, qubits
):
    before = _task_count(env)
    extra = {"inputs": inputs} if inputs else {}
    message = _refusal(lambda: _create(env, bucket, SV1, source, **extra))
    assert f"uses {qubits} qubits" in message and "qubitCount" in message, message
    assert _task_count(env) == before  # nothing half-created


def test_a_size_expression_that_would_build_a_huge_integer_is_refused_at_once(env, bucket):
    started = time.monotonic()
    message = _refusal(
        lambda: _create(env, bucket, SV1, "OPENQASM 3.0; const int n = 2**(2**40); qubit[n] q;")
    )
    assert "bit integer" in message
    assert time.monotonic() - started < 30


# ------------------------------------------------------------ the state ceiling per simulator
@pytest.mark.parametrize(("device", "first"), [(EMERALD, 1), (CEPHEUS, 0)])
def test_qpu_emulations_refuse_states_larger_than_the_ceiling(env, bucket, device, first):
    qubits = range(first, first + 30)
    source = "OPENQASM 3.0;\n" + "".join(f"x ${q};\n" for q in qubits)
    message = _refusal(lambda: _create(env, bucket, device, source))
    assert "30 qubits" in message and "PQ_LOCAL_MAX_STATE_BYTES" in message, message
    assert "at most 22 qubits" in message, message


def test_the_ceiling_counts_a_density_matrix_as_the_square_of_a_state_vector(env, bucket):
    source = "OPENQASM 3.0; qubit[12] q; h q[0]; #pragma braket result probability q[0]"
    message = _refusal(lambda: _create(env, bucket, DM1, source))
    assert "density matrix" in message and "at most 11 qubits" in message, message
    # The same 12 qubits as a state vector fit, and run.
    arn = _create(env, bucket, SV1, source)["quantumTaskArn"]
    client = _braket(env)
    status = wait_until(
        lambda: (
            (s := client.get_quantum_task(quantumTaskArn=arn)["status"])
            in ("COMPLETED", "FAILED", "CANCELLED")
            and s
        ),
        120,
    )
    assert status == "COMPLETED"


# ------------------------------------------------------------------ program size, unparsed
def test_a_million_gate_program_is_refused_quickly(env, bucket):
    source = "OPENQASM 3.0;\nqubit q;\n" + "h q;\n" * 1_000_000
    started = time.monotonic()
    message = _refusal(lambda: _create(env, bucket, SV1, source))
    elapsed = time.monotonic() - started
    assert "Amazon Braket limits" in message, message  # 6 MB: over Braket's own 3 MB action limit
    assert elapsed < 10, f"refusing took {elapsed:.1f} s"


def test_too_many_statements_are_refused_before_parsing(env, bucket):
    count = budget.DEFAULT_INSTRUCTIONS + 1
    source = "OPENQASM 3.0;\nqubit q;\n" + "x q;" * count
    assert len(source) < budget.DEFAULT_PROGRAM_BYTES
    message = _refusal(lambda: _create(env, bucket, SV1, source))
    assert "PQ_LOCAL_MAX_INSTRUCTIONS" in message, message


# ----------------------------------------------------------------- admin bodies are bounded
def _declared_length_only(url: str, path: str, length: int) -> int:
    """Send headers announcing ``length`` bytes, no body; the status (the server must not wait
    for a gigabyte)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.putrequest("POST", path)
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(length))
        conn.endheaders()
        return conn.getresponse().status
    finally:
        conn.close()


def _chunked(url: str, path: str, size: int) -> int:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    chunk = b" " * (64 * 1024)
    try:
        conn.putrequest("POST", path)
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        sent = 0
        try:
            while sent < size:
                conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
            conn.send(b"0\r\n\r\n")
        except OSError:  # the server answered and closed before reading it all: fine
            pass
        return conn.getresponse().status
    finally:
        conn.close()


@pytest.mark.parametrize("service", ["braket", "s3", "ibm"])
def test_admin_endpoint_bodies_are_bounded_before_they_are_read(daemon, service):
    url = daemon.endpoints[service]
    assert _declared_length_only(url, "/_local/faults", 1024**3) == 413
    assert _chunked(url, "/_local/faults", 4 * MAX_ADMIN_BODY) == 413
    # Within the limit, the endpoint still works.
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("POST", "/_local/faults", body=b"{}", headers={"Content-Type": "application/json"})
    assert conn.getresponse().status == 200
    conn.close()


# -------------------------------------------- simulation workers run under an address limit
def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").iterdir():
            children = (task / "children").read_text().split()
            found.extend(int(c) for c in children)
            todo.extend(int(c) for c in children)
    return found


def _address_limit(pid: int) -> int | None:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max address space"):
            soft = line.split()[3]
            return None if soft == "unlimited" else int(soft)
    return None


def test_simulation_workers_have_an_address_space_limit(daemon, monkeypatch):
    monkeypatch.setenv("PQ_LOCAL_MAX_STATE_BYTES", str(STATE_CEILING))
    monkeypatch.delenv("PQ_LOCAL_WORKER_ADDRESS_SPACE", raising=False)
    expected = budget.worker_address_space()
    assert expected < DAEMON_ADDRESS_SPACE
    limits = {pid: _address_limit(pid) for pid in _descendants(daemon.pid)}
    # The simulation workers (started as needed) are capped; the server keeps its own limit.
    assert expected in limits.values(), limits
    assert _address_limit(daemon.pid) == DAEMON_ADDRESS_SPACE


def test_a_simulation_too_large_for_its_worker_fails_the_task_not_the_server(tmp_path):
    proc = LocalCloudProcess(
        tmp_path,
        [],
        environ={
            "PQ_LOCAL_MAX_STATE_BYTES": str(4 * GiB),  # the estimate lets 25 qubits through...
            "PQ_LOCAL_WORKER_ADDRESS_SPACE": str(900 * MiB),  # ...the worker cannot hold them
        },
        address_space=DAEMON_ADDRESS_SPACE,
    )
    try:
        env = proc.client_env()
        name = f"amzn-braket-budget-{uuid.uuid4().hex[:8]}"
        s3_client(env, region_name="us-east-1").create_bucket(Bucket=name)
        client = _braket(env)

        def finished(arn: str) -> Any:
            task = client.get_quantum_task(quantumTaskArn=arn)
            return task if task["status"] in ("COMPLETED", "FAILED", "CANCELLED") else None

        big = _create(env, name, SV1, "OPENQASM 3.0; qubit[25] q; h q;")["quantumTaskArn"]
        task = wait_until(lambda: finished(big), 300)
        assert task["status"] == "FAILED", task
        assert "MemoryError" in task.get("failureReason", "") or "died" in task.get(
            "failureReason", ""
        ), task
        bell = "OPENQASM 3.0; qubit[2] q; h q[0]; cnot q[0], q[1];"
        small = _create(env, name, SV1, bell)["quantumTaskArn"]
        assert wait_until(lambda: finished(small), 120)["status"] == "COMPLETED"
        assert proc.process.poll() is None  # the server lived through it
    finally:
        proc.stop()


# ------------------------------------------------- IBM platform jobs against the backend config
@pytest.fixture
def platform_service(daemon, monkeypatch) -> Any:
    """qiskit-ibm-runtime's QiskitRuntimeService as its users configure it, on the daemon."""
    from qiskit_ibm_runtime import QiskitRuntimeService

    from pulumi_quantum.local.ibm.platform.env import platform_env

    env = platform_env(daemon.endpoints, daemon.data_dir)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with loopback.guard():
        yield QiskitRuntimeService(
            channel="ibm_quantum_platform",
            token=env["QISKIT_IBM_TOKEN"],
            instance=env["QISKIT_IBM_INSTANCE"],
            url=env["QISKIT_IBM_URL"],
        )


def _ghz(width: int) -> Any:
    from qiskit import QuantumCircuit

    circuit = QuantumCircuit(width)
    circuit.h(0)
    for qubit in range(1, width):
        circuit.cx(0, qubit)
    circuit.measure_all()
    return circuit


def _jobs(service: Any) -> int:
    return len(service.jobs(limit=100))


def test_ibm_job_shots_are_checked_against_the_backends_max_shots(platform_service):
    from qiskit_ibm_runtime import SamplerV2

    backend = platform_service.backend("ibmq_qasm_simulator")
    before = _jobs(platform_service)
    sampler = SamplerV2(mode=backend)
    sampler.options.default_shots = 10**9
    with pytest.raises(Exception, match=r"max_shots") as caught:
        sampler.run([_ghz(2)])
    assert "400" in str(caught.value) and "100000" in str(caught.value)
    with pytest.raises(Exception, match=r"pubs\[0\] shots"):
        SamplerV2(mode=backend).run([(_ghz(2), None, 10**7)])
    assert _jobs(platform_service) == before  # nothing created
    # Within the backend's limits the same circuit runs.
    sampler.options.default_shots = 100
    counts = sampler.run([_ghz(2)]).result()[0].data.meas.get_counts()
    assert sum(counts.values()) == 100


def test_ibm_job_circuits_wider_than_the_backend_are_refused(platform_service):
    from qiskit_ibm_runtime import SamplerV2

    backend = platform_service.backend("ibmq_qasm_simulator")  # 24 qubits
    before = _jobs(platform_service)
    with pytest.raises(Exception, match=r"30 qubits but backend ibmq_qasm_simulator has 24"):
        SamplerV2(mode=backend).run([_ghz(30)])
    assert _jobs(platform_service) == before


# --------------------------------------------------------- the parse cache is bounded in bytes
def test_the_openqasm_parse_cache_is_bounded_in_bytes(monkeypatch):
    """The cache keeps at most its byte budget of program text, so at most that many ASTs.

    Counted by which parsed programs are still alive (weak references), not by process memory:
    tracemalloc also sees other threads and ANTLR's own DFA cache, which CI's full run showed
    drifting by several MiB.
    """
    import gc
    import weakref

    from pulumi_quantum import qasm as rules  # the one OpenQASM front end and its cache

    budget_bytes = 16 * 1024
    monkeypatch.setattr(rules, "_PARSED", rules._ByteBoundedCache(budget_bytes, 4 * 1024))
    body = "".join(f"rx({i / 1000}) q[{i % 3}];\n" for i in range(150))  # ~3 KiB
    alive: list[weakref.ref] = []
    for n in range(40):  # 40 distinct programs: ~120 KiB of text, ~60 MiB of ASTs
        program, problem = rules.parse_openqasm(f"OPENQASM 3.0;\n// {n}\nqubit[3] q;\n{body}")
        assert problem is None
        alive.append(weakref.ref(program))
        del program
    gc.collect()
    still_held = sum(ref() is not None for ref in alive)
    assert rules._PARSED.used <= budget_bytes
    most = budget_bytes // len(body)
    assert 1 <= still_held <= most, f"{still_held} of 40 ASTs are alive; the budget allows {most}"
    # The survivors are the most recent programs (least recently used ones were evicted).
    assert alive[-1]() is not None and alive[0]() is None
    # Small programs are still answered from the cache (the same AST object).
    small = "OPENQASM 3.0; qubit q; h q;"
    assert rules.parse_openqasm(small)[0] is rules.parse_openqasm(small)[0]
