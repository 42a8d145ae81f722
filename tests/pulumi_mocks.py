"""Pulumi's mocks for tests that check what a program declares (no engine, no provider call)."""

from __future__ import annotations

import pulumi


class Recorder(pulumi.runtime.Mocks):
    """Mocks that record every resource registered, its inputs as its outputs."""

    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        self.resources.append(args)
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}
