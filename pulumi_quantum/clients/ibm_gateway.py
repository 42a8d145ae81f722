"""A thin REST client for IBM's Qiskit Functions gateway (qiskit-serverless, ``/api/v1``).

It speaks what qiskit-serverless's ``ServerlessClient`` speaks, without importing it (that
client pins a cloudpickle the Braket SDK cannot live with; see docs/local-qiskit-functions.md):
``Authorization: Bearer <IBM Cloud API key>``, ``Service-CRN``, ``Service-Channel``;
``programs/upload`` (multipart, an upsert keyed on (author or provider, title)),
``programs/get_by_title/<title>``, ``dependencies-versions``. There is no delete.

Where it goes is the one target rule (:mod:`pulumi_quantum.target`): the local target → the
local cloud's gateway from its ``client.json``; the real target → IBM's gateway host. The key is
the platform account of :func:`~pulumi_quantum.clients.ibm.platform_account`, so a real key is
never sent to loopback. Transport, retries, typed errors and redaction: :mod:`.ibm_http`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from urllib3.util import Retry

from .._provider import ProviderError
from .ibm_http import DEFAULT_TIMEOUT, IBMTransport, NotFoundError, TransportClient, json_object

IBM_GATEWAY_URL = "https://qiskit-serverless.quantum.ibm.com"
"""IBM's Qiskit Functions gateway (qiskit-ibm-catalog's default)."""
CHANNEL = "ibm_quantum_platform"


class GatewayClient(TransportClient):
    """The functions of one account (API key + instance CRN) on one gateway."""

    def __init__(
        self,
        url: str,
        api_key: str,
        instance: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        retry: Retry | None = None,
    ) -> None:
        if not api_key:
            raise ProviderError(
                "no IBM Cloud API key for the Qiskit Functions gateway: set stack config "
                "'quantum:ibmApiKey' (pulumi config set --secret quantum:ibmApiKey ...)"
            )
        self.url = url.rstrip("/")
        self.instance = instance
        self._key = api_key
        self._extra_secrets: tuple[str, ...] = ()
        self.transport = IBMTransport(
            f"the Qiskit Functions gateway at {self.url}",
            "Check the API key (quantum:ibmApiKey) and that it owns instance "
            f"{instance} (quantum:ibmInstance)",
            lambda: (self._key, *self._extra_secrets),
            timeout=timeout,
            retry=retry,
        )

    def __repr__(self) -> str:  # never show the key
        return f"GatewayClient(url={self.url!r}, instance={self.instance!r})"

    def _request(self, method: str, path: str, *, what: str, **kwargs: Any) -> Any:
        headers = {
            "Authorization": f"Bearer {self._key}",
            "Service-CRN": self.instance,
            "Service-Channel": CHANNEL,
            "Accept": "application/json",
        }
        return self.transport.request(
            method, f"{self.url}/api/v1{path}", what=what, headers=headers, **kwargs
        )

    def dependencies_versions(self) -> list[str]:
        """The allow-list: ``name==version`` pins the gateway accepts."""
        what = "read the gateway's allowed dependencies"
        body = self._request("GET", "/dependencies-versions", what=what).json()
        return [str(pin) for pin in body] if isinstance(body, list) else []

    def get_by_title(self, title: str, provider: str | None = None) -> dict[str, Any] | None:
        """The function, or None when the account sees none by that title."""
        what = f"read function {title!r}"
        params = {"provider": provider} if provider else None
        try:
            response = self._request(
                "GET", f"/programs/get_by_title/{quote(title, safe='')}", what=what, params=params
            )
        except NotFoundError:
            return None
        return json_object(response, what)

    def upload(
        self, fields: Mapping[str, Any], artifact: bytes, *, secrets: Sequence[str] = ()
    ) -> dict[str, Any]:
        """``programs/upload``: form ``fields`` (JSON values encoded as the client does) and the
        tar. ``secrets`` (env var values) are redacted from any error too."""
        what = f"upload function {fields.get('title')!r}"
        form = {
            k: (json.dumps(v) if isinstance(v, (list, dict)) else str(v))
            for k, v in fields.items()
            if v is not None
        }
        self._extra_secrets = tuple(s for s in secrets if s)
        response = self._request(
            "POST",
            "/programs/upload",
            what=what,
            data=form,
            files={"artifact": ("artifact.tar", artifact, "application/x-tar")},
        )
        return json_object(response, what)


def gateway_client(instance: str | None = None) -> GatewayClient:
    """The gateway client of the configured account and target, built for this one call."""
    from .. import target as targets
    from .ibm import ibm_target, platform_account

    key, crn = platform_account(instance)
    if ibm_target() == targets.LOCAL:
        url = (targets.local_state().get("endpoints") or {}).get("gateway")
        if not url:
            raise ProviderError(
                "the local cloud's Qiskit Functions gateway is not running (no 'gateway' "
                f"endpoint in {targets.data_dir()}/client.json): start it with "
                "`pulumi-quantum local start`"
            )
    else:
        url = IBM_GATEWAY_URL
    return GatewayClient(str(url), key, crn)
