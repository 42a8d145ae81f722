"""A local STS: temporary credentials for the local Braket and S3, so code that assumes roles or
refreshes session credentials runs against the local cloud unchanged.

Served on the Braket port (point ``AWS_ENDPOINT_URL_STS`` there; ``client_env`` does): a request
signed for the ``sts`` service, or an ``Action=`` form, is STS's; everything else is Braket's.
STS speaks AWS's query protocol: form-encoded ``Action=...&Version=2011-06-15`` in, XML out, and
the parameters are checked against botocore's own STS model (the constraints a client skipping
its own validation would otherwise get past).

Operations: ``GetSessionToken``, ``AssumeRole`` (any role ARN of the local account: the local
cloud has no IAM, so no trust policy or role ``MaxSessionDuration`` is enforced, only the model's
900..43200 s and AWS's one-hour limit on role chaining) and ``GetCallerIdentity``. Issued keys
are kept in SQLite, so they survive a restart and expire at their ``Expiration``; after it, every
local service answers ``ExpiredTokenException`` (S3: ``ExpiredToken``). ``POST
/_local/sts/expire {"accessKeyId": ...}`` expires one now, so credential-refresh code can be tested
without waiting. Secrets and tokens are never logged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import uuid
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel
from werkzeug.wrappers import Request, Response

from .braket.app import raw_uri
from .braket.auth import Caller, TemporaryKey, verify_sigv4
from .braket.exceptions import (
    BraketError,
    ExpiredTokenException,
    IncompleteSignatureException,
    InvalidSignatureException,
    MissingAuthenticationTokenException,
    UnrecognizedClientException,
)
from .braket.responses import model_errors
from .store import StorageUnavailable, Store

DDL = """
CREATE TABLE IF NOT EXISTS sts_keys (
    access_key_id TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    session_token TEXT NOT NULL,
    expires_at REAL NOT NULL,
    arn TEXT NOT NULL,
    user_id TEXT NOT NULL,
    is_role INTEGER NOT NULL
);
"""
NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
ROLE_CHAINING_LIMIT = 3600
_ROLE_ARN = re.compile(
    r"arn:aws:iam::(?P<account>\d{12}):role/(?:[\w+=,.@-]+/)*(?P<name>[\w+=,.@-]+)"
)
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/(?P<service>[^/]+)/aws4_request")

# The query protocol's names for the SigV4 refusals the shared verifier raises.
_AUTH_CODES: dict[type[BraketError], str] = {
    MissingAuthenticationTokenException: "MissingAuthenticationToken",
    IncompleteSignatureException: "IncompleteSignature",
    InvalidSignatureException: "SignatureDoesNotMatch",
    UnrecognizedClientException: "InvalidClientTokenId",
    ExpiredTokenException: "ExpiredToken",
}


class StsError(Exception):
    """An STS error: ``<ErrorResponse><Error><Type/><Code/><Message/></Error>``."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@cache
def sts_model() -> ServiceModel:
    return ServiceModel(Loader().load_service_model("sts", "service-2"), service_name="sts")


def is_sts_request(environ: Mapping[str, Any]) -> bool:
    """True for a request meant for STS: signed for ``sts``, or an unsigned ``Action=`` request
    to ``/`` (a path no Braket operation has)."""
    scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if scope is not None:
        return scope["service"] == "sts"
    if environ.get("PATH_INFO") != "/":
        return False
    form = environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded")
    return "Action=" in environ.get("QUERY_STRING", "") or form


def _stable_id(prefix: str, *parts: str) -> str:
    digest = hashlib.sha256("/".join(parts).encode()).hexdigest().upper()
    return prefix + re.sub(r"[^A-Z0-9]", "", digest)[:17]


class StsService:
    """Issues and looks up temporary keys; a WSGI app for the STS operations."""

    def __init__(
        self, store: Store, long_term: Callable[[], Mapping[str, str]], account_id: str
    ) -> None:
        self.store = store
        self.long_term = long_term
        self.account_id = account_id
        store.migrate(DDL)

    # ----------------------------------------------------------- key lookup
    def lookup(self, access_key_id: str) -> TemporaryKey | None:
        """The temporary key issued under ``access_key_id`` (the verifiers' ``sessions``)."""
        row = self.store.query_one(
            "SELECT secret, session_token, expires_at FROM sts_keys WHERE access_key_id = ?",
            (access_key_id,),
        )
        if row is None:
            return None
        expires = dt.datetime.fromtimestamp(row["expires_at"], dt.UTC)
        return TemporaryKey(row["secret"], row["session_token"], expires)

    def expire(self, access_key_id: str) -> bool:
        """Make a temporary key expired now (for tests of credential refresh)."""
        now = dt.datetime.now(dt.UTC).timestamp()
        return bool(
            self.store.execute(
                "UPDATE sts_keys SET expires_at = MIN(expires_at, ?) WHERE access_key_id = ?",
                (now, access_key_id),
            )
        )

    # ------------------------------------------------------------------ WSGI
    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        request_id = str(uuid.uuid4())
        try:
            if request.path == "/_local/sts/expire" and request.method == "POST":
                return self._admin_expire(request)(environ, start_response)
            body = self._dispatch(request, request_id)
            response = Response(body, status=200, mimetype="text/xml")
        except (StsError, StorageUnavailable) as exc:
            # A key that cannot be stored: AWS's common ServiceUnavailable (503), nothing issued.
            error = (
                exc if isinstance(exc, StsError) else StsError("ServiceUnavailable", str(exc), 503)
            )
            response = Response(_error_xml(error, request_id), status=error.status,
                                mimetype="text/xml")  # fmt: skip
        response.headers["x-amzn-RequestId"] = request_id
        return response(environ, start_response)

    def _admin_expire(self, request: Request) -> Response:
        doc = request.get_json(silent=True) or {}
        found = self.expire(str(doc.get("accessKeyId", "")))
        return Response(
            '{"expired": true}' if found else '{"message": "no such temporary access key"}',
            status=200 if found else 404,
            mimetype="application/json",
        )

    def _dispatch(self, request: Request, request_id: str) -> str:
        body = request.get_data(cache=True)
        form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        form.update({k: v for k, v in request.args.items() if k not in form})
        action = form.pop("Action", "")
        form.pop("Version", None)
        caller = self._authenticate(request, body)
        operations = {
            "GetSessionToken": self._get_session_token,
            "AssumeRole": self._assume_role,
            "GetCallerIdentity": self._get_caller_identity,
        }
        if action not in operations:
            if action in sts_model().operation_names:
                raise StsError(
                    "InvalidAction", f"{action} is not available in the local STS", status=400
                )
            raise StsError("InvalidAction", f"Could not find operation {action!r}", status=400)
        operation = sts_model().operation_model(action)
        params = _typed_params(operation, form)
        errors = model_errors(operation, params)
        if errors:
            count = len(errors)
            raise StsError("ValidationError", f"{count} validation error(s) detected: "
                           + "; ".join(errors))  # fmt: skip
        result = operations[action](caller, params)
        return _response_xml(action, result, request_id)

    def _authenticate(self, request: Request, body: bytes) -> Caller:
        try:
            return verify_sigv4(
                method=request.method,
                url=f"http://{request.host}{raw_uri(request.environ)}",
                headers=request.headers,
                body=body,
                secrets=self.long_term(),
                service="sts",
                sessions=self.lookup,
            )
        except BraketError as error:
            code = _AUTH_CODES.get(type(error), "AccessDenied")
            raise StsError(code, error.message, status=403) from None

    # ------------------------------------------------------------ operations
    def _identity(self, caller: Caller) -> tuple[str, str]:
        """(Arn, UserId) of the signer: the key's IAM user, or the role a key was issued for."""
        if caller.session_token is not None:
            row = self.store.query_one(
                "SELECT arn, user_id FROM sts_keys WHERE access_key_id = ?", (caller.access_key,)
            )
            if row is not None:
                return row["arn"], row["user_id"]
        return (
            f"arn:aws:iam::{self.account_id}:user/local-{caller.access_key.lower()[-8:]}",
            _stable_id("AIDA", caller.access_key),
        )

    def _issue(self, seconds: int, arn: str, user_id: str, is_role: bool) -> dict[str, str]:
        key_id = "ASIA" + secrets.token_hex(8).upper()
        secret = secrets.token_urlsafe(30)
        token = "IQoJb3JpZ2luX2VjE" + secrets.token_urlsafe(96)
        expires = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(seconds=seconds)
        self.store.execute(
            "INSERT INTO sts_keys VALUES (?, ?, ?, ?, ?, ?, ?)",
            (key_id, secret, token, expires.timestamp(), arn, user_id, int(is_role)),
        )
        return {
            "AccessKeyId": key_id,
            "SecretAccessKey": secret,
            "SessionToken": token,
            "Expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }

    def _get_session_token(self, caller: Caller, params: dict[str, Any]) -> dict[str, Any]:
        if caller.session_token is not None:
            raise StsError("AccessDenied", "Cannot call GetSessionToken with session credentials",
                           status=403)  # fmt: skip
        arn, user_id = self._identity(caller)
        seconds = params.get("DurationSeconds", 43200)
        return {"Credentials": self._issue(seconds, arn, user_id, is_role=False)}

    def _assume_role(self, caller: Caller, params: dict[str, Any]) -> dict[str, Any]:
        role_arn, session = params["RoleArn"], params["RoleSessionName"]
        match = _ROLE_ARN.fullmatch(role_arn)
        if match is None:
            raise StsError("ValidationError", f"RoleArn {role_arn!r} is not a role ARN "
                           "(arn:aws:iam::<account>:role/<name>)")  # fmt: skip
        if match["account"] != self.account_id:
            raise StsError(
                "AccessDenied",
                f"User: {self._identity(caller)[0]} is not authorized to perform: "
                f"sts:AssumeRole on resource: {role_arn} (the local cloud's account is "
                f"{self.account_id})",
                status=403,
            )
        seconds = params.get("DurationSeconds", 3600)
        chained = caller.session_token is not None and self._is_role_key(caller.access_key)
        if chained and seconds > ROLE_CHAINING_LIMIT:
            raise StsError(
                "ValidationError",
                "The requested DurationSeconds exceeds the 1 hour session limit for roles "
                "assumed by role chaining.",
            )
        role_id = _stable_id("AROA", role_arn)
        assumed_arn = f"arn:aws:sts::{self.account_id}:assumed-role/{match['name']}/{session}"
        user_id = f"{role_id}:{session}"
        return {
            "Credentials": self._issue(seconds, assumed_arn, user_id, is_role=True),
            "AssumedRoleUser": {"AssumedRoleId": user_id, "Arn": assumed_arn},
        }

    def role_credentials(self, role_arn: str, session: str, seconds: int) -> dict[str, str]:
        """Temporary keys of ``role_arn`` for a process the local cloud starts (a hybrid job
        runs with its role's credentials, as in Braket's container), never the server's own."""
        name = role_arn.rsplit("/", 1)[-1]
        role_id = _stable_id("AROA", role_arn)
        assumed_arn = f"arn:aws:sts::{self.account_id}:assumed-role/{name}/{session}"
        return self._issue(seconds, assumed_arn, f"{role_id}:{session}", is_role=True)

    def _is_role_key(self, access_key_id: str) -> bool:
        row = self.store.query_one(
            "SELECT is_role FROM sts_keys WHERE access_key_id = ?", (access_key_id,)
        )
        return bool(row and row["is_role"])

    def _get_caller_identity(self, caller: Caller, params: dict[str, Any]) -> dict[str, Any]:
        arn, user_id = self._identity(caller)
        return {"UserId": user_id, "Account": self.account_id, "Arn": arn}


def _typed_params(operation: OperationModel, form: Mapping[str, str]) -> dict[str, Any]:
    """Top-level scalar parameters as the model types them; list/structure members (session
    tags, policy ARNs) are accepted and not enforced: the local cloud evaluates no IAM policy."""
    members = operation.input_shape.members if operation.input_shape is not None else {}
    params: dict[str, Any] = {}
    for name, raw in form.items():
        shape = members.get(name)
        if shape is None:
            continue
        if shape.type_name == "integer":
            try:
                params[name] = int(raw)
            except ValueError:
                raise StsError("ValidationError", f"{name}: {raw!r} is not an integer") from None
        elif shape.type_name == "string":
            params[name] = raw
    return params


def _xml(value: Any) -> str:
    if isinstance(value, Mapping):
        return "".join(f"<{k}>{_xml(v)}</{k}>" for k, v in value.items())
    return escape(str(value))


def _response_xml(action: str, result: Mapping[str, Any], request_id: str) -> str:
    return (
        f'<{action}Response xmlns="{NAMESPACE}"><{action}Result>{_xml(result)}</{action}Result>'
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
        f"</{action}Response>"
    )


def _error_xml(error: StsError, request_id: str) -> str:
    kind = "Sender" if error.status < 500 else "Receiver"
    return (
        f'<ErrorResponse xmlns="{NAMESPACE}"><Error><Type>{kind}</Type>'
        f"<Code>{escape(error.code)}</Code><Message>{escape(error.message)}</Message></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    )


def route(sts: StsService, other: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    """One WSGI app for the Braket port: STS's requests to ``sts``, the rest to ``other``."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith("/_local/sts/") or is_sts_request(environ):
            return sts(environ, start_response)
        return other(environ, start_response)

    return app
