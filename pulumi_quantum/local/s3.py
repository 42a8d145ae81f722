"""S3 on loopback: moto's server application, made durable with SQLite.

moto keeps buckets and objects in memory. A thin WSGI middleware mirrors every successful change
(bucket create/delete, object put/copy/multipart-complete/delete) into the Store, reading the
object's final bytes back from moto itself rather than re-implementing S3 semantics; at start-up
the mirror is replayed into a freshly reset moto. Only buckets and object contents (with their
Content-Type and user metadata) are durable; bucket sub-resources (policies, versioning, tags) live
in memory only, which the local cloud never needs.

moto's backends are process-global: one S3Service per process at a time (``restore`` resets them).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, quote, unquote

from .faults import Faults
from .store import Store

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

    def __init__(self, store: Store, faults: Faults | None = None) -> None:
        from werkzeug.test import Client

        self.store = store
        self.faults = faults or Faults()
        self.store.migrate(DDL)
        self._moto = _MotoS3()
        self._client = Client(self._moto)

    # ---------------------------------------------------------------- restore
    def restore(self) -> tuple[int, int]:
        """Reset moto and replay the mirror into it; returns (buckets, objects) restored."""
        self._client.post("/moto-api/reset", headers=_INTERNAL_AUTH)
        buckets = self.store.query("SELECT name, create_body FROM s3_buckets")
        for row in buckets:
            r = self._client.put(
                f"/{quote(row['name'])}", data=bytes(row["create_body"]), headers=_INTERNAL_AUTH
            )
            if r.status_code >= 300:
                log.error("could not restore bucket %s: %s", row["name"], r.get_data()[:200])
        objects = self.store.query("SELECT bucket, key, body, headers FROM s3_objects")
        for row in objects:
            r = self._client.put(
                f"/{quote(row['bucket'])}/{quote(row['key'], safe='/')}",
                data=bytes(row["body"]),
                headers={**json.loads(row["headers"]), **_INTERNAL_AUTH},
            )
            if r.status_code >= 300:
                log.error("could not restore s3://%s/%s", row["bucket"], row["key"])
        return len(buckets), len(objects)

    # ------------------------------------------------------------------- WSGI
    def app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/_local/health":
            return self._json(start_response, {"status": "ok", "service": "s3"})
        if path == "/_local/faults":
            if environ["REQUEST_METHOD"] == "POST":
                length = int(environ.get("CONTENT_LENGTH") or 0)
                try:
                    self.faults.update(json.loads(environ["wsgi.input"].read(length) or b"{}"))
                except (ValueError, TypeError) as exc:
                    return self._json(start_response, {"message": str(exc)}, "400 Bad Request")
            return self._json(start_response, self.faults.as_dict())
        fault = self._fault()
        if fault:
            status, code, message = fault
            body = _XML_ERROR.format(code=code, message=message).encode()
            start_response(status, [("Content-Type", "application/xml")])
            return [body]

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
        result = self._moto(environ, capture)
        try:
            chunks = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close:
                close()
        status_code = int(captured["status"].split()[0])
        if method in ("PUT", "POST", "DELETE") and status_code < 300:
            self._mirror(environ, method, body_in)
        start_response(captured["status"], captured["headers"])
        return [chunks]

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
    def bucket_exists(self, bucket: str) -> bool:
        """HEAD the bucket in moto directly (the Braket service lives in the same process)."""
        return self._client.head(f"/{quote(bucket)}", headers=_INTERNAL_AUTH).status_code == 200

    def put_object(self, bucket: str, key: str, body: bytes, content_type: str) -> None:
        """PutObject without an HTTP round trip; mirrored like any other write."""
        headers = {"Content-Type": content_type, **_INTERNAL_AUTH}
        r = self._client.put(f"/{quote(bucket)}/{quote(key, safe='/')}", data=body, headers=headers)
        if r.status_code >= 300:
            raise OSError(
                f"PutObject s3://{bucket}/{key} failed: HTTP {r.status_code} {r.get_data()[:200]!r}"
            )
        self.store.execute(
            "INSERT INTO s3_objects (bucket, key, body, headers) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (bucket, key) DO UPDATE SET body = excluded.body,"
            " headers = excluded.headers",
            (bucket, key, body, json.dumps({"Content-Type": content_type})),
        )

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

    def _mirror(self, environ: dict[str, Any], method: str, body_in: bytes) -> None:
        bucket, key = self._target(environ)
        if bucket is None or bucket.startswith(("moto-api", "_local")):
            return
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        if key is not None:
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
                conn.execute("DELETE FROM s3_buckets WHERE name = ?", (bucket,))
        elif "delete" in query:  # DeleteObjects: re-check every key we hold for the bucket
            for row in self.store.query("SELECT key FROM s3_objects WHERE bucket = ?", (bucket,)):
                self._sync_object(bucket, row["key"])

    def _sync_object(self, bucket: str, key: str) -> None:
        """Copy the object's current state in moto (present or gone) into the Store."""
        r = self._client.get(f"/{quote(bucket)}/{quote(key, safe='/')}", headers=_INTERNAL_AUTH)
        if r.status_code == 200:
            headers = {k: v for k, v in r.headers.items() if _KEPT_HEADERS.fullmatch(k)}
            self.store.execute(
                "INSERT INTO s3_objects (bucket, key, body, headers) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (bucket, key) DO UPDATE SET body = excluded.body,"
                " headers = excluded.headers",
                (bucket, key, r.get_data(), json.dumps(headers)),
            )
        elif r.status_code == 404:
            self.store.execute("DELETE FROM s3_objects WHERE bucket = ? AND key = ?", (bucket, key))
