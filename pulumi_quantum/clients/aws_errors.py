"""Reading AWS errors, one way for every resource that talks to an AWS API (Braket, S3)."""

from __future__ import annotations

from collections.abc import Mapping


def error_code(exc: BaseException) -> str | None:
    """The service's error code of a botocore ``ClientError`` (``NoSuchBucket``), else None."""
    response = getattr(exc, "response", None)
    if isinstance(response, Mapping):
        return response.get("Error", {}).get("Code")
    return None


NO_CREDENTIALS_HINT = (
    "no AWS credentials found (quantum:target is aws). Set quantum:awsAccessKeyId and "
    "quantum:awsSecretAccessKey (pulumi config set --secret ...; quantum:awsSessionToken for "
    "temporary keys), or the environment variables AWS_ACCESS_KEY_ID and "
    "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE naming a profile in ~/.aws (aws configure / "
    "aws sso login); or set quantum:target local to use the local quantum cloud"
)
"""What a ``NoCredentialsError`` means here: which config keys or variables to set."""
