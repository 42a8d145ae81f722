"""The policy pack the engine runs: the rules of :mod:`pulumi_quantum.policy.checks` as CrossGuard
resource policies, each configurable and with an enforcement level.

The engine starts this file through the language host (``python -m pulumi.policy ENGINE DIR``
runs ``DIR/__main__.py``); ``PolicyPack(...)`` then serves the Analyzer protocol until the engine
stops it. Every policy is a *resource* policy: the engine asks it about each resource before
creating it, so a violation stops ``pulumi up`` before the money is spent (a stack policy would
only run once the stack had been created).

Configuration (``--policy-pack-config FILE``, JSON): per policy name, ``enforcementLevel``
(``advisory``, ``mandatory``, ``disabled``) and the properties of its schema below.
"""

from __future__ import annotations

from collections.abc import Callable

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from pulumi_quantum.policy import checks as rules

PACK_NAME = "pulumi-quantum"

DEFAULT_MAX_RESOURCE_USD = 10.0
DEFAULT_MAX_STACK_USD = 50.0
DEFAULT_MAX_SHOTS = 10_000
# Simulators only: a QPU (Braket ARN or IBM backend) is used only once the config lists it.
DEFAULT_ALLOWED_DEVICES = [
    "arn:aws:braket:::device/quantum-simulator/*",
    "simulator_*",
    "ibmq_qasm_simulator",
]
DEFAULT_REQUIRED_TAGS = ["cost-centre"]
DEFAULT_MAX_SESSION_SECONDS = 3600

_ledger = rules.Ledger()

Rule = Callable[[rules.QuantumResource, ResourceValidationArgs], list[str]]


def _policy(
    name: str,
    description: str,
    rule: Rule,
    schema: dict[str, dict],
    level: EnforcementLevel = EnforcementLevel.MANDATORY,
) -> ResourceValidationPolicy:
    """A resource policy applying ``rule`` to this package's resources (others pass)."""

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        resource = rules.view(args.resource_type, args.props)
        if resource is None:
            return
        for message in rule(resource, args):
            report_violation(message, None)

    return ResourceValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=level,
        config_schema=PolicyConfigSchema(properties=schema),
    )


def _config(args: ResourceValidationArgs, key: str, default):
    value = args.get_config().get(key)
    return default if value is None else value


POLICIES = [
    _policy(
        "quantum-max-resource-cost",
        "A task, job or session must not be estimated above maxUsd (its estimated_cost).",
        lambda r, a: rules.max_resource_cost(
            r, float(_config(a, "maxUsd", DEFAULT_MAX_RESOURCE_USD))
        ),
        {"maxUsd": {"type": "number", "minimum": 0, "default": DEFAULT_MAX_RESOURCE_USD}},
    ),
    _policy(
        "quantum-max-stack-cost",
        "The stack's resources together must not be estimated above maxUsd.",
        lambda r, a: _ledger.stack_cost(
            a.urn, r, float(_config(a, "maxUsd", DEFAULT_MAX_STACK_USD))
        ),
        {"maxUsd": {"type": "number", "minimum": 0, "default": DEFAULT_MAX_STACK_USD}},
    ),
    _policy(
        "quantum-device-allow-list",
        "Tasks, jobs, spending limits and sessions may use only the allowedDevices "
        "(Braket device ARNs or IBM backend names; shell-style patterns).",
        lambda r, a: rules.device_allowed(r, _config(a, "allowedDevices", DEFAULT_ALLOWED_DEVICES)),
        {
            "allowedDevices": {
                "type": "array",
                "items": {"type": "string"},
                "default": DEFAULT_ALLOWED_DEVICES,
            }
        },
    ),
    _policy(
        "quantum-max-shots",
        "A quantum task must not ask for more than maxShots shots.",
        lambda r, a: rules.max_shots(r, int(_config(a, "maxShots", DEFAULT_MAX_SHOTS))),
        {"maxShots": {"type": "integer", "minimum": 0, "default": DEFAULT_MAX_SHOTS}},
    ),
    _policy(
        "quantum-max-session-time",
        "An IBM session or batch must not be held longer than maxSeconds (its max_time; "
        "unset, IBM's 8 h system maximum).",
        lambda r, a: rules.max_session_time(
            r, int(_config(a, "maxSeconds", DEFAULT_MAX_SESSION_SECONDS))
        ),
        {
            "maxSeconds": {
                "type": "integer",
                "minimum": 0,
                "default": DEFAULT_MAX_SESSION_SECONDS,
            }
        },
    ),
    _policy(
        "quantum-qpu-spending-limit",
        "Every QPU a stack's tasks and jobs use must have a Braket SpendingLimit in the stack, "
        "registered before them.",
        lambda r, a: _ledger.spending_limit(r),
        {},
    ),
    _policy(
        "quantum-required-tags",
        "Tasks, jobs and spending limits must carry the requiredTags (cost-centre tags).",
        lambda r, a: rules.required_tags(r, _config(a, "requiredTags", DEFAULT_REQUIRED_TAGS)),
        {
            "requiredTags": {
                "type": "array",
                "items": {"type": "string"},
                "default": DEFAULT_REQUIRED_TAGS,
            }
        },
        level=EnforcementLevel.ADVISORY,
    ),
]

if __name__ == "__main__":
    PolicyPack(name=PACK_NAME, policies=POLICIES, enforcement_level=EnforcementLevel.MANDATORY)
