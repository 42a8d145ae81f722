"""Runtime programs: the ``/programs`` resource as qiskit-ibmq-provider's runtime client uses it.

Rules (those of IBM's service as the client documents them):

* uploading is a right of the account (``IbmUser.upload_programs``; 403 without it);
* a program belongs to the user who uploaded it; names are unique per owner (409 otherwise);
* private programs are invisible to other users (404, as if absent); public programs are
  visible to everybody but only the owner may change or delete them (403);
* ``data`` is the program source, base64 text; it is checked to decode to UTF-8 Python that
  compiles, so a broken upload fails at upload time rather than at the first job.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import secrets
import sqlite3
from typing import Any

from ..store import Store
from . import db
from .accounts import IbmUser
from .builtin import PUBLIC_OWNER, PUBLIC_PROGRAMS
from .errors import bad_request, conflict, forbidden, not_found
from .validation import PROGRAM_CREATE, PROGRAM_UPDATE, int_arg, validate

_COLUMNS = "id, owner, name, data, description, cost, is_public, spec, created_at, updated_at"


def decode_source(data: str, field: str = "data") -> str:
    """Base64 program text -> Python source; 400 naming the field when it is not."""
    try:
        raw = base64.b64decode(data.strip(), validate=True)
        source = raw.decode("utf-8")
    except (binascii.Error, ValueError):
        raise bad_request(
            f"invalid {field}: must be the program's Python source encoded as base64 text"
        ) from None
    try:
        compile(source, "<program>", "exec")
    except SyntaxError as exc:
        raise bad_request(
            f"invalid {field}: the program does not compile: {exc.msg} (line {exc.lineno})"
        ) from None
    except (ValueError, MemoryError, RecursionError) as exc:
        # Null bytes (ValueError), or nesting the compiler gives up on: the program's fault.
        reason = str(exc) or type(exc).__name__
        raise bad_request(
            f"invalid {field}: the program does not compile: {reason}; simplify its nesting"
        ) from None
    return source


def _program_id(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "program"
    return f"{slug}-{secrets.token_hex(4)}"


class Programs:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._install_public_programs()

    def _install_public_programs(self) -> None:
        """IBM's public programs (``builtin.PUBLIC_PROGRAMS``) exist in every local cloud, as
        they existed for every IBM account: visible, runnable, not changeable by users."""
        for program_id, meta in PUBLIC_PROGRAMS.items():
            data = base64.b64encode(str(meta["source"]).encode()).decode()
            self._store.execute(
                "INSERT OR IGNORE INTO ibm_programs (id, owner, name, data, description, cost,"
                " is_public, spec, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
                (
                    program_id,
                    PUBLIC_OWNER,
                    program_id,
                    data,
                    meta["description"],
                    meta["cost"],
                    json.dumps(meta["spec"]),
                    0.0,
                    0.0,
                ),
            )

    # -- reads -------------------------------------------------------------------------------
    def _row(self, program_id: str) -> sqlite3.Row | None:
        return self._store.query_one(
            f"SELECT {_COLUMNS} FROM ibm_programs WHERE id = ?", (program_id,)
        )

    def visible(self, user: IbmUser, program_id: str) -> sqlite3.Row:
        """The program if ``user`` may see it; 404 otherwise (private means invisible)."""
        row = self._row(program_id)
        if row is None or (row["owner"] != user.name and not row["is_public"]):
            raise not_found("program", program_id)
        return row

    def owned(self, user: IbmUser, program_id: str) -> sqlite3.Row:
        row = self.visible(user, program_id)
        if row["owner"] != user.name:
            raise forbidden(
                f"program {program_id!r} belongs to another user; public programs are "
                "read-only for everybody but their owner"
            )
        return row

    def get(self, user: IbmUser, program_id: str) -> dict[str, Any]:
        return self.to_json(self.visible(user, program_id), user)

    def list(self, user: IbmUser, limit: int | None, offset: int) -> dict[str, Any]:
        count, rows = self._store.page(
            "ibm_programs",
            "owner = ? OR is_public = 1",
            (user.name,),
            "created_at, id",
            limit,
            offset,
        )
        return {"programs": [self.to_json(r, user) for r in rows], "count": count}

    @staticmethod
    def to_json(row: sqlite3.Row, user: IbmUser) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "id": row["id"],
            "name": row["name"],
            "description": row["description"],
            "cost": row["cost"],
            "is_public": bool(row["is_public"]),
            "spec": json.loads(row["spec"]),
            "creation_date": db.iso(row["created_at"]),
            "update_date": db.iso(row["updated_at"]),
            # sha256 of the decoded source, so drift can be detected without the source
            "data_sha256": hashlib.sha256(base64.b64decode(row["data"])).hexdigest(),
        }
        if row["owner"] == user.name:
            # Only the owner gets the source back, as with IBM's service.
            doc["data"] = row["data"]
        return doc

    # -- writes ------------------------------------------------------------------------------
    def create(self, user: IbmUser, body: Any) -> dict[str, Any]:
        if not user.upload_programs:
            raise forbidden(
                f"user {user.name!r} is not authorized to upload runtime programs; "
                "use an account with the upload right (e.g. alice) or ask for access"
            )
        body = validate(body, PROGRAM_CREATE, "program")
        data = body["data"].strip()
        decode_source(data)
        program_id = _program_id(body["name"])
        ts = db.now()
        try:
            self._store.execute(
                f"INSERT INTO ibm_programs ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    program_id,
                    user.name,
                    body["name"],
                    data,
                    body.get("description", ""),
                    body["cost"],
                    int(bool(body.get("is_public", False))),
                    json.dumps(body.get("spec", {})),
                    ts,
                    ts,
                ),
            )
        except sqlite3.IntegrityError:
            raise conflict(
                f"a program named {body['name']!r} already exists for user {user.name!r}; "
                "choose another name or update the existing program"
            ) from None
        return self.get(user, program_id)

    def update(self, user: IbmUser, program_id: str, body: Any) -> None:
        self.owned(user, program_id)
        body = validate(body, PROGRAM_UPDATE, "program update")
        sets = {k: body[k] for k in ("name", "description", "cost") if k in body}
        if "spec" in body:
            sets["spec"] = json.dumps(body["spec"])
        sets["updated_at"] = db.now()
        assignments = ", ".join(f"{k} = ?" for k in sets)
        try:
            self._store.execute(
                f"UPDATE ibm_programs SET {assignments} WHERE id = ?",
                (*sets.values(), program_id),
            )
        except sqlite3.IntegrityError:
            raise conflict(
                f"a program named {body['name']!r} already exists for user {user.name!r}"
            ) from None

    def update_data(self, user: IbmUser, program_id: str, raw: bytes) -> None:
        self.owned(user, program_id)
        try:
            data = raw.decode("ascii").strip()
        except UnicodeDecodeError:
            raise bad_request("invalid program data: body must be base64 text") from None
        if not data:
            raise bad_request("invalid program data: body is empty; send the base64 source")
        decode_source(data, "program data")
        self._store.execute(
            "UPDATE ibm_programs SET data = ?, updated_at = ? WHERE id = ?",
            (data, db.now(), program_id),
        )

    def set_public(self, user: IbmUser, program_id: str, public: bool) -> None:
        self.owned(user, program_id)
        self._store.execute(
            "UPDATE ibm_programs SET is_public = ?, updated_at = ? WHERE id = ?",
            (int(public), db.now(), program_id),
        )

    def delete(self, user: IbmUser, program_id: str) -> None:
        self.owned(user, program_id)
        self._store.execute("DELETE FROM ibm_programs WHERE id = ?", (program_id,))

    def source_for_run(self, user: IbmUser, program_id: str) -> tuple[str, int]:
        """(source, max_execution_time) of a program ``user`` may run."""
        row = self.visible(user, program_id)
        return decode_source(row["data"]), int(row["cost"])


def parse_paging(args: Any) -> tuple[int | None, int]:
    """``limit``/``offset`` as qiskit-ibmq-provider's ``list_programs`` sends them."""
    return int_arg(args, "limit", None), int_arg(args, "offset", 0) or 0
