"""Numbers and empty values as the engine sends them are normalised once, at the boundary.

The engine's RPC has one number type (``600`` arrives as ``600.0``) and sends empty maps for
unset ones (``spec: {}``). Providers receive both normalised, so what reaches the vendor APIs,
state and outputs is what the program meant.
"""

from __future__ import annotations

from pulumi_quantum._provider import engine_props
from pulumi_quantum.ibm.program import RuntimeProgramProvider
from tests.local import test_ibm_handlers as handlers
from tests.local.test_ibm_handlers import checked

project, vendor = handlers.project, handlers.vendor  # the same fixtures


def test_engine_props_normalises_top_level_only():
    props = {"cost": 600.0, "spec": {}, "tags": [], "shots": 1.5, "flag": True}
    props["inputs"] = {"theta": 1.0}
    assert engine_props(props) == {
        "cost": 600,
        "spec": None,
        "tags": None,
        "shots": 1.5,  # not a whole number: left for check to reject
        "flag": True,
        "inputs": {"theta": 1.0},  # inside a JSON value a float is the user's
    }
    assert type(engine_props(props)["cost"]) is int


def test_update_with_engine_floats_and_empty_spec_sends_whole_numbers(project, vendor):
    provider = RuntimeProgramProvider()
    inputs = checked("floats")
    created = provider.create(inputs)
    # What the engine hands an update: numbers as floats, the unset spec as {}.
    news = {**inputs, "max_execution_time": 600.0, "spec": {}}
    olds = {**created.outs, "max_execution_time": 60.0, "spec": {}}
    diff = provider.diff(created.id, olds, news)
    assert diff.changes is True and diff.replaces == []
    updated = provider.update(created.id, olds, news)
    live = vendor.get_program(created.id)
    assert type(live["cost"]) is int and live["cost"] == 600
    assert type(updated.outs["max_execution_time"]) is int
    assert updated.outs["spec"] is None
    same = provider.diff(created.id, updated.outs, {**news})
    assert same.changes is False
    provider.delete(created.id, created.outs)
