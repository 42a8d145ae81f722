"""What many tests share, written once: programs, device ARNs, vendor clients for a running cloud.

Constants are literal on purpose: a test's expectations must not come from the code under test
(``pulumi_quantum.local.braket.devices`` has its own ARNs; these are what a user would type).

The clients take the environment of a running local cloud — ``cloud_env`` (tests/conftest.py),
``LocalCloud.client_env()``, ``LocalCloudProcess.client_env()`` or a daemon's ``export`` lines —
and build the vendor's own, unmodified client against it. Tests that rely on the environment
``cloud_env`` sets can keep calling ``boto3.client("braket")`` directly; these are for a cloud
the environment does not point at (a daemon, a second cloud, an engine project's env) or for a
client with its own ``botocore`` config (no retries, no client-side validation).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

# -- Device ARNs (Braket's on-demand simulators) --------------------------------------------
SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
DM1 = "arn:aws:braket:::device/quantum-simulator/amazon/dm1"
TN1 = "arn:aws:braket:::device/quantum-simulator/amazon/tn1"
# A QPU: spending limits apply to QPUs only ("Simulators do not support spending limits").
FORTE1 = "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1"

# -- Programs ---------------------------------------------------------------------------------
BELL = "OPENQASM 3.0;\nqubit[2] q;\nbit[2] c;\nh q[0];\ncnot q[0], q[1];\nc = measure q;\n"
"""A Bell pair in OpenQASM 3: outcomes 00 and 11 only."""

GHZ3 = (
    "OPENQASM 3.0; qubit[3] q; bit[3] c; h q[0]; cnot q[0], q[1]; cnot q[1], q[2]; c = measure q;"
)
"""A 3-qubit GHZ state: outcomes 000 and 111 only."""


def openqasm_action(source: str = BELL, inputs: Mapping[str, Any] | None = None) -> str:
    """A Braket ``braket.ir.openqasm.program`` action as the JSON text CreateQuantumTask takes."""
    return json.dumps(
        {
            "braketSchemaHeader": {"name": "braket.ir.openqasm.program", "version": "1"},
            "source": source,
            "inputs": dict(inputs or {}),
        }
    )


# -- Braket tasks through boto3 ----------------------------------------------------------------
TERMINAL = frozenset({"COMPLETED", "FAILED", "CANCELLED"})
"""Braket's terminal task states."""


def create_task(braket: Any, bucket: str, **overrides: Any) -> str:
    """CreateQuantumTask of :data:`BELL` on SV1 with 100 shots; ``overrides`` replace members."""
    request = {
        "deviceArn": SV1,
        "shots": 100,
        "outputS3Bucket": bucket,
        "outputS3KeyPrefix": "tasks",
        "action": openqasm_action(),
        **overrides,
    }
    return braket.create_quantum_task(**request)["quantumTaskArn"]


def task_status(braket: Any, arn: str) -> str:
    """GetQuantumTask's status."""
    return braket.get_quantum_task(quantumTaskArn=arn)["status"]


# -- Vendor clients for a running local cloud -------------------------------------------------
_ENDPOINT = {
    "braket": "AWS_ENDPOINT_URL_BRAKET",
    "s3": "AWS_ENDPOINT_URL_S3",
    "sts": "AWS_ENDPOINT_URL_STS",
}


def aws_client(
    service: str, env: Mapping[str, str], *, config: Any = None, **overrides: Any
) -> Any:
    """An unmodified boto3 client for ``service`` on the cloud described by ``env``.

    Endpoint, region and keys come from ``env`` (the local STS shares the Braket port, so
    ``sts`` falls back to the Braket endpoint); ``config`` is a ``botocore.config.Config`` and
    ``overrides`` replace any keyword of ``boto3.client`` (e.g. ``aws_access_key_id``).
    """
    import boto3

    endpoint = env.get(_ENDPOINT[service]) or env["AWS_ENDPOINT_URL_BRAKET"]
    kwargs: dict[str, Any] = {
        "endpoint_url": endpoint,
        "region_name": env.get("AWS_DEFAULT_REGION") or env.get("AWS_REGION") or "us-east-1",
        "aws_access_key_id": env["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"],
    }
    if config is not None:
        kwargs["config"] = config
    kwargs.update(overrides)
    return boto3.client(service, **kwargs)


def braket_client(env: Mapping[str, str], *, config: Any = None, **overrides: Any) -> Any:
    """boto3 ``braket`` for the cloud of ``env`` (see :func:`aws_client`)."""
    return aws_client("braket", env, config=config, **overrides)


def s3_client(env: Mapping[str, str], *, config: Any = None, **overrides: Any) -> Any:
    """boto3 ``s3`` for the cloud of ``env`` (see :func:`aws_client`)."""
    return aws_client("s3", env, config=config, **overrides)


def cloud_clients(env: Mapping[str, str]) -> tuple[Any, Any]:
    """``(braket, s3)`` boto3 clients for the cloud of ``env``."""
    return braket_client(env), s3_client(env)


def sts_client(env: Mapping[str, str], *, config: Any = None, **overrides: Any) -> Any:
    """boto3 ``sts`` for the cloud of ``env`` (see :func:`aws_client`)."""
    return aws_client("sts", env, config=config, **overrides)


# -- The local cloud's admin endpoints --------------------------------------------------------
def pause_local_runner(braket_url: str, paused: bool, *, timeout: float = 5) -> dict[str, Any]:
    """Hold new Braket tasks QUEUED (``paused``) or let them run: ``POST /_local/runner`` of the
    local Braket at ``braket_url``. Answers the runner's state."""
    import requests

    answer = requests.post(f"{braket_url}/_local/runner", json={"paused": paused}, timeout=timeout)
    answer.raise_for_status()
    return answer.json()
