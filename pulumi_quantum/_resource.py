"""The base of every dynamic resource class: props from the declaration, one code path.

Generated base classes (``<module>/_generated.py``) give each resource its typed keyword
arguments and output attributes; their ``__init__`` calls :meth:`DeclaredResource._declare`,
which builds the property map the provider sees from the resource's
:class:`~pulumi_quantum.declare.ResourceDecl` — inputs from the ``*Args``, every output as
``None`` (so it can be read back as an attribute), the hidden bookkeeping inputs — and lets the
concrete class add what only it knows (:meth:`_prepare`: the URN seed, an import).
"""

from __future__ import annotations

import copy
from dataclasses import fields
from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import Resource

from ._provider import resolve_args
from .declare import ResourceDecl
from .durations import go_duration_seconds


def create_timeout_seconds(opts: pulumi.ResourceOptions | None) -> int | None:
    """customTimeouts.create (a Go duration such as "30m") → seconds to wait for the resource."""
    timeouts = opts.custom_timeouts if opts is not None else None
    create = getattr(timeouts, "create", None)
    return go_duration_seconds(create) if create else None


class DeclaredResource(Resource):
    """A dynamic resource whose properties come from its declaration ``DECL``."""

    DECL: ClassVar[ResourceDecl]
    PROVIDER: ClassVar[type]
    """The provider class; instantiated empty per resource (it is pickled into state)."""

    TYPE: ClassVar[str]
    """The dynamic resource's full type token (``pulumi-python:dynamic/quantum/...``)."""

    WAIT_INPUT: ClassVar[str | None] = None
    """For a resource ``up`` waits on (a task, a hybrid job): the input holding how long, in
    seconds; not given, it is the resource's ``customTimeouts.create``, else the declared
    default."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        decl = getattr(cls, "DECL", None)
        if decl is not None and "module" not in kwargs:
            # The dynamic type ``pulumi-python:dynamic/quantum/<module>:<Name>``: from the
            # declaration, never typed by hand (it is in every stack's URNs: it must not drift).
            kwargs = {**kwargs, "module": decl.dynamic_module, "name": decl.name}
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
        """Fill the hidden inputs the declaration asks for; subclasses add their own first.

        ``urn_seed``: what the URN is made of (see :func:`urn_seed`). ``import_id``: the one
        import story of the dynamic resources — ``ResourceOptions(import_=id)`` becomes this
        input and ``create`` adopts the existing resource (see :func:`take_import`).
        """
        if self.WAIT_INPUT and props.get(self.WAIT_INPUT) is None:
            props[self.WAIT_INPUT] = create_timeout_seconds(opts)
        hidden = {p.name for p in self.DECL.hidden}
        secret = [p.name for p in self.DECL.props if p.secret]
        if secret:  # never in state in plain text: the input, and the output of the same name
            for name in secret:
                if props.get(name) is not None:
                    props[name] = pulumi.Output.secret(props[name])
            opts = pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(additional_secret_outputs=secret)
            )
        if "urn_seed" in hidden:
            props["urn_seed"] = urn_seed(self.TYPE, resource_name, opts)
        if "import_id" in hidden:
            props["import_id"], opts = take_import(opts)
        return props, opts


def urn_seed(type_token: str, resource_name: str, opts: pulumi.ResourceOptions | None) -> Any:
    """What the resource's URN is made of, computed in the program.

    Dynamic providers' ``create`` never sees the URN, yet a create retried after a crash must
    send the same clientToken. So the resource class passes project, stack, parent, type and name
    as a hidden input. With a parent, its URN (an Output) is part of the seed, as in a real URN.
    """
    base = f"{pulumi.get_project()}::{pulumi.get_stack()}::{type_token}::{resource_name}"
    parent = opts.parent if opts is not None else None
    if parent is None:
        return base
    return parent.urn.apply(lambda parent_urn: f"{base}::parent={parent_urn}")


def take_import(
    opts: pulumi.ResourceOptions | None,
) -> tuple[str | None, pulumi.ResourceOptions | None]:
    """Move ``opts.import_`` into a hidden input and out of the options.

    The engine's import path does not work for Python dynamic providers (pulumi/pulumi#16175:
    their Read is called without ``__provider``), so the providers adopt the resource in
    ``create`` instead; the user-facing spelling stays ``ResourceOptions(import_=id)``. (The
    ``pulumi-resource-quantum`` plugin serves ``pulumi import`` natively.)
    """
    if opts is None or not opts.import_:
        return None, opts
    adopted = copy.copy(opts)
    adopted.import_ = None
    return opts.import_, adopted
