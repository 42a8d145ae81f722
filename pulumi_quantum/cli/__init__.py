"""`pulumi-quantum`: the command line of the project.

Subcommands are registered by the modules that own them, so each stays small:
``local`` (run the local quantum cloud: :mod:`pulumi_quantum.local.cli`, which belongs to the
local cloud's layer), ``validate`` / ``schema`` (GitOps review of runtime-program metadata:
:mod:`.validate`), ``results`` (show a task's measurement counts: :mod:`.results`) and ``cost``
(a stack's estimated cost: :mod:`.cost`). Modules
are imported lazily so ``pulumi-quantum validate`` never pays for importing the simulators.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import sys
from collections.abc import Sequence

from .. import __version__

# (module, function) pairs; each function takes the subparsers object and registers commands
# whose parsers set ``func`` to a callable taking the parsed namespace and returning an exit code.
_COMMAND_PROVIDERS: tuple[tuple[str, str], ...] = (
    ("pulumi_quantum.local.cli", "add_local_commands"),
    ("pulumi_quantum.cli.validate", "add_validate_commands"),
    ("pulumi_quantum.cli.results", "add_results_commands"),
    ("pulumi_quantum.cli.cost", "add_cost_commands"),
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pulumi-quantum",
        description="Quantum-cloud resources as code: tools around the Pulumi provider.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name, function_name in _COMMAND_PROVIDERS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            continue
        getattr(module, function_name)(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(func(args) or 0)
    except OSError as exc:  # a file named on the command line: one line, no traceback
        print(f"pulumi-quantum {args.command}: {file_error(exc)}", file=sys.stderr)
        return 2


def file_error(exc: OSError) -> str:
    """``PATH: reason`` of a file error, as a user reads it (no errno, no exception class)."""
    reason = exc.strerror or (os.strerror(exc.errno) if exc.errno else str(exc))
    if exc.filename is None:
        return reason
    return f"{exc.filename}: {reason[0].lower()}{reason[1:]}" if reason else str(exc.filename)


def missing_file(path: str | os.PathLike[str], what: str = "no such file or directory") -> OSError:
    """The error a subcommand raises for a path the user named that is not there: ``main``
    turns it into one line on stderr and exit code 2 (a usage error, like argparse's)."""
    return FileNotFoundError(errno.ENOENT, what, os.fspath(path))
