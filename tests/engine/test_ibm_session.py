"""Session through the real engine against the local IBM runtime.

The runtime's view of a session is read through qiskit-ibm-provider's authenticated HTTP session
(the same one its ``RuntimeSession`` adapter uses for ``/sessions``).
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest

pytestmark = pytest.mark.engine

PROGRAM = """
import pulumi
from pulumi_quantum.ibm import Session

session = Session("held", backend="ibmq_qasm_simulator", max_time="1h 30m", on_delete="{on_delete}")
pulumi.export("session_id", session.session_id)
pulumi.export("active", session.active)
pulumi.export("max_time", session.max_time)
"""


def vendor_session(env: dict[str, str], session_id: str) -> dict[str, Any]:
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    from qiskit_ibm_provider.api.client_parameters import ClientParameters
    from qiskit_ibm_provider.api.clients import AuthClient

    auth = AuthClient(ClientParameters(token=env["QISKIT_IBM_TOKEN"], url=env["QISKIT_IBM_URL"]))
    return auth.base_api.session.get(f"/sessions/{session_id}").json()


def vendor_cancel(env: dict[str, str], session_id: str) -> None:
    """Cancel through the vendor client's own session adapter, as a user's script would."""
    from qiskit_ibm_provider.api.client_parameters import ClientParameters
    from qiskit_ibm_provider.api.clients import AuthClient, RuntimeClient

    auth = AuthClient(ClientParameters(token=env["QISKIT_IBM_TOKEN"], url=env["QISKIT_IBM_URL"]))
    params = ClientParameters(
        token=auth.current_access_token(), url=auth.current_service_urls()["services"]["runtime"]
    )
    RuntimeClient(params).cancel_session(session_id)


def test_session_opens_stays_stable_and_closes_on_destroy(engine_project, local_cloud):
    env = local_cloud.client_env()
    project = engine_project(PROGRAM.format(on_delete="close"), env=env)

    up = project.up()
    session_id = up.outputs["session_id"].value
    assert up.outputs["active"].value is True
    assert up.outputs["max_time"].value == 5400  # "1h 30m" normalised at check time
    held = vendor_session(env, session_id)
    assert held["accepting_jobs"] is True
    assert held["state"] == "open"
    assert held["backend_name"] == "ibmq_qasm_simulator"
    assert held["max_ttl"] == 5400

    again = project.up()
    assert set(again.summary.resource_changes) == {"same"}, again.summary.resource_changes
    assert env["QISKIT_IBM_TOKEN"] not in project.state_text()

    project.destroy()
    closed = vendor_session(env, session_id)
    assert closed["accepting_jobs"] is False
    assert closed["state"] == "closed"
    assert closed["state_reason"] == "closed"  # closed, not cancelled


def test_input_change_replaces_and_cancelled_session_is_reopened(engine_project, local_cloud):
    env = local_cloud.client_env()
    project = engine_project(PROGRAM.format(on_delete="cancel"), env=env)
    first = project.up().outputs["session_id"].value

    # Cancelled out of band: refresh drops it, the next up opens a new one.
    vendor_cancel(env, first)
    project.refresh()
    assert project.resources("Session") == []
    second = project.up().outputs["session_id"].value
    assert second != first
    assert vendor_session(env, second)["accepting_jobs"] is True

    # Any input change (here max_time) replaces: a new session, the old one cancelled.
    project.write_program(PROGRAM.format(on_delete="cancel").replace("1h 30m", "2h"))
    preview = project.preview()
    assert preview.change_summary.get("replace") == 1, preview.change_summary
    third = project.up().outputs["session_id"].value
    assert third != second
    assert vendor_session(env, second)["state_reason"] == "cancelled"
    assert vendor_session(env, third)["max_ttl"] == 7200
    project.destroy()
    assert vendor_session(env, third)["state_reason"] == "cancelled"


def test_max_time_out_of_bounds_fails_preview(engine_project, local_cloud):
    env = local_cloud.client_env()
    project = engine_project(PROGRAM.format(on_delete="close").replace("1h 30m", "9h"), env=env)
    from pulumi import automation as auto

    with pytest.raises(auto.errors.CommandError) as info:
        project.preview()
    assert "'9h' is 32400 s" in str(info.value)
    assert "28800" in str(info.value)
