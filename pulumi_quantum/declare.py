"""One declaration per resource: every property once, and everything else derived from it.

A resource used to be described in six to eight places (its ``*Args`` fields, the request
mapping, the output list, the in-place list, the output annotations, the README table), and
they drifted. Now each resource module declares a :class:`ResourceDecl` — a table of
:class:`Prop` — and from it come:

* the typed ``*Args`` classes and the resources' output attributes (generated source, see
  :mod:`pulumi_quantum.codegen`; a test fails when the generated files are stale);
* the diff policy (:meth:`ResourceDecl.diff`: in-place vs replace vs never-a-change);
* the vendor request mapping (:meth:`ResourceDecl.request`, snake_case → the API's members);
* the read side: which vendor response field each property is read from, through which small
  declared converter (:attr:`Prop.read`, :meth:`ResourceDecl.outputs_from`,
  :meth:`ResourceDecl.inputs_from`: refresh, import and the outputs after a write);
* the catalogue entry: where the resource and provider classes live and which input defaults to
  the resource's ``customTimeouts`` (:mod:`pulumi_quantum.catalogue` lists every declaration;
  the plugin and the package exports are derived from it);
* the Pulumi package schema served by the ``pulumi-resource-quantum`` plugin
  (:mod:`pulumi_quantum.plugin.schema`), with the plugin's camelCase ↔ snake_case mapping;
* the README's input/output tables (:mod:`pulumi_quantum.codegen`).

This module imports nothing from Pulumi or the vendors: the CLI, codegen and the plugin's schema
all read the declarations without paying for those imports.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
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

Converter = Callable[[Any, Mapping[str, Any]], Any]
"""How a vendor field's value becomes the property's: ``convert(value, response)`` (the whole
response is there for the rare value that depends on another field)."""


def iso_time(value: Any, _response: Mapping[str, Any] | None = None) -> Any:
    """boto3 timestamps → ISO 8601 text (state is JSON); anything else as it is."""
    return value.isoformat() if isinstance(value, datetime) else value


def boolean(value: Any, _response: Mapping[str, Any] | None = None) -> bool:
    """An absent flag is false."""
    return bool(value)


def non_empty(value: Any, _response: Mapping[str, Any] | None = None) -> Any:
    """``{}``, ``[]`` and ``""`` mean unset (None)."""
    return value if value not in ({}, [], "") else None


def json_text(value: Any, _response: Mapping[str, Any] | None = None) -> Any:
    """A JSON-valued text field → its canonical text, the form ``check`` stores (``{}`` and
    ``""`` mean unset); text that is not JSON stays as it is."""
    if not isinstance(value, str) or not value:
        return None if value in ("", {}) else value
    try:
        parsed = json.loads(value)
    except ValueError:
        return value
    if not parsed:
        return None
    return json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def or_field(other: str) -> Converter:
    """Read ``other`` when the declared field is absent (an API that renamed a field)."""

    def convert(value: Any, response: Mapping[str, Any]) -> Any:
        return response.get(other) if value is None else value

    return convert


@dataclass(frozen=True)
class Prop:
    """One property of a resource, declared once.

    ``py`` is the Python type of the value inside ``pulumi.Input[...]``/``pulumi.Output[...]``
    (source text, used by codegen); ``wire`` is the vendor API member it is sent as, when it is
    sent as-is; ``default`` is what ``check`` fills in when the input is absent; ``read`` is the
    field of the vendor's response (GetQuantumTask, a session's details) it is read back from,
    through ``convert`` when the value needs one.
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
    read: str | None = None
    """The vendor response field the property is read from (refresh, import, after a write)."""
    convert: Converter | None = field(default=None, compare=False)
    """The declared converter of the value read (:func:`iso_time`, :func:`json_text`, ...)."""

    def read_from(self, response: Mapping[str, Any]) -> Any:
        """The property's value in a vendor ``response`` (None when the field is absent)."""
        value = response.get(self.read) if self.read else None
        return self.convert(value, response) if self.convert is not None else value

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
    home: str = ""
    """Module of the vendor package holding the resource class ``<name>`` and its provider
    ``<name>Provider`` (``task`` for ``pulumi_quantum.braket.task``)."""
    timeout_input: str | None = None
    """The input whose default is the resource's ``customTimeouts`` (create, or update) in
    seconds, when the program leaves it unset (the plugin fills it in)."""
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

    @property
    def provider_class(self) -> str:
        """``module:Class`` of the dynamic provider serving the resource (imported on use)."""
        return f"pulumi_quantum.{self.module}.{self.home}:{self.name}Provider"

    def exports(self) -> dict[str, str]:
        """Public name → module of the vendor package that defines it: the resource and its
        provider (``home``), the ``*Args`` and nested object types (``_generated``)."""
        names = {self.name: self.home, f"{self.name}Provider": self.home}
        names[f"{self.name}Args"] = "_generated"
        names.update((t.name, "_generated") for t in self.types)
        return names

    def prop(self, name: str) -> Prop:
        return self._by_name[name]

    def find(self, name: str) -> Prop | None:
        """The declared property called ``name``, or None (an undeclared key)."""
        return self._by_name.get(name)

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
            if canonical(olds.get(name)) == canonical(news.get(name)):
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
            canonical(olds.get(p.name)) == canonical(inputs.get(p.name))
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

    def outputs_from(self, response: Mapping[str, Any]) -> dict[str, Any]:
        """Every output declared with a ``read`` field, as the vendor ``response`` says."""
        return {p.name: p.read_from(response) for p in self.outputs if p.read}

    def read_fields(self, response: Mapping[str, Any]) -> dict[str, Any]:
        """Every property (input or output) declared with a ``read`` field, from ``response``."""
        return {p.name: p.read_from(response) for p in self.props if p.read}

    def inputs_from(self, response: Mapping[str, Any]) -> dict[str, Any]:
        """What a vendor ``response`` tells of the inputs (``pulumi import``, adopting, drift):
        every input declared with a ``read`` field, declared defaults for the others; unset
        values are left out."""
        read = {p.name: p.read_from(response) for p in self.inputs if p.read}
        return {k: v for k, v in self.defaults(read).items() if v is not None}

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


def canonical(value: Any) -> str:
    """The comparable spelling of a property value: empty maps/lists are unset, ``2.0`` is
    ``2``, JSON values compare by content (diffs and :meth:`ResourceDecl.accepted`)."""
    if value == {} or value == []:
        value = None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return json.dumps(value, sort_keys=True, default=str)


_canonical = canonical  # the tests' older spelling


def declared_in(namespace: Mapping[str, Any]) -> tuple[ResourceDecl, ...]:
    """The resource declarations among a module's globals (``vars(declarations)``)."""
    return tuple(v for v in namespace.values() if isinstance(v, ResourceDecl))


def package_exports(namespace: Mapping[str, Any]) -> dict[str, str]:
    """Public name → defining module of a vendor package, from its declarations module's
    globals: what its ``__all__`` and lazy ``__getattr__`` give (:meth:`ResourceDecl.exports`)."""
    names: dict[str, str] = {}
    for decl in declared_in(namespace):
        names.update(decl.exports())
    return dict(sorted(names.items()))


ESTIMATED_COST = Prop(
    "estimated_cost",
    "object",
    "What the resource is expected to cost, known at preview (``check`` computes it from the "
    "inputs and the vendor's price list, so policy packs see it too): ``{usd, source, "
    "price_date, basis, exact}``; ``usd`` is null when no price was found (``basis`` says "
    "why). See docs/cost.md. Never a change by itself.",
    "dict[str, Any]",
    role="output",
    items="any",
)
"""The one declaration of the cost estimate every priced resource carries (QuantumTask, Job,
Session, Batch): an output that ``check`` fills in, so it is in the checked inputs (what a
policy pack sees) and shown by ``pulumi preview``. Declared as an output, it is never compared
by a diff (:attr:`ResourceDecl.never_a_change`) nor by :meth:`ResourceDecl.accepted`."""
