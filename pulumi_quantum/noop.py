"""A no-op dynamic resource: the smallest thing the engine can create, diff and delete.

It exists for two reasons: the engine smoke test proves the whole chain (engine → language
host → program → dynamic provider host → this package) without any vendor API, and the
benchmarks use a stack of these as the baseline that the quantum resources are measured against.
"""

from __future__ import annotations

import uuid
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from ._provider import QuantumProvider, declared_diff
from .declare import Prop, ResourceDecl

NOOP = ResourceDecl(
    module="quantum",
    name="Noop",
    doc="Remembers ``value``; the benchmarks' baseline.",
    props=(Prop("value", "any", "Any value; updates in place.", "Any", change="in-place"),),
)


class NoopProvider(QuantumProvider):
    """Stores its inputs as outputs; ``value`` updates in place."""

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return declared_diff(NOOP, olds, news)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(f"noop-{uuid.uuid4().hex[:12]}", {"value": props.get("value")})

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult({"value": news.get("value")})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, props)


class Noop(Resource, module="quantum", name="Noop"):
    """A resource that does nothing but remember ``value``."""

    value: pulumi.Output[Any]

    def __init__(
        self,
        resource_name: str,
        value: pulumi.Input[Any] = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(NoopProvider(), resource_name, {"value": value}, opts)
