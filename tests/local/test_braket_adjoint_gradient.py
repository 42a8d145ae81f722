"""SV1's AdjointGradient result type through the unmodified Braket SDK, against a reference
computed by Braket's own ``LocalSimulator``: exact expectations there, and the exact
parameter-shift rule for the gradient (each parameter drives one rx/ry/rz, whose generator has
eigenvalues +-1/2, so d<H>/dtheta = (<H>(theta + pi/2) - <H>(theta - pi/2)) / 2)."""

from __future__ import annotations

import math

import pytest
from botocore.exceptions import ClientError

from tests.fixtures import DM1, SV1

INPUTS = {"alpha": 0.37, "beta": -1.21, "gamma": 2.05}


def _circuit():
    from braket.circuits import Circuit, FreeParameter

    alpha, beta, gamma = (FreeParameter(n) for n in INPUTS)
    return Circuit().rx(0, alpha).ry(1, beta).cnot(0, 1).rz(1, gamma).h(0)


def _terms():
    from braket.circuits import observables

    return [(2.0, observables.Z(0) @ observables.Z(1)), (-0.5, observables.X(1))]


def _reference_expectation(inputs: dict[str, float]) -> float:
    from braket.devices import LocalSimulator

    circuit = _circuit()
    for _, term in _terms():
        circuit.expectation(term)
    values = LocalSimulator("braket_sv").run(circuit, shots=0, inputs=inputs).result().values
    return sum(c * v for (c, _), v in zip(_terms(), values, strict=True))


def _observable():
    (c1, t1), (c2, t2) = _terms()
    return c1 * t1 + c2 * t2


def test_sv1_publishes_adjoint_gradient_at_shots_zero_only(cloud_env):
    from braket.aws import AwsDevice

    action = AwsDevice(SV1).properties.action["braket.ir.openqasm.program"]
    offered = {r.name: r for r in action.supportedResultTypes}
    assert (offered["AdjointGradient"].minShots, offered["AdjointGradient"].maxShots) == (0, 0)
    assert "braket_result_type_adjoint_gradient" in action.supportedPragmas
    dm1 = AwsDevice(DM1).properties.action["braket.ir.openqasm.program"]
    assert "AdjointGradient" not in {r.name for r in dm1.supportedResultTypes}


def test_adjoint_gradient_of_a_sum_matches_the_parameter_shift_reference(cloud_env, results_bucket):
    from braket.aws import AwsDevice

    circuit = _circuit().adjoint_gradient(observable=_observable())
    task = AwsDevice(SV1).run(circuit, (results_bucket, "ag"), shots=0, inputs=INPUTS)
    result = task.result()
    assert len(result.values) == 1
    value = result.values[0]
    assert abs(value["expectation"] - _reference_expectation(INPUTS)) < 1e-9
    assert set(value["gradient"]) == set(INPUTS)  # "all" parameters
    for name in INPUTS:
        up = _reference_expectation({**INPUTS, name: INPUTS[name] + math.pi / 2})
        down = _reference_expectation({**INPUTS, name: INPUTS[name] - math.pi / 2})
        assert abs(value["gradient"][name] - (up - down) / 2) < 1e-7, name
    assert any(abs(g) > 0.05 for g in value["gradient"].values())  # not a trivial point
    result_type = result.result_types[0].type
    assert result_type.type.value == "adjoint_gradient"
    assert result_type.targets == [[0, 1], [1]]


def test_named_parameters_only(cloud_env, results_bucket):
    from braket.aws import AwsDevice
    from braket.circuits import observables

    circuit = _circuit().adjoint_gradient(observable=observables.Z(0), parameters=["beta"])
    value = AwsDevice(SV1).run(circuit, (results_bucket, "ag1"), shots=0, inputs=INPUTS)
    value = value.result().values[0]
    assert set(value["gradient"]) == {"beta"}
    assert abs(value["gradient"]["beta"]) < 1e-8  # <Z0> after h(0) does not depend on beta


@pytest.mark.parametrize(("device", "shots", "expected"), [
    (SV1, 100, "only available when shots=0"),
    (DM1, 0, "result type adjoint_gradient is not supported by " + DM1),
])  # fmt: skip
def test_adjoint_gradient_refused_where_braket_refuses_it(
    cloud_env, results_bucket, device, shots, expected
):
    from braket.aws import AwsDevice
    from braket.circuits import observables

    circuit = _circuit().adjoint_gradient(observable=observables.Z(0))
    with pytest.raises(ClientError) as caught:
        AwsDevice(device).run(circuit, (results_bucket, "no"), shots=shots, inputs=INPUTS)
    error = caught.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert expected in error["Message"]
