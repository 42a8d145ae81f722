"""Braket errors, typed from the error shapes of botocore's braket model.

Each modelled exception (ValidationException, ResourceNotFoundException, ...) becomes a Python
exception class whose HTTP status is the shape's ``error.httpStatusCode``; raising one anywhere in
the service produces exactly the wire error boto3 turns back into the same-named exception class.
"""

from __future__ import annotations

from typing import Any

from .service_model import service_model


class BraketError(Exception):
    """An error answered as ``x-amzn-ErrorType: <code>`` with a JSON ``{"message": ...}`` body."""

    code = "InternalServiceException"
    status = 500

    def __init__(self, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields

    def body(self) -> dict[str, Any]:
        return {"message": self.message, **self.fields}


def _error_class(code: str, status: int | None = None) -> type[BraketError]:
    shape = service_model().shape_for(code)
    if not shape.metadata.get("exception"):
        raise ValueError(f"{code} is not an error shape of the braket model")
    http_status = status if status is not None else shape.metadata["error"]["httpStatusCode"]
    return type(
        code, (BraketError,), {"code": code, "status": http_status, "__doc__": shape.documentation}
    )


ValidationException = _error_class("ValidationException")
ResourceNotFoundException = _error_class("ResourceNotFoundException")
AccessDeniedException = _error_class("AccessDeniedException")
ConflictException = _error_class("ConflictException")
DeviceOfflineException = _error_class("DeviceOfflineException")
DeviceRetiredException = _error_class("DeviceRetiredException")
ServiceQuotaExceededException = _error_class("ServiceQuotaExceededException")
InternalServiceException = _error_class("InternalServiceException")
ThrottlingException = _error_class("ThrottlingException")  # 429, as the model says
StorageUnavailableException = _error_class("InternalServiceException", 503)
"""A write the local cloud could not commit (disk full, read-only database): the model's own
server-side error, so boto3 raises ``InternalServiceException``, with HTTP 503 so clients (and
botocore's retry modes) treat it as "unavailable, try again later"; nothing was changed."""


class AuthError(BraketError):
    """A SigV4 failure, answered before any operation runs, as AWS's front end answers it.

    These codes are not in the braket model (no service models them): boto3 raises a plain
    ClientError carrying the code, and its retry modes do not retry them. Status 403 and the
    messages follow AWS's documented SigV4 errors (API Gateway's gateway responses
    MISSING_AUTHENTICATION_TOKEN, INVALID_SIGNATURE, EXPIRED_TOKEN, UNAUTHORIZED).
    """

    status = 403


class MissingAuthenticationTokenException(AuthError):
    code = "MissingAuthenticationTokenException"


class IncompleteSignatureException(AuthError):
    code = "IncompleteSignatureException"


class InvalidSignatureException(AuthError):
    code = "InvalidSignatureException"


class UnrecognizedClientException(AuthError):
    code = "UnrecognizedClientException"


class ExpiredTokenException(AuthError):
    code = "ExpiredTokenException"


class UnknownOperation(BraketError):
    """A route no operation of the model matches (not a modelled error, as on AWS)."""

    code = "UnknownOperationException"
    status = 404


class NotImplementedOperation(BraketError):
    """An operation of the model the local cloud does not serve (e.g. hybrid jobs)."""

    code = "NotImplementedException"
    status = 501
