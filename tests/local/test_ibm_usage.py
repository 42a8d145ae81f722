"""Instance usage limits of the local IBM Quantum Platform, driven by unmodified
qiskit-ibm-runtime 0.44: ``service.usage()`` before and after jobs, sessions and batches billed
as IBM bills them (a session's idle interactive waits included), a job past the limit refused
(and nothing queued, even when submitted concurrently with the limit being set), the limit set
through IBM's instance-configuration API or ``PQ_IBM_INSTANCE_LIMIT``, kept across a restart.
"""

from __future__ import annotations

import math
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from pulumi_quantum.local.ibm.accounts import local_crn
from pulumi_quantum.local.ibm.platform.usage import LIMIT_ENV, USAGE_LIMIT_CODE, default_limit
from tests import loopback
from tests.local.test_ibm_platform import (
    ALICE_CRN,
    ALICE_KEY,
    BACKEND,
    BOB_CRN,
    BOB_KEY,
    _bell,
    _platform,
    _raw,
    _service,
)
from tests.polling import wait_until

pytest.importorskip("qiskit_ibm_runtime")

CAROL_KEY, CAROL_CRN = "local-ibm-apikey-carol", local_crn("carol")


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A fresh platform for this module: its instances start with no usage."""
    with loopback.guard():
        yield from _platform(tmp_path_factory)
    assert loopback.outside() == []


def _seconds(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def _job_count(platform: dict[str, Any], crn: str) -> int:
    return platform["server"].store.query_one(
        "SELECT COUNT(*) AS n FROM ibm_jobs WHERE instance = ?", (crn,)
    )["n"]


def _set_limit(platform: dict[str, Any], limit: int | None, key: str, crn: str) -> Any:
    return _raw(
        platform, "PUT", "/instances/configuration", key, crn, json={"instance_limit": limit}
    )


def test_jobs_consume_usage_and_a_job_past_the_limit_is_refused(platform: dict[str, Any]) -> None:
    from qiskit_ibm_runtime import SamplerV2, Session
    from qiskit_ibm_runtime.exceptions import IBMRuntimeError

    service = _service()
    backend = service.backend(BACKEND)
    circuit = _bell(backend)

    fresh = service.usage()
    assert fresh["instance_id"] == ALICE_CRN
    assert fresh["usage_consumed_seconds"] == 0 and fresh["usage_limit_reached"] is False
    assert "usage_limit_seconds" not in fresh and "usage_remaining_seconds" not in fresh
    period = fresh["usage_period"]
    assert _seconds(period["start_time"], period["end_time"]) == pytest.approx(28 * 86400)

    # IBM's administrator surface: the instance's configuration.
    assert _set_limit(platform, 1, ALICE_KEY, ALICE_CRN).status_code == 204
    config = _raw(platform, "GET", "/instances/configuration", ALICE_KEY, ALICE_CRN).json()
    assert config == {"instance_limit": 1.0}
    instance = _raw(platform, "GET", "/instance", ALICE_KEY, ALICE_CRN).json()
    assert instance["instance_limit_seconds"] == "1" and BACKEND in instance["backends"]
    limited = service.usage()
    assert limited["usage_limit_seconds"] == 1
    assert limited["usage_remaining_seconds"] == 1  # the client computes it from limit - used
    assert limited["usage_limit_reached"] is False

    job = SamplerV2(mode=backend).run([circuit], shots=20)  # job mode: its own quantum time
    job.result()
    times = job.metrics()["timestamps"]
    billed = math.ceil(_seconds(times["running"], times["finished"]))  # whole seconds, up
    used = service.usage()
    assert used["usage_consumed_seconds"] == billed >= 1
    assert used["usage_limit_reached"] is True and used["usage_remaining_seconds"] == 0

    jobs_before = _job_count(platform, ALICE_CRN)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(IBMRuntimeError) as refused:
            SamplerV2(mode=backend).run([circuit], shots=20)
    # The client's own pre-flight warning (it read usage_limit_reached), then IBM's refusal.
    assert any("met its usage limit" in str(w.message) for w in caught)
    message = str(refused.value)
    assert "400" in message and str(USAGE_LIMIT_CODE) in message
    assert "This instance has met its usage limit" in message and "1 s limit" in message
    assert _job_count(platform, ALICE_CRN) == jobs_before  # nothing queued, nothing stored
    assert [j.job_id() for j in service.jobs(pending=True)] == []

    # IBM documents no refusal of POST /sessions past the limit: the session opens, its job is
    # refused as any other, and a session that never ran a job bills nothing.
    session = Session(backend=backend)
    assert session.session_id
    with pytest.raises(IBMRuntimeError, match=str(USAGE_LIMIT_CODE)):
        SamplerV2(mode=session).run([circuit], shots=20)
    session.close()
    assert session.usage() == 0 and session.details()["state"] == "closed"
    assert _job_count(platform, ALICE_CRN) == jobs_before

    # A limit equal to the usage is allowed (and still reached); bad values name the field.
    assert _set_limit(platform, billed, ALICE_KEY, ALICE_CRN).status_code == 204
    assert service.usage()["usage_limit_reached"] is True
    assert _set_limit(platform, -5, ALICE_KEY, ALICE_CRN).status_code == 400
    assert "instance_limit" in _set_limit(platform, "ten", ALICE_KEY, ALICE_CRN).text
    # Another tenant cannot change it.
    assert _set_limit(platform, None, BOB_KEY, ALICE_CRN).status_code == 403

    # Raising the limit lets jobs run again; removing it lifts it.
    assert _set_limit(platform, 600, ALICE_KEY, ALICE_CRN).status_code == 204
    SamplerV2(mode=backend).run([circuit], shots=20).result()
    assert service.usage()["usage_consumed_seconds"] > billed
    assert _set_limit(platform, None, ALICE_KEY, ALICE_CRN).status_code == 204
    assert "usage_limit_seconds" not in service.usage()


def test_a_limit_below_the_usage_is_a_conflict(platform: dict[str, Any]) -> None:
    from qiskit_ibm_runtime import SamplerV2

    service = _service(CAROL_KEY, CAROL_CRN)
    backend = service.backend(BACKEND)
    for _ in range(2):
        SamplerV2(mode=backend).run([_bell(backend)], shots=10).result()
    used = service.usage()["usage_consumed_seconds"]
    assert used >= 2  # two jobs, each at least a second
    conflict = _set_limit(platform, used - 1, CAROL_KEY, CAROL_CRN)
    assert conflict.status_code == 409, conflict.text
    assert "Usage exceeds instance limit" in conflict.json()["errors"][0]["message"]
    assert "usage_limit_seconds" not in service.usage()  # nothing changed


def test_sessions_and_batches_are_billed_as_ibm_bills_them(platform: dict[str, Any]) -> None:
    """A session counts the time the QPU is committed to it: from its first job's start, its
    idle wait for the next job included, until it is closed; a batch counts the sum of its
    jobs' quantum time."""
    from qiskit_ibm_runtime import Batch, SamplerV2, Session

    service = _service(BOB_KEY, BOB_CRN)
    backend = service.backend(BACKEND)
    circuit = _bell(backend)
    start = service.usage()["usage_consumed_seconds"]

    session = Session(backend=backend, max_time=600)
    for _ in range(2):
        SamplerV2(mode=session).run([circuit], shots=10).result()
    ran = session.details()
    jobs_span = math.ceil(_seconds(ran["activated_at"], ran["last_job_completed"]))
    # Idle but active (interactive_ttl: 60 s), the session holds the QPU: its usage grows.
    wait_until(lambda: (session.usage() or 0) >= jobs_span + 2, timeout=30)
    assert session.details()["state"] == "active"
    session.close()
    closed = session.details()
    assert closed["state"] == "closed" and closed["closed_at"] is not None
    held = math.ceil(_seconds(closed["activated_at"], closed["closed_at"]))
    assert held >= jobs_span + 2
    assert session.usage() == held  # the session's own figure: first job's start to its close
    after_session = service.usage()["usage_consumed_seconds"]
    assert after_session - start == held  # and the instance's

    batch = Batch(backend=backend)
    jobs = [SamplerV2(mode=batch).run([circuit], shots=10) for _ in range(2)]
    billed = 0
    for job in jobs:
        job.result()
        times = job.metrics()["timestamps"]
        billed += math.ceil(_seconds(times["running"], times["finished"]))
    batch.close()
    assert service.usage()["usage_consumed_seconds"] - after_session == billed >= 2
    assert batch.usage() == billed


def test_a_session_stops_billing_when_it_goes_inactive(platform: dict[str, Any]) -> None:
    """After a job the session waits ``interactive_ttl`` for the next one, billed; then it turns
    inactive, releases the QPU and bills nothing more, though it still accepts jobs."""
    from qiskit_ibm_runtime import SamplerV2, Session

    service = _service(BOB_KEY, BOB_CRN)
    backend = service.backend(BACKEND)
    ittl = 2  # a local extension of POST /sessions, so the test need not wait IBM's 60 s
    opened = _raw(
        platform,
        "POST",
        "/sessions",
        BOB_KEY,
        BOB_CRN,
        json={"backend": BACKEND, "mode": "dedicated", "interactive_ttl": ittl},
    )
    assert opened.status_code == 200, opened.text
    session = Session.from_id(opened.json()["id"], service)
    start = service.usage()["usage_consumed_seconds"]
    SamplerV2(mode=session).run([_bell(backend)], shots=10).result()
    wait_until(lambda: session.details()["state"] == "inactive", timeout=30)
    ran = session.details()
    held = math.ceil(_seconds(ran["activated_at"], ran["last_job_completed"]) + ittl)
    # Well past the inactive point, the usage is still the job plus one interactive wait.
    inactive_since = datetime.fromisoformat(ran["last_job_completed"]).timestamp() + ittl
    wait_until(lambda: time.time() > inactive_since + 2, timeout=30)
    assert session.usage() == held
    assert service.usage()["usage_consumed_seconds"] - start == held
    assert session.details()["accepting_jobs"] is True
    session.close()
    assert session.usage() == held  # closing an inactive session adds nothing


def _blocked_in_job_create() -> int:
    """Request threads of ``POST /jobs`` now waiting for the store's write lock."""
    waiting = 0
    for frame in sys._current_frames().values():
        if frame.f_code.co_name != "transaction":  # innermost: acquiring the write lock
            continue
        caller = frame.f_back
        while caller is not None and caller.f_code.co_name != "_job_create":
            caller = caller.f_back
        waiting += caller is not None
    return waiting


def test_jobs_racing_a_limit_being_set_are_decided_with_it(platform: dict[str, Any]) -> None:
    """The limit check and the job's insert are one transaction: jobs submitted concurrently
    (threads, the unmodified client) while an administrator's limit that the instance already
    meets is being written wait for that write, then are refused; none is admitted on the
    limit as it was before (the race in which both the check and the insert straddled it)."""
    from qiskit_ibm_runtime import SamplerV2
    from qiskit_ibm_runtime.exceptions import IBMRuntimeError

    service = _service(CAROL_KEY, CAROL_CRN)
    backend = service.backend(BACKEND)
    circuit = _bell(backend)
    SamplerV2(mode=backend).run([circuit], shots=10).result()
    used = service.usage()["usage_consumed_seconds"]
    assert used >= 1 and "usage_limit_seconds" not in service.usage()
    jobs_before = _job_count(platform, CAROL_CRN)
    server = platform["server"]
    outcomes: list[Any] = []

    def submit() -> None:
        try:
            outcomes.append(SamplerV2(mode=backend).run([circuit], shots=10).job_id())
        except IBMRuntimeError as exc:
            outcomes.append(exc)

    racers = [threading.Thread(target=submit) for _ in range(3)]
    with server.store.transaction():  # the administrator's write, not yet committed
        server.app.platform.api.usage.configure(CAROL_CRN, {"instance_limit": used})
        for racer in racers:
            racer.start()
        wait_until(lambda: _blocked_in_job_create() == len(racers), timeout=60)
    for racer in racers:
        racer.join(timeout=60)
    assert len(outcomes) == len(racers)
    admitted = [o for o in outcomes if isinstance(o, str)]
    assert admitted == [], f"admitted past the limit: {admitted}"
    assert all(str(USAGE_LIMIT_CODE) in str(o) for o in outcomes), outcomes
    assert _job_count(platform, CAROL_CRN) == jobs_before  # nothing recorded, nothing queued
    assert _set_limit(platform, None, CAROL_KEY, CAROL_CRN).status_code == 204


def test_limits_survive_a_restart_and_the_environment_sets_a_default(
    platform: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _set_limit(platform, 3600, ALICE_KEY, ALICE_CRN).status_code == 204
    monkeypatch.setenv(LIMIT_ENV, "7200")
    platform["server"].restart()  # new port; the proxy follows it
    alice = _service().usage()
    assert alice["usage_limit_seconds"] == 3600  # its own, kept in SQLite
    bob = _service(BOB_KEY, BOB_CRN).usage()
    assert bob["usage_limit_seconds"] == 7200  # no limit of its own: the environment's
    monkeypatch.delenv(LIMIT_ENV)
    platform["server"].restart()
    assert "usage_limit_seconds" not in _service(BOB_KEY, BOB_CRN).usage()


def test_a_bad_limit_in_the_environment_is_refused_naming_it() -> None:
    assert default_limit({}) is None and default_limit({LIMIT_ENV: "600"}) == 600
    for bad in ("ten", "0", "-1", "1.5"):
        with pytest.raises(ValueError, match=f"{LIMIT_ENV}=.*whole seconds"):
            default_limit({LIMIT_ENV: bad})
