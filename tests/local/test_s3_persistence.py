"""S3 on loopback: objects survive a restart (clean or kill -9) of the local cloud."""

from __future__ import annotations

import boto3
import pytest


def s3_for(proc):
    env = proc.client_env()
    return boto3.client(
        "s3",
        endpoint_url=env["AWS_ENDPOINT_URL_S3"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name="us-east-1",
    )


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
