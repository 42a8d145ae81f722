"""The current IBM Quantum Platform on loopback, driven by unmodified qiskit-ibm-runtime 0.44.

The client is configured only as its users configure it (token = API key, instance = CRN,
channel, url) plus the standard proxy/CA environment of ``requests``; a process-wide audit
hook refuses and records any connection or name lookup that is not loopback.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from pulumi_quantum.local.ibm.accounts import local_crn
from pulumi_quantum.local.ibm.platform.env import PLATFORM_URL, platform_env
from pulumi_quantum.local.ibm.platform.proxy import PlatformProxy
from tests import loopback
from tests.local._ibm_server import IbmServer
from tests.polling import wait_until

pytest.importorskip("qiskit_ibm_runtime")  # a declared dependency; present in every venv

ALICE_KEY, BOB_KEY = "local-ibm-apikey-alice", "local-ibm-apikey-bob"
ALICE_CRN, BOB_CRN = local_crn("alice"), local_crn("bob")
BACKEND = "ibm_loopback_5q"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with loopback.guard():
        yield from _platform(tmp_path_factory)
    assert loopback.outside() == []


def _platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    data = tmp_path_factory.mktemp("ibm-platform")
    server = IbmServer(data).start()
    proxy = PlatformProxy(lambda: server.url, data / "ibm-platform-ca").start()
    env = platform_env({"ibm": server.url, "ibm-proxy": proxy.url}, data)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield {"server": server, "env": env}
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        proxy.stop()
        server.stop()


def _service(key: str = ALICE_KEY, crn: str = ALICE_CRN) -> Any:
    from qiskit_ibm_runtime import QiskitRuntimeService

    return QiskitRuntimeService(
        channel="ibm_quantum_platform", token=key, instance=crn, url=PLATFORM_URL
    )


def _bell(backend: Any) -> Any:
    from qiskit import QuantumCircuit, transpile

    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure_all()
    return transpile(qc, backend, seed_transpiler=7)


def _raw(platform: dict[str, Any], method: str, path: str, key: str, crn: str, **kw: Any):
    return requests.request(
        method,
        f"{platform['server'].url}/api/v1{path}",
        headers={"Authorization": f"apikey {key}", "Service-CRN": crn},
        timeout=30,
        **kw,
    )


def test_client_sees_only_loopback(platform: dict[str, Any]) -> None:
    """Every address the client is given is loopback or a .test name behind the local proxy."""
    env = platform["env"]
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "IAM_URL", "QISKIT_IBM_API_URL"):
        assert env[name].startswith("http://127.0.0.1:"), name
    assert env["QISKIT_IBM_URL"].endswith(".test")  # reserved TLD: never resolves


def test_backends_and_iam_exchange(platform: dict[str, Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "API Key will be used instead" fallback
        service = _service()
        names = {b.name for b in service.backends()}
    assert names == {"ibmq_qasm_simulator", BACKEND}
    backend = service.backend(BACKEND)
    assert backend.num_qubits == 5
    assert backend.target.num_qubits == 5 and "cx" in backend.target.operation_names
    assert service.active_instance() == ALICE_CRN


def test_sampler_in_session_matches_reference_and_joins(platform: dict[str, Any]) -> None:
    from qiskit.primitives import StatevectorSampler
    from qiskit_ibm_runtime import SamplerV2, Session

    service = _service()
    backend = service.backend(BACKEND)
    circuit = _bell(backend)
    session = Session(backend=backend, max_time=600)
    details = session.details()
    assert details["state"] == "open" and details["accepting_jobs"] is True
    assert details["max_time"] == 600 and details["mode"] == "dedicated"

    # User code elsewhere joins the session by id, as a Pulumi-created session is joined.
    joined = Session.from_id(session.session_id, service=_service())
    sampler = SamplerV2(mode=joined)
    sampler.options.default_shots = 2000
    sampler.options.simulator.seed_simulator = 1234
    job = sampler.run([circuit])
    counts = job.result()[0].data.meas.get_counts()
    reference = StatevectorSampler(default_shots=2000, seed=1234).run([circuit]).result()
    assert counts == reference[0].data.meas.get_counts()
    assert set(counts) == {"00", "11"}
    assert job.session_id == session.session_id

    after = session.details()
    assert after["state"] == "active" and after["activated_at"] is not None
    assert after["last_job_completed"] is not None
    assert session.status() == "In progress, accepting new jobs"  # the client's own mapping
    session.close()
    closed = session.details()
    assert closed["state"] == "closed" and closed["accepting_jobs"] is False
    # Billed while active (idle waits included), so compared once closed, when it is fixed.
    assert session.usage() == closed["usage_time"] >= after["usage_time"] >= 1
    with pytest.raises(Exception, match="closed"):
        SamplerV2(mode=Session.from_id(session.session_id, service=service)).run([circuit])


def test_batch_estimator_and_cancel(platform: dict[str, Any]) -> None:
    from qiskit.primitives import StatevectorEstimator
    from qiskit.quantum_info import SparsePauliOp
    from qiskit_ibm_runtime import Batch, EstimatorV2

    service = _service()
    backend = service.backend(BACKEND)
    from qiskit import QuantumCircuit, transpile

    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    isa = transpile(qc, backend, seed_transpiler=7)
    observable = SparsePauliOp("ZZ").apply_layout(isa.layout)
    batch = Batch(backend=backend)
    assert batch.details()["mode"] == "batch"
    values = EstimatorV2(mode=batch).run([(isa, observable)]).result()[0].data.evs
    expected = StatevectorEstimator().run([(isa, observable)]).result()[0].data.evs
    assert float(values) == pytest.approx(float(expected)) == pytest.approx(1.0)
    batch.cancel()
    details = batch.details()
    assert details["state"] == "closed" and details["accepting_jobs"] is False


def test_max_ttl_and_interactive_ttl_enforced(platform: dict[str, Any]) -> None:
    from qiskit_ibm_runtime import SamplerV2, Session

    service = _service()
    backend = service.backend(BACKEND)
    short = Session(backend=backend, max_time=2)
    wait_until(lambda: short.details()["state"] == "closed", timeout=30)
    with pytest.raises(Exception, match="max_ttl"):
        SamplerV2(mode=short).run([_bell(backend)])

    # interactive_ttl: a session idle after its job turns inactive (and still accepts jobs).
    created = _raw(
        platform,
        "POST",
        "/sessions",
        ALICE_KEY,
        ALICE_CRN,
        json={"mode": "dedicated", "backend": BACKEND, "max_ttl": 600, "interactive_ttl": 1},
    )
    assert created.status_code == 200, created.text
    idle = Session.from_id(created.json()["id"], service=service)
    SamplerV2(mode=idle).run([_bell(backend)]).result()
    wait_until(lambda: idle.details()["state"] == "inactive", timeout=30)
    assert idle.details()["accepting_jobs"] is True


def test_cross_tenant_denied_and_nothing_changed(platform: dict[str, Any]) -> None:
    from qiskit_ibm_runtime import Session
    from qiskit_ibm_runtime.accounts.exceptions import InvalidAccountError
    from qiskit_ibm_runtime.exceptions import IBMInputValueError

    service = _service()
    session = Session(backend=service.backend(BACKEND), max_time=600)
    before = session.details()
    # The client itself refuses a CRN its key's account does not list ...
    with pytest.raises((IBMInputValueError, InvalidAccountError)):
        _service(BOB_KEY, ALICE_CRN)
    # ... and the API answers 403 to bob's key on alice's CRN, for reads and writes alike.
    sid = session.session_id
    for method, path, kw in (
        ("GET", f"/sessions/{sid}", {}),
        ("PATCH", f"/sessions/{sid}", {"json": {"accepting_jobs": False}}),
        ("DELETE", f"/sessions/{sid}/close", {}),
        ("GET", "/backends", {}),
    ):
        response = _raw(platform, method, path, BOB_KEY, ALICE_CRN, **kw)
        assert response.status_code == 403, (method, path, response.text)
    # bob on his own CRN cannot reach alice's session either, and cannot even tell it
    # exists: her session id answers exactly as an id nobody has (no owner, no CRN).
    for method, path, kw in (
        ("GET", "/sessions/{}", {}),
        ("PATCH", "/sessions/{}", {"json": {"accepting_jobs": False}}),
        ("DELETE", "/sessions/{}/close", {}),
    ):
        foreign = _raw(platform, method, path.format(sid), BOB_KEY, BOB_CRN, **kw)
        unknown = _raw(platform, method, path.format("0" * len(sid)), BOB_KEY, BOB_CRN, **kw)
        assert foreign.status_code == unknown.status_code == 404, (method, foreign.text)
        assert foreign.json() == _with_id(unknown.json(), "0" * len(sid), sid)
        assert "alice" not in foreign.text and ALICE_CRN not in foreign.text
    after = session.details()
    assert after["state"] == before["state"] == "open"
    assert after["accepting_jobs"] is True
    session.cancel()


def _with_id(doc: Any, old: str, new: str) -> Any:
    """``doc`` with one id replaced, to compare an answer about one id with one about another."""
    import json

    return json.loads(json.dumps(doc).replace(old, new))


def test_foreign_job_ids_answer_like_unknown_ones(platform: dict[str, Any]) -> None:
    """Another tenant's job id is indistinguishable from one that never existed (404, same
    body): neither a 403 naming the owner's CRN nor any other existence oracle."""
    from qiskit_ibm_runtime import SamplerV2

    service = _service()
    backend = service.backend(BACKEND)
    job = SamplerV2(mode=backend).run([_bell(backend)])
    job.result()
    jid, nobody = job.job_id(), "0" * len(job.job_id())
    for method, path in (
        ("GET", "/jobs/{}"),
        ("GET", "/jobs/{}/results"),
        ("GET", "/jobs/{}/logs"),
        ("GET", "/jobs/{}/metrics"),
        ("POST", "/jobs/{}/cancel"),
        ("PUT", "/jobs/{}/tags"),
        ("DELETE", "/jobs/{}"),
    ):
        kw: dict[str, Any] = {"json": {"tags": ["x"]}} if method == "PUT" else {}
        foreign = _raw(platform, method, path.format(jid), BOB_KEY, BOB_CRN, **kw)
        unknown = _raw(platform, method, path.format(nobody), BOB_KEY, BOB_CRN, **kw)
        assert foreign.status_code == unknown.status_code == 404, (method, path, foreign.text)
        assert foreign.json() == _with_id(unknown.json(), nobody, jid), (method, path)
        assert ALICE_CRN not in foreign.text and "alice" not in foreign.text
    assert service.job(jid).status() == "DONE"  # untouched by bob's attempts


def test_iam_tokens_expire_and_the_client_refreshes(platform: dict[str, Any]) -> None:
    """IAM access tokens live 3600 s as IBM's do (not the legacy login's 14 days); the API
    refuses one past its expiry, and unmodified qiskit-ibm-runtime gets a new one and goes on.
    The ``iam_token_ttl`` knob shortens the lifetime so the test sees it run out."""
    iam = f"{platform['server'].url}/identity/token"
    form = {"grant_type": "urn:ibm:params:oauth:grant-type:apikey", "apikey": ALICE_KEY}
    issued = requests.post(iam, data=form, timeout=30).json()
    assert issued["expires_in"] == 3600 and issued["expiration"] - time.time() > 3500

    knobs = f"{platform['server'].url}/_local/faults"
    assert requests.post(knobs, json={"iam_token_ttl": 2}, timeout=30).status_code == 200
    try:
        service = _service()  # its token now lives 2 s
        assert service.jobs(limit=1) is not None
        short = requests.post(iam, data=form, timeout=30).json()
        assert short["expires_in"] == 2

        def answer(token: str) -> int:
            headers = {"Authorization": f"Bearer {token}", "Service-CRN": ALICE_CRN}
            url = f"{platform['server'].url}/api/v1/backends"
            return requests.get(url, headers=headers, timeout=30).status_code

        assert answer(short["access_token"]) == 200
        wait_until(lambda: answer(short["access_token"]) == 401, timeout=30)
        # The service's own token (issued before that one) has expired too: the client must
        # fetch a new one with its API key for these calls to succeed.
        assert answer(issued["access_token"]) == 200  # an hour-long token is still good
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a fresh IAM token, not the "API Key" fallback
            assert {b.name for b in service.backends()} >= {BACKEND}
            assert service.jobs(limit=1) is not None
    finally:
        requests.post(knobs, json={"iam_token_ttl": 3600}, timeout=30)


def test_sessions_and_tokens_survive_a_restart(platform: dict[str, Any]) -> None:
    """State is SQLite: a restart loses neither the session nor the client's IAM token."""
    from qiskit_ibm_runtime import SamplerV2, Session

    service = _service()
    backend = service.backend(BACKEND)
    session = Session(backend=backend, max_time=900)
    platform["server"].restart()  # new port; the proxy follows it
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the cached IAM token is still accepted
        details = session.details()
    assert details["state"] == "open" and details["max_time"] == 900
    counts = SamplerV2(mode=session).run([_bell(backend)], shots=50).result()
    assert sum(counts[0].data.meas.get_counts().values()) == 50
    session.cancel()


def test_job_surface_of_the_client(platform: dict[str, Any]) -> None:
    from qiskit_ibm_runtime import SamplerV2

    service = _service()
    backend = service.backend(BACKEND)
    job = SamplerV2(mode=backend).run([_bell(backend)], shots=20)  # job mode: no session
    job.result()
    again = service.job(job.job_id())
    assert again.status() == "DONE" and again.primitive_id == "sampler"
    assert job.job_id() in [j.job_id() for j in service.jobs(limit=50)]
    assert isinstance(job.logs(), str)
    assert job.metrics()["timestamps"]["finished"] is not None
    job.update_tags(["sweep-1"])
    assert service.job(job.job_id()).tags == ["sweep-1"]
    with pytest.raises(Exception, match="not found"):
        service.job("nosuchjob00000000000")


def test_the_network_audit_refuses_non_loopback(platform: dict[str, Any]) -> None:
    """The guard the other tests rely on is live: a TEST-NET address is refused, not tried."""
    import socket

    before = len(loopback.outside())
    with socket.socket() as sock, pytest.raises(ConnectionRefusedError, match="network audit"):
        sock.connect(("192.0.2.1", 9))
    with pytest.raises(OSError, match="network audit"):
        socket.getaddrinfo("quantum.cloud.ibm.com", 443)
    assert len(loopback.outside()) == before + 2
    del loopback._outside[before:]  # expected refusals; the fixture asserts none other happened


def test_parameter_sweep_pub(platform: dict[str, Any]) -> None:
    """A PUB with parameter values (BindingsArray on the wire) sweeps as qiskit's sampler does."""
    import math

    from qiskit import QuantumCircuit, transpile
    from qiskit.circuit import Parameter
    from qiskit.primitives import StatevectorSampler
    from qiskit_ibm_runtime import SamplerV2

    service = _service()
    backend = service.backend(BACKEND)
    theta = Parameter("theta")
    qc = QuantumCircuit(1)
    qc.ry(theta, 0)
    qc.measure_all()
    isa = transpile(qc, backend, optimization_level=0)
    values = [[0.0], [math.pi], [math.pi / 2]]
    sampler = SamplerV2(mode=backend)
    sampler.options.simulator.seed_simulator = 5
    result = sampler.run([(isa, values)], shots=300).result()[0]
    reference = StatevectorSampler(seed=5).run([(isa, values)], shots=300).result()[0]
    got = [result.data.meas.get_counts(i) for i in range(3)]
    assert got == [reference.data.meas.get_counts(i) for i in range(3)]
    assert got[0] == {"0": 300} and got[1] == {"1": 300}


def test_every_published_api_version_is_answered_in_its_shape(platform: dict[str, Any]) -> None:
    """IBM-API-Version: every date IBM publishes is accepted (0.44 sends 2025-05-01, 0.48+
    2026-04-15) and job metrics carry usage as that version defines it; unknown dates are 400."""
    from qiskit_ibm_runtime import SamplerV2

    service = _service()
    backend = service.backend(BACKEND)
    job = SamplerV2(mode=backend).run([_bell(backend)], shots=10)
    job.result()
    assert job.usage() >= 0  # 0.44 reads usage.quantum_seconds (2025-05-01)

    listed = requests.get(f"{platform['server'].url}/api/v1/versions", timeout=30)
    assert listed.status_code == 200  # public, like IBM's: no credentials, no CRN
    dates = [v["version"] for v in listed.json()["versions"]]
    assert dates == sorted(dates) and {"2025-05-01", "2026-04-15"} <= set(dates)
    assert [v["status"] for v in listed.json()["versions"]][-1] == "live"

    def metrics(version: str) -> requests.Response:
        return requests.get(
            f"{platform['server'].url}/api/v1/jobs/{job.job_id()}/metrics",
            headers={
                "Authorization": f"apikey {ALICE_KEY}",
                "Service-CRN": ALICE_CRN,
                "IBM-API-Version": version,
            },
            timeout=30,
        )

    for version in dates:
        response = metrics(version)
        assert response.status_code == 200, (version, response.text)
        body = response.json()
        if version < "2026-03-15":
            assert "quantum_seconds" in body["usage"] and "seconds" in body["bss"], version
        else:
            assert "bss" not in body and "quantum_seconds" not in body["usage"], version
            assert body["usage"]["status"] == "complete", version
            assert body["usage"]["qpu_charge_time_seconds"] >= 0, version
            at_root = version >= "2026-04-15"
            assert ("circuits_execution_time_ns" in body) is at_root, version
            assert ("circuits_execution_time_ns" in body["usage"]) is not at_root, version
    unknown = metrics("2026-04-16")
    assert unknown.status_code == 400 and "2026-04-15" in unknown.text


def test_one_job_document_whichever_api_returns_it(platform: dict[str, Any]) -> None:
    """A job has one JSON form (its instance decides the instance fields): the platform's
    ``/api/v1/jobs/{id}`` and the legacy ``/jobs/{id}`` answer the same document, and each
    list answers it without ``params``."""
    from qiskit_ibm_runtime import SamplerV2

    backend = _service().backend(BACKEND)
    job = SamplerV2(mode=backend).run([_bell(backend)], shots=10)
    job.result()
    jid = job.job_id()
    url = platform["server"].url
    access = requests.post(
        f"{url}/users/loginWithToken", json={"apiToken": "local-ibm-token-alice"}, timeout=30
    ).json()["id"]
    legacy = requests.get(f"{url}/jobs/{jid}", headers={"X-Access-Token": access}, timeout=30)
    current = _raw(platform, "GET", f"/jobs/{jid}", ALICE_KEY, ALICE_CRN)
    assert legacy.status_code == current.status_code == 200, legacy.text
    assert legacy.json() == current.json()
    doc = current.json()
    assert doc["private"] is False and "hub" not in doc and doc["params"]["pubs"]
    listed = _raw(platform, "GET", "/jobs", ALICE_KEY, ALICE_CRN, params={"limit": 50}).json()
    assert next(j for j in listed["jobs"] if j["id"] == jid) == {
        k: v for k, v in doc.items() if k != "params"
    }
