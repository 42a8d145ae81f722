"""Reading, closing and cancelling a Qiskit Runtime session by id: the same three calls on the
legacy runtime (qiskit-ibm-provider's ``RuntimeSession`` adapter) and on the current IBM Quantum
Platform (qiskit-ibm-runtime's), written once. Each client says where its API is and how it
authenticates (:meth:`SessionCalls._api`); opening a session differs (payload fields), so each
client keeps its own ``create_session``.
"""

from __future__ import annotations

from typing import Any

import requests

from .ibm_http import NotFoundError, json_object


class SessionCalls:
    """``GET``/``PATCH /sessions/{id}`` and ``DELETE /sessions/{id}/close`` of a client."""

    def _api(self, method: str, path: str, *, what: str, **kwargs: Any) -> requests.Response:
        """One authenticated call to ``path`` of the client's runtime API."""
        raise NotImplementedError

    def get_session(self, session_id: str) -> dict[str, Any]:
        what = f"read session {session_id!r}"
        return json_object(self._api("GET", f"/sessions/{session_id}", what=what), what)

    def close_session(self, session_id: str) -> bool:
        """Stop accepting jobs; running jobs finish. False if already gone."""
        try:
            self._api(
                "PATCH",
                f"/sessions/{session_id}",
                what=f"close session {session_id!r}",
                json={"accepting_jobs": False},
            )
        except NotFoundError:
            return False
        return True

    def cancel_session(self, session_id: str) -> bool:
        """Close now and cancel queued/running jobs. False if already gone."""
        try:
            self._api(
                "DELETE", f"/sessions/{session_id}/close", what=f"cancel session {session_id!r}"
            )
        except NotFoundError:
            return False
        return True
