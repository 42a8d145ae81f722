"""In-progress S3 multipart uploads, made durable like objects.

Real S3 keeps an incomplete multipart upload until it is completed or aborted, so an upload
started before a restart of the local cloud must be completable after it. moto holds uploads
(``FakeMultipart``: key, metadata, storage class, tags, encryption, and the parts as
``FakeKey``) in memory only; this module mirrors them into the Store after each successful
CreateMultipartUpload / UploadPart(Copy) / Complete / Abort, and replays them into moto's backend at
start-up under their original upload ids. A part's ETag is moto's MD5 of its bytes, recomputed
from the same bytes on replay, so ``list_parts`` and the completed object's ETag (the MD5 of the
parts' MD5s plus ``-N``) are the ones the client saw before the restart.

The parts' bytes are read from moto's backend (no re-implementation of S3's semantics); an
upload's ACL is not kept (the local cloud serves no ACLs).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .store import Store

DDL = """
CREATE TABLE IF NOT EXISTS s3_uploads (
    upload_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    upload TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS s3_upload_parts (
    upload_id TEXT NOT NULL,
    part_number INTEGER NOT NULL,
    body BLOB NOT NULL,
    etag TEXT NOT NULL,
    PRIMARY KEY (upload_id, part_number)
);
"""


def _describe(upload: Any) -> str:
    """What of moto's ``FakeMultipart`` (besides its parts) CompleteMultipartUpload uses."""
    return json.dumps(
        {
            "metadata": dict(upload.metadata or {}),
            "storage": upload.storage,
            "tags": upload.tags or {},
            "sse_encryption": upload.sse_encryption,
            "kms_key_id": upload.kms_key_id,
        }
    )


class MultipartMirror:
    """The Store's copy of moto's open multipart uploads, and the way back into moto."""

    def __init__(self, store: Store) -> None:
        self.store = store
        store.migrate(DDL)

    # ----------------------------------------------------------------- mirror
    def sync(
        self, backend: Any, bucket: str, query: Mapping[str, list[str]], response: bytes
    ) -> None:
        """Mirror what one successful multipart request changed in moto's ``bucket``.

        ``?uploads`` (create): the upload named in the response is added; ``?uploadId&partNumber``
        (a part): that part is upserted; ``?uploadId`` alone (complete, abort): the upload and its
        parts are dropped once moto no longer has it. Only what this request touched is read, so
        concurrent requests on other parts or uploads never see each other's half-done state.
        """
        multiparts = backend.get_bucket(bucket).multiparts
        if "uploads" in query:
            upload = multiparts.get(upload_id_of(response))
            if upload is not None:
                self._insert(bucket, upload)
            return
        upload_id = query["uploadId"][0]
        upload = multiparts.get(upload_id)
        if upload is None:
            self.forget(upload_id)
            return
        for number in query.get("partNumber", []):
            part = upload.parts.get(int(number))
            if part is not None:
                self.store.execute(  # not for an upload a concurrent request just ended
                    "INSERT INTO s3_upload_parts (upload_id, part_number, body, etag)"
                    " SELECT ?, ?, ?, ? WHERE EXISTS"
                    " (SELECT 1 FROM s3_uploads WHERE upload_id = ?)"
                    " ON CONFLICT (upload_id, part_number) DO UPDATE"
                    " SET body = excluded.body, etag = excluded.etag",
                    (upload_id, int(number), bytes(part.value), part.etag, upload_id),
                )

    def undo(
        self, backend: Any, bucket: str, query: Mapping[str, list[str]], response: bytes
    ) -> None:
        """Put back in moto what one request changed but the Store did not commit (``sync``'s
        inverse): the created upload goes, the part returns to its committed bytes (or goes),
        a completed or aborted upload returns with its committed parts."""
        multiparts = backend.get_bucket(bucket).multiparts
        if "uploads" in query:
            multiparts.pop(upload_id_of(response), None)
            return
        upload_id = query["uploadId"][0]
        upload = multiparts.get(upload_id)
        if upload is None:
            row = self.store.query_one(
                "SELECT upload_id, bucket, key, upload FROM s3_uploads WHERE upload_id = ?",
                (upload_id,),
            )
            if row is not None:
                multiparts[upload_id] = self._rebuild(backend, row)
            return
        for number in map(int, query.get("partNumber", [])):
            part = self.store.query_one(
                "SELECT body FROM s3_upload_parts WHERE upload_id = ? AND part_number = ?",
                (upload_id, number),
            )
            if part is not None:
                upload.set_part(number, bytes(part["body"]))
            elif number in upload.parts:
                upload.parts.pop(number).dispose()
                upload.partlist.remove(number)

    def _insert(self, bucket: str, upload: Any) -> None:
        self.store.execute(
            "INSERT INTO s3_uploads (upload_id, seq, bucket, key, upload) VALUES"
            " (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM s3_uploads), ?, ?, ?)",
            (upload.id, bucket, upload.key_name, _describe(upload)),
        )

    def forget(self, upload_id: str) -> None:
        """Drop an upload and its parts (completed or aborted)."""
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM s3_upload_parts WHERE upload_id = ?", (upload_id,))
            conn.execute("DELETE FROM s3_uploads WHERE upload_id = ?", (upload_id,))

    def forget_bucket(self, conn: Any, bucket: str) -> None:
        """Drop a deleted bucket's uploads, inside the caller's transaction."""
        conn.execute(
            "DELETE FROM s3_upload_parts WHERE upload_id IN"
            " (SELECT upload_id FROM s3_uploads WHERE bucket = ?)",
            (bucket,),
        )
        conn.execute("DELETE FROM s3_uploads WHERE bucket = ?", (bucket,))

    # ---------------------------------------------------------------- restore
    def restore(self, backend: Any, bucket: str | None = None) -> int:
        """Make moto's open uploads (of ``bucket``, or of every bucket) the Store's; returns how
        many were put back. Used at start-up and to undo an uncommitted DeleteBucket."""
        from moto.s3.exceptions import MissingBucket

        sql = "SELECT upload_id, bucket, key, upload FROM s3_uploads"
        rows = self.store.query(
            sql + (" WHERE bucket = ?" if bucket else "") + " ORDER BY seq",
            (bucket,) if bucket else (),
        )
        restored = 0
        for row in rows:
            try:
                target = backend.get_bucket(row["bucket"])
            except MissingBucket:
                continue
            target.multiparts[row["upload_id"]] = self._rebuild(backend, row)
            restored += 1
        return restored

    def _rebuild(self, backend: Any, row: Mapping[str, Any]) -> Any:
        """moto's ``FakeMultipart`` for a stored upload, under its own id, with its parts."""
        from moto.s3.models import FakeMultipart
        from moto.s3.utils import CaseInsensitiveDict

        doc = json.loads(row["upload"])
        upload = FakeMultipart(
            row["key"],
            CaseInsensitiveDict(doc["metadata"]),
            account_id=backend.account_id,
            region_name=backend.region_name,
            storage=doc["storage"],
            tags=doc["tags"],
            sse_encryption=doc["sse_encryption"],
            kms_key_id=doc["kms_key_id"],
        )
        upload.id = row["upload_id"]
        parts = self.store.query(
            "SELECT part_number, body FROM s3_upload_parts WHERE upload_id = ?"
            " ORDER BY part_number",
            (row["upload_id"],),
        )
        for part in parts:
            upload.set_part(part["part_number"], bytes(part["body"]))
        return upload


def upload_id_of(response: bytes) -> str:
    """The ``UploadId`` of a CreateMultipartUpload response ('' if it has none)."""
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(response)
    except ET.ParseError:
        return ""
    found = next((e.text for e in root.iter() if e.tag.rpartition("}")[2] == "UploadId"), None)
    return found or ""
