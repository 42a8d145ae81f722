"""The ``estimated_cost`` (at preview) and ``billed_cost`` (after ``up``) of priced resources.

Every value has one shape (a plain map in state, the same for the dynamic resources and the
plugin, so a policy pack reads one spelling)::

    {"usd": 0.39, "source": "<offer-file URL | 'ibm price table' | a config key>",
     "price_date": "2026-11-22", "basis": "0.3 per task + 100 shots x 0.0009 per shot",
     "exact": True}

``exact`` is true when the inputs fix the bill (a QPU task: per task + per shot); for what is
billed by run time (simulator tasks, hybrid-job instances, IBM sessions and batches) ``usd`` is
the minimum billed amount or the upper bound the inputs allow, and ``basis`` says which. When
no price can be had (the offer file unreachable, no row for the device) ``usd`` is null and
``basis`` says why: a preview never fails for want of a price. docs/cost.md explains each rule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from ..values import UNKNOWN, is_unknown
from . import braket_prices, ibm_prices
from .braket_prices import PriceNotFound
from .offers import OfferError, OfferFile

Estimate = dict[str, Any]
OfferSource = Callable[[], OfferFile]
"""Gives Braket's offer file (:func:`braket_offers` by default; tests pass a parsed fixture)."""

RESERVATION = "RESERVATION_TIME_WINDOW_ARN"
DEFAULT_JOB_RUNTIME_SECONDS = 5 * 24 * 3600
"""Braket's default ``stoppingCondition.maxRuntimeInSeconds`` (the SDK's too): five days."""
DEFAULT_INSTANCE = {"instanceType": "ml.m5.large", "instanceCount": 1}
IBM_MAX_SECONDS = 8 * 3600
"""A session's or batch's system maximum time: the bound when ``max_time`` is not given."""


class Unpriced(Exception):
    """No price: ``source`` is where it was looked for, the message says why."""

    def __init__(self, source: str, why: str) -> None:
        super().__init__(why)
        self.source = source


def value(usd: Decimal | None, source: str, price_date: str | None, basis: str, exact: bool):
    """One estimate or bill, in the shape every priced resource carries."""
    return {
        "usd": None if usd is None else float(usd),
        "source": source,
        "price_date": price_date,
        "basis": basis,
        "exact": exact,
    }


def unknown(source: str, why: str) -> Estimate:
    return value(None, source, None, f"unknown: {why}", False)


def _money(amount: Decimal) -> str:
    """``Decimal('0.3000000000')`` → ``0.3`` (prices as people write them)."""
    text = format(amount.normalize(), "f")
    return text if "." not in text else text.rstrip("0").rstrip(".")


def braket_offers() -> OfferFile:
    """Braket's offer file from :func:`.offers.offers_url`; :class:`Unpriced` on failure."""
    from .._provider import ProviderError
    from .offers import load, offers_url

    try:
        url = offers_url()
    except ProviderError as exc:
        raise Unpriced("braket offer file", f"no offer file URL: {exc}") from None
    try:
        return load(url)
    except OfferError as exc:
        raise Unpriced(url, str(exc)) from None


def _offers(source: OfferSource | None) -> OfferFile:
    try:
        return (source or braket_offers)()
    except OfferError as exc:
        raise Unpriced("braket offer file", str(exc)) from None


def _region() -> str:
    from ..clients.braket import configured_region

    return configured_region()


def _reserved(associations: Any) -> bool:
    return any(
        isinstance(a, Mapping) and a.get("type") == RESERVATION for a in (associations or [])
    )


def _priced(compute: Callable[[], Estimate]) -> Estimate:
    try:
        return compute()
    except Unpriced as exc:
        return unknown(exc.source, str(exc))


# ------------------------------------------------------------------------------ Braket tasks
def _task_value(
    offers: OfferFile,
    region: str,
    device: str,
    shots: int,
    *,
    job: bool,
    duration_ms: float | None,
    final: bool,
) -> Estimate:
    """A task's cost: before it runs (``duration_ms`` None) or as billed once it ran."""
    source, date = offers.url, offers.publication_date
    where = f" ({region})"
    try:
        if braket_prices.is_qpu(device):
            task, shot = braket_prices.qpu_prices(offers, region, device, job)
            usd = task.usd + shot.usd * shots
            basis = (
                f"{_money(task.usd)} per task + {shots} shots x {_money(shot.usd)} per shot{where}"
            )
            return value(usd, source, date, basis, final)
        if braket_prices.is_simulator(device):
            price = braket_prices.simulator_price(offers, region, device, job)
            minimum = braket_prices.MIN_SIMULATOR_SECONDS
            rate = f"{_money(price.usd)} per {price.unit.rstrip('s')}{where}"
            if duration_ms is None:
                usd = price.per_second() * minimum
                basis = f"minimum: {minimum} s at {rate}; billed by simulation time, at least 3 s"
                return value(usd, source, date, basis, False)
            billed = max(Decimal(str(duration_ms)) / 1000, Decimal(minimum))
            basis = f"{_money(billed)} s of simulation (at least {minimum} s) at {rate}"
            return value(price.per_second() * billed, source, date, basis, final)
    except PriceNotFound as exc:
        raise Unpriced(source, f"no price for {device}: {exc}") from None
    raise Unpriced(source, f"{device} is neither a Braket QPU nor an on-demand simulator")


def quantum_task(inputs: Mapping[str, Any], offers: OfferSource | None = None) -> Any:
    """A QuantumTask's estimate from its checked inputs: exact for a QPU (per task + per shot),
    the 3-second minimum for a simulator, nothing in a reservation window. Unknown (the
    engine's unknown value) while the device, shots or associations are; None when they are
    invalid (``check`` reports that)."""
    device, shots = inputs.get("device_arn"), inputs.get("shots")
    associations, job_token = inputs.get("associations"), inputs.get("job_token")
    if any(is_unknown(v) for v in (device, shots, associations, job_token)):
        return UNKNOWN
    if not isinstance(device, str) or not isinstance(shots, int) or isinstance(shots, bool):
        return None

    def compute() -> Estimate:
        if _reserved(associations):
            basis = "in a reservation window: the reservation is billed, not the task"
            return value(Decimal(0), "braket pricing rules", None, basis, True)
        file = _offers(offers)
        region = braket_prices.device_region(device, _region())
        return _task_value(
            file, region, device, shots, job=bool(job_token), duration_ms=None, final=True
        )

    return _priced(compute)


def billed_task(
    task: Mapping[str, Any], duration_ms: float | None, offers: OfferSource | None = None
) -> Estimate:
    """What Braket bills for a task, from GetQuantumTask (and, for a simulator, the execution
    duration in its results): the Tracker's rule. Exact once the task is terminal; a FAILED or
    CANCELLED task costs nothing."""
    status = str(task.get("status"))
    if status in ("FAILED", "CANCELLED"):
        return value(Decimal(0), "braket pricing rules", None, f"{status}: not billed", True)

    def compute() -> Estimate:
        if _reserved(task.get("associations")):
            basis = "in a reservation window: the reservation is billed, not the task"
            return value(Decimal(0), "braket pricing rules", None, basis, True)
        file = _offers(offers)
        arn, device = str(task.get("quantumTaskArn", "")), str(task.get("deviceArn", ""))
        region = braket_prices.device_region(arn, _region())  # the task's region, as the SDK
        shots = int(task.get("shots") or 0)
        done = status == "COMPLETED"
        billed = _task_value(
            file,
            region,
            device,
            shots,
            job=bool(task.get("jobArn")),
            duration_ms=duration_ms if done else None,
            final=done,
        )
        if not done:
            billed["basis"] = f"{status}, so far the estimate: {billed['basis']}"
        return billed

    return _priced(compute)


# ------------------------------------------------------------------------------ hybrid jobs
def job(inputs: Mapping[str, Any], offers: OfferSource | None = None) -> Any:
    """A hybrid job's upper bound: its instances for its maximum run time (the quantum tasks
    it creates are billed on top, and are not known before it runs)."""
    config, stopping = inputs.get("instance_config"), inputs.get("stopping_condition")
    if is_unknown(config) or is_unknown(stopping):
        return UNKNOWN
    config = {**DEFAULT_INSTANCE, **(config if isinstance(config, Mapping) else {})}
    stopping = stopping if isinstance(stopping, Mapping) else {}
    kind, count = config.get("instanceType"), config.get("instanceCount")
    runtime = stopping.get("maxRuntimeInSeconds") or DEFAULT_JOB_RUNTIME_SECONDS
    if any(is_unknown(v) for v in (kind, count, runtime)):
        return UNKNOWN
    if not isinstance(kind, str) or not isinstance(count, int | float):
        return None
    if not isinstance(runtime, int | float):
        return None

    def compute() -> Estimate:
        file = _offers(offers)
        region = _region()
        try:
            price = braket_prices.instance_price(file, region, kind)
        except PriceNotFound as exc:
            raise Unpriced(
                file.url,
                f"the offer file has no hybrid-job instance price for {kind} in {region} ({exc})",
            ) from None
        seconds = Decimal(int(runtime))
        usd = price.per_second() * seconds * int(count)
        basis = (
            f"upper bound: {int(count)} x {kind} for maxRuntimeInSeconds {int(runtime)} s at "
            f"{_money(price.usd)} per {price.unit.rstrip('s')} ({region}); the job's quantum "
            "tasks are billed on top"
        )
        return value(usd, file.url, file.publication_date, basis, False)

    return _priced(compute)


# ------------------------------------------------------------------------------ IBM
def ibm_session(inputs: Mapping[str, Any]) -> Any:
    """A session's or batch's upper bound: ``max_time`` (else the 8 h system maximum) at IBM's
    per-second price."""
    max_time = inputs.get("max_time")
    if is_unknown(max_time):
        return UNKNOWN
    if max_time is not None and not isinstance(max_time, int):
        return None  # not a duration: check reports it
    try:
        price = ibm_prices.price_per_second()
    except ValueError as exc:
        return unknown(f"quantum:{ibm_prices.CONFIG_KEY}", str(exc))
    seconds = max_time if max_time is not None else IBM_MAX_SECONDS
    given = "max_time" if max_time is not None else "no max_time: the 8 h system maximum"
    basis = (
        f"upper bound: {seconds} s ({given}) x {_money(price.usd_per_second)} per second of "
        "QPU usage; IBM bills the usage, at most the time the session is held"
    )
    return value(price.usd_per_second * seconds, price.source, price.price_date, basis, False)


def total(estimates: Sequence[Mapping[str, Any] | None]) -> Decimal | None:
    """The sum of known estimates' ``usd`` (None when there is none)."""
    known = [e["usd"] for e in estimates if e and e.get("usd") is not None]
    return sum((Decimal(str(u)) for u in known), Decimal(0)) if known else None
