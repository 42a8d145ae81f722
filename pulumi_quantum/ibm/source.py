"""Program data: inline source or a file path, as ``upload_program(data=...)`` takes it.

``upload_program`` treats text containing ``def main(`` as the program source and anything else
as the path of the file holding it; this module applies the same rule, reads the file, and checks
at preview time what the runtime would otherwise reject at upload time (a missing file, a file
without a ``main`` entry point, Python that does not compile).

Only the sha256 and size of the source go into the resource's outputs; a path input stays a path
(the file is re-read at create/update time and its hash compared with the one ``check`` saw).
"""

from __future__ import annotations

import ast
import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

ENTRY_POINT = "def main("


class ProgramSourceError(Exception):
    """Program data that cannot be uploaded; ``line`` is set for syntax errors."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


@dataclass(frozen=True)
class ProgramSource:
    text: str
    path: str | None  # as the user wrote it; None for inline source

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def size(self) -> int:
        return len(self.text.encode("utf-8"))

    def base64(self) -> str:
        """The wire form: the runtime API takes program data as base64 text."""
        return base64.b64encode(self.text.encode("utf-8")).decode("ascii")


def is_inline(data: str) -> bool:
    return ENTRY_POINT in data


def load_source(data: str, base_dir: str | Path | None = None) -> ProgramSource:
    """Resolve ``data`` to program source; raise :class:`ProgramSourceError` saying what's wrong."""
    if not isinstance(data, str) or not data.strip():
        raise ProgramSourceError(
            "program data is required: give the source text (containing 'def main(') or the "
            "path of the program file"
        )
    if is_inline(data):
        source = ProgramSource(data, None)
    else:
        resolved = Path(data)
        if base_dir is not None and not resolved.is_absolute():
            resolved = Path(base_dir) / resolved
        try:
            text = resolved.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ProgramSourceError(
                f"program file {data!r} not found (looked for {resolved.resolve()}); "
                "paths are relative to the Pulumi project directory"
            ) from None
        except IsADirectoryError:
            raise ProgramSourceError(f"program file {data!r} is a directory, not a file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ProgramSourceError(f"cannot read program file {data!r}: {exc}") from None
        source = ProgramSource(text, data)
    check_source(source.text, source.path or "<inline source>")
    return source


def check_source(text: str, shown: str) -> None:
    """Raise if ``text`` would be rejected by the runtime: it must compile and define ``main``."""
    try:
        tree = ast.parse(text, filename=shown)
    except SyntaxError as exc:
        raise ProgramSourceError(
            f"{shown} does not compile: {exc.msg} (line {exc.lineno})", exc.lineno, exc.offset
        ) from None
    if not any(isinstance(n, ast.FunctionDef) and n.name == "main" for n in tree.body):
        raise ProgramSourceError(
            f"{shown} has no top-level 'def main(backend, user_messenger, **kwargs)': the "
            "runtime calls main() to run the program"
        )
