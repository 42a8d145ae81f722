"""``pulumi-quantum local start|stop|status|serve|env``: the local quantum cloud's command line.

``add_local_commands`` plugs these into the main ``pulumi-quantum`` parser; ``main_local`` is the
same thing standalone (``python -m pulumi_quantum.local ...``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from . import daemon
from .reservation_cli import add_reservation_commands


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        help="state directory (default: $PQ_LOCAL_DATA_DIR or ~/.local/share/pulumi-quantum/cloud)",
    )


def _server_options(parser: argparse.ArgumentParser) -> None:
    for name, port in daemon.DEFAULT_PORTS.items():
        variable = f"PQ_LOCAL_{name.upper()}_PORT"
        parser.add_argument(
            f"--{name}-port",
            type=int,
            default=None,
            help=f"{name} port on 127.0.0.1 (default: ${variable}, else {port}; 0 = any free port)",
        )
    gateway_port = int(os.environ.get("PQ_LOCAL_GATEWAY_PORT") or 0)
    parser.add_argument(
        "--gateway-port",
        type=int,
        default=gateway_port,
        help="Qiskit Functions gateway port on 127.0.0.1 (default $PQ_LOCAL_GATEWAY_PORT, else the"
        " port this data dir used last, else any free port)",
    )
    parser.add_argument("--workers", type=int, default=2, help="Braket tasks run at once")
    parser.add_argument(
        "--sim-processes",
        type=int,
        default=None,
        help="simulation worker processes (default: --workers; 0 = in the server, one at a time)",
    )
    parser.add_argument("--throttle-rate", type=float, help="fraction of requests throttled")
    parser.add_argument("--latency-ms", type=int, help="latency added to every request")
    parser.add_argument("--max-concurrent-tasks", type=int, help="Braket active-task quota")
    parser.add_argument("--error-rate", type=float, help="fraction of requests failing with 500")
    parser.add_argument(
        "--test-devices",
        action="store_true",
        default=None,
        help="also list two test-only QPUs (one OFFLINE, one RETIRED, provider 'Local') that AWS "
        "does not have; default: $PQ_LOCAL_TEST_DEVICES, else off",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")


def add_local_commands(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``local {start,stop,status,serve}`` to a parent parser's subparsers."""
    local = subparsers.add_parser(
        "local", help="run the local quantum cloud (Braket, S3, IBM Runtime on loopback)"
    )
    commands = local.add_subparsers(dest="local_command", required=True)
    for name, func, help_text, server in (
        ("start", daemon.start, "start the local cloud as a background daemon", True),
        ("stop", daemon.stop, "stop the background daemon", False),
        ("status", daemon.status, "report whether the daemon is running and healthy", False),
        ("serve", daemon.serve, "run the local cloud in the foreground", True),
        ("env", daemon.env, "print the running daemon's client exports (starts nothing)", False),
    ):
        parser = commands.add_parser(name, help=help_text)
        _common(parser)
        if server:
            _server_options(parser)
        if name in ("start", "env"):
            parser.add_argument(
                "--ibm-legacy",
                action="store_true",
                help="export the legacy IBM runtime's QISKIT_IBM_* (qiskit-ibm-provider) instead "
                "of today's IBM Quantum Platform (qiskit-ibm-runtime)",
            )
        parser.set_defaults(func=func)
    add_reservation_commands(commands, _common)
    return local


def main_local(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pulumi_quantum.local")
    subparsers = parser.add_subparsers(dest="command", required=True)
    add_local_commands(subparsers)
    args = parser.parse_args(["local", *(sys.argv[1:] if argv is None else argv)])
    return int(args.func(args))
