"""``Session``: a Qiskit Runtime session (``/sessions``), opened on create, closed on delete.

A session is a lease, not a configurable object: every input change replaces it (a new session
is opened, then the old one closed), except ``on_delete``, which only says how the eventual
delete behaves and so updates in place without any remote call — replacing a live session just
because its future delete policy changed would cut off the jobs running in it.

``read`` (refresh) treats a session that expired, was closed or was cancelled as gone, so the
next ``up`` opens a fresh one: the desired state is "an open session".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from .._provider import CheckErrors, QuantumProvider, diff_properties, is_unknown, resolve_args
from .duration import DurationError, parse_duration

MIN_MAX_TIME = 300
MAX_MAX_TIME = 8 * 3600
"""IBM's bounds for a session's maximum time: 5 minutes to the 8 hour system maximum."""

MODES = ("dedicated", "batch")
ON_DELETE = ("close", "cancel")
INPUTS = ("backend", "instance", "max_time", "mode", "on_delete")
OUTPUTS = ("session_id", "state", "active", "expires_at")


def _check_instance(value: str) -> str | None:
    parts = value.split("/")
    if len(parts) != 3 or not all(parts):
        return (
            f"{value!r} is not an instance: use the hub/group/project form, e.g. 'ibm-q/open/main'"
        )
    return None


class SessionProvider(QuantumProvider):
    """Dynamic provider of :class:`Session`; holds no state (see ``_provider``)."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        errors = CheckErrors()
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
        return errors.result(checked)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return diff_properties(
            {k: olds.get(k) for k in INPUTS},
            {k: news.get(k) for k in INPUTS},
            in_place=["on_delete"],
            replace_all_others=True,
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        from .config import runtime_client

        with runtime_client() as client:
            created = client.create_session(
                backend=props.get("backend"),
                instance=props.get("instance"),
                max_time=props.get("max_time"),
                mode=props.get("mode"),
            )
            session_id = str(created["id"])
            if "state" not in created:
                created = client.get_session(session_id)
        return CreateResult(session_id, _outputs(session_id, props, created))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        # Only on_delete updates in place, and it is ours alone: no remote call.
        return UpdateResult(
            {**{k: olds.get(k) for k in OUTPUTS}, **{k: news.get(k) for k in INPUTS}}
        )

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        from ..clients.ibm_runtime import NotFoundError
        from .config import runtime_client

        with runtime_client() as client:
            try:
                info = client.get_session(id_)
            except NotFoundError:
                return ReadResult(None, {})
        if _is_over(info):
            return ReadResult(None, {})  # expired/closed/cancelled: gone; next up opens a new one
        outs = _outputs(id_, props, info)
        return ReadResult(id_, outs, {k: outs.get(k) for k in INPUTS})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        from .config import runtime_client

        with runtime_client() as client:
            if props.get("on_delete") == "cancel":
                client.cancel_session(id_)
            else:
                client.close_session(id_)


def _is_over(info: Mapping[str, Any]) -> bool:
    if str(info.get("state", "")).lower() in {"closed", "cancelled", "canceled", "expired"}:
        return True
    expires = _parse_time(info.get("expires_at"))
    return expires is not None and expires <= dt.datetime.now(dt.UTC)


def _parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _outputs(session_id: str, desired: Mapping[str, Any], info: Mapping[str, Any]) -> dict:
    active = info.get("accepting_jobs")
    if active is None:
        active = str(info.get("state", "")).lower() in {"open", "active"}
    return {
        **{k: desired.get(k) for k in INPUTS},
        "session_id": session_id,
        "state": info.get("state"),
        "active": bool(active),
        "expires_at": info.get("expires_at"),
    }


@dataclass(kw_only=True)
class SessionArgs:
    """Inputs of :class:`Session`.

    ``max_time`` is whole seconds or a string like ``"2h 30m 40s"``, between 300 s and 8 h.
    ``instance`` defaults to the configured instance (``quantum:ibmInstance`` /
    ``QISKIT_IBM_INSTANCE``), then to the account's default. ``on_delete`` is ``"close"`` (stop
    accepting jobs, let running ones finish) or ``"cancel"`` (also cancel them).
    """

    backend: pulumi.Input[str]
    instance: pulumi.Input[str] | None = None
    max_time: pulumi.Input[int | str] | None = None
    mode: pulumi.Input[str] | None = None
    on_delete: pulumi.Input[str] | None = None

    def to_props(self) -> dict[str, Any]:
        props: dict[str, Any] = {k: getattr(self, k) for k in INPUTS}
        props.update({k: None for k in OUTPUTS})
        return props


class Session(Resource, module="quantum/ibm", name="Session"):
    """A Qiskit Runtime session held open for the stack's lifetime."""

    session_id: pulumi.Output[str]
    state: pulumi.Output[str]
    active: pulumi.Output[bool]
    expires_at: pulumi.Output[str]
    backend: pulumi.Output[str]
    instance: pulumi.Output[str | None]
    max_time: pulumi.Output[int | None]
    mode: pulumi.Output[str]
    on_delete: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        args: SessionArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None:
        args = resolve_args(SessionArgs, args, kwargs)
        super().__init__(SessionProvider(), resource_name, args.to_props(), opts)
