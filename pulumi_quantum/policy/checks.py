"""The cost rules of the policy pack, as plain functions of a resource's checked inputs.

Why plain functions: the CrossGuard framework (``pulumi_policy``) only wires them to the engine
(:mod:`pulumi_quantum.policy.__main__`); keeping the rules free of it makes them testable
without an engine, and keeps ``pulumi_policy`` out of the package's runtime dependencies.

A policy sees a resource by type token and checked inputs, and this package's resources reach
it in two spellings: a dynamic resource (``pulumi-python:dynamic/quantum/braket:QuantumTask``,
snake_case properties) and the provider plugin's (``quantum:braket:QuantumTask``, camelCase).
:func:`view` maps both onto one :class:`QuantumResource`, from the catalogue, so a resource
added there is recognised here without a change.

Each rule returns the violation messages for one resource (empty: compliant). The two rules
that look across resources (the stack's total, "every QPU has a SpendingLimit") keep what the
deployment has registered so far in a :class:`Ledger`: the engine asks a policy about each
resource *before* it creates it, so a rule that waited for the whole stack (a stack policy)
would only speak after ``pulumi up`` had spent the money.
"""

from __future__ import annotations

import fnmatch
import math
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..catalogue import all_declarations
from ..declare import ResourceDecl

DYNAMIC_PREFIX = "pulumi-python:dynamic/"
"""Type tokens of dynamic resources: ``pulumi-python:dynamic/<module>:<Name>``."""

QPU_ARN_PART = ":device/qpu/"
"""What marks a Braket QPU's ARN (spending limits apply to QPUs only, as on Braket)."""

#: Per resource: the inputs naming the device, the shots and the tags (None: it has none).
DEVICE_INPUT = {
    "QuantumTask": "device_arn",
    "Job": "device",
    "SpendingLimit": "device_arn",
    "Session": "backend",
    "Batch": "backend",
}
SHOTS_INPUT = {"QuantumTask": "shots"}
HELD = ("Session", "Batch")
"""IBM's leases: their ``max_time`` (seconds once checked) bounds the QPU time they can use."""
IBM_MAX_TIME_SECONDS = 8 * 3600
"""IBM's system maximum: what a session or batch without ``max_time`` may hold."""
TAGGED = ("QuantumTask", "Job", "SpendingLimit")
ESTIMATE = "estimated_cost"
"""The output (known at preview, carried in the checked inputs) holding a resource's estimate."""


def _tokens() -> dict[str, ResourceDecl]:
    tokens: dict[str, ResourceDecl] = {}
    for decl in all_declarations():
        tokens[decl.token] = decl
        tokens[f"{DYNAMIC_PREFIX}{decl.dynamic_module}:{decl.name}"] = decl
    return tokens


_TOKENS = _tokens()


@dataclass(frozen=True)
class QuantumResource:
    """One of this package's resources as the policies see it, whichever its spelling."""

    kind: str
    """The resource's name in the catalogue (``QuantumTask``, ``SpendingLimit``, …)."""
    plugin: bool
    """True for the provider plugin's type (camelCase inputs), False for a dynamic resource."""
    props: Mapping[str, Any]

    def get(self, name: str) -> Any:
        """The input ``name`` (snake_case), read in the resource's own spelling."""
        if self.plugin:
            head, *rest = name.split("_")
            name = head + "".join(part.title() for part in rest)
        return self.props.get(name)

    @property
    def device(self) -> str | None:
        key = DEVICE_INPUT.get(self.kind)
        value = self.get(key) if key else None
        return value if isinstance(value, str) and value else None

    @property
    def shots(self) -> Any:
        key = SHOTS_INPUT.get(self.kind)
        return self.get(key) if key else None

    @property
    def tags(self) -> Mapping[str, Any] | None:
        if self.kind not in TAGGED:
            return None
        tags = self.get("tags")
        return tags if isinstance(tags, Mapping) else {}

    @property
    def max_time(self) -> Any:
        """A session's or batch's ``max_time``, or None for other resources."""
        return self.get("max_time") if self.kind in HELD else None

    @property
    def estimate(self) -> Mapping[str, Any] | None:
        value = self.get(ESTIMATE)
        return value if isinstance(value, Mapping) else None

    @property
    def uses_qpu(self) -> bool:
        """A Braket task or job on a QPU: what a Braket spending limit covers."""
        return self.kind in ("QuantumTask", "Job") and QPU_ARN_PART in (self.device or "")


def view(resource_type: str, props: Mapping[str, Any]) -> QuantumResource | None:
    """This package's resource behind ``resource_type``, or None for anything else."""
    decl = _TOKENS.get(resource_type)
    if decl is None:
        return None
    return QuantumResource(decl.name, not resource_type.startswith(DYNAMIC_PREFIX), props)


def estimated_usd(resource: QuantumResource) -> float | None:
    """The estimate's ``usd``, or None when the resource carries no estimate."""
    estimate = resource.estimate
    if estimate is None:
        return None
    usd = estimate.get("usd")
    if isinstance(usd, bool) or not isinstance(usd, int | float) or not math.isfinite(usd):
        # The provider leaves usd null when it finds no price (basis says why): a cap cannot
        # pass what it cannot price, so the cost rules report it (advisory config to let it by).
        why = estimate.get("basis") or f"usd is {usd!r}"
        raise ValueError(f"its estimated cost is not known ({why})")
    return float(usd)


def usd_text(amount: float) -> str:
    """``12.50``, ``0.00375``: cents for a dollar and up, the figure itself below."""
    return f"{amount:,.2f}" if amount >= 1 or amount == 0 else f"{amount:.6f}".rstrip("0")


def _basis(resource: QuantumResource) -> str:
    basis = (resource.estimate or {}).get("basis")
    return f" ({basis})" if basis else ""


# ------------------------------------------------------------------------ single-resource rules
def max_resource_cost(resource: QuantumResource, max_usd: float) -> list[str]:
    """The resource's estimate must not exceed ``max_usd``."""
    try:
        usd = estimated_usd(resource)
    except ValueError as error:
        return [f"{resource.kind}: {error}; the cost rules cannot judge it"]
    if usd is None or usd <= max_usd:
        return []
    return [
        f"{resource.kind} is estimated at {usd_text(usd)} USD{_basis(resource)}, above the "
        f"{usd_text(max_usd)} USD allowed per resource (policy config maxUsd)"
    ]


def device_allowed(resource: QuantumResource, allowed: Iterable[str]) -> list[str]:
    """The device (Braket ARN or IBM backend) must match one of the ``allowed`` patterns."""
    device = resource.device
    patterns = list(allowed)
    if device is None or any(fnmatch.fnmatchcase(device, p) for p in patterns):
        return []
    return [
        f"{resource.kind} uses device {device!r}, which is not on the allow-list "
        f"(policy config allowedDevices: {', '.join(patterns) or 'empty'})"
    ]


def max_shots(resource: QuantumResource, limit: int) -> list[str]:
    """A task's shots must not exceed ``limit``."""
    shots = resource.shots
    if isinstance(shots, bool) or not isinstance(shots, int | float) or shots <= limit:
        return []
    return [
        f"{resource.kind} asks for {int(shots)} shots, above the {limit} allowed "
        "(policy config maxShots)"
    ]


def max_session_time(resource: QuantumResource, max_seconds: int) -> list[str]:
    """A session's or batch's ``max_time`` must not exceed ``max_seconds``; unset, it is IBM's
    8 h system maximum. A value ``check`` has not turned into seconds is left to ``check``."""
    if resource.kind not in HELD:
        return []
    held = resource.max_time
    if held is None:
        held, what = IBM_MAX_TIME_SECONDS, "max_time is not set, so IBM's 8 h system maximum"
        what += f" ({IBM_MAX_TIME_SECONDS} s) applies"
    elif isinstance(held, bool) or not isinstance(held, int | float):
        return []  # unknown at preview, or text check refuses anyway
    else:
        what = f"max_time is {int(held)} s"
    if held <= max_seconds:
        return []
    return [
        f"{resource.kind} on {resource.device or 'its backend'}: {what}, above the "
        f"{max_seconds} s allowed (policy config maxSeconds); set a shorter max_time"
    ]


def required_tags(resource: QuantumResource, keys: Iterable[str]) -> list[str]:
    """A taggable resource must carry every tag key in ``keys`` with a non-empty value."""
    tags = resource.tags
    if tags is None:
        return []
    missing = [k for k in keys if not (isinstance(tags.get(k), str) and tags.get(k).strip())]
    if not missing:
        return []
    return [
        f"{resource.kind} lacks the cost tag(s) {', '.join(missing)}: add them to its tags "
        "(policy config requiredTags)"
    ]


# ------------------------------------------------------------------------ cross-resource rules
@dataclass
class Ledger:
    """What one deployment has registered so far: estimates by URN, devices with a limit.

    Keyed by URN, so a resource the engine asks about twice counts once. Thread-safe: the
    framework answers the engine from a thread pool.
    """

    costs: dict[str, float] = field(default_factory=dict)
    limited_devices: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def stack_cost(self, urn: str, resource: QuantumResource, max_usd: float) -> list[str]:
        """The stack's running total, this resource included, must not exceed ``max_usd``."""
        try:
            usd = estimated_usd(resource)
        except ValueError:
            return []  # max_resource_cost reports it
        if usd is None:
            return []
        with self._lock:
            self.costs[urn] = usd
            total = sum(self.costs.values())
        if total <= max_usd:
            return []
        return [
            f"{resource.kind} ({usd_text(usd)} USD) brings the stack's estimated cost to "
            f"{usd_text(total)} USD, above the {usd_text(max_usd)} USD allowed per stack "
            "(policy config maxUsd)"
        ]

    def spending_limit(self, resource: QuantumResource) -> list[str]:
        """A QPU task or job needs a SpendingLimit on its device registered before it."""
        with self._lock:
            if resource.kind == "SpendingLimit":
                if resource.device:
                    self.limited_devices.add(resource.device)
                return []
            if not resource.uses_qpu or resource.device in self.limited_devices:
                return []
        return [
            f"{resource.kind} runs on the QPU {resource.device} but the stack has no "
            "SpendingLimit for that device before it: declare a braket.SpendingLimit with "
            "device_arn set to it and make this resource depend on it (depends_on)"
        ]
