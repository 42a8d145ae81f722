"""The local gateway's upload rules, as pure functions (the client checks none of these itself).

qiskit-serverless 0.32 sends no ``arguments_schema`` and tars the folder itself, so a schema
and a hostile tar reach the gateway only from other callers (the coming Function resource,
curl): these are proven here, without a server.
"""

from __future__ import annotations

import io
import json
import tarfile

import pytest

from pulumi_quantum.local.gateway import rules
from pulumi_quantum.local.ibm.errors import ApiError


def _tar(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_arguments_schema_is_checked_against_its_meta_schema() -> None:
    good = json.dumps({"type": "object", "properties": {"x": {"type": "integer"}}})
    assert json.loads(rules.arguments_schema(good) or "") == json.loads(good)
    assert rules.arguments_schema("") is None
    with pytest.raises(ApiError, match="arguments_schema: not a valid JSON Schema"):
        rules.arguments_schema(json.dumps({"type": "integr"}))
    with pytest.raises(ApiError, match="arguments_schema"):
        rules.arguments_schema("{not json")


def test_artifact_needs_its_entrypoint_and_stays_inside_its_folder() -> None:
    assert rules.artifact(_tar({"main.py": b"print(1)"}), "main.py")
    with pytest.raises(ApiError, match=r"entrypoint: 'run\.py' is not in the uploaded artifact"):
        rules.artifact(_tar({"main.py": b""}), "run.py")
    with pytest.raises(ApiError, match="escapes the folder"):
        rules.artifact(_tar({"../evil.py": b"", "main.py": b""}), "main.py")
    with pytest.raises(ApiError, match="must be a relative path"):
        rules.artifact(_tar({"main.py": b""}), "/main.py")
    with pytest.raises(ApiError, match="not a tar archive"):
        rules.artifact(b"plain bytes, no tar", "main.py")


def test_artifact_over_50_mb_is_refused_with_413() -> None:
    with pytest.raises(ApiError) as caught:
        rules.artifact(b"\0" * (rules.MAX_ARTIFACT_BYTES + 1), "main.py")
    assert caught.value.status == 413
    assert rules.MAX_ARTIFACT_BYTES == 50 * 1024 * 1024  # IBM's limit, as the client states it


@pytest.mark.parametrize("bad", ["1.0", "v1.0.0", "1.0.0-beta", "1.0.0.0", 100])
def test_version_must_be_x_y_z(bad: object) -> None:
    with pytest.raises(ApiError, match="version"):
        rules.version(bad)
    assert rules.version("10.2.33") == "10.2.33"


def test_dependencies_report_every_problem_at_once() -> None:
    with pytest.raises(ApiError) as caught:
        rules.dependencies(["qiskit>=1", "nonexistent-pkg==1.0.0", "numpy==0.0.1"])
    message = caught.value.message
    assert "'qiskit>=1' is not pinned" in message
    assert "'nonexistent-pkg' is not on the allow-list" in message
    assert "numpy==0.0.1 is not available" in message
    pinned = [p for p in rules.allow_list() if p.startswith("numpy==")]
    assert rules.dependencies(pinned) == pinned
