"""OpenQASM 3 programs as Braket's simulators read them: one front end for preview and server.

The preview ``check`` of a ``QuantumTask`` and the local Braket's ``CreateQuantumTask`` both call
:func:`openqasm_problem`, so a program is refused by both or by neither (one truth, see
:mod:`pulumi_quantum.rules`), and a mistake is reported where the user can fix it:

* a syntax error names the line, the column and the token (the reference ``openqasm3`` parser,
  which amazon-braket-default-simulator parses with, raises only ``QASM3ParsingError()``; its
  ANTLR exception underneath knows the offending token, so that is what is reported);
* a gate that is neither one of Braket's (:data:`BRAKET_GATES`, the simulator's own table, which
  ``tests/local/test_one_validation_truth.py`` holds equal to it) nor defined in the program
  (``gate`` / ``defcal``) is refused at its line and column, instead of passing preview and
  failing the task at run time with ``Gate hh is not defined.``
"""

from __future__ import annotations

import difflib
import threading
from collections import OrderedDict
from typing import Any

BRAKET_GATES = frozenset(
    {
        "U", "ccnot", "cnot", "cphaseshift", "cphaseshift00", "cphaseshift01", "cphaseshift10",
        "cswap", "cv", "cy", "cz", "ecr", "gphase", "gpi", "gpi2", "h", "i", "iswap", "ms",
        "phaseshift", "prx", "pswap", "rx", "ry", "rz", "s", "si", "swap", "t", "ti", "unitary",
        "v", "vi", "x", "xx", "xy", "y", "yy", "z", "zz",
    }
)  # fmt: skip
"""Gates a Braket simulator knows without a definition in the program (names are
case-sensitive): ``braket.default_simulator.gate_operations.BRAKET_GATES``."""

_SHOWN_EXPECTED = 6
"""Alternatives listed in "expected ..." before the list is cut short."""


PARSE_CACHE_BYTES = 256 * 1024
"""Program text the parse cache may hold, in bytes (its ASTs take some hundred times more)."""
PARSE_CACHE_LARGEST = PARSE_CACHE_BYTES // 4
"""Programs longer than this are parsed every time rather than evicting the whole cache."""


class _ByteBoundedCache:
    """A least-recently-used map from program text to parse result, bounded by text bytes.

    ``functools.lru_cache`` bounds entries, not bytes: 256 entries of a 7 MB program held 3 GB
    in the local cloud's server. The entries' cost is their text length, which the AST size is
    proportional to.
    """

    def __init__(self, budget: int, largest: int) -> None:
        self.budget, self.largest, self.used = budget, largest, 0
        self._entries: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: str, value: Any) -> None:
        if len(key) > self.largest:
            return
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = value
            self.used += len(key)
            while self.used > self.budget:
                evicted, _ = self._entries.popitem(last=False)
                self.used -= len(evicted)


_PARSED = _ByteBoundedCache(PARSE_CACHE_BYTES, PARSE_CACHE_LARGEST)


def parse_openqasm(source: str) -> tuple[Any, str | None]:
    """``(program AST, None)`` or ``(None, why it does not parse, with line and column)``.

    Remembered per program text, in a cache bounded by :data:`PARSE_CACHE_BYTES` of text.
    """
    result = _PARSED.get(source)
    if result is None:
        result = _parse(source)
        _PARSED.put(source, result)
    return (result, None) if not isinstance(result, str) else (None, result)


def _parse(source: str) -> Any:
    """The AST, or the problem as text.

    The ANTLR parser is the dearest step of checking a task (~0.6 ms for a Bell circuit, the
    largest share of a CreateQuantumTask on the local cloud and of a task's preview check), and
    the same text comes back again and again: sweeps and repeats submit one program with other
    ``inputs`` or shots. Callers only read the AST; they must not change it.

    This is ``openqasm3.parse`` (same lexer, parser, error strategy and AST visitor) except that
    the lexer's console listener, which would print the error to stderr a second time, is
    replaced by one that keeps it.
    """
    from antlr4 import CommonTokenStream, InputStream
    from antlr4.error.ErrorListener import ErrorListener
    from antlr4.error.Errors import ParseCancellationException, RecognitionException
    from antlr4.error.ErrorStrategy import BailErrorStrategy
    from openqasm3.parser import (  # the generated lexer/parser, as openqasm3.parse uses them
        QASM3ParsingError,
        QASMNodeVisitor,
        qasm3Lexer,
        qasm3Parser,
    )

    class Keep(ErrorListener):  # type: ignore[misc]
        problem: str | None = None

        def syntaxError(self, _r: Any, _s: Any, line: int, column: int, msg: str, _e: Any) -> None:
            if self.problem is None:
                self.problem = f"line {line}, column {column + 1}: {msg}"

    keep = Keep()
    lexer = qasm3Lexer(InputStream(source))
    lexer.removeErrorListeners()
    lexer.addErrorListener(keep)
    parser = qasm3Parser(CommonTokenStream(lexer))
    parser.removeErrorListeners()
    parser._errHandler = BailErrorStrategy()
    try:
        tree = parser.program()
    except (RecognitionException, ParseCancellationException) as exc:
        return keep.problem or _syntax_problem(exc, parser)
    if keep.problem:
        return keep.problem
    try:
        return QASMNodeVisitor().visitProgram(tree)
    except QASM3ParsingError as exc:  # "L3:C4: message" from the AST visitor
        return _visitor_problem(str(exc)) or type(exc).__name__
    except Exception as exc:  # the visitor raises several error types; all mean "fix it"
        return str(exc).strip() or type(exc).__name__


def _syntax_problem(exc: Exception, parser: Any) -> str:
    """``line L, column C: unexpected 'TOKEN' (expected ...)`` from the bail-out exception."""
    cause = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
    token = getattr(cause, "offendingToken", None) or parser.getCurrentToken()
    if token is None:
        return "the program does not parse"
    text = "end of program" if token.type == -1 else repr(token.text)
    where = f"line {token.line}, column {token.column + 1}"
    expected = ""
    try:
        wanted = cause.getExpectedTokens() if hasattr(cause, "getExpectedTokens") else None
        names = _token_names(wanted, parser) if wanted is not None else []
    except Exception:  # the expected set is a courtesy; never hide the position for it
        names = []
    if names:
        more = ", ..." if len(names) > _SHOWN_EXPECTED else ""
        shown = ", ".join(names[:_SHOWN_EXPECTED]) + more
        expected = f" (expected {shown})"
    return f"{where}: unexpected {text}{expected}"


def _token_names(interval_set: Any, parser: Any) -> list[str]:
    names: list[str] = []
    for interval in interval_set.intervals or []:
        for kind in interval:
            if kind == -1:
                names.append("end of program")
            elif kind < len(parser.literalNames) and parser.literalNames[kind] != "<INVALID>":
                names.append(parser.literalNames[kind])
            elif kind < len(parser.symbolicNames):
                names.append(parser.symbolicNames[kind])
    return names


def _visitor_problem(message: str) -> str | None:
    head, _, rest = message.partition(": ")
    if head.startswith("L") and ":C" in head:
        line, _, column = head[1:].partition(":C")
        if line.isdigit() and column.isdigit():
            return f"line {line}, column {int(column) + 1}: {rest}"
    return None


def undefined_gate_problem(program: Any) -> str | None:
    """The first gate call a Braket simulator would not know, or None.

    Defined are :data:`BRAKET_GATES` and the program's own ``gate`` and ``defcal`` definitions.
    A program with an ``include`` is not judged: what the included file defines is not known.
    """
    from openqasm3 import ast
    from openqasm3.visitor import QASMVisitor

    defined = set(BRAKET_GATES)
    calls: list[Any] = []
    includes: list[Any] = []

    class Walk(QASMVisitor[None]):  # type: ignore[misc]
        def visit_Include(self, node: Any, context: Any = None) -> None:
            includes.append(node)

        def visit_QuantumGateDefinition(self, node: Any, context: Any = None) -> None:
            defined.add(node.name.name)
            self.generic_visit(node, context)

        def visit_CalibrationDefinition(self, node: Any, context: Any = None) -> None:
            defined.add(node.name.name)

        def visit_QuantumGate(self, node: Any, context: Any = None) -> None:
            calls.append(node)
            self.generic_visit(node, context)

    Walk().visit(program)
    if includes:
        return None
    for call in calls:
        name = call.name.name
        if name in defined:
            continue
        span: ast.Span | None = call.span
        where = f"line {span.start_line}, column {span.start_column + 1}: " if span else ""
        close = difflib.get_close_matches(name, sorted(defined), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return (
            f"{where}gate '{name}' is not defined{hint}: use a Braket gate "
            f"({', '.join(sorted(BRAKET_GATES, key=str.lower))}) or define it with "
            f"'gate {name} ... {{ ... }}' before it is used"
        )
    return None


def openqasm_problem(source: str, *, simulator: bool = True) -> str | None:
    """Why ``source`` would be refused, or None: a syntax error, and on a Braket simulator
    (``simulator``) an undefined gate, with its line and column. A QPU's gates are the device's
    own (native gates in verbatim boxes, e.g. AQT's ``r``), which only the device knows."""
    program, problem = parse_openqasm(source)
    if program is None or not simulator:
        return problem
    return undefined_gate_problem(program)
