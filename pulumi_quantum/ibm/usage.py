"""An IBM instance's remaining usage, compared with a Session's or Batch's ``max_time`` at preview.

Why at preview: IBM meters each instance's usage against its usage limit and refuses every new
job once the limit is met (error 4317); qiskit-ibm-runtime only warns when a job is submitted
(qiskit-ibm-runtime #1088, #2453 ask for the warning *before*). A session's ``max_time`` is the
most it can hold the QPU, so ``check`` reads the instance's usage (``GET /instances/usage``,
through :mod:`pulumi_quantum.clients.ibm_platform`, what ``QiskitRuntimeService.usage()``
reads) and:

* warns (a Pulumi log warning) when ``max_time`` is more than the seconds the instance has left;
* fails the check when the instance has already met its limit: no job of the new session could
  run, and nothing is created;
* warns, and goes on, when the usage cannot be read: a preview never fails for want of it.

Like the price list the estimates read (:mod:`pulumi_quantum.pricing`), this is one read-only
request at preview; it is made only for a session about to be opened (a new one, or a
replacement), not for one the stack already holds. The legacy channel has no usage API: there
nothing is read. docs/cost.md describes it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..pricing.estimates import IBM_MAX_SECONDS
from ..values import is_unknown

READ_TIMEOUT = 10.0
"""Seconds a preview waits for the usage (one retry at most): it must not hold a preview up."""
PLANNED = ("backend", "instance", "max_time", "mode")
"""The inputs that open a new session when they change (``on_delete`` updates in place)."""
OUTPUT = "instance_usage"


@dataclass(frozen=True)
class Reading:
    """One answer of ``GET /instances/usage``."""

    instance: str
    consumed: int
    limit: int | None
    reached: bool

    @property
    def remaining(self) -> int | None:
        """What the instance has left (qiskit-ibm-runtime's ``usage_remaining_seconds``)."""
        return None if self.limit is None else max(self.limit - self.consumed, 0)

    def output(self) -> dict[str, Any]:
        """The ``instance_usage`` output: the figures as read at preview."""
        return {
            "instance": self.instance,
            "consumed_seconds": self.consumed,
            "limit_seconds": self.limit,
            "remaining_seconds": self.remaining,
            "limit_reached": self.reached,
        }


@dataclass
class Verdict:
    """What ``check`` does with the usage: an output, warnings to log, a failure to report."""

    output: Mapping[str, Any] | None = None
    warnings: tuple[str, ...] = ()
    failure: str | None = None


def parse(instance: str, body: Mapping[str, Any]) -> Reading:
    """IBM's ``GetUsageResponse`` → :class:`Reading` (ValueError when it is not one)."""
    consumed = body.get("usage_consumed_seconds")
    limit = body.get("usage_limit_seconds")
    if isinstance(consumed, bool) or not isinstance(consumed, int | float):
        raise ValueError(f"usage_consumed_seconds is {consumed!r}, not a number")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int | float)):
        raise ValueError(f"usage_limit_seconds is {limit!r}, not a number")
    reached = body.get("usage_limit_reached")
    if not isinstance(reached, bool):
        reached = limit is not None and consumed >= limit
    return Reading(
        instance=str(body.get("instance_id") or instance),
        consumed=int(consumed),
        limit=None if limit is None else int(limit),
        reached=reached,
    )


def read(instance: str | None) -> Reading | None:
    """The instance's usage, or None on the legacy channel (it has no usage API).

    Raises whatever the client raises (its messages are redacted of every secret).
    """
    from ..clients.ibm import session_client
    from ..clients.ibm_http import make_retry
    from ..clients.ibm_platform import IBMPlatformClient

    retry = make_retry(total=1, backoff_factor=0.2, backoff_max=1.0)
    with session_client(instance, timeout=READ_TIMEOUT, retry=retry) as client:
        if not isinstance(client, IBMPlatformClient):
            return None
        return parse(client.instance, client.usage())


def judge(reading: Reading, kind: str, backend: Any, max_time: int | None) -> Verdict:
    """Warn when ``max_time`` exceeds what is left; fail when the limit is already met."""
    verdict = Verdict(output=reading.output())
    if reading.limit is None:
        return verdict  # no limit: nothing to compare
    used = f"{reading.consumed} s used of its {reading.limit} s limit in the current usage period"
    if reading.reached:
        verdict.failure = (
            f"instance {reading.instance} has met its usage limit ({used}): IBM refuses every "
            "job (error 4317), so this session could run none. Raise the instance's usage "
            "limit (the instance's settings in IBM Cloud, or PUT /api/v1/instances/"
            'configuration {"instance_limit": <seconds>}), wait until earlier usage leaves '
            "the usage period, or set instance to another instance"
        )
        return verdict
    held = IBM_MAX_SECONDS if max_time is None else max_time
    if held > (reading.remaining or 0):
        what = f"max_time {held} s" if max_time is not None else f"max_time (unset: {held} s)"
        verdict.warnings = (
            f"ibm.{kind} on {backend!r}: {what} is more than the {reading.remaining} s of usage "
            f"instance {reading.instance} has left ({used}); IBM refuses its jobs (error 4317) "
            "once the limit is met. Lower max_time or raise the instance's usage limit",
        )
    return verdict


def at_preview(
    kind: str,
    olds: Mapping[str, Any],
    checked: Mapping[str, Any],
    reader: Callable[[str | None], Reading | None] | None = None,
) -> Verdict:
    """The :class:`Verdict` for a session's checked inputs (``reader``: :func:`read`)."""
    reader = reader or read
    if checked.get("import_id") or any(is_unknown(checked.get(k)) for k in PLANNED):
        return Verdict()  # adopted, or not known yet: nothing to plan against
    if olds and all(olds.get(k) == checked.get(k) for k in PLANNED):
        return Verdict(output=olds.get(OUTPUT))  # held already: no new session is opened
    instance = checked.get("instance")
    try:
        reading = reader(instance)
    except Exception as error:  # a preview never fails for want of the usage
        where = f"instance {instance}" if instance else "the configured instance"
        return Verdict(
            warnings=(
                f"ibm.{kind} on {checked.get('backend')!r}: could not read the usage of {where} "
                f"({error}); max_time was not compared with the time it has left",
            )
        )
    if reading is None:
        return Verdict()
    return judge(reading, kind, checked.get("backend"), checked.get("max_time"))
