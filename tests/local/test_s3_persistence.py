"""S3 on loopback: objects survive a restart (clean or kill -9) of the local cloud."""

from __future__ import annotations

import pytest

from tests.fixtures import s3_client


def s3_for(proc):
    return s3_client(proc.client_env())


@pytest.mark.parametrize("how", ["stop", "kill -9"])
def test_objects_survive_restart(tmp_path, local_cloud_process, how):
    first = local_cloud_process(tmp_path)
    s3 = s3_for(first)
    s3.create_bucket(Bucket="keep-me")
    s3.create_bucket(Bucket="in-eu", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.create_bucket(Bucket="drop-me")
    s3.put_object(Bucket="keep-me", Key="a/b.json", Body=b'{"x": 1}',
                  ContentType="application/json", Metadata={"owner": "tests"})  # fmt: skip
    s3.put_object(Bucket="keep-me", Key="gone.txt", Body=b"bye")
    s3.put_object(Bucket="keep-me", Key="multi/1", Body=b"1")
    s3.put_object(Bucket="keep-me", Key="multi/2", Body=b"2")
    s3.copy_object(Bucket="keep-me", Key="copy.json", CopySource="keep-me/a/b.json")
    s3.put_object(Bucket="in-eu", Key="k", Body=b"eu")
    s3.delete_object(Bucket="keep-me", Key="gone.txt")
    s3.delete_objects(Bucket="keep-me", Delete={"Objects": [{"Key": "multi/1"}]})
    s3.delete_bucket(Bucket="drop-me")
    if how == "stop":
        assert first.stop() == 0
    else:
        first.kill()

    second = local_cloud_process(tmp_path)
    s3 = s3_for(second)
    assert {b["Name"] for b in s3.list_buckets()["Buckets"]} == {"keep-me", "in-eu"}
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="keep-me")["Contents"]}
    assert keys == {"a/b.json", "copy.json", "multi/2"}
    obj = s3.get_object(Bucket="keep-me", Key="a/b.json")
    assert obj["Body"].read() == b'{"x": 1}'
    assert obj["ContentType"] == "application/json"
    assert obj["Metadata"] == {"owner": "tests"}
    assert s3.get_object(Bucket="keep-me", Key="copy.json")["Body"].read() == b'{"x": 1}'
    assert s3.get_bucket_location(Bucket="in-eu")["LocationConstraint"] == "eu-west-1"
    assert s3.get_object(Bucket="in-eu", Key="k")["Body"].read() == b"eu"


def test_in_process_writes_are_ordinary_durable_objects(tmp_path):
    """The local Braket writes results.json straight into moto's backend (no HTTP request):
    boto3 sees an ordinary object, a missing bucket is an error naming it, and the write
    survives a restart like any PUT."""
    from pulumi_quantum.local.server import LocalCloud

    with LocalCloud(tmp_path / "cloud") as cloud:
        s3 = s3_for(cloud)
        s3.create_bucket(Bucket="direct")
        cloud.s3.put_object("direct", "t/1/results.json", b'{"a": 1}', "application/json")
        assert cloud.s3.bucket_exists("direct") and not cloud.s3.bucket_exists("absent")
        with pytest.raises(OSError, match=r"s3://absent/k failed: no such bucket"):
            cloud.s3.put_object("absent", "k", b"x", "application/json")
        head = s3.head_object(Bucket="direct", Key="t/1/results.json")
        assert head["ContentType"] == "application/json"
        assert head["ContentLength"] == 8
    with LocalCloud(tmp_path / "cloud") as cloud:
        obj = s3_for(cloud).get_object(Bucket="direct", Key="t/1/results.json")
        assert obj["Body"].read() == b'{"a": 1}'
        assert obj["ContentType"] == "application/json"
