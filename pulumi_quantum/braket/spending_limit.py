"""``SpendingLimit``: a Braket spending limit for one device, as a Pulumi resource.

The device is what a limit *is*, so changing it replaces the limit; the amount, the period and
the tags are edited in place (UpdateSpendingLimit, TagResource/UntagResource). Braket has no
GetSpendingLimit, so reads page through SearchSpendingLimits (filtered by device) for the ARN.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from .._provider import CheckErrors, ProviderError, QuantumProvider, declared_diff, is_unknown
from ..clients.braket import check_target
from ..rules import spending_limit_device_problem
from ..service_model import validate_request
from . import _common
from ._generated import SpendingLimitArgs, SpendingLimitBase, TimePeriod
from .declarations import SPENDING_LIMIT, instant, utc_text

__all__ = ["SpendingLimit", "SpendingLimitArgs", "SpendingLimitProvider", "TimePeriod"]

OUTPUTS = SPENDING_LIMIT.output_names


def _amount(value: Any, errors: CheckErrors) -> Any:
    if value is None or is_unknown(value) or isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        errors.add(
            "spending_limit", f"spending_limit must be a decimal amount as text, got {value!r}"
        )
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _period(value: Any, errors: CheckErrors) -> Any:
    """{start_at, end_at} in any accepted spelling → ISO 8601 UTC strings, end after start."""
    if not isinstance(value, Mapping) or any(is_unknown(v) for v in value.values()):
        return value  # the model check names what is wrong with a non-map
    start = instant(value.get("start_at", value.get("startAt")))
    end = instant(value.get("end_at", value.get("endAt")))
    if start is None or end is None:
        return value
    if end <= start:
        errors.add("time_period", "time_period.end_at must be after time_period.start_at")
    return {"start_at": utc_text(start), "end_at": utc_text(end)}


def _api_period(period: Mapping[str, Any] | None) -> dict[str, datetime] | None:
    if not period:
        return None
    return {"startAt": instant(period["start_at"]), "endAt": instant(period["end_at"])}


def check_limit(olds: Mapping[str, Any], news: Mapping[str, Any]) -> CheckResult:
    errors = CheckErrors()
    errors.add_all(check_target())
    inputs = {k: v for k, v in news.items() if k not in OUTPUTS}
    inputs["spending_limit"] = _amount(inputs.get("spending_limit"), errors)
    inputs["tags"] = _common.string_map(inputs.get("tags"), "tags", errors)
    simulator = spending_limit_device_problem(inputs.get("device_arn"))
    if simulator:
        errors.add("device_arn", simulator)
    if inputs.get("time_period") is not None:
        inputs["time_period"] = _period(inputs["time_period"], errors)
    if not inputs.get("urn_seed"):
        errors.add(
            "urn_seed",
            "urn_seed is missing: create limits through "
            "pulumi_quantum.braket.SpendingLimit, which derives it from the resource URN",
        )
    request = SPENDING_LIMIT.request(inputs)
    if inputs.get("time_period") is not None:
        request["timePeriod"] = inputs["time_period"]
    errors.later(
        lambda: validate_request("CreateSpendingLimit", request, errors, skip=["clientToken"])
    )
    return errors.result(inputs, accepted_before=SPENDING_LIMIT.accepted(olds, inputs))


def find_limit(client: Any, arn: str, device_arn: str | None) -> dict[str, Any] | None:
    """The SpendingLimitSummary with this ARN (pages through SearchSpendingLimits)."""
    filters = [{"name": "deviceArn", "values": [device_arn], "operator": "EQUAL"}]
    with _common.braket_errors("SearchSpendingLimits"):
        pages = client.get_paginator("search_spending_limits").paginate(
            **({"filters": filters} if device_arn else {})
        )
        for page in pages:
            for summary in page.get("spendingLimits", []):
                if summary["spendingLimitArn"] == arn:
                    return summary
    return None


def outputs_of(summary: Mapping[str, Any]) -> dict[str, Any]:
    """The outputs, as the declaration reads them from a SpendingLimitSummary."""
    return SPENDING_LIMIT.outputs_from(summary)


def _same_amount(a: Any, b: Any) -> bool:
    try:
        return Decimal(str(a)) == Decimal(str(b))
    except InvalidOperation:
        return a == b


class SpendingLimitProvider(QuantumProvider):
    """CRUD for Braket spending limits. Holds no configuration (it is pickled into state)."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return check_limit(olds, news)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return declared_diff(SPENDING_LIMIT, olds, news)

    def create(self, props: dict[str, Any]) -> CreateResult:
        from ..clients.braket import braket_client

        request = SPENDING_LIMIT.request(props)
        if props.get("time_period"):
            request["timePeriod"] = _api_period(props["time_period"])
        client = braket_client()
        if props.get("import_id"):
            return self._adopt(client, props["import_id"], props)
        found: dict[str, Any] = {}

        def submit(token: str) -> str:
            with _common.braket_errors("CreateSpendingLimit", request):
                return client.create_spending_limit(clientToken=token, **request)[
                    "spendingLimitArn"
                ]

        def spent(arn: str) -> str | None:
            # A token whose limit an earlier destroy deleted is spent: the same inputs after a
            # destroy make a new limit; a crash-retry finds its own, still existing, limit.
            found["summary"] = find_limit(client, arn, props["device_arn"])
            return None if found["summary"] else "deleted by an earlier destroy"

        arn, _ = _common.submit_generation(submit, spent, props["urn_seed"], request)
        summary = found.get("summary") or {"spendingLimitArn": arn}
        inputs = dict(props)
        return CreateResult(arn, {**inputs, **outputs_of(summary)})

    def _adopt(self, client: Any, arn: str, props: dict[str, Any]) -> CreateResult:
        """``import_=ARN`` (see QuantumTask's adopt_task for why): take over an existing limit on
        the same device, then bring amount, period and tags to what the program declares."""
        summary = find_limit(client, arn, None)
        if summary is None:
            raise ProviderError(f"import: no spending limit {arn} in Braket; check the ARN")
        if summary["deviceArn"] != props["device_arn"]:
            raise ProviderError(
                f"import: device_arn is {props['device_arn']!r} in the program but "
                f"{summary['deviceArn']!r} for {arn}; make the program match the limit"
            )
        live = SPENDING_LIMIT.read_fields(summary)  # as it is: inputs, updated_at (the token)
        return CreateResult(arn, self.update(arn, live, props).outs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        from ..clients.braket import braket_client

        client = braket_client()
        request: dict[str, Any] = {"spendingLimitArn": id_, "spendingLimit": news["spending_limit"]}
        if news.get("time_period"):
            request["timePeriod"] = _api_period(news["time_period"])
        # Same update of the same prior state → same token (a retry); a later, identical-looking
        # update starts from a different updated_at and so is a new request.
        token = _common.client_token(id_, {"from": olds.get("updated_at"), **request})
        if not _same_amount(olds.get("spending_limit"), news.get("spending_limit")) or (
            olds.get("time_period") != news.get("time_period")
        ):
            with _common.braket_errors("UpdateSpendingLimit", {"deviceArn": news["device_arn"]}):
                client.update_spending_limit(clientToken=token, **request)
        _common.update_tags(client, id_, olds.get("tags"), news.get("tags"))
        summary = find_limit(client, id_, news["device_arn"])
        if summary is None:
            raise ProviderError(f"spending limit {id_} disappeared during the update")
        inputs = dict(news)
        return UpdateResult({**inputs, **outputs_of(summary)})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        from ..clients.braket import braket_client

        summary = find_limit(braket_client(), id_, props.get("device_arn"))
        if summary is None:
            return ReadResult(None, {})
        live = outputs_of(summary)
        current = {p.name: p.read_from(summary) for p in SPENDING_LIMIT.inputs if p.read}
        outs = dict(props)
        importing = "device_arn" not in outs
        if importing:
            outs.update(current)
        else:
            # Keep the user's spelling where it means the same; take the live value on drift.
            if not _same_amount(outs.get("spending_limit"), current["spending_limit"]):
                outs["spending_limit"] = current["spending_limit"]
            if outs.get("time_period") and outs["time_period"] != current["time_period"]:
                outs["time_period"] = current["time_period"]
            outs["tags"] = current["tags"]
        outs.update(live)
        if importing:
            return ReadResult(id_, outs, SPENDING_LIMIT.inputs_from(summary))
        return ReadResult(id_, outs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        from ..clients.braket import braket_client

        _common.unless_missing(  # already gone: deleted
            "DeleteSpendingLimit",
            lambda: braket_client().delete_spending_limit(spendingLimitArn=id_),
        )


class SpendingLimit(SpendingLimitBase):
    """An Amazon Braket spending limit (``braket.create_spending_limit``) managed by Pulumi.

    Inputs, outputs and update-vs-replace: :data:`.declarations.SPENDING_LIMIT`.
    """

    PROVIDER = SpendingLimitProvider
