"""ResultsBucket handlers against the local S3: create, adopt, keep or empty on delete."""

from __future__ import annotations

import uuid

import boto3
import pytest

from pulumi_quantum._provider import ProviderError
from pulumi_quantum.storage import ResultsBucketProvider


def fresh_name() -> str:
    return f"amazon-braket-test-{uuid.uuid4().hex[:12]}"


def names(s3) -> set[str]:
    return {b["Name"] for b in s3.list_buckets()["Buckets"]}


def test_check_rejects_bad_names_and_non_boolean_force_destroy():
    failures = ResultsBucketProvider().check({}, {"bucket": "Bad_Name", "force_destroy": "yes"})
    assert {f.property for f in failures.failures} == {"bucket", "force_destroy"}
    assert ResultsBucketProvider().check({}, {}).failures[0].property == "bucket"
    ok = ResultsBucketProvider().check({}, {"bucket": "amazon-braket-fine"})
    assert ok.failures == [] and ok.inputs["force_destroy"] is False


def test_created_bucket_is_deleted_only_when_empty_unless_forced(cloud_env):
    s3 = boto3.client("s3")
    provider = ResultsBucketProvider()
    name = fresh_name()
    created = provider.create({"bucket": name, "force_destroy": False})
    assert created.id == name and created.outs["adopted"] is False
    s3.put_object(Bucket=name, Key="tasks/1/results.json", Body=b"{}")

    with pytest.raises(ProviderError, match="force_destroy=True"):
        provider.delete(name, created.outs)
    assert name in names(s3)  # nothing lost

    provider.delete(name, {**created.outs, "force_destroy": True})
    assert name not in names(s3)
    provider.delete(name, created.outs)  # already gone: fine


def test_existing_bucket_is_adopted_and_outlives_the_stack(cloud_env):
    s3 = boto3.client("s3")
    name = fresh_name()
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="keep.txt", Body=b"precious")
    provider = ResultsBucketProvider()
    adopted = provider.create({"bucket": name, "force_destroy": True})
    assert adopted.outs["adopted"] is True
    provider.delete(name, adopted.outs)
    assert s3.get_object(Bucket=name, Key="keep.txt")["Body"].read() == b"precious"


def test_read_of_a_deleted_bucket_says_gone(cloud_env):
    s3 = boto3.client("s3")
    provider = ResultsBucketProvider()
    name = fresh_name()
    created = provider.create({"bucket": name, "force_destroy": False})
    assert provider.read(name, created.outs).id == name
    s3.delete_bucket(Bucket=name)
    assert provider.read(name, created.outs).id is None
