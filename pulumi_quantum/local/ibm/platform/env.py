"""The environment that points unmodified qiskit-ibm-runtime (and our resources) here.

qiskit-ibm-runtime reads ``QISKIT_IBM_CHANNEL`` / ``QISKIT_IBM_TOKEN`` (the IBM Cloud API
key) / ``QISKIT_IBM_INSTANCE`` (the CRN) / ``QISKIT_IBM_URL``. Its URL is a *name*, not an
address: it derives ``iam.``, ``quantum.`` … hosts from it and drops any port, so the local
cloud answers those names through ``HTTP_PROXY``/``HTTPS_PROXY`` (see :mod:`.proxy`), with
``REQUESTS_CA_BUNDLE`` trusting the local CA for IBM's IAM host. ``PLATFORM_URL`` uses the
reserved ``.test`` domain, so without the proxy nothing resolves it and nothing leaves the
machine. ``IAM_URL`` and ``QISKIT_IBM_API_URL`` let pulumi-quantum's own client skip the
proxy and talk to the local server directly. ``pulumi-quantum local start`` / ``local env``
export these by default (the legacy runtime's variables only with ``--ibm-legacy``).
"""

from __future__ import annotations

from pathlib import Path

from ..accounts import DEFAULT_USERS

PLATFORM_URL = "http://localcloud.test"
"""The ``url`` qiskit-ibm-runtime is given; it derives ``quantum.localcloud.test`` etc."""


def platform_env(
    endpoints: dict[str, str], ca_dir: Path | None, user: str = "alice"
) -> dict[str, str]:
    account = next(u for u in DEFAULT_USERS if u.name == user)
    ibm = endpoints["ibm"]
    env = {
        "QISKIT_IBM_CHANNEL": "ibm_quantum_platform",
        "QISKIT_IBM_URL": PLATFORM_URL,
        "QISKIT_IBM_TOKEN": account.api_key,
        "QISKIT_IBM_INSTANCE": account.crns[0],
        "IAM_URL": ibm,
        "QISKIT_IBM_API_URL": f"{ibm}/api/v1",
    }
    proxy = endpoints.get("ibm-proxy")
    if proxy:
        env.update(
            {
                "HTTP_PROXY": proxy,
                "HTTPS_PROXY": proxy,
                "NO_PROXY": "127.0.0.1,localhost,::1",
            }
        )
    if ca_dir is not None:
        env["REQUESTS_CA_BUNDLE"] = str(Path(ca_dir) / "ibm-platform-ca" / "ca-bundle.pem")
    return env
