"""The ``quantum`` provider plugin: every declared resource, served from the dynamic providers.

One :class:`QuantumPlugin` (a ``pulumi.provider.experimental`` ``Provider``) answers every
``quantum:<module>:<Name>`` token of the catalogue (:mod:`pulumi_quantum.catalogue`). It holds
no resource logic of its own: each call is translated once, at this boundary, and handed to the
resource's dynamic provider class (the same object ``pulumi_quantum.braket.QuantumTask`` & co.
pickle into their state), so Python programs and plugin users get one behaviour.

The translation:

* names: the schema's camelCase ↔ the core's snake_case (``ResourceDecl.from_camel/to_camel``);
* values: ``PropertyValue`` ↔ plain Python, once; an unknown (computed) value is the dynamic
  host's sentinel string, which is what every ``check`` already tests with ``is_unknown``; whole
  numbers become ints in the core's own boundary (``_provider.engine_props``);
* hidden inputs are never visible: ``urn_seed`` (the seed of clientTokens and program markers)
  is computed from the request's URN on every call, and stripped from anything returned;
* ``customTimeouts.create``/``update`` of the request is the default of ``wait_timeout_seconds``
  when the program leaves it unset (see :data:`TIMEOUT_DEFAULTS`);
* outputs are the declared, non-hidden properties, camelCase, secret where declared (or where the
  program gave the input as a secret).

``pulumi import <token> <name> <id>`` is the engine calling ``read`` with only an id: the core's
``read`` returns the inputs it can learn from the vendor, and the engine stores them.
``read`` returning no id drops the resource (``pulumi refresh``), and the next ``up`` recreates it.
"""

from __future__ import annotations

import asyncio
import importlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.provider.experimental.provider import (
    CheckFailure,
    CheckRequest,
    CheckResponse,
    ConfigureRequest,
    ConfigureResponse,
    CreateRequest,
    CreateResponse,
    DeleteRequest,
    DiffRequest,
    DiffResponse,
    GetSchemaRequest,
    GetSchemaResponse,
    PropertyDiff,
    PropertyDiffKind,
    Provider,
    ReadRequest,
    ReadResponse,
    UpdateRequest,
    UpdateResponse,
)

from .._provider import CONFIG_NAMESPACE, remember_stack_config
from ..catalogue import all_declarations, provider_classes, timeout_inputs
from ..declare import ResourceDecl, canonical
from ..values import UNKNOWN, did_you_mean

PROVIDER_CLASSES: dict[str, str] = provider_classes()
"""Token → the dynamic provider class serving it (imported on first use: startup stays fast);
from the catalogue."""

TIMEOUT_DEFAULTS: dict[str, str] = timeout_inputs()
"""Inputs whose default is the resource's ``customTimeouts`` (create, or update) in seconds;
from the catalogue."""


@dataclass(frozen=True)
class Served:
    """One token's declaration and its core provider."""

    decl: ResourceDecl
    provider: Any

    @cached_property
    def hidden(self) -> frozenset[str]:
        return frozenset(p.name for p in self.decl.hidden)

    @cached_property
    def visible(self) -> frozenset[str]:
        return frozenset(p.name for p in self.decl.props if p.role != "hidden")

    @cached_property
    def input_names(self) -> frozenset[str]:
        return frozenset(p.name for p in self.decl.inputs)

    @cached_property
    def secrets(self) -> frozenset[str]:
        return frozenset(p.name for p in self.decl.props if p.secret)

    @cached_property
    def object_types(self) -> dict[str, tuple[dict[str, str], dict[str, str]]]:
        """Property → (camel → snake, snake → camel) of the object type its value holds (a
        ``ref``, or a list of them): nested keys follow the schema's spelling too."""
        types = {t.name: t for t in self.decl.types}
        found: dict[str, tuple[dict[str, str], dict[str, str]]] = {}
        for prop in self.decl.props:
            obj = types.get(prop.items or "")
            if obj is not None and prop.kind in ("ref", "array"):
                to_snake = {p.camel: p.name for p in obj.props}
                found[prop.name] = (to_snake, {v: k for k, v in to_snake.items()})
        return found

    def nested(self, props: dict[str, Any], *, to_camel: bool) -> dict[str, Any]:
        """Rename the keys inside object-typed values (``timePeriod.startAt`` ↔ ``start_at``)."""
        for name, (to_snake, to_camel_map) in self.object_types.items():
            value = props.get(name)
            names = to_camel_map if to_camel else to_snake

            def rename(item: Any, names: dict[str, str] = names) -> Any:
                if not isinstance(item, Mapping):
                    return item
                return {names.get(k, k): v for k, v in item.items()}

            if isinstance(value, Mapping):
                props[name] = rename(value)
            elif isinstance(value, list):
                props[name] = [rename(item) for item in value]
        return props


class Registry:
    """Token → :class:`Served`, with each provider class imported on first use."""

    def __init__(self, decls: Iterable[ResourceDecl], classes: Mapping[str, str]) -> None:
        self._decls = {d.token: d for d in decls}
        missing = set(self._decls) ^ set(classes)
        if missing:
            raise ValueError(f"declarations and provider classes disagree on {sorted(missing)}")
        self._classes = dict(classes)
        self._served: dict[str, Served] = {}

    @property
    def tokens(self) -> tuple[str, ...]:
        return tuple(self._decls)

    def __getitem__(self, token: str) -> Served:
        served = self._served.get(token)
        if served is None:
            if token not in self._decls:
                raise KeyError(
                    f"unknown resource type {token!r}; this provider serves "
                    f"{', '.join(self._decls)}"
                )
            module, _, name = self._classes[token].partition(":")
            cls = getattr(importlib.import_module(module), name)
            served = self._served[token] = Served(self._decls[token], cls())
        return served


# ------------------------------------------------------------------------------ values
def to_plain(value: PropertyValue) -> Any:
    """A PropertyValue → plain JSON-ish Python (unknowns → the sentinel; secrets unwrapped)."""
    inner = value.value
    if isinstance(inner, Computed):
        return UNKNOWN
    if isinstance(inner, Mapping):
        return {k: to_plain(v) for k, v in inner.items()}
    if isinstance(inner, tuple | list):
        return [to_plain(v) for v in inner]
    if hasattr(inner, "resource_id") and hasattr(inner, "urn"):  # a resource reference
        return to_plain(inner.resource_id) if inner.resource_id is not None else UNKNOWN
    return inner


def from_plain(value: Any, secret: bool = False) -> PropertyValue:
    """Plain Python → a PropertyValue (ints as the wire's numbers; the sentinel stays a string,
    which is how the engine's wire format spells an unknown)."""
    if isinstance(value, bool) or value is None or isinstance(value, str | float):
        result = PropertyValue(value)
    elif isinstance(value, int):
        result = PropertyValue(float(value))
    elif isinstance(value, Mapping):
        result = PropertyValue({str(k): from_plain(v) for k, v in value.items()})
    elif isinstance(value, list | tuple):
        result = PropertyValue([from_plain(v) for v in value])
    else:  # datetimes and the like: as JSON would write them
        result = PropertyValue(json.loads(json.dumps(value, default=str)))
    return result.with_secret(True) if secret else result


def plain_map(props: Mapping[str, PropertyValue]) -> dict[str, Any]:
    return {k: to_plain(v) for k, v in props.items()}


def secret_keys(props: Mapping[str, PropertyValue]) -> set[str]:
    """Top-level camelCase keys the engine sent as (or containing) secrets."""
    return {k for k, v in props.items() if v.contains_secret()}


def _preview_unknowns(served: Served, props: dict[str, Any]) -> dict[str, Any]:
    """During preview every provider-set output is unknown (what a create will say), except
    those ``check`` computed from the inputs (the cost estimate, a source hash): the props of a
    preview are the checked inputs, and :meth:`QuantumPlugin.check` lets no output in from the
    program, so an output set here is ``check``'s."""
    unknown = {p.name: UNKNOWN for p in served.decl.outputs if props.get(p.name) is None}
    return {**props, **unknown}


# ------------------------------------------------------------------------------ the provider
class QuantumPlugin(Provider):
    """The ``quantum`` provider: the declarations' schema, the dynamic providers' behaviour."""

    def __init__(self, registry: Registry | None = None) -> None:
        self.registry = registry or Registry(all_declarations(), PROVIDER_CLASSES)

    # ----------------------------------------------------------- boundary helpers
    def _snake(self, served: Served, props: Mapping[str, PropertyValue]) -> dict[str, Any]:
        return served.nested(served.decl.from_camel(plain_map(props)), to_camel=False)

    def _with_hidden(self, served: Served, urn: str, props: dict[str, Any]) -> dict[str, Any]:
        """The hidden inputs the core expects, computed from the request (never stored)."""
        props = {k: v for k, v in props.items() if k not in served.hidden}
        if "urn_seed" in served.hidden:
            props["urn_seed"] = urn
        return props

    def _visible(
        self, served: Served, props: Mapping[str, Any], secret: Iterable[str] = ()
    ) -> dict[str, PropertyValue]:
        """Declared, non-hidden properties as the engine gets them (camelCase, secrets marked)."""
        secret = set(secret)
        out: dict[str, PropertyValue] = {}
        for name, value in served.nested(dict(props), to_camel=True).items():
            if name not in served.visible:
                continue
            prop = served.decl.prop(name)
            out[prop.camel] = from_plain(value, name in served.secrets or prop.camel in secret)
        return out

    @staticmethod
    async def _call(method: Any, *args: Any) -> Any:
        """The core's create/read/update/delete are synchronous (and may wait on a task): run
        them off the event loop, so the engine's parallel operations stay parallel.

        ``check`` and ``diff`` are called inline instead: they are local (no vendor call, by
        contract) and take well under a millisecond, while a hop to a worker thread measured
        ~1 ms per call under the engine's load, paid 320 times in a no-op up of 160 resources.
        """
        return await asyncio.to_thread(method, *args)

    def _timeout_default(self, token: str, props: dict[str, Any], timeout: float) -> None:
        name = TIMEOUT_DEFAULTS.get(token)
        if name is None or props.get(name) is not None:
            return
        default = self.registry[token].decl.prop(name).default
        props[name] = int(timeout) if timeout and timeout > 0 else default

    # ----------------------------------------------------------- schema & config
    async def get_schema(self, request: GetSchemaRequest) -> GetSchemaResponse:
        from .schema import package_schema

        return GetSchemaResponse(json.dumps(package_schema()))

    async def check_config(self, request: CheckRequest) -> CheckResponse:
        from .schema import CONFIG

        known = {key.name for key in CONFIG} | {"version"}
        failures = [
            CheckFailure(
                name, f"unknown configuration key quantum:{name}{did_you_mean(name, known)}"
            )
            for name in request.new_inputs
            if name not in known
        ]
        return CheckResponse(inputs=request.new_inputs, failures=failures)

    async def configure(self, request: ConfigureRequest) -> ConfigureResponse:
        """Stack config ``quantum:*`` → the one holder every core module reads (``config_value``).

        Values are never logged. ``args`` (typed, from the provider's inputs) win over the
        legacy ``variables`` map, whose keys are ``quantum:config:<key>``.
        """
        values: dict[str, Any] = {}
        for key, text in request.variables.items():
            namespace, _, name = key.partition(":")
            if namespace == CONFIG_NAMESPACE:
                values[f"{CONFIG_NAMESPACE}:{name.removeprefix('config:')}"] = text
        for name, value in request.args.items():
            plain = to_plain(value)
            if isinstance(plain, float) and plain.is_integer():
                plain = int(plain)
            if plain is not None and plain != UNKNOWN and name != "version":
                values[f"{CONFIG_NAMESPACE}:{name}"] = plain
        remember_stack_config(values)
        return ConfigureResponse(
            accept_secrets=True, supports_preview=True, accept_resources=True, accept_outputs=False
        )

    # ----------------------------------------------------------- CRUD
    async def check(self, request: CheckRequest) -> CheckResponse:
        served = self.registry[request.type]
        decl = served.decl
        news = self._snake(served, request.new_inputs)
        olds = self._snake(served, request.old_inputs)
        secret = secret_keys(request.new_inputs)
        failures: list[CheckFailure] = []
        for name in list(news):
            if name in served.input_names:
                continue
            value = news.pop(name)
            if name in served.visible and value is None:
                continue  # an output named with no value (how an SDK asks to read it back)
            camel_inputs = [p.camel for p in decl.inputs]
            failures.append(
                CheckFailure(
                    name,
                    f"{decl.name} has no input {name!r}{did_you_mean(name, camel_inputs)}",
                )
            )
        timed = TIMEOUT_DEFAULTS.get(request.type)
        user_timed = timed is not None and news.get(timed) is not None
        result = served.provider.check(
            self._with_hidden(served, request.urn, olds),
            self._with_hidden(served, request.urn, news),
        )
        checked = dict(result.inputs or {})
        if timed is not None and not user_timed:
            checked.pop(timed, None)  # the default comes from customTimeouts at create
        for failure in result.failures or []:
            prop = decl.find(failure.property)
            failures.append(CheckFailure(prop.camel if prop else failure.property, failure.reason))
        return CheckResponse(inputs=self._visible(served, checked, secret), failures=failures)

    async def diff(self, request: DiffRequest) -> DiffResponse:
        served = self.registry[request.type]
        decl = served.decl
        olds = self._snake(served, request.old_state)
        news = self._snake(served, request.new_inputs)
        timed = TIMEOUT_DEFAULTS.get(request.type)
        if timed is not None and news.get(timed) is None and olds.get(timed) is not None:
            news[timed] = olds[timed]  # unset: whatever customTimeouts gave at create stands
        ignore = set(decl.from_camel(dict.fromkeys(request.ignore_changes)))
        olds_in = self._with_hidden(served, request.urn, olds)
        news_in = self._with_hidden(served, request.urn, news)
        for name in ignore:
            if name in olds_in:
                news_in[name] = olds_in[name]
        result = served.provider.diff(request.resource_id, olds_in, news_in)
        replaces = [n for n in result.replaces or [] if n in served.visible]
        changed, _ = decl.diff(olds_in, news_in, ignore)
        if result.changes and not changed:
            changed = list(replaces)
        if not result.changes:
            changed = []
        detailed: dict[str, PropertyDiff] = {}
        for name in changed:
            if name not in served.visible:
                continue
            replace = name in replaces
            if canonical(olds.get(name)) == canonical(None):
                kind = PropertyDiffKind.ADD_REPLACE if replace else PropertyDiffKind.ADD
            elif canonical(news.get(name)) == canonical(None):
                kind = PropertyDiffKind.DELETE_REPLACE if replace else PropertyDiffKind.DELETE
            else:
                kind = PropertyDiffKind.UPDATE_REPLACE if replace else PropertyDiffKind.UPDATE
            detailed[decl.prop(name).camel] = PropertyDiff(kind, input_diff=True)
        camel = decl.prop
        return DiffResponse(
            changes=bool(result.changes),
            replaces=[camel(n).camel for n in replaces],
            stables=[camel(n).camel for n in result.stables or [] if n in served.visible],
            delete_before_replace=bool(result.delete_before_replace),
            diffs=list(detailed),
            detailed_diff=detailed,
        )

    async def create(self, request: CreateRequest) -> CreateResponse:
        served = self.registry[request.type]
        props = self._snake(served, request.properties)
        secret = secret_keys(request.properties)
        self._timeout_default(request.type, props, request.timeout)
        if request.preview:
            return CreateResponse(
                resource_id="", properties=self._visible(served, _preview_unknowns(served, props))
            )
        result = await self._call(
            served.provider.create, self._with_hidden(served, request.urn, props)
        )
        return CreateResponse(
            resource_id=str(result.id), properties=self._visible(served, result.outs, secret)
        )

    async def read(self, request: ReadRequest) -> ReadResponse:
        served = self.registry[request.type]
        props = self._snake(served, request.properties)
        secret = secret_keys(request.properties) | secret_keys(request.inputs)
        result = await self._call(
            served.provider.read,
            request.resource_id,
            self._with_hidden(served, request.urn, props),
        )
        if not result.id:
            return ReadResponse(resource_id=None)  # gone: refresh drops it, up recreates it
        if result.inputs is not None:
            inputs = {k: v for k, v in result.inputs.items() if k in served.input_names}
            if request.inputs:  # refresh: keep what the program said where the vendor agrees
                inputs = {**self._snake(served, request.inputs), **inputs}
        else:
            inputs = self._snake(served, request.inputs)
        return ReadResponse(
            resource_id=str(result.id),
            properties=self._visible(served, result.outs or {}, secret),
            inputs=self._visible(served, inputs, secret),
        )

    async def update(self, request: UpdateRequest) -> UpdateResponse:
        served = self.registry[request.type]
        olds = self._snake(served, request.olds)
        news = self._snake(served, request.news)
        secret = secret_keys(request.news)
        timed = TIMEOUT_DEFAULTS.get(request.type)
        if timed is not None and news.get(timed) is None:
            if request.timeout and request.timeout > 0:
                news[timed] = int(request.timeout)
            else:
                news[timed] = olds.get(timed)
            self._timeout_default(request.type, news, 0)
        if request.preview:
            outs = {**{p.name: olds.get(p.name) for p in served.decl.outputs}, **news}
            return UpdateResponse(properties=self._visible(served, outs, secret))
        result = await self._call(
            served.provider.update,
            request.resource_id,
            self._with_hidden(served, request.urn, olds),
            self._with_hidden(served, request.urn, news),
        )
        return UpdateResponse(properties=self._visible(served, result.outs, secret))

    async def delete(self, request: DeleteRequest) -> None:
        served = self.registry[request.type]
        props = self._snake(served, request.properties)
        await self._call(
            served.provider.delete,
            request.resource_id,
            self._with_hidden(served, request.urn, props),
        )
