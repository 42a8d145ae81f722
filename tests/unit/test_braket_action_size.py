"""A QuantumTask whose action is over Braket's 3 MB limit is refused at preview, unparsed.

The OpenQASM parser holds some 600 bytes per byte of program (a 3 MB program: ~1.8 GB, minutes),
so the size is judged on the text first and the parser is never called for a program Braket
would refuse anyway (``pulumi_quantum.rules.action_size_problem``).
"""

from __future__ import annotations

import json
import re

import pytest

from pulumi_quantum import qasm
from pulumi_quantum.rules import MAX_ACTION_BYTES, action_size_problem
from tests.unit.test_braket_check_diff import check

HEADER = "OPENQASM 3.0;\nqubit[2] q;\n"
OPENQASM = {"name": "braket.ir.openqasm.program", "version": "1"}


def program_of(size: int) -> str:
    """An OpenQASM program of exactly ``size`` bytes (a comment pads it)."""
    return HEADER + "h q[0];\n//" + "x" * (size - len(HEADER) - 10)


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every program text the OpenQASM front end is asked to parse (answered with a stub)."""
    calls: list[str] = []

    def fake_parse(source: str) -> str:
        calls.append(source)
        return "stub: parsed"

    monkeypatch.setattr(qasm, "_parse", fake_parse)
    monkeypatch.setattr(qasm, "_PARSED", qasm._ByteBoundedCache(0, 0))
    return calls


def test_a_source_over_the_limit_is_refused_naming_field_size_and_limit_and_is_never_parsed(
    parsed,
):
    source = program_of(MAX_ACTION_BYTES + 1)
    _, failures = check(source=source)
    reason = failures["source"]
    assert reason.startswith("source: the action is "), reason
    assert f"{MAX_ACTION_BYTES:,} bytes" in reason and "3 MB" in reason, reason
    size = int(re.search(r"the action is ([\d,]+) bytes;", reason)[1].replace(",", ""))
    assert MAX_ACTION_BYTES < size < MAX_ACTION_BYTES + 100, reason  # the source plus its header
    assert parsed == []


def test_an_action_over_the_limit_is_refused_and_never_parsed(parsed):
    action = json.dumps({"braketSchemaHeader": OPENQASM, "source": program_of(MAX_ACTION_BYTES)})
    _, failures = check(source=None, action=action)
    size = len(action.encode())
    assert failures["action"] == (
        f"action: the action is {size:,} bytes; Amazon Braket limits a quantum task's action to "
        f"3 MB ({MAX_ACTION_BYTES:,} bytes). Split the program into smaller tasks"
    )
    assert parsed == []


def test_inputs_count_towards_the_action_a_source_makes(parsed):
    """The limit is on the action Braket receives: the source plus its inputs."""
    source = program_of(MAX_ACTION_BYTES - 200)
    _, failures = check(source=source, inputs={"angle": "1" * 400})
    assert "Amazon Braket limits" in failures.get("source", ""), failures
    assert parsed == []


def test_a_program_under_the_limit_still_goes_to_the_parser(parsed):
    source = program_of(MAX_ACTION_BYTES - 200)
    _, failures = check(source=source)
    assert parsed == [source]
    assert "stub: parsed" in failures["source"]  # the parser's verdict, not a size refusal
    assert "Amazon Braket limits" not in failures["source"]


def test_the_limit_is_in_bytes_of_the_action_text():
    assert action_size_problem("x" * MAX_ACTION_BYTES) is None
    assert action_size_problem("x" * (MAX_ACTION_BYTES + 1)) is not None
    two_byte = "é" * (MAX_ACTION_BYTES // 2 + 1)  # fewer characters than the limit, more bytes
    assert len(two_byte) < MAX_ACTION_BYTES
    assert "3,145,730 bytes" in (action_size_problem(two_byte) or "")
