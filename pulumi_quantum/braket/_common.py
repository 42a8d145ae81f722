"""Pieces both Braket resources share: idempotency tokens, error translation, tags, numbers.

Kept apart from the resource modules so each of those reads as just its CRUD story.
boto3/botocore are imported lazily inside functions.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

from .._provider import CheckErrors, ProviderError, canonical_json, is_unknown, sha256_text
from ..clients.aws_errors import NO_CREDENTIALS_HINT
from ..clients.aws_errors import error_code as error_code  # the Braket modules' spelling
from ..rules import tag_problems
from .declarations import RELEASED_TAG as RELEASED_TAG  # declared with the reads that drop it

# A fixed namespace, so the same seed always yields the same token on any machine.
_TOKEN_NAMESPACE = uuid.UUID("9b0f8f4e-5d0c-4c36-9a43-5f1e4b2b7c11")


#: How many generations a create probes before giving up (each probe is one idempotent call).
MAX_GENERATIONS = 64


def client_token(seed: str, request: Mapping[str, Any], generation: int = 0) -> str:
    """A deterministic clientToken (36 chars; the model allows 1-64): same resource + same
    request + same generation → same token, so Braket answers a repeated create with the task
    it already made. Generation 0 is the token of earlier releases (states stay compatible);
    a create moves to the next generation only when the task Braket returns is proven spent
    (see :func:`submit_generation`)."""
    plain = json.loads(json.dumps(request, default=_instant_text))
    text = f"{seed}\n{sha256_text(canonical_json(plain))}"
    if generation:
        text += f"\ngeneration={generation}"
    return str(uuid.uuid5(_TOKEN_NAMESPACE, text))


def submit_generation(
    create: Callable[[str], str],
    spent: Callable[[str], str | None],
    seed: str,
    request: Mapping[str, Any],
) -> tuple[str, list[str]]:
    """Create idempotently, stepping past tokens whose resource an earlier deployment used up.

    A dynamic provider's create has no URN and no state from before the call, so it cannot
    remember a nonce across a crash. What it *can* do is ask Braket: ``create(token)`` returns
    the resource this token already made (a crash-retry finds its own task), and ``spent(arn)``
    says why that resource belongs to a finished deployment (FAILED, CANCELLED, released by a
    destroy, results gone) or None if it is still this create's. Each spent answer moves to the
    next generation's token; the first unspent answer is the result. Deterministic, so a
    crash-retry at any point walks the same generations and stops at the same resource.

    Returns the ARN and one line per skipped generation (for messages and logs).
    """
    skipped: list[str] = []
    for generation in range(MAX_GENERATIONS):
        arn = create(client_token(seed, request, generation))
        why = spent(arn)
        if why is None:
            return arn, skipped
        skipped.append(f"{arn} ({why})")
    raise ProviderError(
        f"{len(skipped)} earlier deployments of this resource used up its idempotency tokens; "
        "change an input (e.g. a tag) to start a new series"
    )


def _instant_text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not part of a Braket request")


def whole_number(value: Any, prop: str, errors: CheckErrors, *, minimum: int | None = None) -> Any:
    """Pulumi passes numbers as floats; accept ``100.0`` as 100, reject ``100.5`` and ``"100"``."""
    if value is None or is_unknown(value):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add(prop, f"{prop} must be a whole number, got {value!r}")
        return value
    if minimum is not None and value < minimum:
        errors.add(prop, f"{prop} must be at least {minimum}, got {value}")
    return value


def string_map(value: Any, prop: str, errors: CheckErrors) -> Any:
    """Tags: a map of string keys to string values (empty map and None mean no tags)."""
    if value is None or is_unknown(value):
        return value
    if not isinstance(value, Mapping):
        errors.add(prop, f"{prop} must be a map of strings to strings, got {type(value).__name__}")
        return value
    typed = True
    for key, item in value.items():
        if not isinstance(item, str) and not is_unknown(item):
            errors.add(prop, f"{prop}[{key!r}] must be a string, got {item!r}")
            typed = False
    if typed:  # Braket's tag rules, the same function the local Braket applies
        known = {k: v for k, v in value.items() if not is_unknown(v)}
        for problem in tag_problems(known):
            errors.add(prop, f"{prop}: {problem}")
    return dict(value)


SPENDING_LIMIT_REFUSAL = "Attempted to spend over the spending limit"
"""How Braket's ValidationException begins when a spending limit refuses a task: "Attempted to
spend over the spending limit or outside the spending limit time window. Spending limit: …,
current spend: …, estimated cost: …, start time: …, end time: …"."""


def _over_spending_limit(message: str, ctx: Mapping[str, Any]) -> str:
    """A task refused by a spending limit: name the limit, the task's shots and the fixes."""
    device = ctx.get("deviceArn") or "the device"
    shots = ctx.get("shots")
    asked = f" (this task asks for {shots})" if shots is not None else ""
    return (
        f"the spending limit on {device} refuses this task: {message}. Raise the limit "
        "(spending_limit of its braket.SpendingLimit, or UpdateSpendingLimit), make sure its "
        f"time period covers now, or lower shots{asked}; no task was created"
    )


_HINTS: dict[str, Callable[[str, Mapping[str, Any]], str]] = {
    "DeviceOfflineException": lambda msg, ctx: (
        f"device_arn: {ctx.get('deviceArn')} is OFFLINE ({msg}); choose an ONLINE device "
        "(aws braket search-devices) or retry when it is back"
    ),
    "DeviceRetiredException": lambda msg, ctx: (
        f"device_arn: {ctx.get('deviceArn')} is RETIRED ({msg}); it will not come back, "
        "choose another device"
    ),
    "ValidationException": lambda msg, ctx: (
        _over_spending_limit(msg, ctx)
        if msg.startswith(SPENDING_LIMIT_REFUSAL)
        else f"Braket rejected the request: {msg}"
    ),
    "ServiceQuotaExceededException": lambda msg, ctx: (
        f"Braket quota exceeded ({msg}); wait for running tasks to finish or raise the "
        "service quota (Service Quotas console); a spending limit is not a quota"
    ),
    "AccessDeniedException": lambda msg, ctx: (
        f"access denied ({msg}); check the AWS credentials boto3 finds and quantum:target"
    ),
    **{
        code: lambda msg, ctx: (
            f"AWS did not accept the request's credentials ({msg}); check the AWS credentials "
            "boto3 finds (access key, secret key, session token), the machine's clock, "
            "and quantum:target"
        )
        for code in (
            "UnrecognizedClientException",
            "InvalidSignatureException",
            "MissingAuthenticationTokenException",
            "IncompleteSignatureException",
        )
    },
    **{
        code: lambda msg, ctx: (
            f"the AWS session token has expired ({msg}); get fresh temporary credentials "
            "(assume the role again, or aws sso login) and update quantum:awsSessionToken "
            "(with quantum:awsAccessKeyId / quantum:awsSecretAccessKey) or AWS_SESSION_TOKEN"
        )
        for code in ("ExpiredTokenException", "ExpiredToken")
    },
    "ThrottlingException": lambda msg, ctx: (
        f"still throttled after botocore's retries ({msg}); raise quantum:awsMaxAttempts or set "
        "quantum:awsRetryMode to adaptive"
    ),
    "ResourceNotFoundException": lambda msg, ctx: f"not found: {msg}",
}


def _unreachable_hint() -> str:
    """What to do about an unreachable endpoint, for the target in force (never the advice to
    set the target that is already set)."""
    from ..clients.braket import resolve_target

    try:
        target = resolve_target()
    except ProviderError:
        target = None
    if target == "local":
        return (
            "the local quantum cloud is not running there: start it (pulumi-quantum local "
            "start; PQ_LOCAL_DATA_DIR names its state), or set quantum:target aws to use AWS"
        )
    return (
        "quantum:target is aws: check this machine's network path to AWS and quantum:awsRegion "
        "(quantum:braketEndpoint / quantum:s3Endpoint replace the regional endpoints, e.g. "
        "with a VPC endpoint)"
    )


@contextmanager
def braket_errors(action: str, context: Mapping[str, Any] | None = None) -> Iterator[None]:
    """Turn botocore failures into ProviderErrors that name the field and the fix.

    Messages come from the service or botocore, which never echo secret keys; endpoints are
    shown because "which server did it talk to" is the first question when something fails.
    """
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
    )

    ctx = dict(context or {})
    try:
        yield
    except ClientError as exc:
        code = error_code(exc) or "Error"
        message = exc.response.get("Error", {}).get("Message", str(exc))
        hint = _HINTS.get(code)
        text = hint(message, ctx) if hint else f"{code}: {message}"
        raise ProviderError(f"{action} failed: {text}") from None
    except EndpointConnectionError as exc:
        url = exc.kwargs.get("endpoint_url")
        raise ProviderError(f"{action} failed: cannot reach {url}; {_unreachable_hint()}") from None
    except NoCredentialsError:
        raise ProviderError(f"{action} failed: {NO_CREDENTIALS_HINT}") from None
    except BotoCoreError as exc:
        raise ProviderError(f"{action} failed: {type(exc).__name__}: {exc}") from None


T = TypeVar("T")
NOT_FOUND = frozenset({"ResourceNotFoundException"})
"""Braket's error code for an ARN it does not know."""
S3_NOT_FOUND = frozenset({"404", "NoSuchKey", "NoSuchBucket"})
"""S3's error codes for an object or bucket that is not there."""


def unless_missing(
    action: str, call: Callable[[], T], missing: Collection[str] = NOT_FOUND
) -> T | None:
    """``call()`` with :func:`braket_errors`, or None when the service answers one of the
    ``missing`` error codes: what a read takes as "gone" and a delete as "already gone"."""
    from botocore.exceptions import ClientError

    with braket_errors(action):
        try:
            return call()
        except ClientError as exc:
            if error_code(exc) in missing:
                return None
            raise


def update_tags(
    client: Any, arn: str, old: Mapping[str, str] | None, new: Mapping[str, str] | None
):
    """Apply a tag change in place: TagResource for added/changed keys, UntagResource for
    removed ones (the two calls Braket offers; there is no 'replace all tags')."""
    old, new = dict(old or {}), dict(new or {})
    removed = sorted(k for k in old if k not in new)
    changed = {k: v for k, v in new.items() if old.get(k) != v}
    with braket_errors("UntagResource"):
        if removed:
            client.untag_resource(resourceArn=arn, tagKeys=removed)
    with braket_errors("TagResource"):
        if changed:
            client.tag_resource(resourceArn=arn, tags=changed)


TERMINAL = frozenset({"COMPLETED", "FAILED", "CANCELLED"})
"""Braket's terminal states, of quantum tasks and hybrid jobs alike."""
MAX_POLL_SECONDS = 5.0


def poll_until_terminal(
    fetch: Callable[[], dict[str, Any] | None],
    what: str,
    timeout: float,
    resume: str,
    first_poll: float = 0.1,
) -> dict[str, Any]:
    """Poll ``fetch`` (a Get* call, None when the object is gone) with backoff until the
    object is COMPLETED/FAILED/CANCELLED; past ``timeout`` fail with how to ``resume``."""
    deadline = time.monotonic() + timeout
    delay = first_poll
    while True:
        found = fetch()
        if found is None:
            raise ProviderError(f"{what} disappeared while waiting for it")
        if found["status"] in TERMINAL:
            return found
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ProviderError(
                f"{what} is still {found['status']} after {timeout:g} s "
                "(wait_timeout_seconds). It keeps running in Braket: run `pulumi up` again to "
                f"resume waiting for {resume}, raise wait_timeout_seconds, or set "
                "wait_for_completion=false"
            )
        time.sleep(min(delay, remaining))  # the poll interval, not synchronisation
        delay = min(delay * 1.5, MAX_POLL_SECONDS)
