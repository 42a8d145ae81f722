"""QuantumTask / SpendingLimit providers against the local Braket, through unmodified boto3.

The providers are driven directly (check → create/read/update/delete, as the dynamic provider
host calls them); the engine-level tests in tests/engine repeat the important paths through
``pulumi up``. Task counts are taken with SearchQuantumTasks, as the issue asks.
"""

from __future__ import annotations

import uuid

import boto3
import pytest

from pulumi_quantum import _provider
from pulumi_quantum._provider import ProviderError
from pulumi_quantum.braket import QuantumTaskProvider, SpendingLimitProvider
from pulumi_quantum.local.braket.devices import OFFLINE_QPU_ARN, RETIRED_QPU_ARN, SV1_ARN
from tests.fixtures import BELL
from tests.holds import runner_held

pytestmark = pytest.mark.local_test_devices  # the OFFLINE / RETIRED test-only QPUs


@pytest.fixture(autouse=True)
def no_stack_config():
    _provider._remember_stack_config({})


def task_props(bucket: str, marker: str, **overrides):
    news = {
        "source": BELL,
        "device_arn": SV1_ARN,
        "output_s3_bucket": bucket,
        "output_s3_key_prefix": "bell",
        "shots": 100,
        "tags": {"marker": marker},
        "urn_seed": f"proj::stack::QuantumTask::{marker}",
        "__provider": "x",
    }
    news.update(overrides)
    result = QuantumTaskProvider().check({}, {k: v for k, v in news.items() if v is not None})
    assert result.failures == [], result.failures
    return result.inputs


def tasks_tagged(marker: str) -> list[dict]:
    braket = boto3.client("braket")
    found = braket.search_quantum_tasks(
        filters=[{"name": "tag:marker", "operator": "EQUAL", "values": [marker]}]
    )["quantumTasks"]
    return found


def marker() -> str:
    return uuid.uuid4().hex[:10]


def test_bell_task_completes_with_counts_read_and_delete_forgets(cloud_env, results_bucket):
    provider = QuantumTaskProvider()
    mark = marker()
    props = task_props(results_bucket, mark)
    created = provider.create(props)
    outs = created.outs
    assert created.id == outs["quantum_task_arn"]
    assert outs["status"] == "COMPLETED"
    counts = outs["measurement_counts"]
    assert set(counts) <= {"00", "11"} and sum(counts.values()) == 100
    assert outs["output_s3_directory"].startswith("bell/")
    assert outs["created_at"] and outs["ended_at"] and outs["failure_reason"] is None
    assert outs["shots"] == 100 and outs["tags"] == {"marker": mark}  # inputs kept for diff

    read = provider.read(created.id, {**outs, "__provider": "x"})
    assert read.id == created.id and read.outs["measurement_counts"] == counts
    assert read.inputs is None  # a refresh keeps the program's inputs

    provider.delete(created.id, outs)  # terminal: only forgotten
    [task] = tasks_tagged(mark)
    assert task["status"] == "COMPLETED"


def test_create_after_an_interrupted_attempt_submits_one_task(cloud_env, results_bucket):
    provider = QuantumTaskProvider()
    mark = marker()
    props = task_props(results_bucket, mark)
    first = provider.create(dict(props))  # its answer was "lost": the engine never stored it
    second = provider.create(dict(props))
    assert first.id == second.id
    assert len(tasks_tagged(mark)) == 1


def test_wait_timeout_then_rerun_adopts_the_same_task(cloud_env, results_bucket, local_cloud):
    provider = QuantumTaskProvider()
    mark = marker()
    props = task_props(results_bucket, mark, wait_timeout_seconds=1)
    with runner_held(local_cloud), pytest.raises(ProviderError, match="still QUEUED"):
        provider.create(dict(props))
    again = provider.create(task_props(results_bucket, mark))
    assert again.outs["status"] == "COMPLETED"
    [task] = tasks_tagged(mark)
    assert task["quantumTaskArn"] == again.id


def test_offline_and_retired_devices_fail_clearly_and_create_nothing(cloud_env, results_bucket):
    provider = QuantumTaskProvider()
    for device, word in ((OFFLINE_QPU_ARN, "OFFLINE"), (RETIRED_QPU_ARN, "RETIRED")):
        mark = marker()
        props = task_props(results_bucket, mark, device_arn=device, shots=10)
        with pytest.raises(ProviderError) as caught:
            provider.create(props)
        message = str(caught.value)
        assert "device_arn" in message and word in message and device in message
        assert tasks_tagged(mark) == []


def test_failed_task_surfaces_the_failure_reason(cloud_env, results_bucket):
    source = "OPENQASM 3.0;\ninput float theta;\nqubit[1] q;\nrx(theta) q[0];\nbit[1] c;\n"
    source += "c = measure q;\n"
    props = task_props(results_bucket, marker(), source=source, shots=10)
    with pytest.raises(ProviderError, match=r"FAILED: .*theta"):
        QuantumTaskProvider().create(props)


def test_throttling_at_30_percent_still_succeeds_without_duplicates(
    cloud_env, results_bucket, local_cloud
):
    provider = QuantumTaskProvider()
    mark = marker()
    local_cloud.faults.update({"throttle_rate": 0.3})
    try:
        created = provider.create(task_props(results_bucket, mark))
        read = provider.read(created.id, created.outs)
    finally:
        local_cloud.faults.update({"throttle_rate": 0.0})
    assert created.outs["status"] == read.outs["status"] == "COMPLETED"
    assert len(tasks_tagged(mark)) == 1


def test_not_waiting_refresh_and_destroy_cancels(
    cloud_env, results_bucket, local_cloud, wait_until
):
    provider = QuantumTaskProvider()
    braket = boto3.client("braket")
    with runner_held(local_cloud):
        queued = provider.create(task_props(results_bucket, marker(), wait_for_completion=False))
        assert queued.outs["status"] in {"CREATED", "QUEUED"}
        assert queued.outs["measurement_counts"] is None
        provider.delete(queued.id, queued.outs)
        assert braket.get_quantum_task(quantumTaskArn=queued.id)["status"] == "CANCELLED"

        later = provider.create(task_props(results_bucket, marker(), wait_for_completion=False))
        assert later.outs["status"] in {"CREATED", "QUEUED"}
    wait_until(
        lambda: braket.get_quantum_task(quantumTaskArn=later.id)["status"] == "COMPLETED", 30
    )
    refreshed = provider.read(later.id, later.outs)
    assert refreshed.outs["status"] == "COMPLETED"
    assert sum(refreshed.outs["measurement_counts"].values()) == 100


def test_tags_update_in_place_and_drift_shows_on_refresh(cloud_env, results_bucket):
    provider = QuantumTaskProvider()
    mark = marker()
    created = provider.create(task_props(results_bucket, mark, tags={"marker": mark, "a": "1"}))
    news = task_props(results_bucket, mark, tags={"marker": mark, "b": "2"})
    updated = provider.update(created.id, created.outs, news)
    braket = boto3.client("braket")
    assert braket.list_tags_for_resource(resourceArn=created.id)["tags"] == {
        "marker": mark,
        "b": "2",
    }
    assert updated.outs["quantum_task_arn"] == created.id
    assert updated.outs["tags"] == {"marker": mark, "b": "2"}

    braket.tag_resource(resourceArn=created.id, tags={"drift": "yes"})
    refreshed = provider.read(created.id, updated.outs)
    assert refreshed.outs["tags"]["drift"] == "yes"
    assert provider.diff(created.id, refreshed.outs, news).changes is True


def test_import_by_arn_reconstructs_the_inputs_braket_returns(cloud_env, results_bucket):
    provider = QuantumTaskProvider()
    mark = marker()
    created = provider.create(task_props(results_bucket, mark))
    imported = provider.read(created.id, {})
    assert imported.inputs["device_arn"] == SV1_ARN
    assert imported.inputs["shots"] == 100
    assert imported.inputs["output_s3_bucket"] == results_bucket
    assert imported.inputs["output_s3_key_prefix"] == "bell"
    assert imported.outs["measurement_counts"] == created.outs["measurement_counts"]
    program = task_props(results_bucket, mark)
    assert provider.diff(created.id, imported.outs, program).changes is False


def test_read_of_a_missing_task_means_gone(cloud_env):
    arn = f"arn:aws:braket:us-east-1:123456789012:quantum-task/{uuid.uuid4()}"
    assert QuantumTaskProvider().read(arn, {}).id is None


def test_unreachable_endpoint_is_a_clear_error(monkeypatch, results_bucket):
    monkeypatch.setenv("AWS_ENDPOINT_URL_BRAKET", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with pytest.raises(ProviderError, match=r"cannot reach http://127.0.0.1:9"):
        QuantumTaskProvider().create(task_props(results_bucket, marker()))


# ------------------------------------------------------------------------------ SpendingLimit
FORTE_ARN = "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1"  # limits are for QPUs only


def limit_props(**overrides):
    news = {
        "device_arn": FORTE_ARN,
        "spending_limit": "100",
        "time_period": {"start_at": "2030-01-01T00:00:00Z", "end_at": "2030-12-31T00:00:00Z"},
        "tags": {"team": "research"},
        "urn_seed": f"proj::stack::SpendingLimit::{uuid.uuid4()}",
        "__provider": "x",
    }
    news.update(overrides)
    result = SpendingLimitProvider().check({}, news)
    assert result.failures == []
    return result.inputs


def test_spending_limit_round_trip(cloud_env):
    provider = SpendingLimitProvider()
    braket = boto3.client("braket")
    props = limit_props()
    created = provider.create(dict(props))
    assert created.id.startswith("arn:aws:braket:") and ":spending-limit/" in created.id
    assert provider.create(dict(props)).id == created.id  # retried create: same limit
    assert created.outs["total_spend"] is not None and created.outs["queued_spend"] is not None
    assert created.outs["effective_time_period"] == props["time_period"]

    news = limit_props(
        urn_seed=props["urn_seed"],
        spending_limit="250.50",
        time_period={"start_at": "2030-02-01T00:00:00Z", "end_at": "2031-01-31T00:00:00Z"},
        tags={"team": "physics"},
    )
    diff = provider.diff(created.id, created.outs, news)
    assert diff.changes is True and diff.replaces == []
    updated = provider.update(created.id, created.outs, news)
    [live] = [
        s
        for s in braket.search_spending_limits()["spendingLimits"]
        if s["spendingLimitArn"] == created.id
    ]
    assert live["spendingLimit"] in {"250.50", "250.5"}
    assert updated.outs["effective_time_period"] == news["time_period"]
    assert braket.list_tags_for_resource(resourceArn=created.id)["tags"] == {"team": "physics"}

    imported = provider.read(created.id, {})
    assert imported.inputs["device_arn"] == FORTE_ARN
    assert imported.outs["spending_limit_arn"] == created.id

    provider.delete(created.id, updated.outs)
    assert provider.read(created.id, updated.outs).id is None
    provider.delete(created.id, updated.outs)  # already gone: nothing to do, no error
