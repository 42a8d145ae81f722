"""Remembered passing verdicts (pulumi_quantum/verdicts.py): what a later provider process skips,
and what it must still check.

Each case runs in a fresh interpreter (a provider process per preview, as the engine starts
them), so what a check imported is visible in ``sys.modules``; ``PQ_CACHE`` points at a
directory of the test's own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures import BELL

TASK = {
    "source": BELL,
    "device_arn": "arn:aws:braket:::device/quantum-simulator/amazon/sv1",
    "output_s3_bucket": "amzn-braket-results",
    "output_s3_key_prefix": "bell",
    "shots": 100,
    "urn_seed": "proj::stack::type::bell",
}
PROGRAM = {
    "data": "def main(backend, user_messenger, **kwargs):\n    return kwargs\n",
    "metadata": {"name": "bench-program", "max_execution_time": 600, "description": "d"},
    "urn_seed": "proj::stack::type::prog",
}

_PROBE = textwrap.dedent(
    """
    import json, sys
    kind, news = json.loads(sys.stdin.read())
    if kind == "task":
        from pulumi_quantum.braket.task import QuantumTaskProvider as Provider
    else:
        from pulumi_quantum.ibm.program import RuntimeProgramProvider as Provider
    result = Provider().check({}, news)
    loaded = sorted({m.split(".")[0] for m in sys.modules} & {"openqasm3", "jsonschema"})
    print(json.dumps({"failures": [[f.property, f.reason] for f in result.failures],
                      "loaded": loaded}))
    """
)


def check_in_fresh_process(kind: str, news: dict[str, Any], **env: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE],
        input=json.dumps([kind, news]),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **env},
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def verdict_files(cache: Path) -> list[Path]:
    return sorted(p for p in (cache / "verdicts").rglob("*") if p.is_file())


@pytest.mark.parametrize(("kind", "news", "library"), [
    ("task", TASK, "openqasm3"),
    ("program", PROGRAM, "jsonschema"),
])  # fmt: skip
def test_a_pass_is_remembered_and_the_next_process_skips_the_library(
    tmp_path: Path, kind: str, news: dict[str, Any], library: str
) -> None:
    first = check_in_fresh_process(kind, news, PQ_CACHE=str(tmp_path))
    assert first == {"failures": [], "loaded": [library]}  # the control: the library ran
    assert len(verdict_files(tmp_path)) == 1
    assert verdict_files(tmp_path)[0].read_bytes() == b""  # nothing of the input is kept
    again = check_in_fresh_process(kind, news, PQ_CACHE=str(tmp_path))
    assert again == {"failures": [], "loaded": []}


def test_a_changed_program_is_parsed_again_and_failures_are_never_remembered(
    tmp_path: Path,
) -> None:
    check_in_fresh_process("task", TASK, PQ_CACHE=str(tmp_path))
    broken = {**TASK, "source": BELL.replace("cnot q[0], q[1];", "cnot q[0] q[1];")}
    for _ in range(2):  # the second time too: a failure is computed, with its message
        result = check_in_fresh_process("task", broken, PQ_CACHE=str(tmp_path))
        assert result["loaded"] == ["openqasm3"]
        [(prop, reason)] = result["failures"]
        assert prop == "source" and reason.startswith("source is not valid OpenQASM 3:")
    assert len(verdict_files(tmp_path)) == 1  # only the pass of the first check


def test_a_metadata_typo_beside_a_remembered_document_is_still_reported(tmp_path: Path) -> None:
    check_in_fresh_process("program", PROGRAM, PQ_CACHE=str(tmp_path))
    typo = {**PROGRAM, "metadata": {**PROGRAM["metadata"], "is_pubilc": True}}
    result = check_in_fresh_process("program", typo, PQ_CACHE=str(tmp_path))
    assert result["loaded"] == ["jsonschema"]
    assert any("is_pubilc" in reason and "is_public" in reason for _, reason in result["failures"])


def test_turned_off_or_unwritable_means_nothing_is_remembered(tmp_path: Path) -> None:
    off = check_in_fresh_process("task", TASK, PQ_CACHE=str(tmp_path), PQ_VERDICTS="off")
    assert off == {"failures": [], "loaded": ["openqasm3"]}
    assert verdict_files(tmp_path) == []
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("")  # the cache directory cannot be created under a file
    for _ in range(2):
        result = check_in_fresh_process("task", TASK, PQ_CACHE=str(blocked))
        assert result == {"failures": [], "loaded": ["openqasm3"]}


def test_the_key_covers_the_libraries_versions(tmp_path: Path, monkeypatch) -> None:
    from pulumi_quantum import verdicts

    monkeypatch.setenv("PQ_CACHE", str(tmp_path))
    libraries = verdicts.library_versions(("openqasm3", "openqasm3"))
    assert libraries[1].startswith("openqasm3-") and libraries[1].endswith(".dist-info")
    verdicts.remember("openqasm3-parse", libraries, BELL)
    assert verdicts.passed("openqasm3-parse", libraries, BELL)
    upgraded = (*libraries[:1], "openqasm3-9.9.9.dist-info")
    assert not verdicts.passed("openqasm3-parse", upgraded, BELL)
    assert not verdicts.passed("json-schema", libraries, BELL)
    assert not verdicts.passed("openqasm3-parse", libraries, BELL + "\n")


def test_each_directory_keeps_its_most_recently_used_verdicts(tmp_path: Path, monkeypatch) -> None:
    """The cache is bounded: over MAX_PER_DIRECTORY, the least recently *used* verdicts go."""
    from pulumi_quantum import verdicts

    monkeypatch.setenv("PQ_CACHE", str(tmp_path))
    monkeypatch.setattr(verdicts, "MAX_PER_DIRECTORY", 3)
    libraries = verdicts.library_versions(("openqasm3", "openqasm3"))
    # Five programs whose verdicts share one subdirectory (searched, not assumed).
    by_directory: dict[Path, list[str]] = {}
    for i in range(5000):
        subject = f"{BELL}// {i}\n"
        directory = verdicts._path("openqasm3-parse", libraries, b"", subject).parent
        by_directory.setdefault(directory, []).append(subject)
        if len(by_directory[directory]) == 5:
            break
    subjects = by_directory[directory]
    assert len(subjects) == 5
    for age, subject in enumerate(subjects[:3]):  # remembered 30, 20 and 10 s ago
        verdicts.remember("openqasm3-parse", libraries, subject)
        path = verdicts._path("openqasm3-parse", libraries, b"", subject)
        stamp = path.stat().st_mtime - 30 + 10 * age
        os.utime(path, (stamp, stamp))
    assert verdicts.passed("openqasm3-parse", libraries, subjects[0])  # the oldest, used now

    verdicts.remember("openqasm3-parse", libraries, subjects[3])
    assert len(list(directory.iterdir())) == 3
    kept = [verdicts.passed("openqasm3-parse", libraries, s) for s in subjects[:4]]
    assert kept == [True, False, True, True]  # subjects[1] was the least recently used

    verdicts.remember("openqasm3-parse", libraries, subjects[4])
    assert len(list(directory.iterdir())) == 3
    assert verdicts.passed("openqasm3-parse", libraries, subjects[4])
