"""Re-checking inputs an earlier check accepted skips the expensive validations, and nothing else.

Why: every `pulumi up` checks every resource again. QuantumTask's check parses OpenQASM 3
(an import of ~0.1 s, then ~0.6 ms a program) and walks botocore's service model; on a
no-op up of a large stack that was most of what the provider added over a no-op resource
(bench/RESULTS.md). :meth:`ResourceDecl.accepted` lets those validations be skipped when the
normalised inputs equal the ones the engine stored from an earlier successful check. These tests
pin down both halves: the result is the same as a full check, and any change validates again.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from pulumi_quantum.braket.spending_limit import SpendingLimitProvider
from pulumi_quantum.braket.task import QuantumTaskProvider
from pulumi_quantum.declare import _canonical
from tests.fixtures import BELL, SV1

PARAMETRISED = "OPENQASM 3.0;\ninput float theta;\nqubit q;\nrx(theta) q;\n"
TASK = {
    "source": BELL,
    "device_arn": SV1,
    "output_s3_bucket": "amzn-braket-results",
    "output_s3_key_prefix": "bell",
    "shots": 100,
    "urn_seed": "proj::stack::quantum:braket:QuantumTask::bell",
}
LIMIT = {
    "device_arn": "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1",
    "spending_limit": 250,
    "time_period": {"start_at": "2030-01-01", "end_at": "2031-01-01"},
    "urn_seed": "proj::stack::quantum:braket:SpendingLimit::cap",
}


def as_stored(inputs: dict[str, Any]) -> dict[str, Any]:
    """Checked inputs as the engine hands them back next time: numbers as floats, and the
    dynamic provider host's ``__provider`` alongside."""
    stored = json.loads(json.dumps(inputs))
    stored = {k: float(v) if isinstance(v, int) and not isinstance(v, bool) else v
              for k, v in stored.items()}  # fmt: skip
    return {**stored, "__provider": "pickled"}


def same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keys = set(a) | set(b)
    return all(_canonical(a.get(k)) == _canonical(b.get(k)) for k in keys)


TASK_VARIANTS = [
    {},
    {"source": PARAMETRISED, "inputs": {"theta": 0.25}},
    {"device_parameters": {"braketSchemaHeader": {"name": "x", "version": "1"}}},
    {"tags": {"team": "q"}, "wait_for_completion": False, "wait_timeout_seconds": 120},
    {"source": None, "action": {"braketSchemaHeader": {"name": "braket.ir.openqasm.program",
                                                       "version": "1"}, "source": BELL}},
]  # fmt: skip


@pytest.mark.parametrize("overrides", TASK_VARIANTS)
def test_task_recheck_of_accepted_inputs_equals_a_full_check(overrides: dict[str, Any]) -> None:
    news = {k: v for k, v in {**TASK, **overrides}.items() if v is not None}
    provider = QuantumTaskProvider()
    first = provider.check({}, news)
    assert first.failures == []
    again = provider.check(as_stored(first.inputs), news)
    assert again.failures == []
    assert same(again.inputs, first.inputs), (again.inputs, first.inputs)


def test_spending_limit_recheck_of_accepted_inputs_equals_a_full_check() -> None:
    provider = SpendingLimitProvider()
    first = provider.check({}, LIMIT)
    assert first.failures == []
    again = provider.check(as_stored(first.inputs), LIMIT)
    assert again.failures == [] and same(again.inputs, first.inputs)


@pytest.mark.parametrize(
    ("change", "prop", "text"),
    [
        ({"source": "OPENQASM 3.0; qubit[2] q; h q[0"}, "source", "not valid OpenQASM 3"),
        ({"job_token": "t" * 200}, "job_token", "at most 128"),  # only the service model knows
        ({"device_arn": "arn:" + "x" * 300}, "device_arn", "at most 256"),
    ],
)
def test_any_changed_input_is_validated_again(change: dict[str, Any], prop: str, text: str) -> None:
    provider = QuantumTaskProvider()
    accepted = as_stored(provider.check({}, TASK).inputs)
    result = provider.check(accepted, {**TASK, **change})
    reasons = [f.reason for f in result.failures if f.property == prop]
    assert any(text in reason for reason in reasons), result.failures


def test_a_different_resource_with_the_same_inputs_is_validated_again() -> None:
    """The URN seed is an input too: olds of another resource never vouch for these."""
    provider = QuantumTaskProvider()
    accepted = as_stored(provider.check({}, TASK).inputs)
    broken = {**TASK, "source": "not OpenQASM", "urn_seed": "proj::stack::type::other"}
    accepted_broken = {**accepted, "source": "not OpenQASM"}
    result = provider.check(accepted_broken, broken)
    assert any(f.property == "source" for f in result.failures), result.failures


# A fresh interpreter per case, so what a check imports is visible in sys.modules.
_PROBE = textwrap.dedent(
    """
    import asyncio, json, sys
    case, olds, news = json.loads(sys.stdin.read())
    if case == "dynamic":
        from pulumi_quantum.braket.task import QuantumTaskProvider
        result = QuantumTaskProvider().check(olds, news)
        failures = [f.reason for f in result.failures]
        inputs = result.inputs
    else:
        from pulumi.provider.experimental.property_value import PropertyValue
        from pulumi.provider.experimental.provider import CheckRequest
        from pulumi_quantum.plugin.provider import QuantumPlugin, from_plain, plain_map
        urn = "urn:pulumi:s::p::quantum:braket:QuantumTask::bell"
        wire = lambda d: {k: from_plain(v) for k, v in d.items()}
        request = CheckRequest(urn, wire(olds), wire(news), b"")
        response = asyncio.run(QuantumPlugin().check(request))
        failures = [f.reason for f in response.failures or []]
        inputs = plain_map(response.inputs)
    loaded = sorted({m.split(".")[0] for m in sys.modules} & {"openqasm3", "botocore"})
    print(json.dumps({"failures": failures, "inputs": inputs, "loaded": loaded}))
    """
)


def probe(case: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE],
        input=json.dumps([case, olds, news]),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        # What the accepted-inputs path skips, without the remembered verdicts of earlier
        # processes (tests/unit/test_verdicts.py covers those).
        env={**os.environ, "PQ_VERDICTS": "off"},
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


PLUGIN_TASK = {
    "source": BELL,
    "deviceArn": SV1,
    "outputS3Bucket": "amzn-braket-results",
    "outputS3KeyPrefix": "bell",
    "shots": 100,
}


@pytest.mark.parametrize(("case", "news"), [("dynamic", TASK), ("plugin", PLUGIN_TASK)])
def test_a_no_op_check_loads_neither_the_parser_nor_the_service_model(
    case: str, news: dict[str, Any]
) -> None:
    first = probe(case, {}, news)
    assert first["failures"] == []
    assert first["loaded"] == ["botocore", "openqasm3"]  # the control: a full check loads both
    again = probe(case, first["inputs"], news)
    assert again["failures"] == []
    assert again["loaded"] == []
    assert same(again["inputs"], first["inputs"])
