"""The base of every dynamic resource class: props from the declaration, one code path.

Generated base classes (``<module>/_generated.py``) give each resource its typed keyword
arguments and output attributes; their ``__init__`` calls :meth:`DeclaredResource._declare`,
which builds the property map the provider sees from the resource's
:class:`~pulumi_quantum.declare.ResourceDecl` — inputs from the ``*Args``, every output as
``None`` (so it can be read back as an attribute), the hidden bookkeeping inputs — and lets the
concrete class add what only it knows (:meth:`_prepare`: the URN seed, an import).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import Resource

from ._provider import resolve_args
from .declare import ResourceDecl


class DeclaredResource(Resource):
    """A dynamic resource whose properties come from its declaration ``DECL``."""

    DECL: ClassVar[ResourceDecl]
    PROVIDER: ClassVar[type]
    """The provider class; instantiated empty per resource (it is pickled into state)."""

    TYPE: ClassVar[str]
    """The dynamic resource's full type token (``pulumi-python:dynamic/quantum/...``)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.TYPE = f"pulumi-python:{cls._resource_type_name}"

    def _declare(
        self,
        resource_name: str,
        args_type: type,
        args: Any,
        opts: pulumi.ResourceOptions | None,
        keywords: dict[str, Any],
    ) -> None:
        given = {k: v for k, v in keywords.items() if v is not None}
        resolved = resolve_args(args_type, args, given)
        props: dict[str, Any] = {f.name: getattr(resolved, f.name) for f in fields(resolved)}
        props.update(dict.fromkeys(p.name for p in self.DECL.hidden))
        props.update(self.DECL.blank_outputs())
        props, opts = self._prepare(resource_name, props, opts)
        super().__init__(self.PROVIDER(), resource_name, props, opts)

    def _prepare(
        self, resource_name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None
    ) -> tuple[dict[str, Any], pulumi.ResourceOptions | None]:
        """Add what only the concrete resource knows (a URN seed, an adopted id)."""
        return props, opts
