"""``Session`` and ``Batch``: Qiskit Runtime sessions, opened on create, closed on delete.

Both channels (see :mod:`pulumi_quantum.clients.ibm`): the current IBM Quantum Platform (API key
+ CRN, ``/api/v1/sessions``, as qiskit-ibm-runtime opens them) and the legacy runtime (as
qiskit-ibm-provider 0.11 opens them). ``Batch`` is a ``Session`` whose mode is ``batch``: a
resource of its own because qiskit-ibm-runtime has ``Batch`` as its own class and a batch is a
different promise (jobs run as capacity allows, no interactive window), which should read as
such in a program and in ``pulumi stack``. Outputs are IBM's session details, refreshed by
``read``: ``state`` (open/active/inactive/closed), ``accepting_jobs``, ``max_ttl``,
``interactive_ttl``, ``active_ttl``, ``started_at``, ``activated_at``, ``closed_at``,
``last_job_started``, ``last_job_completed``, ``elapsed_time``, ``backend_name``. User code
joins the session with ``qiskit_ibm_runtime.Session.from_id(session_id)``.

A session is a lease, not a configurable object: every input change replaces it (a new session
is opened, then the old one closed), except ``on_delete``, which only says how the eventual
delete behaves and so updates in place without any remote call — replacing a live session just
because its future delete policy changed would cut off the jobs running in it.

``read`` (refresh) treats a session that expired, was closed or was cancelled as gone, so the
next ``up`` opens a fresh one: the desired state is "an open session".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    UpdateResult,
)

from .._provider import CheckErrors, ProviderError, QuantumProvider, declared_diff, is_unknown
from ..declare import ResourceDecl
from ..durations import DurationError, parse_duration
from ..pricing import estimates
from . import usage
from ._generated import BatchArgs, BatchBase, SessionArgs, SessionBase
from .declarations import BATCH, SESSION

__all__ = ["Batch", "BatchArgs", "BatchProvider", "Session", "SessionArgs", "SessionProvider"]

MIN_MAX_TIME = 300
MAX_MAX_TIME = 8 * 3600
"""IBM's bounds for a session's maximum time: 5 minutes to the 8 hour system maximum."""

MODES = ("dedicated", "batch")
ON_DELETE = ("close", "cancel")
INPUTS = tuple(p.name for p in SESSION.inputs)
"""What a session resource carries from its program (a Batch's ``mode`` too, pinned)."""
OUTPUTS = SESSION.output_names


def _check_instance(value: str) -> str | None:
    if value.startswith("crn:"):
        if value.count(":") < 9:
            return f"{value!r} is not a CRN: expected 'crn:v1:<cname>:<ctype>:<service>:...'"
        return None
    parts = value.split("/")
    if len(parts) != 3 or not all(parts):
        return (
            f"{value!r} is not an instance: use the CRN of an IBM Quantum Platform instance "
            "('crn:v1:bluemix:public:quantum-computing:...') or, on the legacy channel, the "
            "hub/group/project form, e.g. 'ibm-q/open/main'"
        )
    return None


class SessionProvider(QuantumProvider):
    """Dynamic provider of :class:`Session`; holds no state (see ``_provider``)."""

    DECL: ClassVar[ResourceDecl] = SESSION

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        from ..clients.ibm import check_target

        errors = CheckErrors()
        errors.add_all(check_target())
        checked: dict[str, Any] = {}

        backend = news.get("backend")
        if not is_unknown(backend) and (not isinstance(backend, str) or not backend.strip()):
            errors.add(
                "backend",
                "backend is required: the name of the backend to hold, e.g. 'ibmq_qasm_simulator'",
            )
        checked["backend"] = backend

        instance = news.get("instance")
        if instance is not None and not is_unknown(instance):
            problem = (
                _check_instance(instance)
                if isinstance(instance, str)
                else (f"must be a string, not {type(instance).__name__}")
            )
            if problem:
                errors.add("instance", problem)
        checked["instance"] = instance

        max_time = news.get("max_time")
        if max_time is not None and not is_unknown(max_time):
            try:
                seconds = parse_duration(max_time)
            except DurationError as exc:
                errors.add("max_time", str(exc))
            else:
                if not MIN_MAX_TIME <= seconds <= MAX_MAX_TIME:
                    errors.add(
                        "max_time",
                        f"{max_time!r} is {seconds} s; a session's maximum time must be between "
                        f"{MIN_MAX_TIME} s (5m) and the system maximum {MAX_MAX_TIME} s (8h)",
                    )
                max_time = seconds
        checked["max_time"] = max_time

        for key, allowed, default in (
            ("mode", MODES, "dedicated"),
            ("on_delete", ON_DELETE, "close"),
        ):
            value = news.get(key)
            if value is None:
                value = default
            elif not is_unknown(value) and value not in allowed:
                errors.add(key, f"{value!r} is not one of {', '.join(map(repr, allowed))}")
            checked[key] = value
        if news.get("import_id"):
            checked["import_id"] = news["import_id"]
        checked["estimated_cost"] = estimates.ibm_session(checked)
        checked[usage.OUTPUT] = None
        if not errors:  # the instance's remaining usage vs max_time (one read; see .usage)
            verdict = usage.at_preview(self.DECL.name, olds, checked)
            checked[usage.OUTPUT] = verdict.output
            for warning in verdict.warnings:
                pulumi.log.warn(warning)
            if verdict.failure:
                errors.add("instance", verdict.failure)
        return errors.result(checked)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return declared_diff(self.DECL, olds, news)

    def create(self, props: dict[str, Any]) -> CreateResult:
        from ..clients.ibm import session_client

        if props.get("import_id"):
            return self._adopt(str(props["import_id"]), props)
        with session_client(props.get("instance")) as client:
            created = client.create_session(
                backend=props.get("backend"),
                instance=props.get("instance"),
                max_time=props.get("max_time"),
                mode=props.get("mode"),
            )
            session_id = str(created["id"])
            if "state" not in created:
                created = client.get_session(session_id)
        return CreateResult(session_id, _outputs(session_id, props, created, client))

    def _adopt(self, session_id: str, props: dict[str, Any]) -> CreateResult:
        """``import_=<session id>``: take over an open session on the declared backend."""
        from ..clients.ibm import session_client
        from ..clients.ibm_runtime import NotFoundError

        with session_client(props.get("instance")) as client:
            try:
                info = client.get_session(session_id)
            except NotFoundError:
                raise ProviderError(
                    f"import: no session {session_id!r} is visible to this account; check the id"
                ) from None
        if _is_over(info):
            raise ProviderError(f"import: session {session_id!r} is closed; it cannot be adopted")
        live = info.get("backend_name")
        if live and live != props.get("backend"):
            raise ProviderError(
                f"import: backend is {props.get('backend')!r} in the program but {live!r} for "
                f"session {session_id!r}; make the program match the session"
            )
        return CreateResult(session_id, _outputs(session_id, props, info, client))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        # Only on_delete updates in place, and it is ours alone: no remote call.
        outs = {**{k: olds.get(k) for k in OUTPUTS}, **{k: news.get(k) for k in INPUTS}}
        for key in ("estimated_cost", usage.OUTPUT):
            outs[key] = news.get(key, olds.get(key))
        return UpdateResult(outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        from ..clients.ibm import session_client
        from ..clients.ibm_runtime import NotFoundError

        with session_client(props.get("instance")) as client:
            try:
                info = client.get_session(id_)
            except NotFoundError:
                return ReadResult(None, {})
        if _is_over(info):
            return ReadResult(None, {})  # expired/closed/cancelled: gone; next up opens a new one
        if props.get("backend") is None:  # `pulumi import`: the inputs are what IBM reports
            props = {"mode": "batch", **self.DECL.inputs_from(info)}  # (a Batch's mode is pinned)
        outs = _outputs(id_, props, info, client)
        return ReadResult(id_, outs, {k: outs.get(k) for k in INPUTS})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        from ..clients.ibm import session_client

        with session_client(props.get("instance")) as client:
            if props.get("on_delete") == "cancel":
                client.cancel_session(id_)
            else:
                client.close_session(id_)


def _is_over(info: Mapping[str, Any]) -> bool:
    """IBM's states: open, active, inactive (all alive) and closed."""
    return str(info.get("state", "")).lower() == "closed"


def _outputs(
    session_id: str, desired: Mapping[str, Any], info: Mapping[str, Any], client: Any
) -> dict:
    accepting = info.get("accepting_jobs")
    alive = not _is_over(info)
    return {
        **{k: desired.get(k) for k in INPUTS},
        "estimated_cost": desired.get("estimated_cost"),  # check's, from the inputs
        usage.OUTPUT: desired.get(usage.OUTPUT),  # check's, as read at preview
        "session_id": session_id,
        "channel": getattr(client, "channel", "ibm_quantum"),
        "active": bool(alive and (accepting if accepting is not None else True)),
        **SESSION.outputs_from(info),
    }


class Session(SessionBase):
    """A Qiskit Runtime session held open for the stack's lifetime.

    Inputs and outputs: :data:`.declarations.SESSION`; adopt an open session with
    ``opts=ResourceOptions(import_=<session id>)``.
    """

    PROVIDER = SessionProvider


class BatchProvider(SessionProvider):
    """:class:`SessionProvider` with the mode pinned to ``batch``."""

    DECL = BATCH

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        if news.get("mode") not in (None, "batch"):
            return CheckResult(news, [CheckFailure("mode", "a Batch is always mode 'batch'")])
        return super().check(olds, {**news, "mode": "batch"})


class Batch(BatchBase):
    """A Qiskit Runtime batch (a session in ``batch`` mode) held for the stack's lifetime.

    Inputs and outputs: :data:`.declarations.BATCH`.
    """

    PROVIDER = BatchProvider

    def _prepare(
        self, resource_name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None
    ) -> tuple[dict[str, Any], pulumi.ResourceOptions | None]:
        props["mode"] = "batch"  # an output of a Batch, but the session core reads it
        return super()._prepare(resource_name, props, opts)
