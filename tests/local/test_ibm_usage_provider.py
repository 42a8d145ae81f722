"""Session/Batch ``check`` reads the instance's usage from the local IBM Quantum Platform.

The limit is set as an IBM administrator sets it (``PUT /api/v1/instances/configuration``);
usage is consumed by a job run with unmodified qiskit-ibm-runtime. The provider's read goes
through its own platform client (pulumi_quantum/clients/ibm_platform.py), configured as a stack
is. Carol's instance is used: no other test of this module's cloud touches it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from pulumi_quantum import _provider
from pulumi_quantum.ibm import usage
from pulumi_quantum.ibm.session import BatchProvider, SessionProvider
from tests import loopback

pytest.importorskip("qiskit_ibm_runtime")

BACKEND = "ibm_loopback_5q"


@pytest.fixture
def carol(local_cloud, monkeypatch) -> Iterator[dict[str, str]]:
    """Carol's platform account as a stack configures it; her limit removed afterwards."""
    env = local_cloud.platform_env("carol")
    for key, value in env.items():
        monkeypatch.setenv(key, value)  # for qiskit-ibm-runtime (the provider reads config)
    _provider.remember_stack_config(stack_config(env, env["QISKIT_IBM_TOKEN"]))
    with loopback.guard():
        try:
            yield env
        finally:
            _provider.remember_stack_config({})
            set_limit(env, None)
    assert loopback.outside() == []


def stack_config(env: dict[str, str], api_key: str) -> dict[str, str]:
    return {
        "quantum:ibmTarget": "local",
        "quantum:ibmApiKey": api_key,
        "quantum:ibmChannel": "ibm_quantum_platform",
        "quantum:ibmInstance": env["QISKIT_IBM_INSTANCE"],
        "quantum:ibmApiUrl": env["QISKIT_IBM_API_URL"],
        "quantum:ibmIamUrl": env["IAM_URL"],
    }


def set_limit(env: dict[str, str], seconds: int | None) -> None:
    response = requests.put(
        f"{env['QISKIT_IBM_API_URL']}/instances/configuration",
        headers={
            "Authorization": f"apikey {env['QISKIT_IBM_TOKEN']}",
            "Service-CRN": env["QISKIT_IBM_INSTANCE"],
        },
        json={"instance_limit": seconds},
        timeout=30,
    )
    assert response.status_code == 204, response.text


def run_a_job() -> int:
    """One job with unmodified qiskit-ibm-runtime; the instance's usage afterwards."""
    from qiskit import QuantumCircuit, transpile
    from qiskit_ibm_runtime import QiskitRuntimeService, SamplerV2

    service = QiskitRuntimeService()  # QISKIT_IBM_* of carol's account
    backend = service.backend(BACKEND)
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure_all()
    SamplerV2(mode=backend).run([transpile(qc, backend, seed_transpiler=7)], shots=10).result()
    return service.usage()["usage_consumed_seconds"]


def test_check_warns_past_the_remaining_usage_and_fails_once_the_limit_is_met(carol, monkeypatch):
    warned: list[str] = []
    monkeypatch.setattr("pulumi.log.warn", lambda message, *a, **k: warned.append(message))
    crn = carol["QISKIT_IBM_INSTANCE"]
    news = {"backend": BACKEND, "max_time": "30m"}

    # No limit: read, nothing to say.
    free = SessionProvider().check({}, news)
    assert free.failures == [] and warned == []
    assert free.inputs["instance_usage"]["limit_seconds"] is None
    assert free.inputs["instance_usage"]["instance"] == crn

    set_limit(carol, 600)
    within = SessionProvider().check({}, {**news, "max_time": "5m"})
    assert within.failures == [] and warned == []
    over = BatchProvider().check({}, news)
    assert over.failures == []
    assert over.inputs["instance_usage"]["limit_seconds"] == 600
    (warning,) = warned
    assert crn in warning and "max_time 1800 s" in warning and "ibm.Batch" in warning
    remaining = over.inputs["instance_usage"]["remaining_seconds"]
    assert f"{remaining} s of usage" in warning and 0 < remaining <= 600

    used = run_a_job()
    assert used >= 1
    set_limit(carol, used)  # met: IBM refuses every job now
    refused = SessionProvider().check({}, {**news, "max_time": "5m"})
    assert [f.property for f in refused.failures] == ["instance"]
    reason = refused.failures[0].reason
    assert f"instance {crn} has met its usage limit" in reason
    assert f"{used} s used of its {used} s limit" in reason and "instance_limit" in reason
    assert refused.inputs["instance_usage"]["limit_reached"] is True

    # A session the stack already holds is not judged again (its inputs did not change).
    held = {**within.inputs, "on_delete": "close"}
    kept = SessionProvider().check(held, {**news, "max_time": "5m", "on_delete": "cancel"})
    assert kept.failures == [] and kept.inputs["instance_usage"] == within.inputs[usage.OUTPUT]


def test_an_unreadable_usage_warns_without_the_key_and_the_preview_goes_on(carol, monkeypatch):
    warned: list[str] = []
    monkeypatch.setattr("pulumi.log.warn", lambda message, *a, **k: warned.append(message))
    wrong = "wrong-api-key-0123456789abcdef"
    _provider.remember_stack_config(stack_config(carol, wrong))
    result = SessionProvider().check({}, {"backend": BACKEND, "max_time": "10m"})
    assert result.failures == [] and result.inputs["instance_usage"] is None
    (warning,) = warned
    assert "could not read the usage" in warning and "was not compared" in warning
    assert wrong not in warning
