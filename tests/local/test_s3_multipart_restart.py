"""S3 multipart uploads on loopback: an upload open before a restart of the local cloud (clean
or kill -9) is listed, extended, completed or aborted after it, as real S3 keeps it until then."""

from __future__ import annotations

import hashlib

import botocore.exceptions
import pytest

from tests.fixtures import s3_client

MIB = 1024 * 1024
PART = 5 * MIB  # S3's smallest part but the last


def s3_for(proc):
    return s3_client(proc.client_env())


def restart(proc, local_cloud_process, data_dir, how):
    if how == "stop":
        assert proc.stop() == 0
    else:
        proc.kill()
    return local_cloud_process(data_dir)


def multipart_etag(*bodies: bytes) -> str:
    """The ETag S3 gives a multipart object: MD5 of the parts' MD5s, then ``-N``."""
    digests = b"".join(hashlib.md5(b).digest() for b in bodies)
    return f'"{hashlib.md5(digests).hexdigest()}-{len(bodies)}"'


@pytest.mark.parametrize("how", ["stop", "kill -9"])
def test_open_upload_completes_after_restart(tmp_path, local_cloud_process, how):
    first = local_cloud_process(tmp_path)
    s3 = s3_for(first)
    s3.create_bucket(Bucket="uploads")
    upload = s3.create_multipart_upload(
        Bucket="uploads",
        Key="big/data.bin",
        ContentType="application/x-demo",
        Metadata={"who": "t"},
    )["UploadId"]
    bodies = [b"a" * PART, b"b" * PART, b"tail"]
    etags = [
        s3.upload_part(Bucket="uploads", Key="big/data.bin", UploadId=upload, PartNumber=n, Body=b)[
            "ETag"
        ]
        for n, b in ((1, bodies[0]), (2, bodies[1]))
    ]

    second = restart(first, local_cloud_process, tmp_path, how)
    s3 = s3_for(second)
    uploads = s3.list_multipart_uploads(Bucket="uploads")["Uploads"]
    assert [(u["Key"], u["UploadId"]) for u in uploads] == [("big/data.bin", upload)]
    parts = s3.list_parts(Bucket="uploads", Key="big/data.bin", UploadId=upload)["Parts"]
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in parts] == [
        (1, etags[0], PART),
        (2, etags[1], PART),
    ]
    key = "big/data.bin"
    third = s3.upload_part(Bucket="uploads", Key=key, UploadId=upload, PartNumber=3, Body=b"tail")
    etags.append(third["ETag"])
    done = s3.complete_multipart_upload(
        Bucket="uploads",
        Key="big/data.bin",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in enumerate(etags, 1)]},
    )
    assert done["ETag"] == multipart_etag(*bodies)
    obj = s3.get_object(Bucket="uploads", Key="big/data.bin")
    assert obj["Body"].read() == b"".join(bodies)
    assert obj["ContentType"] == "application/x-demo"
    assert obj["Metadata"] == {"who": "t"}
    assert obj["ETag"] == done["ETag"]
    assert s3.list_multipart_uploads(Bucket="uploads").get("Uploads", []) == []

    last = restart(second, local_cloud_process, tmp_path, "stop")
    s3 = s3_for(last)
    assert s3.list_multipart_uploads(Bucket="uploads").get("Uploads", []) == []
    obj = s3.get_object(Bucket="uploads", Key="big/data.bin")
    assert obj["Body"].read() == b"".join(bodies)
    assert obj["ETag"] == done["ETag"]


def test_abort_after_restart_removes_upload_and_parts(tmp_path, local_cloud_process):
    """Aborted after a restart: gone, parts and all, and stays gone; the other upload stays."""
    first = local_cloud_process(tmp_path)
    s3 = s3_for(first)
    s3.create_bucket(Bucket="uploads")
    dropped = s3.create_multipart_upload(Bucket="uploads", Key="drop")["UploadId"]
    kept = s3.create_multipart_upload(Bucket="uploads", Key="keep")["UploadId"]
    s3.upload_part(Bucket="uploads", Key="drop", UploadId=dropped, PartNumber=1, Body=b"x" * 10)
    s3.upload_part(Bucket="uploads", Key="keep", UploadId=kept, PartNumber=1, Body=b"y" * 10)
    # A bucket deleted with an upload open and made again under its name starts with none.
    s3.create_bucket(Bucket="reused")
    s3.create_multipart_upload(Bucket="reused", Key="k")
    s3.delete_bucket(Bucket="reused")
    s3.create_bucket(Bucket="reused")

    second = restart(first, local_cloud_process, tmp_path, "kill -9")
    s3 = s3_for(second)
    listed = {u["UploadId"] for u in s3.list_multipart_uploads(Bucket="uploads")["Uploads"]}
    assert listed == {dropped, kept}
    s3.abort_multipart_upload(Bucket="uploads", Key="drop", UploadId=dropped)
    with pytest.raises(botocore.exceptions.ClientError) as err:
        s3.upload_part(Bucket="uploads", Key="drop", UploadId=dropped, PartNumber=2, Body=b"z")
    assert err.value.response["Error"]["Code"] == "NoSuchUpload"

    third = restart(second, local_cloud_process, tmp_path, "stop")
    s3 = s3_for(third)
    uploads = s3.list_multipart_uploads(Bucket="uploads")["Uploads"]
    assert [(u["Key"], u["UploadId"]) for u in uploads] == [("keep", kept)]
    with pytest.raises(botocore.exceptions.ClientError) as err:
        s3.list_parts(Bucket="uploads", Key="drop", UploadId=dropped)
    assert err.value.response["Error"]["Code"] == "NoSuchUpload"
    parts = s3.list_parts(Bucket="uploads", Key="keep", UploadId=kept)["Parts"]
    assert [(p["PartNumber"], p["Size"]) for p in parts] == [(1, 10)]
    assert {o["Key"] for o in s3.list_objects_v2(Bucket="uploads").get("Contents", [])} == set()
    assert s3.list_multipart_uploads(Bucket="reused").get("Uploads", []) == []


def test_transfer_upload_file_in_parts_survives_restart(tmp_path, local_cloud_process):
    """boto3's S3Transfer (what the Braket SDK's upload_to_s3 calls) splits a file over the
    threshold into concurrent UploadPart requests; the object and its multipart ETag last."""
    from boto3.s3.transfer import TransferConfig

    first = local_cloud_process(tmp_path / "cloud")
    s3 = s3_for(first)
    s3.create_bucket(Bucket="jobs")
    source = tmp_path / "input.bin"
    chunks = [bytes([i]) * PART for i in range(3)] + [b"end"]
    source.write_bytes(b"".join(chunks))
    config = TransferConfig(multipart_threshold=PART, multipart_chunksize=PART, max_concurrency=4)
    s3.upload_file(str(source), "jobs", "in/input.bin", Config=config)
    etag = s3.head_object(Bucket="jobs", Key="in/input.bin")["ETag"]
    assert etag == multipart_etag(*chunks)

    second = restart(first, local_cloud_process, tmp_path / "cloud", "kill -9")
    s3 = s3_for(second)
    target = tmp_path / "output.bin"
    s3.download_file("jobs", "in/input.bin", str(target))
    assert target.read_bytes() == source.read_bytes()
    assert s3.head_object(Bucket="jobs", Key="in/input.bin")["ETag"] == etag
    assert s3.list_multipart_uploads(Bucket="jobs").get("Uploads", []) == []


def test_braket_sdk_upload_to_s3_in_parts_survives_restart(
    tmp_path, local_cloud_process, monkeypatch
):
    """The Braket SDK's AwsSession.upload_to_s3 (job inputs, source modules) with boto3's default
    transfer settings: over 8 MiB goes up in parts; after kill -9 the object reads back whole."""
    from braket.aws import AwsSession

    def use(proc):
        for name, value in proc.client_env().items():
            monkeypatch.setenv(name, value)

    first = local_cloud_process(tmp_path / "cloud")
    use(first)
    s3_for(first).create_bucket(Bucket="braket-inputs")
    source = tmp_path / "data.bin"
    chunks = [b"q" * (8 * MIB), b"r" * MIB]  # boto3's default threshold and part size: 8 MiB
    source.write_bytes(b"".join(chunks))
    AwsSession().upload_to_s3(str(source), "s3://braket-inputs/job/data.bin")

    second = restart(first, local_cloud_process, tmp_path / "cloud", "kill -9")
    use(second)
    s3 = s3_for(second)
    assert s3.head_object(Bucket="braket-inputs", Key="job/data.bin")["ETag"] == multipart_etag(
        *chunks
    )
    target = tmp_path / "back.bin"
    AwsSession().download_from_s3("s3://braket-inputs/job/data.bin", str(target))
    assert target.read_bytes() == source.read_bytes()
