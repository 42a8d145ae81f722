"""Errors a user can act on, at preview: OpenQASM mistakes with line, column and token; an
undefined gate refused (not FAILED at run time); each problem reported once."""

from __future__ import annotations

import pytest

from pulumi_quantum import _provider
from pulumi_quantum.braket import QuantumTaskProvider
from pulumi_quantum.qasm import openqasm_problem

SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"


@pytest.fixture(autouse=True)
def no_stack_config():
    _provider._remember_stack_config({})


def failures(**overrides) -> list[tuple[str, str]]:
    news = {
        "source": "OPENQASM 3.0;\nqubit[2] q;\nh q[0];\ncnot q[0], q[1];\n",
        "device_arn": SV1,
        "output_s3_bucket": "amzn-braket-results",
        "output_s3_key_prefix": "p",
        "shots": 10,
        "urn_seed": "proj::stack::QuantumTask::errors",
        **overrides,
    }
    return [(f.property, f.reason) for f in QuantumTaskProvider().check({}, news).failures]


@pytest.mark.parametrize(
    ("source", "where", "token"),
    [
        ("OPENQASM 3.0;\nqubit[2] q;\nh q[0];\ncnot q[0] q[1];\n", "line 4, column 11", "'q'"),
        ("OPENQASM 3.0; qubit[2] q; h q[0] cnot q[0], q[1];", "line 1, column 34", "'cnot'"),
        ("OPENQASM 3.0;\nqubit[2] q;\nh q[0]\n", "line 4, column 1", "end of program"),
        ("OPENQASM 3.0;\nqubit[2] q;\nh q[0];\n$$$;\n", "line 4, column 1", "'$$'"),
    ],
)
def test_syntax_errors_name_line_column_and_token(source, where, token):
    [(prop, reason)] = failures(source=source)
    assert prop == "source"
    assert where in reason and token in reason, reason
    assert "QASM3ParsingError" not in reason


def test_an_undefined_gate_is_refused_at_preview_where_it_is_called():
    source = "OPENQASM 3.0;\nqubit[2] q;\nbit[2] c;\n  hh q[0];\nc = measure q;\n"
    [(prop, reason)] = failures(source=source)
    assert prop == "source"
    assert "line 4, column 3" in reason and "gate 'hh' is not defined" in reason, reason
    assert "did you mean 'h'" in reason


def test_the_same_rule_applies_inside_an_action():
    action = {
        "braketSchemaHeader": {"name": "braket.ir.openqasm.program", "version": "1"},
        "source": "OPENQASM 3.0;\nqubit[1] q;\nhadamard q[0];\n",
    }
    [(prop, reason)] = failures(source=None, action=action)
    assert prop == "action" and "gate 'hadamard' is not defined" in reason, reason


@pytest.mark.parametrize(
    "source",
    [
        "OPENQASM 3.0;\ngate hh a { h a; }\nqubit[2] q;\nhh q[0];\nctrl @ x q[0], q[1];\n",
        "OPENQASM 3.0;\nqubit[1] q;\nU(0.1, 0.2, 0.3) q[0];\ngphase(0.1);\n",
        "OPENQASM 3.0;\nqubit[2] q;\nbit[2] c;\nh q[0];\ncnot q[0], q[1];\n"
        "#pragma braket noise depolarizing(0.1) q[0]\nc = measure q;\n",
        "OPENQASM 3.0;\nqubit[2] q;\nfor int i in [0:1] { box { zz(0.1) q[0], q[1]; } }\n",
    ],
)
def test_defined_and_braket_gates_pass(source):
    assert openqasm_problem(source) is None
    assert failures(source=source) == []


def test_bad_json_in_device_parameters_is_reported_once():
    found = failures(device_parameters='{"braketSchemaHeader": ')
    assert [prop for prop, _ in found] == ["device_parameters"], found


def test_a_lexer_error_is_not_also_printed_to_stderr(capfd):
    source = "OPENQASM 3.0;\nqubit[2] q;\nh q[0];\n@@@;\n"
    [(_, reason)] = failures(source=source)
    assert "line 4" in reason
    captured = capfd.readouterr()
    assert "token recognition error" not in captured.err + captured.out


def test_a_qpus_own_gates_are_left_to_the_device():
    """AQT's native ``r`` in a verbatim box is valid on AQT and unknown to the simulators: the
    preview judges syntax only; CreateQuantumTask judges the device's gates (qpu_rules)."""
    source = "OPENQASM 3.0;\n#pragma braket verbatim\nbox { r(0.1, 0.2) $0; }\n"
    aqt = "arn:aws:braket:eu-north-1::device/qpu/aqt/Ibex-Q1"
    assert failures(source=source, device_arn=aqt) == []
    [(prop, reason)] = failures(source=source)  # the same program on SV1
    assert prop == "source" and "gate 'r' is not defined" in reason
    [(_, syntax)] = failures(source="OPENQASM 3.0;\nqubit q;\nh q\n", device_arn=aqt)
    assert "line 4, column 1" in syntax
