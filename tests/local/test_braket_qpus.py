"""The QPU catalogue of the local Braket, driven only through the unmodified Braket SDK / boto3.

Facts asserted here (ARNs, regions, qubit counts, native gates) are the catalogue's; where each
comes from is in docs/braket-devices.md.
"""

from __future__ import annotations

import re

import boto3
import pytest
from botocore.config import Config

from tests.fixtures import SV1

FORTE = "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1"
FORTE_ENTERPRISE = "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-Enterprise-1"
ARIA = "arn:aws:braket:us-east-1::device/qpu/ionq/Aria-1"
GARNET = "arn:aws:braket:eu-north-1::device/qpu/iqm/Garnet"
EMERALD = "arn:aws:braket:eu-north-1::device/qpu/iqm/Emerald"
ANKAA = "arn:aws:braket:us-west-1::device/qpu/rigetti/Ankaa-3"
CEPHEUS = "arn:aws:braket:us-west-1::device/qpu/rigetti/Cepheus-1-108Q"
AQUILA = "arn:aws:braket:us-east-1::device/qpu/quera/Aquila"
IBEX = "arn:aws:braket:eu-north-1::device/qpu/aqt/Ibex-Q1"
NO_RETRY = Config(retries={"max_attempts": 1, "mode": "standard"})


def _classes():
    from braket.device_schema.aqt import AqtDeviceCapabilities
    from braket.device_schema.ionq import IonqDeviceCapabilities
    from braket.device_schema.iqm import IqmDeviceCapabilities
    from braket.device_schema.quera import QueraDeviceCapabilities
    from braket.device_schema.rigetti import RigettiDeviceCapabilities

    return {
        FORTE: (IonqDeviceCapabilities, "Forte 1", "IonQ", "ONLINE", 36),
        FORTE_ENTERPRISE: (IonqDeviceCapabilities, "Forte Enterprise 1", "IonQ", "ONLINE", 36),
        ARIA: (IonqDeviceCapabilities, "Aria 1", "IonQ", "RETIRED", 25),
        GARNET: (IqmDeviceCapabilities, "Garnet", "IQM", "ONLINE", 20),
        EMERALD: (IqmDeviceCapabilities, "Emerald", "IQM", "ONLINE", 54),
        ANKAA: (RigettiDeviceCapabilities, "Ankaa-3", "Rigetti", "RETIRED", 84),
        CEPHEUS: (RigettiDeviceCapabilities, "Cepheus-1-108Q", "Rigetti", "ONLINE", 108),
        AQUILA: (QueraDeviceCapabilities, "Aquila", "QuEra", "ONLINE", 256),
        IBEX: (AqtDeviceCapabilities, "IBEX-Q1", "AQT", "ONLINE", 12),
    }


@pytest.mark.parametrize("arn", [FORTE, FORTE_ENTERPRISE, ARIA, GARNET, EMERALD, ANKAA, CEPHEUS,
                                 AQUILA, IBEX])  # fmt: skip
def test_aws_device_parses_real_qpu_into_its_typed_capabilities(cloud_env, arn):
    from braket.aws import AwsDevice

    cls, name, provider, status, qubits = _classes()[arn]
    device = AwsDevice(arn)
    assert type(device.properties) is cls
    assert (device.name, device.provider_name, device.status) == (name, provider, status)
    assert device.properties.paradigm.qubitCount == qubits
    assert device.type.value == "QPU"
    assert device.aws_session.region == arn.split(":")[3]  # the SDK went to the device's region


def test_gate_model_facts(cloud_env):
    from braket.aws import AwsDevice

    forte, garnet, ankaa = AwsDevice(FORTE), AwsDevice(GARNET), AwsDevice(ANKAA)
    assert forte.properties.paradigm.nativeGateSet == ["gpi", "gpi2", "zz"]
    assert forte.properties.paradigm.connectivity.fullyConnected
    assert garnet.properties.paradigm.nativeGateSet == ["cz", "prx"]
    graph = garnet.properties.paradigm.connectivity.connectivityGraph
    assert sorted(graph, key=int)[0] == "1" and len(graph) == 20  # IQM numbers qubits from 1
    assert sum(len(v) for v in graph.values()) == 2 * 30  # Garnet has 30 couplers
    assert set(ankaa.properties.paradigm.nativeGateSet) == {"rx", "rz", "iswap"}
    assert garnet.topology_graph.number_of_nodes() == 20


def test_emerald_is_the_device_braket_reported_on_2025_11_06(cloud_env):
    """Emerald's couplers and shot range as in Braket's capabilities snapshot of that day
    (docs/braket-devices.md): IQM's 54-qubit lattice with 83 couplers, not a rectangle."""
    from braket.aws import AwsDevice

    emerald = AwsDevice(EMERALD)
    assert tuple(emerald.properties.service.shotsRange) == (1, 200000)
    assert emerald.properties.action["braket.ir.openqasm.program"] is not None
    topology = emerald.topology_graph.to_undirected()  # Braket lists each coupler both ways
    assert topology.number_of_nodes() == 54 and topology.number_of_edges() == 83
    assert topology.has_edge(1, 2) and topology.has_edge(1, 5) and topology.has_edge(53, 54)
    assert not topology.has_edge(7, 13) and not topology.has_edge(43, 44)  # disabled that day
    assert max(d for _, d in topology.degree()) == 4


def test_regional_devices_live_in_their_region_only(cloud_env):
    east = boto3.client("braket", region_name="us-east-1", config=NO_RETRY)
    north = boto3.client("braket", region_name="eu-north-1", config=NO_RETRY)
    with pytest.raises(east.exceptions.ResourceNotFoundException):
        east.get_device(deviceArn=GARNET)
    assert north.get_device(deviceArn=GARNET)["deviceName"] == "Garnet"
    in_north = {d["deviceArn"] for d in north.search_devices(filters=[])["devices"]}
    assert GARNET in in_north and EMERALD in in_north and SV1 in in_north
    assert FORTE not in in_north and CEPHEUS not in in_north
    west = boto3.client("braket", region_name="us-west-1")
    in_west = {d["deviceArn"] for d in west.search_devices(filters=[])["devices"]}
    assert CEPHEUS in in_west and GARNET not in in_west
    assert "arn:aws:braket:::device/quantum-simulator/amazon/tn1" not in in_west


def test_search_devices_filters(cloud_env):
    braket = boto3.client("braket")

    def arns(*filters):
        return {d["deviceArn"] for d in braket.search_devices(filters=list(filters))["devices"]}

    # "Only deviceArn filter name is currently supported" (SearchDevicesFilter in the model);
    # the other names are refused in test_braket_documented_rules.py.
    assert arns({"name": "deviceArn", "values": [FORTE, GARNET]}) == {FORTE}  # Garnet: eu-north-1
    assert arns({"name": "deviceArn", "values": [ARIA]}) == {ARIA}  # retired, still listed
    everything = braket.search_devices(filters=[])["devices"]
    assert {d["deviceArn"] for d in everything if d["providerName"] == "IonQ"} == {
        FORTE,
        FORTE_ENTERPRISE,
        ARIA,
    }
    assert AQUILA in {d["deviceArn"] for d in everything if d["deviceName"] == "Aquila"}


def test_get_devices_across_regions(cloud_env):
    from braket.aws import AwsDevice

    ionq = {d.arn for d in AwsDevice.get_devices(provider_names=["IonQ"])}
    assert ionq == {FORTE, FORTE_ENTERPRISE}  # RETIRED Aria 1 is left out by default
    qpus = {d.arn for d in AwsDevice.get_devices(types=["QPU"], statuses=["ONLINE"])}
    assert {FORTE, FORTE_ENTERPRISE, GARNET, EMERALD, CEPHEUS, AQUILA, IBEX} <= qpus
    assert {d.arn for d in AwsDevice.get_devices(provider_names=["AQT"])} == {IBEX}
    assert ANKAA not in qpus
    retired = {
        d.arn for d in AwsDevice.get_devices(statuses=["RETIRED"], provider_names=["Rigetti"])
    }
    assert retired == {ANKAA}


@pytest.mark.parametrize("arn", [FORTE, FORTE_ENTERPRISE, GARNET, EMERALD, CEPHEUS, IBEX])
def test_bell_on_every_online_gate_qpu_runs(cloud_env, results_bucket, arn):
    from braket.aws import AwsDevice
    from braket.circuits import Circuit

    task = AwsDevice(arn).run(Circuit().h(0).cnot(0, 1), (results_bucket, "qpu"), shots=200)
    result = task.result()
    counts = result.measurement_counts
    assert sum(counts.values()) == 200
    assert set(counts) <= {"00", "11"} and counts["00"] and counts["11"]  # P(fail) = 2**-199
    assert result.task_metadata.deviceId == arn
    assert task.id.startswith(f"arn:aws:braket:{arn.split(':')[3]}:")  # created in its region


def test_rigetti_verbatim_with_rewiring_disabled(cloud_env, results_bucket):
    from braket.aws import AwsDevice
    from braket.circuits import Circuit

    # rx(pi) flips $10; iswap moves the excitation to its neighbour $11 (with a phase).
    native = Circuit().rx(10, 3.141592653589793).iswap(10, 11)
    task = AwsDevice(CEPHEUS).run(
        Circuit().add_verbatim_box(native), (results_bucket, "rigetti"), shots=30,
        disable_qubit_rewiring=True,
    )  # fmt: skip
    result = task.result()
    assert result.measured_qubits == [10, 11]
    assert result.measurement_counts == {"01": 30}


def test_verbatim_native_program_on_garnet_runs(cloud_env, results_bucket):
    from braket.aws import AwsDevice
    from braket.circuits import Circuit

    # prx(pi, 0) is an X up to phase: $1 flips, $2 stays |0>; cz leaves basis states alone.
    native = Circuit().prx(1, 3.141592653589793, 0).cz(1, 2)
    task = AwsDevice(GARNET).run(Circuit().add_verbatim_box(native), (results_bucket, "iqm"),
                                 shots=50)  # fmt: skip
    counts = task.result().measurement_counts
    assert counts == {"10": 50}


IBEX_NATIVE = """OPENQASM 3.0;
bit[2] b;
#pragma braket verbatim
box {
  r(pi, 0) $0;
  rxx(pi) $0, $1;
}
b[0] = measure $0;
b[1] = measure $1;
"""


def test_aqt_ibex_facts_and_native_verbatim_program(cloud_env, results_bucket):
    """IBEX-Q1: 12 fully connected ions, native r / rxx / rz. In AQT's definitions
    r(pi, 0) = -iX flips $0 and rxx(pi) = -i X(x)X flips both, so |00> ends as |01>."""
    from braket.aws import AwsDevice
    from braket.ir.openqasm import Program

    device = AwsDevice(IBEX)
    paradigm = device.properties.paradigm
    assert paradigm.nativeGateSet == ["r", "rxx", "rz"]
    assert paradigm.connectivity.fullyConnected
    assert device.properties.service.shotsRange == (1, 2000)
    assert device.properties.provider.properties.mean_two_qubit_gate_fidelity.value == 98.7
    task = device.run(Program(source=IBEX_NATIVE), (results_bucket, "aqt"), shots=40)
    result = task.result()
    assert result.measurement_counts == {"01": 40}
    assert result.additional_metadata.action.source == IBEX_NATIVE  # recorded as sent


def test_aqt_native_gate_outside_verbatim_and_too_many_ions_are_rejected(cloud_env, results_bucket):
    from braket.circuits import Circuit
    from braket.ir.openqasm import Program

    outside = Program(source="OPENQASM 3.0;\nqubit[2] q;\nrxx(pi) q[0], q[1];\n")
    message = _rejected(IBEX, outside, results_bucket)
    assert "rxx which is either not supported by the device" in message
    circuit = Circuit()
    for qubit in range(13):
        circuit.h(qubit)
    message = _rejected(IBEX, circuit, results_bucket)
    assert message == "Used 13 qubits, which is more than the device qubit count of 12"
    message = _rejected(IBEX, Circuit().h(0), results_bucket, shots=2001)
    assert "2001" in message


def _rejected(device_arn, circuit, bucket, shots=100, **kwargs):
    from botocore.exceptions import ClientError
    from braket.aws import AwsDevice

    device = AwsDevice(device_arn)
    before = len(device.aws_session.braket_client.search_quantum_tasks(filters=[])["quantumTasks"])
    with pytest.raises(ClientError) as info:
        device.run(circuit, (bucket, "rejected"), shots=shots, **kwargs)
    after = len(device.aws_session.braket_client.search_quantum_tasks(filters=[])["quantumTasks"])
    error = info.value.response
    assert error["Error"]["Code"] == "ValidationException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert after == before  # nothing was created
    return error["Error"]["Message"]


def test_unsupported_gate_is_rejected_like_braket(cloud_env, results_bucket):
    from braket.circuits import Circuit

    message = _rejected(FORTE, Circuit().h(0).cphaseshift(0, 1, 0.3), results_bucket)
    assert message == (
        "[line 5] uses a gate: cphaseshift which is either not supported by the device, not "
        "defined via a defcal, or not used in the right scope (e.g., when a device does not "
        "support using native gates outside of verbatim)"
    )


def test_too_many_qubits_is_rejected_like_braket(cloud_env, results_bucket):
    from braket.circuits import Circuit

    circuit = Circuit().h(0)
    for q in range(20):
        circuit.cnot(q, q + 1)
    message = _rejected(GARNET, circuit, results_bucket)
    assert message == "Used 21 qubits, which is more than the device qubit count of 20"


def test_non_native_gate_in_verbatim_box_is_rejected(cloud_env, results_bucket):
    from braket.circuits import Circuit

    message = _rejected(GARNET, Circuit().add_verbatim_box(Circuit().h(1)), results_bucket)
    # Braket's wording, as its developer guide ("Troubleshooting OpenQASM") quotes it
    assert message == "In verbatim boxes, native gates are required. h is not a device native gate."


def test_verbatim_two_qubit_gate_needs_a_coupler(cloud_env, results_bucket):
    from braket.circuits import Circuit

    message = _rejected(GARNET, Circuit().add_verbatim_box(Circuit().cz(1, 3)), results_bucket)
    assert re.fullmatch(r"\[line \d+\] has disconnected qubits 1 and 3", message), message


def test_shots_outside_the_qpu_range_are_rejected(cloud_env, results_bucket):
    from braket.circuits import Circuit

    for shots in (5001, 99):
        message = _rejected(FORTE, Circuit().h(0), results_bucket, shots=shots)
        assert (
            message == f"Shot count should be between 100 and 5000 on {FORTE}, but found {shots}."
        )


def test_retired_qpu_refuses_tasks(cloud_env, results_bucket):
    from botocore.exceptions import ClientError
    from braket.aws import AwsDevice
    from braket.circuits import Circuit

    with pytest.raises(ClientError) as info:
        AwsDevice(ANKAA).run(Circuit().h(0), (results_bucket, "x"), shots=10)
    assert info.value.response["Error"]["Code"] == "DeviceRetiredException"


def _ahs(amplitude_max: float):
    from braket.ahs.analog_hamiltonian_simulation import AnalogHamiltonianSimulation
    from braket.ahs.atom_arrangement import AtomArrangement
    from braket.ahs.driving_field import DrivingField
    from braket.timings.time_series import TimeSeries

    register = AtomArrangement().add((0.0, 0.0)).add((0.0, 10e-6))
    t = [0.0, 0.1e-6, 0.9e-6, 1.0e-6]
    amplitude = TimeSeries()
    for when, value in zip(t, [0.0, amplitude_max, amplitude_max, 0.0], strict=True):
        amplitude.put(when, value)
    detuning, phase = TimeSeries(), TimeSeries()
    for when in (0.0, 1.0e-6):
        detuning.put(when, 0.0)
        phase.put(when, 0.0)
    drive = DrivingField(amplitude=amplitude, detuning=detuning, phase=phase)
    return AnalogHamiltonianSimulation(register=register, hamiltonian=drive)


def test_aquila_runs_analog_hamiltonian_simulation(cloud_env, results_bucket):
    from braket.aws import AwsDevice

    task = AwsDevice(AQUILA).run(_ahs(15.0e6), (results_bucket, "ahs"), shots=20)
    result = task.result()
    assert len(result.measurements) == 20
    assert all(len(m.post_sequence) == 2 for m in result.measurements)
    described = boto3.client("braket").get_quantum_task(quantumTaskArn=task.id)
    assert described["actionMetadata"]["actionType"] == "braket.ir.ahs.program"


def test_aquila_rejects_a_program_outside_its_limits(cloud_env, results_bucket):
    message = _rejected(AQUILA, _ahs(20.0e6), results_bucket)
    assert "validation error for DrivingFieldValidator" in message
    assert "15800000" in message


def test_qpu_spending_limit_counts_task_and_shot_prices(cloud_env, results_bucket):
    from botocore.exceptions import ClientError
    from braket.aws import AwsDevice
    from braket.circuits import Circuit

    braket = boto3.client("braket")
    # Forte 1: 0.30 per task + 0.08 per shot -> one 100-shot task costs 8.30
    limit = braket.create_spending_limit(deviceArn=FORTE_ENTERPRISE, spendingLimit="10.00")
    device = AwsDevice(FORTE_ENTERPRISE)
    first = device.run(Circuit().h(0), (results_bucket, "spend"), shots=100)
    assert first.result().measurement_counts
    with pytest.raises(ClientError) as info:
        device.run(Circuit().h(0), (results_bucket, "spend"), shots=100)
    # Braket refuses it as a validation error, in its own words (test_braket_cost_limits.py).
    assert info.value.response["Error"]["Code"] == "ValidationException"
    assert "Attempted to spend over the spending limit" in info.value.response["Error"]["Message"]
    spent = braket.search_spending_limits(
        filters=[{"name": "deviceArn", "operator": "EQUAL", "values": [FORTE_ENTERPRISE]}]
    )["spendingLimits"][0]
    assert spent["spendingLimitArn"] == limit["spendingLimitArn"]
    assert spent["totalSpend"] == "8.3"  # as Braket writes amounts: no trailing zeros
    braket.delete_spending_limit(spendingLimitArn=limit["spendingLimitArn"])


def _raw_rejection(bucket: str, source: str, device_arn: str = FORTE) -> str:
    """CreateQuantumTask with a hand-written program (the SDK would refuse some client-side)."""
    import json
    import uuid

    braket = boto3.client("braket", config=NO_RETRY)
    action = {"braketSchemaHeader": {"name": "braket.ir.openqasm.program", "version": "1"},
              "source": source}  # fmt: skip
    with pytest.raises(braket.exceptions.ValidationException) as info:
        braket.create_quantum_task(
            clientToken=str(uuid.uuid4()), deviceArn=device_arn, shots=100, outputS3Bucket=bucket,
            outputS3KeyPrefix="raw", action=json.dumps(action),
        )  # fmt: skip
    return info.value.response["Error"]["Message"]


def test_result_types_a_qpu_cannot_return_are_rejected(cloud_env, results_bucket):
    source = "OPENQASM 3.0;\nqubit[1] q;\nh q[0];\n#pragma braket result state_vector\n"
    message = _raw_rejection(results_bucket, source)
    assert message.startswith("[line 4] requests the result type state_vector")


def test_unsupported_gate_inside_a_gate_definition_is_rejected(cloud_env, results_bucket):
    source = (
        "OPENQASM 3.0;\ngate mine a, b { cphaseshift(0.1) a, b; }\nqubit[2] q;\nmine q[0], q[1];\n"
    )
    assert "uses a gate: cphaseshift" in _raw_rejection(results_bucket, source)


def test_gate_modifiers_are_rejected(cloud_env, results_bucket):
    source = "OPENQASM 3.0;\nqubit[2] q;\nctrl @ x q[0], q[1];\n"
    assert (
        _raw_rejection(results_bucket, source) == "[line 3] uses an unsupported GateModifer: 'ctrl'"
    )


def test_rigetti_verbatim_rx_takes_only_exact_multiples_of_half_pi(cloud_env, results_bucket):
    """Braket's rule and message ([qbp-233]): 1.5707963267948968 is not pi/2 (...966)."""
    from braket.circuits import Circuit

    for angle in (1.5707963267948968, 0.3):
        circuit = Circuit().add_verbatim_box(Circuit().rx(10, angle).iswap(10, 11))
        message = _rejected(CEPHEUS, circuit, results_bucket, disable_qubit_rewiring=True)
        source = circuit.to_ir("OPENQASM").source.splitlines()
        line = next(i for i, text in enumerate(source, 1) if text.strip().startswith("rx("))
        assert message == (
            f"[line {line}] Invalid RX angle '{angle!r}' with verbatim usage on Rigetti device. "
            "Valid angles are (-π, -π/2, π/2, π) or a custom gate can be declared via Pulse "
            "control.  If you are inputting float values of pi use a precision of 16"
        )
