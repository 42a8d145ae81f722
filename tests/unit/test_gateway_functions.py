"""The gateway's function rules on a bare SQLite store (no server, no job process).

What the 0.32 client cannot send - an ``arguments_schema`` - is proven here: ``run`` validates
the arguments against it and refuses before any job exists. Upsert keeps the function's id.
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

from pulumi_quantum.local.gateway import db
from pulumi_quantum.local.gateway.functions import Functions
from pulumi_quantum.local.ibm.accounts import DEFAULT_USERS
from pulumi_quantum.local.ibm.errors import ApiError
from pulumi_quantum.local.store import Store

ALICE = DEFAULT_USERS[0]


class _Executor:
    def __init__(self) -> None:
        self.submitted: list[str] = []

    def submit(self, job_id: str, token: str) -> None:
        self.submitted.append(job_id)


def _tar() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("main.py")
        tar.addfile(info, io.BytesIO(b""))
    return buffer.getvalue()


@pytest.fixture
def functions(tmp_path: Path) -> Any:
    store = Store(tmp_path / "state.sqlite3")
    db.migrate(store)
    yield Functions(store, _Executor())  # type: ignore[arg-type]
    store.close()


def test_run_validates_arguments_against_the_schema_before_any_job(functions: Any) -> None:
    schema = {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}
    form = {"title": "typed", "entrypoint": "main.py", "arguments_schema": json.dumps(schema)}
    functions.upload(ALICE, form, _tar())
    crn = ALICE.crns[0]
    with pytest.raises(ApiError, match=r"arguments: \$\.x: 'two' is not of type 'integer'"):
        functions.run(ALICE, crn, {"title": "typed", "arguments": json.dumps({"x": "two"})})
    with pytest.raises(ApiError, match="'x' is a required property"):
        functions.run(ALICE, crn, {"title": "typed", "arguments": "{}"})
    assert functions.executor.submitted == []
    job = functions.run(ALICE, crn, {"title": "typed", "arguments": json.dumps({"x": 2})})
    assert functions.executor.submitted == [job["id"]]


def test_upload_is_an_upsert_on_owner_and_title_keeping_the_id(functions: Any) -> None:
    first = functions.upload(ALICE, {"title": "f", "entrypoint": "main.py"}, _tar())
    second = functions.upload(
        ALICE, {"title": "f", "entrypoint": "main.py", "version": "2.0.0"}, _tar()
    )
    assert second["id"] == first["id"] and second["version"] == "2.0.0"
    assert [f["title"] for f in functions.visible(ALICE)] == ["f"]
    assert "env_vars" not in second  # secrets are never answered back
