"""``ResultsBucket``: the S3 bucket Braket writes task results to, as a Pulumi resource.

Every ``QuantumTask`` needs an existing ``output_s3_bucket``. Braket's own SDK creates a default
``amazon-braket-<region>-<account>`` bucket on first use, client side; a stack should instead own
its bucket, so that a fresh local cloud (or a fresh AWS account) deploys in one ``pulumi up`` and
``pulumi destroy`` cleans up. This is deliberately tiny (no policies, versioning, lifecycle):
for a fully managed bucket use pulumi-aws's ``s3.BucketV2`` and pass its name to the tasks.

Rules that keep results safe:

* a bucket that already exists and is yours is **adopted**, never emptied or deleted by
  ``destroy`` (``adopted`` output): it held data before this stack knew about it;
* a bucket this stack created is deleted on ``destroy`` only when it is empty, unless
  ``force_destroy=True`` (as in pulumi-aws), which deletes the results in it first;
* a name taken by another account fails the create with an error naming ``bucket``.

Clients come from :mod:`pulumi_quantum.clients.braket` (same endpoint/credential rules as the
Braket resources); boto3 is imported only when the provider runs.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from .._provider import CheckErrors, ProviderError, QuantumProvider, declared_diff, is_unknown
from ..clients.aws_errors import error_code
from ..rules import bucket_name_problem
from ._generated import ResultsBucketArgs, ResultsBucketBase
from .declarations import RESULTS_BUCKET

__all__ = ["ResultsBucket", "ResultsBucketArgs", "ResultsBucketProvider"]

OUTPUTS = RESULTS_BUCKET.output_names


def _error_code(exc: Exception) -> str:
    """S3's error code of a botocore ClientError (one AWS error reading for every resource)."""
    return error_code(exc) or ""


def _reason(exc: Exception) -> str:
    """S3's error code, or what to configure when boto3 found no credentials at all."""
    from ..clients.aws_errors import NO_CREDENTIALS_HINT

    if type(exc).__name__ == "NoCredentialsError":
        return NO_CREDENTIALS_HINT
    return _error_code(exc) or str(exc)


class ResultsBucketProvider(QuantumProvider):
    """CRUD for one S3 bucket. Holds no configuration (it is pickled into state)."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        from ..clients.braket import check_target

        errors = CheckErrors()
        errors.add_all(check_target())
        inputs = RESULTS_BUCKET.defaults({k: v for k, v in news.items() if k not in OUTPUTS})
        name = inputs.get("bucket")
        if name is None:
            errors.add("bucket", "bucket is required (the S3 bucket name)")
        elif not is_unknown(name):
            problem = bucket_name_problem(name)
            if problem:
                errors.add("bucket", problem)
        force = inputs["force_destroy"]
        if not is_unknown(force) and not isinstance(force, bool):
            errors.add("force_destroy", f"force_destroy must be true or false, got {force!r}")
        return errors.result(inputs)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return declared_diff(RESULTS_BUCKET, olds, news)

    def create(self, props: dict[str, Any]) -> CreateResult:
        from ..clients.braket import s3_client, settings

        resolved = settings()
        client = s3_client(resolved)
        name = props["bucket"]
        imported = props.get("import_id")
        if imported and imported != name:
            raise ProviderError(
                f"import: the program's bucket is {name!r} but the imported id is {imported!r};"
                " make them the same"
            )
        adopted = self._exists(client, name)
        if imported and not adopted:
            raise ProviderError(f"import: no bucket {name!r} in this account; check the name")
        if not adopted:
            request: dict[str, Any] = {"Bucket": name}
            if resolved.region != "us-east-1":
                request["CreateBucketConfiguration"] = {"LocationConstraint": resolved.region}
            try:
                client.create_bucket(**request)
            except Exception as exc:
                code = _error_code(exc)
                if code == "BucketAlreadyOwnedByYou":
                    adopted = True
                elif code == "BucketAlreadyExists":
                    raise ProviderError(
                        f"bucket: the name {name!r} belongs to another account (S3 bucket names"
                        " are global); choose another name"
                    ) from None
                else:
                    raise ProviderError(f"bucket: cannot create {name!r}: {_reason(exc)}") from None
        outs = dict(props)
        return CreateResult(name, {**outs, "adopted": adopted, "region": resolved.region})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        from ..clients.braket import s3_client

        if not self._exists(s3_client(), id_):
            return ReadResult(None, {})
        outs = dict(props)
        if "bucket" not in outs:  # `pulumi import`: an existing bucket, kept on destroy
            from ..clients.braket import settings

            outs = {"bucket": id_, "force_destroy": False, "adopted": True}
            outs["region"] = settings().region
            return ReadResult(id_, outs, {"bucket": id_, "force_destroy": False})
        return ReadResult(id_, outs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        outs = dict(news)
        return UpdateResult({**outs, **{k: olds.get(k) for k in OUTPUTS}})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        from ..clients.braket import s3_client

        if props.get("adopted"):
            return  # not ours: it existed before the stack, so it outlives the stack
        client = s3_client()
        if props.get("force_destroy"):
            self._empty(client, id_)
        try:
            client.delete_bucket(Bucket=id_)
        except Exception as exc:
            code = _error_code(exc)
            if code == "NoSuchBucket":
                return
            if code == "BucketNotEmpty":
                raise ProviderError(
                    f"bucket {id_!r} still holds task results; copy what you need and empty it,"
                    " or set force_destroy=True to delete them with the bucket"
                ) from None
            raise ProviderError(f"bucket: cannot delete {id_!r}: {code or exc}") from None

    @staticmethod
    def _exists(client: Any, name: str) -> bool:
        try:
            client.head_bucket(Bucket=name)
        except Exception as exc:
            if _error_code(exc) in ("404", "NoSuchBucket", "NotFound"):
                return False
            raise ProviderError(f"bucket: cannot inspect {name!r}: {_reason(exc)}") from None
        return True

    @staticmethod
    def _empty(client: Any, name: str) -> None:
        paginator = client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=name):
                keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
                if keys:
                    client.delete_objects(Bucket=name, Delete={"Objects": keys, "Quiet": True})
        except Exception as exc:
            if _error_code(exc) != "NoSuchBucket":
                raise


class ResultsBucket(ResultsBucketBase):
    """An S3 bucket for Braket task results: ``ResultsBucket("results", bucket="amazon-braket-x")``.

    ``force_destroy=True`` lets ``destroy`` delete the results in it; an existing bucket of yours
    is adopted and always kept. Inputs and outputs: :data:`.declarations.RESULTS_BUCKET`.
    """

    PROVIDER = ResultsBucketProvider
