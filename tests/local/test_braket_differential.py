"""Differential test: the local cloud's Braket results equal Braket's own ``LocalSimulator``.

Every program of the corpus runs twice: through the local cloud, driven only by the unmodified
Braket SDK (``AwsDevice(arn).run(...).result()``; JAQCD programs through boto3's
``create_quantum_task`` and ``AwsQuantumTask(arn).result()``) against the daemon started as a
user starts it (``pulumi-quantum local start``); and on the reference, code nobody here wrote:
``braket.devices.LocalSimulator("braket_sv" | "braket_dm")`` (JAQCD: amazon-braket-default-
simulator's ``run`` parsed by the SDK's ``GateModelQuantumTaskResult.from_object``). TN1 is
compared with ``braket_sv``.

Corpus (``CASES``, 43 programs: 20 with shots=0, 23 with shots=10,000): Bell, GHZ(5), a
bit-order probe, seeded random circuits of 3-10 qubits (numpy ``default_rng`` seeds fixed
below), parametrised circuits run with ``inputs``, noise channels on DM1, JAQCD programs; each
with every result type the device publishes in its capabilities *and* the reference supports
(expectation, variance, probability, amplitude, state_vector, density_matrix, sample), filtered
by each result type's shot range. adjoint_gradient is not in it: neither the local devices'
capabilities (amazon-braket-default-simulator's) nor ``LocalSimulator`` list it.

How results are compared:

* ``shots=0``: every result-type value equal to the reference's within 1e-9 (absolute), complex
  values compared as complex numbers (the SDK returns ``density_matrix`` from a service result as
  nested ``[re, im]`` pairs and from ``LocalSimulator`` as a complex array; both are decoded).
* ``shots>0`` (``SHOTS`` = 10,000 per task), two stated tests against the *exact* values, which
  the reference computes with ``shots=0``:
  - result-type values (expectation, variance, probability entries, the mean of ``sample``):
    Hoeffding's inequality for a mean of N values in a range R: P(|mean - exact| >= t) <= delta
    for t = R * sqrt(ln(2 / delta) / (2 N)), with delta = 1e-9 per value (R from the
    observable's eigenvalues; variance: t of E[x^2] plus 2 max|x| times t of E[x], plus the
    R^2/N bias of the population variance);
  - measurement counts: Pearson's chi-square goodness of fit against the exact distribution of
    the (basis-rotated) measured qubits, cells with expected count < 5 pooled, rejected at
    p < 1e-6.
  The same checks are applied to ``LocalSimulator``'s own ``shots>0`` result, which shows the
  tests are calibrated (the reference passes them). With 46 chi-square tests (local cloud and
  reference) at 1e-6 and fewer than 10,000 Hoeffding checks at 1e-9 per run, the chance of a
  false failure is below 1e-4.

Every ``results.json`` is also read from S3 with boto3 and must parse with amazon-braket-schemas'
``GateModelTaskResult.parse_raw`` and carry Braket's fields (task ARN as ``id``, device ARN,
shots, ``COMPLETED``, the action as sent, ``measuredQubits``; ``measurements`` only if shots>0).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from tests.fixtures import DM1, SV1, TN1
from tests.local.braket_daemon import started_daemon

REFERENCE = {SV1: "braket_sv", DM1: "braket_dm", TN1: "braket_sv"}
SHOTS = 10_000
EXACT_TOLERANCE = 1e-9
DELTA = 1e-9  # Hoeffding failure probability per estimated value
CHI2_ALPHA = 1e-6
OPENQASM = "braket.ir.openqasm.program"


# --------------------------------------------------------------------------- the corpus
def bell() -> Any:
    from braket.circuits import Circuit

    return Circuit().h(0).cnot(0, 1)


def ghz(n: int) -> Any:
    from braket.circuits import Circuit

    circuit = Circuit().h(0)
    for q in range(n - 1):
        circuit.cnot(q, q + 1)
    return circuit


def bit_order_probe() -> Any:
    """Unequal, asymmetric marginals: any qubit-order or endianness slip shows."""
    from braket.circuits import Circuit

    return Circuit().x(0).ry(1, 0.6).ry(2, 2.1).cnot(1, 2)


def random_circuit(n: int, seed: int, depth: int = 12) -> Any:
    from braket.circuits import Circuit

    rng = np.random.default_rng(seed)
    circuit = Circuit()
    one = ["h", "x", "y", "z", "s", "t", "si", "ti", "v"]
    rot = ["rx", "ry", "rz", "phaseshift"]
    two = ["cnot", "cz", "swap", "cy"]
    for q in range(n):  # every qubit used, so no qubit rewiring differs between the two sides
        if rng.random() < 0.5:
            circuit.h(q)
        else:
            circuit.ry(q, float(rng.uniform(0, math.pi)))
    for _ in range(depth):
        kind = rng.integers(3)
        if kind == 0:
            getattr(circuit, str(rng.choice(one)))(int(rng.integers(n)))
        elif kind == 1:
            getattr(circuit, str(rng.choice(rot)))(
                int(rng.integers(n)), float(rng.uniform(-math.pi, math.pi))
            )
        else:
            a, b = rng.choice(n, size=2, replace=False)
            getattr(circuit, str(rng.choice(two)))(int(a), int(b))
    return circuit


def noisy_circuit(n: int, seed: int) -> Any:
    from braket.circuits import Noise

    rng = np.random.default_rng(seed)
    circuit = random_circuit(n, seed, depth=8)
    circuit.bit_flip(0, 0.05).phase_flip(1, 0.1).depolarizing(n - 1, 0.07)
    circuit.amplitude_damping(0, 0.2).phase_damping(1, 0.15)
    circuit.generalized_amplitude_damping(n - 1, gamma=0.1, probability=0.3)
    circuit.pauli_channel(0, probX=0.02, probY=0.03, probZ=0.04)
    circuit.two_qubit_depolarizing(0, 1, 0.05).two_qubit_dephasing(1, n - 1, 0.04)
    k0 = np.sqrt(0.9) * np.eye(2)
    k1 = np.sqrt(0.1) * np.array([[0, 1], [1, 0]])
    circuit.kraus([int(rng.integers(n))], [k0, k1])
    if n > 3:
        circuit.apply_gate_noise(Noise.BitFlip(0.01))
    return circuit


def parametrised() -> tuple[Any, dict[str, float]]:
    from braket.circuits import Circuit, FreeParameter

    theta, phi = FreeParameter("theta"), FreeParameter("phi")
    circuit = Circuit().rx(0, theta).ry(1, phi).cnot(0, 1).rz(2, theta + phi).cnot(1, 2)
    return circuit, {"theta": 0.37, "phi": 1.21}


def hermitian(seed: int) -> Any:
    from braket.circuits import Observable

    rng = np.random.default_rng(seed)
    a = rng.normal(size=(2, 2)) + 1j * rng.normal(size=(2, 2))
    matrix = (a + a.conj().T) / 2
    return Observable.Hermitian(matrix / np.max(np.abs(np.linalg.eigvalsh(matrix))))


def exact_result_types(circuit: Any, n: int, seed: int) -> list[tuple[str, Callable]]:
    """Every result type, shots=0 flavour (observables may overlap)."""
    from braket.circuits import Observable as O

    rng = np.random.default_rng(seed)
    state = "".join(str(b) for b in rng.integers(2, size=n))
    return [
        ("Expectation", lambda c: c.expectation(O.Z() @ O.Z(), target=[0, 1])),
        ("Expectation", lambda c: c.expectation(O.X(), target=[n - 1])),
        ("Expectation", lambda c: c.expectation(O.Y())),  # no target: every qubit
        ("Expectation", lambda c: c.expectation(hermitian(seed), target=[1])),
        ("Variance", lambda c: c.variance(O.X() @ O.Y(), target=[0, n - 1])),
        ("Variance", lambda c: c.variance(O.H(), target=[1])),
        ("Probability", lambda c: c.probability(target=[n - 1, 0])),
        ("Probability", lambda c: c.probability()),
        ("Amplitude", lambda c: c.amplitude(state=["0" * n, "1" * n, state])),
        ("StateVector", lambda c: c.state_vector()),
        ("DensityMatrix", lambda c: c.density_matrix(target=[0, 1])),
        ("DensityMatrix", lambda c: c.density_matrix() if n <= 4 else None),
    ]


def sampled_result_types(n: int, seed: int) -> list[tuple[str, Callable]]:
    """Every shots>0 result type, on compatible observables (one basis per qubit)."""
    from braket.circuits import Observable as O

    return [
        ("Expectation", lambda c: c.expectation(O.Z() @ O.Z(), target=[0, 1])),
        ("Variance", lambda c: c.variance(O.Z() @ O.Z(), target=[0, 1])),
        ("Probability", lambda c: c.probability(target=[1, 0])),
        ("Sample", lambda c: c.sample(O.X(), target=[n - 1])),
        ("Expectation", lambda c: c.expectation(O.X(), target=[n - 1])),
        ("Variance", lambda c: c.variance(O.X(), target=[n - 1])),
        ("Expectation", lambda c: c.expectation(hermitian(seed), target=[2]) if n > 3 else None),
        ("Sample", lambda c: c.sample(hermitian(seed), target=[2]) if n > 3 else None),
    ]


@dataclass
class Case:
    id: str
    device: str
    build: Callable[[], Any]
    n: int
    shots: int
    seed: int = 0
    result_types: str = "exact"  # exact | sampled | none | all-qubits
    inputs: dict[str, float] = field(default_factory=dict)
    jaqcd: bool = False


def _cases() -> list[Case]:
    cases = []
    for dev, name in ((SV1, "sv1"), (DM1, "dm1"), (TN1, "tn1")):
        cases += [
            Case(f"{name}-bell-exact", dev, bell, 2, 0, 1),
            Case(f"{name}-bell-counts", dev, bell, 2, SHOTS, 1, "none"),
            Case(f"{name}-ghz5-sampled", dev, lambda: ghz(5), 5, SHOTS, 2, "sampled"),
            Case(f"{name}-probe-exact", dev, bit_order_probe, 3, 0, 3),
            Case(f"{name}-probe-sampled", dev, bit_order_probe, 3, SHOTS, 3, "sampled"),
        ]
    for n, seed in ((3, 11), (6, 12), (8, 13), (10, 14)):
        cases.append(
            Case(f"sv1-random{n}-exact", SV1, lambda n=n, s=seed: random_circuit(n, s), n, 0, seed)
        )
        cases.append(
            Case(
                f"sv1-random{n}-sampled",
                SV1,
                lambda n=n, s=seed: random_circuit(n, s),
                n,
                SHOTS,
                seed,
                "sampled",
            )
        )
    cases.append(
        Case(
            "sv1-random10-counts",
            SV1,
            lambda: random_circuit(10, 15, depth=30),
            10,
            SHOTS,
            15,
            "none",
        )
    )
    cases.append(
        Case("tn1-random6-sampled", TN1, lambda: random_circuit(6, 16), 6, SHOTS, 16, "sampled")
    )
    for n, seed in ((3, 21), (4, 22), (6, 23)):
        cases.append(
            Case(f"dm1-random{n}-exact", DM1, lambda n=n, s=seed: random_circuit(n, s), n, 0, seed)
        )
        cases.append(
            Case(f"dm1-noisy{n}-exact", DM1, lambda n=n, s=seed: noisy_circuit(n, s), n, 0, seed)
        )
        cases.append(
            Case(
                f"dm1-noisy{n}-sampled",
                DM1,
                lambda n=n, s=seed: noisy_circuit(n, s),
                n,
                SHOTS,
                seed,
                "sampled",
            )
        )
    circuit, inputs = parametrised()
    for dev, name in ((SV1, "sv1"), (DM1, "dm1")):
        cases.append(
            Case(f"{name}-inputs-exact", dev, lambda c=circuit: c, 3, 0, 31, inputs=inputs)
        )
        cases.append(
            Case(
                f"{name}-inputs-sampled", dev, lambda c=circuit: c, 3, SHOTS, 31, "sampled", inputs
            )
        )
    cases.append(Case("sv1-all-qubits-sampled", SV1, lambda: ghz(3), 3, SHOTS, 32, "all-qubits"))
    for dev, name in ((SV1, "sv1"), (DM1, "dm1")):
        cases.append(
            Case(f"{name}-jaqcd-exact", dev, lambda: random_circuit(4, 41), 4, 0, 41, jaqcd=True)
        )
        cases.append(
            Case(
                f"{name}-jaqcd-sampled",
                dev,
                # 3 qubits: no Hermitian observable, whose JAQCD basis rotation (a Unitary)
                # amazon-braket-default-simulator's qubit mapping cannot handle (the reference
                # fails on it too)
                lambda: random_circuit(3, 42),
                3,
                SHOTS,
                42,
                "sampled",
                jaqcd=True,
            )
        )
    return cases


CASES = _cases()


# --------------------------------------------------------------------------- running
def supported(device: Any, shots: int) -> dict[str, tuple[int, int]]:
    """Result-type name -> (minShots, maxShots) from a device's published capabilities."""
    action = device.properties.action[OPENQASM]
    return {r.name: (r.minShots, r.maxShots) for r in action.supportedResultTypes}


def with_result_types(case: Case, cloud: Any, reference: Any) -> tuple[Any, list[str]]:
    """The case's circuit with every result type both devices support at its shot count."""
    circuit = case.build().copy()
    if case.result_types == "none":
        return circuit, []
    if case.result_types == "all-qubits":
        from braket.circuits import Observable as O

        return circuit.expectation(O.Z()).variance(O.Z()).sample(O.Z()), ["all"] * 3
    menu = (
        exact_result_types(circuit, case.n, case.seed)
        if case.result_types == "exact"
        else sampled_result_types(case.n, case.seed)
    )
    ours, theirs = supported(cloud, case.shots), supported(reference, case.shots)
    used = []
    for name, add in menu:
        fits = all(name in s and s[name][0] <= case.shots <= s[name][1] for s in (ours, theirs))
        if fits and add(circuit) is not None:
            used.append(name)
    return circuit, used


def results_document(task: Any) -> dict[str, Any]:
    """results.json as stored, read with boto3 (not through the SDK)."""
    import boto3

    meta = task.metadata()
    body = (
        boto3.client("s3")
        .get_object(Bucket=meta["outputS3Bucket"], Key=f"{meta['outputS3Directory']}/results.json")[
            "Body"
        ]
        .read()
    )
    from braket.task_result import GateModelTaskResult

    GateModelTaskResult.parse_raw(body)  # raises if the schema rejects it
    return json.loads(body)


@dataclass
class Run:
    case: Case
    circuit: Any
    used: list[str]
    task: Any
    action: dict[str, Any]


@pytest.fixture(scope="module")
def cloud_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Run]]:
    """Start the daemon, submit the whole corpus at once, hand the tasks to the tests."""
    import boto3
    from braket.aws import AwsDevice, AwsQuantumTask
    from braket.circuits.serialization import IRType
    from braket.devices import LocalSimulator

    with started_daemon(tmp_path_factory.mktemp("daemon")):
        bucket = "amzn-braket-differential"
        boto3.client("s3").create_bucket(Bucket=bucket)
        devices = {arn: AwsDevice(arn) for arn in REFERENCE}
        references = {name: LocalSimulator(name) for name in set(REFERENCE.values())}
        braket = boto3.client("braket")
        runs = {}
        for case in CASES:
            cloud, reference = devices[case.device], references[REFERENCE[case.device]]
            circuit, used = with_result_types(case, cloud, reference)
            low, high = cloud.properties.service.shotsRange
            if not low <= case.shots <= high:  # the device does not take it: must be refused
                with pytest.raises(braket.exceptions.ValidationException, match="shots"):
                    cloud.run(circuit, (bucket, case.id), shots=case.shots)
                runs[case.id] = Run(case, circuit, used, None, {})
                continue
            if case.jaqcd:
                program = circuit.to_ir(IRType.JAQCD)
                params = {
                    "braketSchemaHeader": {
                        "name": "braket.device_schema.simulators."
                        "gate_model_simulator_device_parameters",
                        "version": "1",
                    },
                    "paradigmParameters": {
                        "braketSchemaHeader": {
                            "name": "braket.device_schema.gate_model_parameters",
                            "version": "1",
                        },
                        "qubitCount": circuit.qubit_count,
                    },
                }
                arn = braket.create_quantum_task(
                    deviceArn=case.device, shots=case.shots, outputS3Bucket=bucket,
                    outputS3KeyPrefix=case.id, action=program.json(),
                    deviceParameters=json.dumps(params),
                )["quantumTaskArn"]  # fmt: skip
                task = AwsQuantumTask(arn, poll_interval_seconds=0.05, poll_timeout_seconds=300)
                action = json.loads(program.json())
            else:
                task = cloud.run(
                    circuit, (bucket, case.id), shots=case.shots, inputs=case.inputs,
                    poll_interval_seconds=0.05, poll_timeout_seconds=300,
                )  # fmt: skip
                action = {}
            runs[case.id] = Run(case, circuit, used, task, action)
        yield runs


def reference_result(run: Run, shots: int) -> Any:
    """The reference's result for the same program (JAQCD: the default simulator + the SDK)."""
    from braket.devices import LocalSimulator
    from braket.tasks import GateModelQuantumTaskResult

    name = REFERENCE[run.case.device]
    if run.case.jaqcd:
        from braket.circuits.serialization import IRType
        from braket.default_simulator import DensityMatrixSimulator, StateVectorSimulator

        simulator = DensityMatrixSimulator() if name == "braket_dm" else StateVectorSimulator()
        raw = simulator.run(run.circuit.to_ir(IRType.JAQCD), shots=shots)
        return GateModelQuantumTaskResult.from_object(raw)
    return LocalSimulator(name).run(run.circuit, shots=shots, inputs=run.case.inputs).result()


# --------------------------------------------------------------------------- comparing
def as_complex(value: Any, like: Any) -> np.ndarray:
    """SDK values from a service result: ``[re, im]`` pairs where the reference has complex."""
    array, ref = np.asarray(value), np.asarray(like)
    if np.iscomplexobj(ref) and array.shape == (*ref.shape, 2):
        return array[..., 0] + 1j * array[..., 1]
    return array


def assert_equal_values(ours: Any, theirs: Any) -> None:
    if isinstance(theirs, dict):
        assert set(ours) == set(theirs)
        for key in theirs:
            assert abs(complex(ours[key]) - complex(theirs[key])) <= EXACT_TOLERANCE, key
        return
    ours_array = as_complex(ours, theirs)
    theirs_array = np.asarray(theirs)
    assert ours_array.shape == theirs_array.shape
    np.testing.assert_allclose(ours_array, theirs_array, rtol=0, atol=EXACT_TOLERANCE)


def hoeffding(value_range: float, shots: int) -> float:
    return value_range * math.sqrt(math.log(2 / DELTA) / (2 * shots))


def eigen_range(observable: Any) -> tuple[float, float]:
    eig = np.real(np.asarray(observable.eigenvalues))
    return float(eig.max() - eig.min()), float(np.abs(eig).max())


def assert_sampled(result_type: Any, value: Any, exact: Any, shots: int) -> None:
    """One shots>0 value against the exact value, with the Hoeffding tolerance stated above."""
    from braket.circuits.observables import observable_from_ir

    kind = result_type.type
    if kind == "probability":
        np.testing.assert_allclose(value, exact, rtol=0, atol=hoeffding(1, shots))
        return
    observable = observable_from_ir(result_type.observable)
    width, peak = eigen_range(observable)
    sq = np.real(np.asarray(observable.eigenvalues)) ** 2
    t = hoeffding(width, shots)
    if kind == "expectation":
        np.testing.assert_allclose(value, exact, rtol=0, atol=t)
    elif kind == "variance":
        atol = hoeffding(float(sq.max() - sq.min()), shots) + 2 * peak * t + width**2 / shots
        np.testing.assert_allclose(value, exact, rtol=0, atol=atol)
    elif kind == "sample":
        samples = np.asarray(value, dtype=float)
        per_qubit = samples if samples.ndim == 2 else samples[None, :]
        assert per_qubit.shape[1] == shots
        allowed = np.real(np.asarray(observable.eigenvalues))
        assert np.isin(np.round(per_qubit, 9), np.round(allowed, 9)).all()
        np.testing.assert_allclose(per_qubit.mean(axis=1), np.ravel(exact), rtol=0, atol=t)
    else:
        raise AssertionError(f"unexpected sampled result type {kind}")


def exact_for(result_type: Any, exact_by_spec: dict[str, Any]) -> Any:
    """The exact counterpart of a sampled result type (sample -> expectation)."""
    spec = json.loads(result_type.json())
    if spec["type"] == "sample":
        spec["type"] = "expectation"
    return exact_by_spec[json.dumps(spec, sort_keys=True)]


def exact_values(run: Run) -> tuple[dict[str, Any], dict[str, float]]:
    """Exact values (reference, shots=0) of the run's observables and of its counts."""
    from braket.circuits import Circuit, ResultType

    rotated = Circuit().add(run.circuit.instructions)
    rotated.add(run.circuit.basis_rotation_instructions)
    probe = Circuit().add(run.circuit.instructions)
    for rt in run.circuit.result_types:
        if isinstance(rt, ResultType.Sample):
            probe.expectation(rt.observable, target=rt.target or None)
        else:
            probe.add_result_type(rt)
    by_spec = {}
    if probe.result_types:
        exact = reference_result(Run(run.case, probe, [], None, {}), 0)
        by_spec = {
            json.dumps(json.loads(rt.type.json()), sort_keys=True): value
            for rt, value in zip(exact.result_types, exact.values, strict=True)
        }
    counts_run = Run(run.case, rotated.probability(), [], None, {})
    probabilities = reference_result(counts_run, 0).values[0]
    n = rotated.qubit_count
    distribution = {format(i, f"0{n}b"): float(p) for i, p in enumerate(probabilities)}
    return by_spec, distribution


def assert_counts_fit(counts: dict[str, int], distribution: dict[str, float], shots: int) -> None:
    """Pearson chi-square goodness of fit, expected < 5 pooled, rejected at p < CHI2_ALPHA."""
    from scipy.stats import chisquare

    assert sum(counts.values()) == shots
    assert set(counts) <= {k for k, p in distribution.items() if p > 0}
    observed, expected, pooled_o, pooled_e = [], [], 0, 0.0
    for outcome, p in distribution.items():
        if p * shots >= 5:
            observed.append(counts.get(outcome, 0))
            expected.append(p * shots)
        else:
            pooled_o += counts.get(outcome, 0)
            pooled_e += p * shots
    if pooled_e > 0:
        observed.append(pooled_o)
        expected.append(pooled_e)
    expected = list(np.asarray(expected) * (shots / sum(expected)))
    if len(observed) > 1:
        assert chisquare(observed, expected).pvalue >= CHI2_ALPHA, (observed, expected)


def assert_results_json(run: Run, document: dict[str, Any]) -> None:
    meta = document["taskMetadata"]
    assert meta["id"] == run.task.id
    assert meta["deviceId"] == run.case.device
    assert meta["shots"] == run.case.shots
    assert meta["status"] == "COMPLETED"
    action = document["additionalMetadata"]["action"]
    if run.case.jaqcd:
        assert action == run.action
    else:
        assert action["braketSchemaHeader"]["name"] == OPENQASM
        assert (action.get("inputs") or {}) == run.case.inputs
    assert document["additionalMetadata"]["simulatorMetadata"]["executionDuration"] >= 0
    assert document["measuredQubits"]
    assert ("measurements" in document) == (run.case.shots > 0)
    if run.case.shots > 0:
        assert len(document["measurements"]) == run.case.shots
    if run.used and not run.case.jaqcd:
        assert len(document["resultTypes"]) == len(run.circuit.result_types)
        assert all("value" in rt for rt in document["resultTypes"])


@pytest.mark.parametrize("case_id", [c.id for c in CASES])
def test_local_cloud_matches_local_simulator(cloud_runs: dict[str, Run], case_id: str) -> None:
    run = cloud_runs[case_id]
    if run.task is None:
        return  # outside the device's published shot range: rejected at create (fixture)
    result = run.task.result()
    assert result is not None, run.task.state()
    assert run.task.state() == "COMPLETED"
    assert_results_json(run, results_document(run.task))
    shots = run.case.shots
    if shots == 0:
        reference = reference_result(run, 0)
        assert len(result.values) == len(reference.values) == len(run.circuit.result_types)
        assert len(result.values) >= 1
        for ours, theirs in zip(result.values, reference.values, strict=True):
            assert_equal_values(ours, theirs)
        return
    by_spec, distribution = exact_values(run)
    reference = reference_result(run, shots)
    for res in (result, reference):  # the reference passing shows the tests are calibrated
        assert_counts_fit(dict(res.measurement_counts), distribution, shots)
        assert len(res.values) == len(run.circuit.result_types)
        for rt_value, value in zip(res.result_types, res.values, strict=True):
            assert_sampled(rt_value.type, value, exact_for(rt_value.type, by_spec), shots)


def test_corpus_covers_every_result_type(cloud_runs: dict[str, Run]) -> None:
    """The corpus really exercises every result type the devices support (and the reference)."""
    used = {name for run in cloud_runs.values() for name in run.used}
    assert used >= {
        "Expectation", "Variance", "Probability", "Sample", "Amplitude", "StateVector",
        "DensityMatrix",
    }  # fmt: skip
    assert {run.case.device for run in cloud_runs.values() if run.case.shots == 0} == set(REFERENCE)


JOB_PROGRAM = """
import json
import os

from braket.aws import AwsDevice
from braket.ir.openqasm import Program
from braket.jobs import save_job_result


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "program.qasm")) as f:
        source = f.read()
    with open(os.path.join(here, "inputs.json")) as f:
        inputs = json.load(f)
    device = AwsDevice(os.environ["AMZN_BRAKET_DEVICE_ARN"])
    result = device.run(Program(source=source), shots=0, inputs=inputs).result()
    values = [v.tolist() if hasattr(v, "tolist") else v for v in result.values]
    as_pair = lambda c: [c.real, c.imag]  # amplitudes are complex
    save_job_result({"values": json.dumps(values, default=as_pair)})
"""


def test_job_tasks_match_local_simulator(cloud_runs: dict[str, Run], tmp_path, monkeypatch) -> None:
    """The same program run by a hybrid job's task (jobToken) gives the reference's values, and
    the task is found by the job's ARN."""
    from braket.aws import AwsQuantumJob
    from braket.circuits import Observable, ResultType
    from braket.circuits.serialization import IRType
    from braket.devices import LocalSimulator
    from braket.ir.openqasm import Program

    from tests.polling import wait_until

    circuit, inputs = parametrised()
    circuit.add_result_type(ResultType.Expectation(Observable.Z() @ Observable.X(), [0, 2]))
    circuit.add_result_type(ResultType.Probability([0, 1]))
    circuit.add_result_type(ResultType.Amplitude(["000", "111"]))
    source = circuit.to_ir(IRType.OPENQASM).source
    module = tmp_path / "diffjob"
    module.mkdir()
    (module / "algo.py").write_text(JOB_PROGRAM)
    (module / "program.qasm").write_text(source)
    (module / "inputs.json").write_text(json.dumps(inputs))
    monkeypatch.chdir(tmp_path)  # job.result() downloads model.tar.gz here
    job = AwsQuantumJob.create(SV1, source_module=str(module), entry_point="diffjob.algo:main")
    state = lambda: job.state() in ("COMPLETED", "FAILED", "CANCELLED") and job.state()  # noqa: E731
    assert wait_until(state, timeout=240, interval=0.5) == "COMPLETED", job.metadata().get(
        "failureReason"
    )
    ours = json.loads(job.result()["values"])
    reference = LocalSimulator("braket_sv").run(Program(source=source), shots=0, inputs=inputs)
    theirs = reference.result().values
    assert len(ours) == len(theirs) == 3
    assert_equal_values(ours[0], theirs[0])
    assert_equal_values(ours[1], theirs[1])
    assert set(ours[2]) == set(theirs[2])
    for key in theirs[2]:  # amplitudes, sent back as [re, im] pairs
        assert abs(complex(*ours[2][key]) - theirs[2][key]) <= 1e-9
    (task,) = job.get_tasks()  # SearchQuantumTasks by the job's ARN
    assert task.state() == "COMPLETED"
