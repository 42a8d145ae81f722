"""braket.Job check and diff: defaults, the source's content hash, every failure at once naming
its property, update vs replace. No remote calls (check and diff make none)."""

from __future__ import annotations

import io
import tarfile

import pytest

from pulumi_quantum.braket.job import JobProvider, request_from, source_archive, source_hash
from tests.fixtures import SV1

SEED = "proj::stack::quantum:braket:Job::vqe"


@pytest.fixture
def algorithm(tmp_path):
    folder = tmp_path / "algorithm"
    folder.mkdir()
    (folder / "vqe.py").write_text("def main():\n    return 1\n")
    return folder


def job_inputs(source, **overrides):
    base = {
        "source": str(source),
        "entry_point": "algorithm.vqe:main",
        "device": SV1,
        "output_data_config": {"s3Path": "s3://amzn-braket-results/jobs"},
        "urn_seed": SEED,
        "__provider": "pickled",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def check(source, **overrides):
    result = JobProvider().check({}, job_inputs(source, **overrides))
    failures = {}
    for failure in result.failures:
        failures[failure.property] = " | ".join(
            filter(None, [failures.get(failure.property), failure.reason])
        )
    return result.inputs, failures


def test_check_fills_defaults_and_hashes_the_source(algorithm):
    inputs, failures = check(algorithm, entry_point=None)
    assert failures == {}
    assert inputs["entry_point"] == "algorithm"  # the SDK's default: the module's name
    assert inputs["source_hash"] == source_hash(str(algorithm))
    assert inputs["wait_for_completion"] is True
    assert inputs["wait_timeout_seconds"] == 3600


def test_source_hash_follows_content_not_place_or_time(algorithm, tmp_path):
    before = source_hash(str(algorithm))
    copy = tmp_path / "elsewhere" / "algorithm"
    copy.mkdir(parents=True)
    (copy / "vqe.py").write_text((algorithm / "vqe.py").read_text())
    assert source_hash(str(copy)) == before
    (algorithm / "vqe.py").write_text("def main():\n    return 2\n")
    assert source_hash(str(algorithm)) != before


def test_archive_is_the_sdks_layout(algorithm):
    with tarfile.open(fileobj=io.BytesIO(source_archive(str(algorithm))), mode="r:gz") as tar:
        assert "algorithm/vqe.py" in tar.getnames()


def test_every_failure_at_once_names_its_property(tmp_path):
    _, failures = check(
        tmp_path / "missing",
        device=None,
        job_name="bad name!",
        output_data_config={"s3Path": "/local/path"},
        wait_for_completion="yes",
        tags={"k": 1},
        stopping_condition={"maxRuntimeInSeconds": 0},
    )
    assert "does not exist" in failures["source"]
    assert "s3Path must be an s3:// URI" in failures["output_data_config"]
    assert "true or false" in failures["wait_for_completion"]
    assert "tags" in failures
    assert "device is required" in failures["device"]
    assert "pattern" in failures["job_name"]  # the service model's rule, named by our property
    assert "stopping_condition" in failures  # maxRuntimeInSeconds has a minimum of 1


def test_s3_source_must_be_a_tar_gz_with_an_entry_point():
    _, failures = check("s3://bucket/code/source.zip", entry_point=None)
    assert "tar.gz" in failures["source"]
    _, failures = check("s3://bucket/code/source.tar.gz", entry_point=None)
    assert "entry_point is required" in failures["entry_point"]


def test_request_is_the_sdks_shape(algorithm):
    inputs, _ = check(algorithm, hyperparameters={"steps": 3})
    request = request_from(inputs, "arn:aws:iam::1:role/r", "s3://b/source.tar.gz")
    assert request["algorithmSpecification"]["scriptModeConfig"] == {
        "entryPoint": "algorithm.vqe:main",
        "s3Uri": "s3://b/source.tar.gz",
        "compressionType": "GZIP",
    }
    assert request["deviceConfig"] == {"device": SV1}
    assert request["hyperParameters"] == {"steps": "3"}
    assert request["instanceConfig"]["instanceType"] == "ml.m5.large"


def diff(olds, news):
    return JobProvider().diff("arn", olds, news)


def test_tags_and_waiting_change_in_place(algorithm):
    olds, _ = check(algorithm)
    news, _ = check(algorithm, tags={"team": "q"}, wait_for_completion=False)
    result = diff(olds, news)
    assert result.changes and not result.replaces


def test_edited_source_or_other_input_replaces(algorithm):
    olds, _ = check(algorithm)
    (algorithm / "vqe.py").write_text("def main():\n    return 3\n")
    news, _ = check(algorithm)
    assert diff(olds, news).replaces == ["source"]
    news, _ = check(algorithm, hyperparameters={"steps": "4"})
    assert "hyperparameters" in diff(olds, news).replaces


def test_unchanged_is_no_change(algorithm):
    olds, _ = check(algorithm)
    news, _ = check(algorithm)
    assert not diff(olds, news).changes


UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # the engine's unknown value at preview


def test_unknown_values_at_preview_are_not_failures(algorithm):
    inputs, failures = check(
        UNKNOWN,
        device=UNKNOWN,
        output_data_config={"s3Path": UNKNOWN},
        tags={"bucket": UNKNOWN},
    )
    assert failures == {}
    assert inputs["source"] == UNKNOWN and "source_hash" not in inputs
    _, failures = check(algorithm, entry_point=UNKNOWN)
    assert failures == {}


def test_reservation_and_configs_reach_the_request(algorithm):
    reservation = "arn:aws:braket:us-east-1:123456789012:reservation/abc"
    inputs, failures = check(
        algorithm,
        associations=[{"arn": reservation, "type": "RESERVATION_TIME_WINDOW_ARN"}],
        stopping_condition={"maxRuntimeInSeconds": 600},
        checkpoint_config={"s3Uri": "s3://b/ckpt"},
        input_data_config=[
            {"channelName": "input", "dataSource": {"s3DataSource": {"s3Uri": "s3://b/in"}}}
        ],
    )
    assert failures == {}
    request = request_from(inputs, "arn:aws:iam::1:role/r", "s3://b/source.tar.gz")
    assert request["associations"] == [{"arn": reservation, "type": "RESERVATION_TIME_WINDOW_ARN"}]
    assert request["stoppingCondition"] == {"maxRuntimeInSeconds": 600}
    assert request["checkpointConfig"] == {"s3Uri": "s3://b/ckpt"}
    assert request["inputDataConfig"][0]["channelName"] == "input"
    _, failures = check(algorithm, associations=[{"arn": reservation, "type": "OTHER"}])
    assert "associations" in failures  # the service model's enum, at preview
