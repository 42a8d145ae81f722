"""One declaration per resource: every property once, and everything else derived from it.

A resource used to be described in six to eight places (its ``*Args`` fields, the request
mapping, the output list, the in-place list, the output annotations, the README table), and
they drifted. Now each resource module declares a :class:`ResourceDecl` — a table of
:class:`Prop` — and from it come:

* the typed ``*Args`` classes and the resources' output attributes (generated source, see
  :mod:`pulumi_quantum.codegen`; a test fails when the generated files are stale);
* the diff policy (:meth:`ResourceDecl.diff`: in-place vs replace vs never-a-change);
* the vendor request mapping (:meth:`ResourceDecl.request`, snake_case → the API's members);
* the Pulumi package schema served by the ``pulumi-resource-quantum`` plugin
  (:mod:`pulumi_quantum.plugin.schema`), with the plugin's camelCase ↔ snake_case mapping;
* the README's input/output tables (:mod:`pulumi_quantum.codegen`).

This module imports nothing from Pulumi or the vendors: the CLI, codegen and the plugin's schema
all read the declarations without paying for those imports.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

Kind = Literal[
    "string", "integer", "number", "boolean", "object", "array", "any", "json", "ref", "duration"
]
"""Schema kinds. ``object`` is a map (``items`` names its value kind); ``array`` a list
(``items`` names its element kind or object type); ``ref`` is the object type ``items`` names;
``json`` is a value given as a JSON object or as its text (sent as canonical JSON text);
``any`` is free-form JSON; ``duration`` is whole seconds or a duration string
(``"2h 30m"``)."""

Role = Literal["input", "output", "hidden"]
"""``input``: the user sets it (and reads it back); ``output``: the provider sets it;
``hidden``: bookkeeping of the dynamic resources (``urn_seed``, ``import_id``), never in the
schema or the Args."""

Change = Literal["replace", "in-place", "none"]
"""What a changed input does: replace the resource, update it in place, or nothing (a value
folded into another input by ``check``, or a local knob that needs no remote call)."""


@dataclass(frozen=True)
class Prop:
    """One property of a resource, declared once.

    ``py`` is the Python type of the value inside ``pulumi.Input[...]``/``pulumi.Output[...]``
    (source text, used by codegen); ``wire`` is the vendor API member it is sent as, when it is
    sent as-is; ``default`` is what ``check`` fills in when the input is absent.
    """

    name: str
    kind: Kind
    doc: str
    py: str
    role: Role = "input"
    required: bool = False
    change: Change = "replace"
    default: Any = None
    wire: str | None = None
    secret: bool = False
    items: str | None = None
    """Element kind of an ``array``/``object`` map: a :data:`Kind` or an object type name."""
    out_py: str | None = None
    """The output's Python type when it differs from the input's (``int | str`` in, ``int``
    out); a trailing ``| None`` is added for optional properties by codegen."""

    @cached_property
    def camel(self) -> str:
        """The property's name in the Pulumi package schema and in Pulumi YAML (computed once:
        the plugin maps every property of every request)."""
        head, *rest = self.name.split("_")
        return head + "".join(part[:1].upper() + part[1:] for part in rest)


@dataclass(frozen=True)
class ObjectType:
    """A nested object input (``TimePeriod``, ``Association``): a TypedDict in Python."""

    name: str
    doc: str
    props: tuple[Prop, ...]


@dataclass(frozen=True)
class ResourceDecl:
    """A resource: its type token, documentation and property table."""

    module: str
    """Python subpackage and schema module (``braket``, ``ibm``, ``storage``)."""
    name: str
    doc: str
    props: tuple[Prop, ...]
    types: tuple[ObjectType, ...] = ()
    import_id: str = "the resource id"
    """What ``pulumi import`` takes as the id (documentation)."""
    delete_before_replace: bool = False
    _by_name: dict[str, Prop] = field(init=False, repr=False, compare=False)
    _by_camel: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name = {p.name: p for p in self.props}
        if len(by_name) != len(self.props):
            raise ValueError(f"{self.name}: a property is declared twice")
        object.__setattr__(self, "_by_name", by_name)
        by_camel = {p.camel: p.name for p in self.props if p.role != "hidden"}
        object.__setattr__(self, "_by_camel", by_camel)

    # ---------------------------------------------------------------- naming
    @property
    def token(self) -> str:
        """The plugin's type token, ``quantum:<module>:<Name>``."""
        return f"quantum:{self.module}:{self.name}"

    @property
    def dynamic_module(self) -> str:
        """The dynamic resource's type module (``pulumi-python:dynamic/quantum/<module>``)."""
        return f"quantum/{self.module}"

    def prop(self, name: str) -> Prop:
        return self._by_name[name]

    # ---------------------------------------------------------------- property groups
    @property
    def inputs(self) -> tuple[Prop, ...]:
        return tuple(p for p in self.props if p.role == "input")

    @property
    def outputs(self) -> tuple[Prop, ...]:
        """Provider-set outputs (inputs are outputs too, and are not repeated here)."""
        return tuple(p for p in self.props if p.role == "output")

    @property
    def hidden(self) -> tuple[Prop, ...]:
        return tuple(p for p in self.props if p.role == "hidden")

    @property
    def output_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.outputs)

    @property
    def in_place(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.inputs if p.change == "in-place")

    @property
    def replaces(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.inputs if p.change == "replace")

    @property
    def never_a_change(self) -> tuple[str, ...]:
        """Properties a diff ignores: outputs, bookkeeping, inputs folded into others.

        An output declared ``in-place`` is compared: ``check`` computes it from inputs (a
        program's source hash), so its change is the input's change.
        """
        return tuple(
            p.name
            for p in self.props
            if p.role == "hidden"
            or p.change == "none"
            or (p.role == "output" and p.change != "in-place")
        )

    # ---------------------------------------------------------------- behaviour
    def defaults(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """``inputs`` with every absent input that has a declared default filled in."""
        filled = dict(inputs)
        for p in self.inputs:
            if filled.get(p.name) is None and p.default is not None:
                filled[p.name] = p.default
        return filled

    def diff(
        self, olds: Mapping[str, Any], news: Mapping[str, Any], ignore: Iterable[str] = ()
    ) -> tuple[list[str], list[str]]:
        """(changed inputs, those among them that force a replacement), by the declaration.

        Missing, ``None``, ``{}`` and ``[]`` compare equal; JSON values compare by content.
        Undeclared keys (``__provider``, keys an older version left in state) are not compared.
        """
        skipped = set(self.never_a_change) | set(ignore)
        changes: list[str] = []
        replaces: list[str] = []
        for name in sorted(set(olds) | set(news)):
            if name in skipped or name not in self._by_name:
                continue
            if _canonical(olds.get(name)) == _canonical(news.get(name)):
                continue
            changes.append(name)
            prop = self._by_name[name]
            if prop.role == "input" and prop.change == "replace":
                replaces.append(name)
        return changes, replaces

    def accepted(self, olds: Mapping[str, Any], inputs: Mapping[str, Any]) -> bool:
        """True when ``inputs`` (as ``check`` normalised them) are, input by input, the ones an
        earlier ``check`` accepted and the engine stored as ``olds``.

        Why: a no-op ``up`` checks every resource again; validations that cost a parser or a
        service model (:meth:`CheckErrors.later`) need not run again for values they already
        passed. Hidden inputs count (a different URN seed or import id is a different input);
        outputs do not; an input absent from ``olds`` counts as its declared default (the plugin
        stores no defaulted timeout). Empty ``olds`` (a create, a preview of a new stack) are
        never accepted.
        """
        if not olds:
            return False
        olds = self.defaults(olds)  # an input left unset then means its default, as now
        return all(
            _canonical(olds.get(p.name)) == _canonical(inputs.get(p.name))
            for p in self.props
            if p.role != "output"
        )

    def request(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """The vendor request members of every set input that has a ``wire`` name."""
        request: dict[str, Any] = {}
        for p in self.inputs:
            value = props.get(p.name)
            if p.wire is None or value is None or value == {} or value == []:
                continue
            request[p.wire] = value
        return request

    def blank_outputs(self) -> dict[str, None]:
        """Every output as ``None``: a resource must name its outputs to read them back."""
        return dict.fromkeys(self.output_names)

    def state(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """Declared properties of ``props`` (drops ``__provider`` and anything undeclared)."""
        return {k: v for k, v in props.items() if k in self._by_name}

    # ---------------------------------------------------------------- naming maps
    def to_camel(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """snake_case state → the schema's camelCase names (hidden properties dropped)."""
        out: dict[str, Any] = {}
        for name, value in props.items():
            prop = self._by_name.get(name)
            if prop is not None and prop.role != "hidden":
                out[prop.camel] = value
        return out

    def from_camel(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """The schema's camelCase names → snake_case; an unknown name is kept as given so that
        ``check`` can reject it by name."""
        by_camel = self._by_camel
        return {by_camel.get(name, name): value for name, value in props.items()}


URN_SEED = Prop(
    "urn_seed",
    "string",
    "The resource's URN parts, set by the resource class: the seed of its idempotency tokens "
    "and of the marker on what it creates.",
    "str",
    role="hidden",
    change="none",
)
"""Hidden input of the dynamic resources that need their URN (the plugin takes it from the
request instead)."""

IMPORT_ID = Prop(
    "import_id",
    "string",
    "The id given as ``ResourceOptions(import_=...)``: create adopts it instead of creating.",
    "str",
    role="hidden",
    change="none",
)
"""Hidden input of every dynamic resource: the one import story (see ``_resource.take_import``)."""


def _canonical(value: Any) -> str:
    if value == {} or value == []:
        value = None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return json.dumps(value, sort_keys=True, default=str)


def all_declarations() -> tuple[ResourceDecl, ...]:
    """Every resource of the package, in documentation order."""
    from .braket.declarations import QUANTUM_TASK, SPENDING_LIMIT
    from .ibm.declarations import BATCH, RUNTIME_PROGRAM, SESSION
    from .storage.declarations import RESULTS_BUCKET

    return (QUANTUM_TASK, SPENDING_LIMIT, RESULTS_BUCKET, RUNTIME_PROGRAM, SESSION, BATCH)
