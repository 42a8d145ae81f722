"""braket.Job's provider against the local Braket: the clientToken rules of tasks apply to jobs.

Same resource + same inputs → the same job (a crash-retried create adopts it); a job released
by a destroy, or FAILED, makes the next create start a new one. Cloud-side facts are read with
unmodified boto3.
"""

from __future__ import annotations

import uuid

import boto3
import pytest

from pulumi_quantum._provider import ProviderError
from pulumi_quantum.braket import JobProvider
from tests.local.test_braket_provider_local import no_stack_config  # noqa: F401  (autouse)

SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"


def job_props(tmp_path, bucket: str, body: str) -> dict:
    folder = tmp_path / "algo"
    folder.mkdir(exist_ok=True)
    (folder / "run.py").write_text(body)
    news = {
        "source": str(folder),
        "entry_point": "algo.run:main",
        "device": SV1,
        "output_data_config": {"s3Path": f"s3://{bucket}/jobs"},
        "tags": {"marker": uuid.uuid4().hex[:10]},
        "wait_timeout_seconds": 120,
        "urn_seed": f"proj::stack::quantum:braket:Job::{uuid.uuid4().hex}",
    }
    checked = JobProvider().check({}, news)
    assert checked.failures == []
    return dict(checked.inputs)


def jobs_of(mark: str) -> set[str]:
    braket = boto3.client("braket")
    return {
        j["jobArn"]
        for j in braket.search_jobs(filters=[])["jobs"]
        if braket.list_tags_for_resource(resourceArn=j["jobArn"])["tags"].get("marker") == mark
    }


SAVE = "from braket.jobs import save_job_result\n\ndef main():\n    save_job_result({'x': 1})\n"


def test_retried_create_adopts_and_destroyed_job_is_not_reused(cloud_env, results_bucket, tmp_path):
    provider = JobProvider()
    props = job_props(tmp_path, results_bucket, SAVE)
    mark = props["tags"]["marker"]
    first = provider.create(dict(props))
    assert first.outs["result"] == {"x": 1}
    assert provider.create(dict(props)).id == first.id  # a crash-retry: same job
    assert jobs_of(mark) == {first.id}
    wrong = {**props, "entry_point": "algo.other:main", "import_id": first.id}
    with pytest.raises(ProviderError, match=r"import: entry_point is 'algo\.other:main'"):
        provider.create(wrong)  # an import must match the job it adopts

    provider.delete(first.id, first.outs)  # destroy: a finished job is released, not reused
    second = provider.create(dict(props))
    assert second.id != first.id
    assert second.outs["tags"] == {"marker": mark}  # the bookkeeping tag is not an input
    assert jobs_of(mark) == {first.id, second.id}


def test_failed_job_fails_the_create_with_its_reason_and_reruns_anew(
    cloud_env, results_bucket, tmp_path
):
    provider = JobProvider()
    props = job_props(tmp_path, results_bucket, "def main():\n    raise ValueError('bad angle')\n")
    with pytest.raises(ProviderError) as failed:
        provider.create(dict(props))
    assert "FAILED" in str(failed.value) and "ValueError: bad angle" in str(failed.value)
    with pytest.raises(ProviderError):
        provider.create(dict(props))
    assert len(jobs_of(props["tags"]["marker"])) == 2


def test_read_of_a_missing_job_means_gone(cloud_env):
    missing = "arn:aws:braket:us-east-1:123456789012:job/04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    assert JobProvider().read(missing, {"device": SV1}).id is None  # refresh drops it
