"""What unmodified qiskit-serverless reads to reach the local gateway.

``ServerlessClient()`` takes its host from ``ENV_GATEWAY_PROVIDER_HOST`` and its token from
``ENV_GATEWAY_PROVIDER_TOKEN`` (the IBM Cloud API key); the instance (CRN) has no variable of
its own in the client, so ``QISKIT_SERVERLESS_INSTANCE`` is exported for scripts to pass as
``instance=``. The values are the local platform's first account (alice's), documented
defaults that work on loopback only.
"""

from __future__ import annotations

from ..ibm.accounts import DEFAULT_USERS


def gateway_env(url: str, user: str = "alice") -> dict[str, str]:
    account = next(u for u in DEFAULT_USERS if u.name == user)
    return {
        "ENV_GATEWAY_PROVIDER_HOST": url,
        "ENV_GATEWAY_PROVIDER_TOKEN": account.api_key,
        "QISKIT_SERVERLESS_INSTANCE": account.crns[0],
    }
