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

A program longer than :data:`PARSE_CHUNK_BYTES` is checked in pieces of whole top-level
statements (:func:`statement_chunks`), one piece parsed and dropped at a time, so checking holds
the syntax trees of one piece (~600 bytes per byte of program) rather than of the whole program:
a program near Braket's 3 MB action limit would otherwise take ~1.8 GB at preview.
"""

from __future__ import annotations

import difflib
import gc
import re
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

PARSE_CHUNK_BYTES = PARSE_CACHE_LARGEST
"""Programs longer than this are checked a piece of about this size at a time (a 64 KiB piece's
trees take ~40 MB): see :func:`statement_chunks`."""


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


class _GateFacts:
    """What the undefined-gate rule needs from a program, gathered piece by piece: the gates it
    defines, its calls of gates Braket does not know (with their position), whether it includes."""

    def __init__(self) -> None:
        self.defined: set[str] = set(BRAKET_GATES)
        self.calls: list[tuple[str, str]] = []  # (name, "line L, column C: " or "")
        self.includes = False

    def add(self, program: Any, line_offset: int = 0, column_offset: int = 0) -> None:
        from openqasm3.visitor import QASMVisitor

        facts = self

        class Walk(QASMVisitor[None]):  # type: ignore[misc]
            def visit_Include(self, node: Any, context: Any = None) -> None:
                facts.includes = True

            def visit_QuantumGateDefinition(self, node: Any, context: Any = None) -> None:
                facts.defined.add(node.name.name)
                self.generic_visit(node, context)

            def visit_CalibrationDefinition(self, node: Any, context: Any = None) -> None:
                facts.defined.add(node.name.name)

            def visit_QuantumGate(self, node: Any, context: Any = None) -> None:
                if node.name.name not in BRAKET_GATES:
                    span = node.span
                    where = (
                        _at(span.start_line, span.start_column, line_offset, column_offset)
                        if span
                        else ""
                    )
                    facts.calls.append((node.name.name, where))
                self.generic_visit(node, context)

        Walk().visit(program)

    def problem(self) -> str | None:
        if self.includes:
            return None
        for name, where in self.calls:
            if name in self.defined:
                continue
            close = difflib.get_close_matches(name, sorted(self.defined), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            return (
                f"{where}gate '{name}' is not defined{hint}: use a Braket gate "
                f"({', '.join(sorted(BRAKET_GATES, key=str.lower))}) or define it with "
                f"'gate {name} ... {{ ... }}' before it is used"
            )
        return None


def _at(line: int, column: int, line_offset: int, column_offset: int) -> str:
    """``line L, column C: `` for a 0-based ``column`` of a piece, in the whole program's terms."""
    shift = column_offset if line == 1 else 0
    return f"line {line + line_offset}, column {column + shift + 1}: "


def undefined_gate_problem(program: Any) -> str | None:
    """The first gate call a Braket simulator would not know, or None.

    Defined are :data:`BRAKET_GATES` and the program's own ``gate`` and ``defcal`` definitions.
    A program with an ``include`` is not judged: what the included file defines is not known.
    """
    facts = _GateFacts()
    facts.add(program)
    return facts.problem()


# Where a top-level statement may end, and what must be skipped to find it: comments and strings
# (whose braces and semicolons do not count), brackets (a ';' inside '{...}' is not top level).
_SCAN = re.compile(r"//[^\n]*|/\*.*?(?:\*/|\Z)|\"[^\"]*\"|'[^']*'|[{}()\[\];]", re.S)
_ELSE_NEXT = re.compile(r"(?:\s+|//[^\n]*|/\*.*?\*/)*else\b", re.S)
_OPENING, _CLOSING = frozenset("{(["), frozenset("})]")


def statement_chunks(source: str, size: int) -> list[tuple[int, int]]:
    """``(start, end)`` offsets cutting ``source`` into pieces of whole top-level statements, each
    about ``size`` characters (a longer single statement is one piece of its own).

    A cut is made only after a ``;`` or ``}`` outside every bracket, comment and string, and not
    before an ``else`` (which continues the ``if`` before it). Each piece is a program on its own:
    the OpenQASM 3 grammar makes the version line optional, and the parser keeps no state from one
    top-level statement to the next.
    """
    cuts: list[tuple[int, int]] = []
    start = last = depth = 0
    for match in _SCAN.finditer(source):
        token = match.group()
        if token in _OPENING:
            depth += 1
        elif token in _CLOSING:
            depth = max(depth - 1, 0)
        if depth or token not in (";", "}"):
            continue
        end = match.end()
        if _ELSE_NEXT.match(source, end):
            continue
        if end - start > size and last > start:
            cuts.append((start, last))
            start = last
        last = end
    cuts.append((start, len(source)))
    return cuts


def _chunked_problem(source: str, simulator: bool) -> str | None:
    """:func:`openqasm_problem` for a long program, one piece parsed at a time."""
    facts = _GateFacts()
    for start, end in statement_chunks(source, PARSE_CHUNK_BYTES):
        line_offset = source.count("\n", 0, start)
        column_offset = start - (source.rfind("\n", 0, start) + 1)
        result = _parse(source[start:end])
        if isinstance(result, str):
            return _shifted(result, line_offset, column_offset)
        if simulator:
            facts.add(result, line_offset, column_offset)
        del result
        gc.collect()  # ANTLR's trees are cycles (parent links): free this piece before the next
    return facts.problem() if simulator else None


_POSITION = re.compile(r"line (\d+), column (\d+): ")


def _shifted(problem: str, line_offset: int, column_offset: int) -> str:
    """A piece's ``line L, column C: ...`` problem, positioned in the whole program."""
    found = _POSITION.match(problem)
    if not found:
        return problem
    where = _at(int(found[1]), int(found[2]) - 1, line_offset, column_offset)
    return where + problem[found.end() :]


def openqasm_problem(source: str, *, simulator: bool = True) -> str | None:
    """Why ``source`` would be refused, or None: a syntax error, and on a Braket simulator
    (``simulator``) an undefined gate, with its line and column. A QPU's gates are the device's
    own (native gates in verbatim boxes, e.g. AQT's ``r``), which only the device knows.

    A program longer than :data:`PARSE_CHUNK_BYTES` is checked piece by piece (bounded memory)."""
    if len(source) > PARSE_CHUNK_BYTES:
        return _chunked_problem(source, simulator)
    program, problem = parse_openqasm(source)
    if program is None or not simulator:
        return problem
    return undefined_gate_problem(program)
