"""A long OpenQASM program is checked in pieces of whole statements, with the same verdict.

Parsing holds some 600 bytes of syntax trees per byte of program; a program near Braket's 3 MB
action limit would need ~1.8 GB at preview. Above ``qasm.PARSE_CHUNK_BYTES`` the program is cut
after top-level statements (never inside a block, comment or string, never before ``else``) and
each piece is parsed and dropped in turn. These tests use a small piece size so they stay fast.
"""

from __future__ import annotations

import pytest

from pulumi_quantum import qasm

PIECE = 2000
HEAD = (
    "OPENQASM 3.0;\ninput float theta;\nqubit[4] q;\nbit[4] c;\n"
    "gate myg(a) x, y { rx(a) x; cnot x, y; }\n"
)
BLOCK = """// a comment with ; and { braces
h q[0]; cnot q[0], q[1]; /* a block comment ; } */ myg(theta) q[1], q[2];
if (c[0]) { x q[1]; } else { z q[1]; }
if (c[1]) x q[2];
else y q[2];
for int i in [0:2] { rz(0.1 * i) q[3]; }
#pragma braket verbatim
box { cnot q[0], q[1]; }
c[0] = measure q[0];
"""
PROGRAM = HEAD + BLOCK * 40


@pytest.fixture
def pieces(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Small pieces; every text the parser is handed is recorded."""
    seen: list[str] = []
    parse = qasm._parse

    def recording(source: str):
        seen.append(source)
        return parse(source)

    monkeypatch.setattr(qasm, "PARSE_CHUNK_BYTES", PIECE)
    monkeypatch.setattr(qasm, "_parse", recording)
    monkeypatch.setattr(qasm, "_PARSED", qasm._ByteBoundedCache(0, 0))
    return seen


def whole_program_problem(source: str) -> str | None:
    """The verdict from one parse of the whole program (how every program was checked before)."""
    program = qasm._parse(source)
    return program if isinstance(program, str) else qasm.undefined_gate_problem(program)


def test_a_long_program_is_parsed_in_pieces_never_whole(pieces):
    assert qasm.openqasm_problem(PROGRAM) is None
    assert len(pieces) > 5
    assert "".join(pieces) == PROGRAM
    assert max(map(len, pieces)) <= PIECE + len(BLOCK)  # a piece, never the program


def test_every_piece_is_whole_statements():
    cuts = qasm.statement_chunks(PROGRAM, PIECE)
    assert len(cuts) > 5
    for start, end in cuts:
        piece = PROGRAM[start:end]
        assert not isinstance(qasm._parse(piece), str), piece[:200]
        assert not piece.lstrip().startswith("else")


def with_line(number: int, text: str) -> str:
    lines = PROGRAM.split("\n")
    lines[number - 1] = text
    return "\n".join(lines)


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(with_line(301, "h q[0] cnot;"), id="syntax error late in the program"),
        pytest.param(with_line(302, "h q[1]; hh q[0];"), id="undefined gate, mid-line"),
        pytest.param(with_line(303, "x q[0]; y q[1]; myg2(1) q[0], q[1];"), id="near-miss name"),
        pytest.param(PROGRAM + "gate late a { x a; }\nlate q[0];\n", id="gate defined late"),
        pytest.param(with_line(300, 'include "stdgates.inc"; hh q[0];'), id="an include"),
    ],
)
def test_pieces_give_the_whole_program_verdict_with_its_line_and_column(pieces, source):
    expected = whole_program_problem(source)
    assert qasm.openqasm_problem(source) == expected
    assert len(pieces) > 5


def test_a_qpu_program_in_pieces_is_judged_on_syntax_only(pieces):
    source = with_line(302, "h q[1]; hh q[0];")
    assert qasm.openqasm_problem(source, simulator=False) is None
    assert len(pieces) > 5
