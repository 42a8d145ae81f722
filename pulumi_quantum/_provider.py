"""Shared dynamic-provider machinery: configuration, check failures, diffs, errors.

Every resource provider in this package derives from :class:`QuantumProvider`. The rules it
enforces come from how Pulumi dynamic providers work:

* the provider object is pickled (dill) into every resource's state, so it must hold nothing:
  credentials and endpoints are read at call time from stack config (``configure``) or from the
  vendors' own environment variables;
* with nothing secret captured, ``serialize_as_secret_always = False`` keeps state small;
* ``check`` runs at preview and must return *all* failures at once without changing anything
  remote (its only reads, a price list and an IBM instance's usage, failing never fail it);
* ``diff`` decides update vs replace per property.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pulumi.dynamic import CheckFailure, CheckResult, ConfigureRequest, DiffResult, ResourceProvider

# Re-exported (the providers' one import line); defined once, in the neutral .values.
from .values import UNKNOWN as UNKNOWN
from .values import did_you_mean as did_you_mean
from .values import is_unknown as is_unknown
from .values import json_pointer as json_pointer

CONFIG_NAMESPACE = "quantum"

_config_lock = threading.Lock()
_stack_config: dict[str, Any] = {}


def remember_stack_config(values: Mapping[str, Any]) -> None:
    """Replace the stack config every provider reads (``configure``; the plugin's configure)."""
    with _config_lock:
        _stack_config.clear()
        _stack_config.update(values)


_remember_stack_config = remember_stack_config  # the tests' older spelling


def config_value(key: str, *env_vars: str, default: str | None = None) -> str | None:
    """Return stack config ``quantum:<key>``, else the first set environment variable, else default.

    Read at call time so that nothing configured is ever pickled into ``__provider``.
    """
    with _config_lock:
        value = _stack_config.get(f"{CONFIG_NAMESPACE}:{key}")
    if value not in (None, ""):
        return str(value)
    for name in env_vars:
        env = os.environ.get(name)
        if env:
            return env
    return default


def engine_value(value: Any) -> Any:
    """One property as the engine sends it → as the providers and vendor APIs mean it.

    The engine's RPC has one number type, so a whole number in the program (``600``) arrives as
    ``600.0``; and an empty map or list (``spec: {}``) means "not set". Only top-level
    properties are touched: inside a JSON value (OpenQASM inputs, a JSON Schema) a float is the
    user's and stays one.
    """
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value == {} or value == []:
        return None
    return value


def engine_props(props: Any) -> Any:
    """A property map as the engine sends it → as the providers mean it, once, at the boundary:
    every top-level value through :func:`engine_value`, and without ``__provider`` (the dynamic
    provider host's own bookkeeping, which it puts back into every result itself)."""
    if not isinstance(props, Mapping):
        return props
    return {k: engine_value(v) for k, v in props.items() if k != "__provider"}


_PROPS_ARGS = {"check": (0, 1), "diff": (1, 2), "create": (0,), "read": (1,)}
_PROPS_ARGS |= {"update": (1, 2), "delete": (1,)}


_HTTP_STACK = ("urllib3", "requests")
"""Imported once per provider process, before any provider method runs (see below)."""
_HTTP_STACK_LOCK = threading.Lock()
_http_stack_ready = threading.Event()


def import_http_stack_once() -> None:
    """Import urllib3 and requests in one thread before the engine's concurrent calls do.

    The dynamic provider host serves the engine's calls on a thread pool, and the providers
    import their HTTP clients lazily (so ``import pulumi_quantum`` stays cheap). Two threads
    importing urllib3's mutually dependent modules at once can deadlock on Python's per-module
    import locks: a CI refresh of the quickstart failed with "deadlock detected by
    _ModuleLock('urllib3.util')" in one resource and, in another, a partially initialised
    ``clients.ibm_runtime`` ("cannot import name 'NotFoundError'"). Importing the stack once,
    under a lock, before the first method runs removes the race; it costs ~50 ms per process.
    """
    if _http_stack_ready.is_set():
        return
    with _HTTP_STACK_LOCK:
        if not _http_stack_ready.is_set():
            for name in _HTTP_STACK:
                importlib.import_module(name)
            _http_stack_ready.set()


def _normalising(method: Any, positions: tuple[int, ...]) -> Any:
    import functools

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any) -> Any:
        import_http_stack_once()
        args = tuple(engine_props(a) if i in positions else a for i, a in enumerate(args))
        return method(self, *args)

    wrapper.__engine_normalised__ = True  # type: ignore[attr-defined]
    return wrapper


class QuantumProvider(ResourceProvider):
    """Base class of every provider in this package; holds no state of its own.

    Every CRUD method of a subclass receives its property maps normalised once, here at the
    boundary (:func:`engine_props`), so no provider has to remember that ``600.0`` means 600.
    """

    serialize_as_secret_always = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, positions in _PROPS_ARGS.items():
            method = cls.__dict__.get(name)
            if method is not None and not getattr(method, "__engine_normalised__", False):
                setattr(cls, name, _normalising(method, positions))

    def configure(self, req: ConfigureRequest) -> None:
        # Config is kept in a module-level holder, never on ``self``: even though configure runs
        # after unpickling, keeping instances empty makes the no-capture rule easy to audit.
        remember_stack_config(getattr(req.config, "_props", {}) or {})


@dataclass
class CheckErrors:
    """Collects every validation failure so ``check`` can report them all at once.

    Validations that cost real time (the OpenQASM 3 parser, botocore's service model) are
    registered with :meth:`later` and run by :meth:`result` unless the normalised inputs are
    the ones an earlier check accepted (:meth:`ResourceDecl.accepted`): a no-op ``up`` then
    pays neither the parser's import nor a parse per resource.
    """

    failures: list[CheckFailure] = field(default_factory=list)
    deferred: list[Callable[[], None]] = field(default_factory=list)

    def add(self, prop: str, reason: str) -> None:
        self.failures.append(CheckFailure(prop, reason))

    def add_all(self, problems: Iterable[tuple[str, str]]) -> None:
        """Add ``(prop, reason)`` pairs, e.g. the target rule's (``target.check_failures``)."""
        for prop, reason in problems:
            self.add(prop, reason)

    def later(self, validation: Callable[[], None]) -> None:
        """Run ``validation`` (which reports through :meth:`add`) unless nothing changed."""
        self.deferred.append(validation)

    def __bool__(self) -> bool:
        return bool(self.failures)

    def result(self, inputs: dict[str, Any], *, accepted_before: bool = False) -> CheckResult:
        if not accepted_before:
            for validation in self.deferred:
                validation()
        self.deferred.clear()
        return CheckResult(inputs, self.failures)


def declared_diff(
    decl: Any, olds: Mapping[str, Any], news: Mapping[str, Any], ignore: Iterable[str] = ()
) -> DiffResult:
    """The diff of a declared resource (:meth:`~pulumi_quantum.declare.ResourceDecl.diff`) as
    the dynamic provider host wants it."""
    changes, replaces = decl.diff(olds, news, ignore)
    skipped = set(decl.never_a_change) | set(ignore) | {"__provider"}
    stables = [k for k in news if k not in changes and k not in skipped]
    return DiffResult(
        changes=bool(changes),
        replaces=replaces,
        stables=stables,
        delete_before_replace=decl.delete_before_replace,
    )


def canonical_json(value: Any) -> str:
    """One spelling per JSON value (sorted keys, no spaces), so hashes and diffs of JSON inputs
    given as a dict or as a string in any key order compare equal."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_text(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


class ProviderError(Exception):
    """An error whose message is safe to show: it names the resource field and the fix.

    Messages never include credentials; use :func:`redact` on anything that came back from a
    vendor API before putting it in one.
    """


def redact(text: str, *secrets: str | None) -> str:
    """Remove every given secret (and each of its 8+ character fragments at start) from text."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


_ArgsT = TypeVar("_ArgsT")


def resolve_args(args_type: type[_ArgsT], args: _ArgsT | None, kwargs: dict[str, Any]) -> _ArgsT:
    """Resource constructors take an ``*Args`` object or keyword arguments, as pulumi-aws's do.

    Keywords given together with an ``*Args`` object override its fields, so a shared Args
    object can be specialised per resource (``QuantumTask("b", base_args, shots=10)``).
    """
    if args is None:
        return args_type(**kwargs)
    if not isinstance(args, args_type):
        raise TypeError(f"args must be a {args_type.__name__}, not {type(args).__name__}")
    return dataclasses.replace(args, **kwargs) if kwargs else args  # type: ignore[type-var]
