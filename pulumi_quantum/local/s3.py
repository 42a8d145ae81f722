"""S3 on loopback: moto's server application, made durable with SQLite.

moto keeps buckets and objects in memory. A thin WSGI middleware mirrors every successful change
(bucket create/delete, object put/copy/multipart-complete/delete) into the Store, reading the
object's final bytes back from moto itself rather than re-implementing S3 semantics; at start-up
the mirror is replayed into a freshly reset moto. Buckets, object contents (with their
Content-Type and user metadata) and open multipart uploads with their parts (``s3_multipart``)
are durable; bucket sub-resources (policies, versioning, tags) live
in memory only, which the local cloud never needs.

A change is acknowledged only once the mirror has committed it. When the Store cannot commit (disk
full, read-only database) the change is undone in moto from the mirror's committed state and the
request answers 503 ``ServiceUnavailable``: what a client can read, now and after a restart, is
exactly what was acknowledged.

moto's backends are process-global: one S3Service per process at a time (``restore`` resets them).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, unquote

from .faults import Faults
from .store import StorageUnavailable, Store

if TYPE_CHECKING:
    from .braket.auth import SessionLookup
    from .s3_rules import Refusal

log = logging.getLogger(__name__)

DDL = """
CREATE TABLE IF NOT EXISTS s3_buckets (
    name TEXT PRIMARY KEY,
    create_body BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS s3_objects (
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    body BLOB NOT NULL,
    headers TEXT NOT NULL,
    PRIMARY KEY (bucket, key)
);
"""
_KEPT_HEADERS = re.compile(r"content-type|content-encoding|cache-control|x-amz-meta-.*", re.I)
_XML_ERROR = (
    '<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
    "<Message>{message}</Message></Error>"
)


_S3_METHODS = frozenset({"GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS"})
_HEX64 = re.compile(r"[0-9a-f]{64}")
_INTERNAL = ("500 Internal Server Error", "InternalError", "We encountered an internal error.")
_UNAVAILABLE = "503 Service Unavailable", "ServiceUnavailable"


def _s3_auth_code(message: str) -> str:
    """The S3 error code for the shared verifier's refusal (S3 names them apart; Braket not)."""
    text = message.lower()
    if "signature we calculated" in text:
        return "SignatureDoesNotMatch"
    if "access key" in text or "security token" in text:
        return "InvalidAccessKeyId"
    if "expired" in text or "minutes off" in text:
        return "RequestTimeTooSkewed"
    return "AccessDenied"


def _completes(method: str, query: Mapping[str, list[str]]) -> bool:
    """Whether a multipart request is CompleteMultipartUpload (the only one writing an object)."""
    return method == "POST" and "uploadId" in query and "uploads" not in query


def _replace_body(environ: dict[str, Any], body: bytes) -> None:
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))


def _read_body(environ: dict[str, Any]) -> bytes:
    """Read the (size-limited, see limits.py) body once and put it back for moto."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


# moto answers anonymous requests with 403 (it models public-access rules) but does not verify
# signatures, so the mirror's own requests to it carry a well-formed SigV4 header.
_INTERNAL_AUTH = {
    "Authorization": "AWS4-HMAC-SHA256 Credential=AKIALOCALQUANTUM0001/20240101/us-east-1/s3/"
    "aws4_request, SignedHeaders=host;x-amz-date, Signature=" + "0" * 64,
    "X-Amz-Date": "20240101T000000Z",
}


class _MotoS3:
    """moto's S3 and admin (``/moto-api``) Flask apps, without moto's per-request service lookup.

    moto's DomainDispatcherApplication works out the service on every request (stat()ing every
    moto module, ~4 ms); this server only ever serves S3, so it dispatches by path prefix.
    """

    def __init__(self) -> None:
        from moto.moto_server.werkzeug_app import create_backend_app

        self.s3 = create_backend_app("s3")
        self.api = create_backend_app("moto_api")

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        app = self.api if environ.get("PATH_INFO", "").startswith("/moto-api") else self.s3
        return app(environ, start_response)


class S3Service:
    """moto S3 plus a durable mirror; ``app`` is the WSGI application to serve."""

    def __init__(
        self,
        store: Store,
        faults: Faults | None = None,
        secrets: Callable[[], Mapping[str, str]] | None = None,
        sessions: SessionLookup | None = None,
    ) -> None:
        from werkzeug.test import Client

        self.store = store
        self.faults = faults or Faults()
        # access key id -> secret, read per request (the same keys the local Braket accepts);
        # without any, every API request is refused.
        self.secrets = secrets or dict
        self.sessions = sessions  # temporary keys of the local STS
        self.store.migrate(DDL)
        # A multipart object's ETag (MD5 of the parts' MD5s, "-N") is not its bytes' MD5, which
        # a replayed PUT would give it; older data directories lack the column (NULL: the MD5).
        self.store.ensure_columns("s3_objects", {"etag": "TEXT"})
        from .s3_multipart import MultipartMirror

        self.uploads = MultipartMirror(store)
        self._moto = _MotoS3()
        self._client = Client(self._moto)

    # ---------------------------------------------------------------- restore
    def restore(self) -> tuple[int, int]:
        """Reset moto and replay the mirror into it (open multipart uploads too, see
        ``s3_multipart``); returns (buckets, objects) restored."""
        self._client.post("/moto-api/reset", headers=_INTERNAL_AUTH)
        buckets = self.store.query("SELECT name, create_body FROM s3_buckets")
        for row in buckets:
            r = self._client.put(
                f"/{quote(row['name'])}", data=bytes(row["create_body"]), headers=_INTERNAL_AUTH
            )
            if r.status_code >= 300:
                log.error("could not restore bucket %s: %s", row["name"], r.get_data()[:200])
        objects = self.store.query("SELECT bucket, key, body, headers, etag FROM s3_objects")
        for row in objects:
            if not self._replay_object(row["bucket"], row["key"], row):
                log.error("could not restore s3://%s/%s", row["bucket"], row["key"])
        uploads = self.uploads.restore(self._backend())
        if uploads:
            log.info("S3 restored %d open multipart upload(s)", uploads)
        return len(buckets), len(objects)

    # ------------------------------------------------------------------- WSGI
    def app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            return self._app(environ, start_response)
        except Exception:  # a bug here must still be S3's error form, never werkzeug's HTML
            log.exception(
                "local S3 failed on %s %s", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")
            )
            return self._xml_error(start_response, *_INTERNAL)

    def _app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/_local/health":
            problems = self.store.problems()
            if problems:
                doc = {"status": "unhealthy", "service": "s3", "problems": problems}
                return self._json(start_response, doc, "503 Service Unavailable")
            return self._json(start_response, {"status": "ok", "service": "s3"})
        if path == "/_local/faults":
            if environ["REQUEST_METHOD"] == "POST":
                try:
                    self.faults.update_json(_read_body(environ))
                except (ValueError, TypeError) as exc:
                    return self._json(start_response, {"message": str(exc)}, "400 Bad Request")
            return self._json(start_response, self.faults.as_dict())
        refused = self._refusal(environ)
        if refused:
            return self._xml_error(start_response, *refused)
        fault = self._fault()
        if fault:
            return self._xml_error(start_response, *fault)

        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        method = environ["REQUEST_METHOD"]
        body_in = b""
        if method == "PUT" and self._target(environ)[1] is None:
            # Keep a bucket-create body (LocationConstraint) to replay it; re-feed it to moto.
            import io

            length = int(environ.get("CONTENT_LENGTH") or 0)
            body_in = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body_in)
        try:
            result = self._moto(environ, capture)
            try:
                chunks = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close:
                    close()
        except Exception:  # moto's own bug on an odd request: still S3's error form, not HTML
            log.exception("moto failed on %s %s", method, environ.get("PATH_INFO"))
            return self._xml_error(start_response, *_INTERNAL)
        status_code = int(captured["status"].split()[0])
        content_type = dict((k.lower(), v) for k, v in captured["headers"]).get("content-type", "")
        if status_code >= 500 and "xml" not in content_type:
            return self._xml_error(start_response, *_INTERNAL)
        if method in ("PUT", "POST", "DELETE") and status_code < 300:
            try:
                self._mirror(environ, method, body_in, chunks)
            except StorageUnavailable as exc:
                log.error("S3 %s %s not committed: %s", method, environ.get("PATH_INFO"), exc)
                self._undo(environ, chunks)
                return self._xml_error(start_response, *_UNAVAILABLE, f"{exc}; nothing was changed")
        start_response(captured["status"], captured["headers"])
        return [chunks]

    @staticmethod
    def _xml_error(
        start_response: Callable[..., Any], status: str, code: str, message: str
    ) -> list[bytes]:
        from xml.sax.saxutils import escape

        body = _XML_ERROR.format(code=escape(code), message=escape(message)).encode()
        start_response(status, [("Content-Type", "application/xml")])
        return [body]

    def _refusal(self, environ: dict[str, Any]) -> Refusal | None:
        """Why this request must not reach moto (None when it may): moto's admin API is never
        served; methods S3 lacks; SigV4 as for Braket; bodies that do not match what was signed;
        parameters and bodies S3 refuses (``s3_rules``: XML by the model, policies, parts)."""
        method = environ["REQUEST_METHOD"]
        if environ.get("PATH_INFO", "").startswith("/moto-api"):
            return "404 Not Found", "NoSuchBucket", "The specified bucket does not exist"
        if method not in _S3_METHODS:
            return "405 Method Not Allowed", "MethodNotAllowed", f"{method} is not an S3 method"
        denied = self._authenticate(environ)
        if denied:
            return denied
        bucket, key = self._target(environ)
        if method == "PUT" and bucket and key is None and not environ.get("QUERY_STRING"):
            from ..rules import bucket_name_problem

            problem = bucket_name_problem(bucket)  # the preview's rule, one truth
            if problem:
                return "400 Bad Request", "InvalidBucketName", problem
        claimed = environ.get("HTTP_X_AMZ_CONTENT_SHA256", "")
        body: bytes | None = None
        if _HEX64.fullmatch(claimed):
            body = _read_body(environ)
            if hashlib.sha256(body).hexdigest() != claimed:
                return (
                    "400 Bad Request",
                    "XAmzContentSHA256Mismatch",
                    "The provided 'x-amz-content-sha256' header does not match what was computed.",
                )
        return self._body_refusal(environ, body)

    def _body_refusal(self, environ: dict[str, Any], body: bytes | None) -> Refusal | None:
        """S3's own refusals of parameters and bodies moto would fail on (``s3_rules``)."""
        from . import s3_rules

        method = environ["REQUEST_METHOD"]
        bucket, key = self._target(environ)
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        refused = s3_rules.part_number_problem(query)
        if refused or bucket is None:
            return refused
        addressed = key is not None and s3_rules.object_sub_resource(method, query)
        if addressed and not self._object_exists(bucket, key):
            return s3_rules.NO_SUCH_KEY
        if method not in ("PUT", "POST"):
            return None
        upload_ids = query.get("uploadId")
        if upload_ids and key is not None and not self._upload_exists(bucket, upload_ids[0]):
            return "404 Not Found", "NoSuchUpload", s3_rules.NO_SUCH_UPLOAD
        if method == "POST":
            refused = s3_rules.post_refusal(key is not None, query)
            if refused:
                return refused
        if method == "PUT" and key is None and "policy" in query:
            problem = s3_rules.policy_problem(_read_body(environ) if body is None else body)
            return ("400 Bad Request", "MalformedPolicy", problem) if problem else None
        if s3_rules.ignores_body(method, key is not None, query):
            if body is None:
                _read_body(environ)  # consumed, so a kept-alive connection stays in step
            _replace_body(environ, b"")  # S3 ignores it; moto would try to parse it
            return None
        payload = s3_rules.expected_payload(method, key is not None, query)
        if payload is None:
            return None  # an object's bytes (PutObject, UploadPart): not read here
        body = _read_body(environ) if body is None else body
        if not body.strip():
            acl_headers = any(k.startswith(("HTTP_X_AMZ_ACL", "HTTP_X_AMZ_GRANT")) for k in environ)
            optional = payload.root == "CreateBucketConfiguration" or (
                payload.root == "AccessControlPolicy" and acl_headers
            )
            return None if optional else s3_rules.EMPTY_BODY
        problem = s3_rules.xml_problem(body, payload)
        if problem and payload.root == "CreateBucketConfiguration" and problem.endswith("empty"):
            _replace_body(environ, b"")  # S3 takes an empty configuration as none at all
            return None
        if problem:
            return "400 Bad Request", "MalformedXML", f"{s3_rules.MALFORMED_XML}: {problem}"
        return None

    def _authenticate(self, environ: dict[str, Any]) -> tuple[str, str, str] | None:
        """SigV4 with the local Braket's own verifier and keys; S3's error codes."""
        from .braket.auth import verify_sigv4
        from .braket.exceptions import BraketError, ExpiredTokenException

        headers = {
            name[5:].replace("_", "-").lower(): value
            for name, value in environ.items()
            if name.startswith("HTTP_")
        }
        for name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if environ.get(name):
                headers[name.replace("_", "-").lower()] = environ[name]
        if "authorization" not in headers:
            return "403 Forbidden", "AccessDenied", "Anonymous access is not allowed"
        if "x-amz-content-sha256" not in headers:
            return (
                "400 Bad Request",
                "InvalidRequest",
                "Missing required header for this request: x-amz-content-sha256",
            )
        raw = environ.get("REQUEST_URI") or environ.get("RAW_URI")
        if raw:
            raw_path, _, query = raw.partition("?")
        else:
            raw_path, query = quote(environ.get("PATH_INFO", "")), environ.get("QUERY_STRING", "")
        # S3's canonical URI is the key URI-encoded once, dot and empty segments kept (AWS
        # stores 'a/../b' and 'a//b' as such): re-encode what arrived the way botocore does.
        canonical_path = quote(unquote(raw_path), safe="/~")
        url = f"http://{headers.get('host', 'localhost')}{canonical_path}"
        if query:
            url += f"?{query}"
        try:
            verify_sigv4(
                method=environ["REQUEST_METHOD"],
                url=url,
                headers=headers,
                body=b"",  # covered by payload_hash: the body is checked against it after
                secrets=self.secrets(),
                service="s3",
                sessions=self.sessions,
                payload_hash=headers["x-amz-content-sha256"],
            )
        except ExpiredTokenException:
            return "400 Bad Request", "ExpiredToken", "The provided token has expired."
        except BraketError as exc:
            if "x-amz-security-token" in headers and "security token" in exc.message:
                return (
                    "400 Bad Request",
                    "InvalidToken",
                    "The provided token is malformed or otherwise invalid.",
                )
            return "403 Forbidden", _s3_auth_code(exc.message), exc.message
        return None

    def _fault(self) -> tuple[str, str, str] | None:
        self.faults.delay()
        if self.faults.should_throttle():
            return "503 Slow Down", "SlowDown", "Please reduce your request rate."
        if self.faults.should_fail():
            return "500 Internal Server Error", "InternalError", "injected internal error"
        return None

    @staticmethod
    def _json(start_response: Callable[..., Any], doc: Any, status: str = "200 OK") -> list[bytes]:
        start_response(status, [("Content-Type", "application/json")])
        return [json.dumps(doc).encode()]

    # ------------------------------------------------ in-process use (Braket)
    @staticmethod
    def _backend() -> Any:
        """moto's S3 backend for the account every request to this server lands in.

        moto picks the account per request: ``MOTO_ACCOUNT_ID``, else the account of an access
        key registered in moto's IAM (this server registers none), else its default account.
        """
        import os

        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.s3.models import s3_backends

        return s3_backends[os.environ.get("MOTO_ACCOUNT_ID", DEFAULT_ACCOUNT_ID)]["aws"]

    def bucket_exists(self, bucket: str) -> bool:
        """Whether moto holds the bucket (the Braket service lives in the same process)."""
        from moto.s3.exceptions import MissingBucket

        try:
            self._backend().get_bucket(bucket)
        except MissingBucket:
            return False
        return True

    def _object_exists(self, bucket: str, key: str) -> bool:
        """Whether the object exists (an unknown bucket: True, moto answers NoSuchBucket)."""
        from moto.s3.exceptions import MissingBucket

        try:
            return self._backend().get_object(bucket, key) is not None
        except MissingBucket:
            return True

    def _upload_exists(self, bucket: str, upload_id: str) -> bool:
        """Whether a multipart upload is open (an unknown bucket: True, moto answers that)."""
        from moto.s3.exceptions import MissingBucket

        try:
            return upload_id in self._backend().get_bucket(bucket).multiparts
        except MissingBucket:
            return True

    def put_object(self, bucket: str, key: str, body: bytes, content_type: str) -> None:
        """PutObject straight into moto's backend; mirrored like any other write.

        The Braket service writes each task's results.json here. Going through moto's Flask app
        (request building, routing, header parsing, XML response) cost ~18 % of the server's
        GIL time under the throughput bench; the backend call is what that path ends in.
        """
        from moto.s3.exceptions import MissingBucket

        try:
            obj = self._backend().put_object(bucket, key, body)
        except MissingBucket as exc:
            raise OSError(f"PutObject s3://{bucket}/{key} failed: no such bucket") from exc
        obj.set_metadata({"Content-Type": content_type})
        try:
            self.store.execute(
                "INSERT INTO s3_objects (bucket, key, body, headers) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (bucket, key) DO UPDATE SET body = excluded.body,"
                " headers = excluded.headers",
                (bucket, key, body, json.dumps({"Content-Type": content_type})),
            )
        except StorageUnavailable:
            self._undo_object(bucket, key)
            raise

    # ----------------------------------------------------------------- mirror
    @staticmethod
    def _target(environ: dict[str, Any]) -> tuple[str | None, str | None]:
        """(bucket, key) of a request, path-style or virtual-hosted (``bucket.localhost``)."""
        raw = environ.get("REQUEST_URI") or environ.get("RAW_URI")
        path = unquote(raw.split("?", 1)[0]) if raw else environ.get("PATH_INFO", "")
        host = (environ.get("HTTP_HOST") or "").rsplit(":", 1)[0]
        if host.endswith(".localhost"):
            bucket, key = host[: -len(".localhost")], path.lstrip("/")
        else:
            bucket, _, key = path.lstrip("/").partition("/")
        return (bucket or None), (key or None)

    def _mirror(
        self, environ: dict[str, Any], method: str, body_in: bytes, response: bytes
    ) -> None:
        bucket, key = self._target(environ)
        if bucket is None or bucket.startswith(("moto-api", "_local")):
            return
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        if key is not None and ("uploads" in query or "uploadId" in query):
            if _completes(method, query):  # the object first: then the upload may go
                self._sync_object(bucket, key)
            self.uploads.sync(self._backend(), bucket, query, response)
        elif key is not None:
            self._sync_object(bucket, key)
        elif method == "PUT" and not query:
            self.store.execute(
                "INSERT INTO s3_buckets (name, create_body) VALUES (?, ?)"
                " ON CONFLICT (name) DO UPDATE SET create_body = excluded.create_body",
                (bucket, body_in),
            )
        elif method == "DELETE" and not query:
            with self.store.transaction() as conn:
                conn.execute("DELETE FROM s3_objects WHERE bucket = ?", (bucket,))
                self.uploads.forget_bucket(conn, bucket)
                conn.execute("DELETE FROM s3_buckets WHERE name = ?", (bucket,))
        elif "delete" in query:  # DeleteObjects: re-check every key we hold for the bucket
            for row in self.store.query("SELECT key FROM s3_objects WHERE bucket = ?", (bucket,)):
                self._sync_object(bucket, row["key"])

    def _sync_object(self, bucket: str, key: str) -> None:
        """Copy the object's current state in moto (present or gone) into the Store."""
        r = self._client.get(f"/{quote(bucket)}/{quote(key, safe='/')}", headers=_INTERNAL_AUTH)
        if r.status_code == 200:
            headers = {k: v for k, v in r.headers.items() if _KEPT_HEADERS.fullmatch(k)}
            etag = r.headers.get("ETag", "")
            self.store.execute(
                "INSERT INTO s3_objects (bucket, key, body, headers, etag) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (bucket, key) DO UPDATE SET body = excluded.body,"
                " headers = excluded.headers, etag = excluded.etag",
                (bucket, key, r.get_data(), json.dumps(headers), etag if "-" in etag else None),
            )
        elif r.status_code == 404:
            self.store.execute("DELETE FROM s3_objects WHERE bucket = ? AND key = ?", (bucket, key))

    # ------------------------------------------------------------------- undo
    def _undo(self, environ: dict[str, Any], response: bytes) -> None:
        """Put moto back to the mirror's committed state for what this request changed."""
        bucket, key = self._target(environ)
        if bucket is None:
            return
        try:
            if key is not None:
                method = environ["REQUEST_METHOD"]
                query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
                multipart = "uploads" in query or "uploadId" in query
                if multipart:
                    self.uploads.undo(self._backend(), bucket, query, response)
                if not multipart or _completes(method, query):
                    self._undo_object(bucket, key)
            else:  # bucket create/delete, DeleteObjects
                self._undo_bucket(bucket)
        except Exception:  # the mirror cannot even be read: the next restart replays it
            log.exception("could not undo an uncommitted change to s3://%s", bucket)

    def _undo_object(self, bucket: str, key: str) -> None:
        row = self.store.query_one(
            "SELECT body, headers, etag FROM s3_objects WHERE bucket = ? AND key = ?",
            (bucket, key),
        )
        if row is None:
            self._client.delete(f"/{quote(bucket)}/{quote(key, safe='/')}", headers=_INTERNAL_AUTH)
        else:
            self._replay_object(bucket, key, row)

    def _replay_object(self, bucket: str, key: str, row: Mapping[str, Any]) -> bool:
        """PUT a mirrored object back into moto, with its multipart ETag if it had one."""
        r = self._client.put(
            f"/{quote(bucket)}/{quote(key, safe='/')}",
            data=bytes(row["body"]),
            headers={**json.loads(row["headers"]), **_INTERNAL_AUTH},
        )
        if r.status_code >= 300:
            return False
        if row["etag"]:  # moto recomputes an MD5 only while its _etag is None
            self._backend().get_object(bucket, key)._etag = row["etag"].strip('"')
        return True

    def _undo_bucket(self, bucket: str) -> None:
        row = self.store.query_one("SELECT create_body FROM s3_buckets WHERE name = ?", (bucket,))
        if row is None:
            if self.bucket_exists(bucket):  # created by this request: it holds nothing durable
                self._backend().delete_bucket(bucket)
            return
        if not self.bucket_exists(bucket):  # deleted by this request (it was empty)
            self._client.put(
                f"/{quote(bucket)}", data=bytes(row["create_body"]), headers=_INTERNAL_AUTH
            )
        for obj in self.store.query("SELECT key FROM s3_objects WHERE bucket = ?", (bucket,)):
            self._undo_object(bucket, obj["key"])  # DeleteObjects: the keys it removed return
        self.uploads.restore(self._backend(), bucket)  # DeleteBucket dropped its open uploads
