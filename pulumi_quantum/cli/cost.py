"""``pulumi-quantum cost``: a stack's estimated cost, per resource and in total.

Every priced resource carries ``estimated_cost`` (``estimatedCost`` through the plugin), which
``check`` computes at preview (docs/cost.md); this command only collects and adds them up:

* from the program (the default): ``pulumi preview --json`` of the selected (or ``--stack``)
  stack of the project in the current directory (or ``--cwd``): what the next ``up`` would
  cost, before anything is spent;
* from the state (``--state``): ``pulumi stack export``: what the deployed resources were
  estimated at, with each task's ``billed_cost`` next to it;
* from a file (``--file``): the saved output of either command (CI: ``pulumi preview --json >
  plan.json``), so nothing is run.

Output: a table, or ``--json`` for scripts. The total adds the known estimates; resources whose
estimate is unknown (no price found, or an input unknown at preview) are counted apart.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import missing_file

ESTIMATE_KEYS = ("estimated_cost", "estimatedCost")
BILLED_KEYS = ("billed_cost", "billedCost")
DELETING = {"delete", "delete-replaced", "discard", "discard-replaced", "remove-pending-replace"}


class CostError(Exception):
    """A problem the user can fix; the message says how."""


# ------------------------------------------------------------------------------ reading
def _run_pulumi(command: list[str], cwd: str | None) -> str:
    try:
        done = subprocess.run(
            command, cwd=cwd, capture_output=True, text=True, timeout=1800, check=False
        )
    except FileNotFoundError:
        raise CostError(
            "the pulumi CLI is not on PATH (run scripts/bootstrap and source scripts/env.sh), "
            "or give a saved `pulumi preview --json` / `pulumi stack export` with --file"
        ) from None
    if done.returncode != 0:
        detail = (done.stderr.strip() or _preview_errors(done.stdout))[-1500:]
        raise CostError(f"`{' '.join(command)}` failed: {detail}")
    return done.stdout


def _preview_errors(stdout: str) -> str:
    """``pulumi preview --json`` reports a failed preview in its JSON, not on stderr."""
    try:
        diagnostics = json.loads(stdout).get("diagnostics") or []
    except (ValueError, AttributeError):
        return stdout.strip()
    return " | ".join(
        str(d.get("message", "")).strip() for d in diagnostics if d.get("severity") == "error"
    )


def read_program(stack: str | None, cwd: str | None) -> Any:
    command = ["pulumi", "preview", "--json", "--non-interactive"]
    if stack:
        command += ["--stack", stack]
    return _loads(_run_pulumi(command, cwd), " ".join(command))


def read_state(stack: str | None, cwd: str | None) -> Any:
    command = ["pulumi", "stack", "export"]
    if stack:
        command += ["--stack", stack]
    return _loads(_run_pulumi(command, cwd), " ".join(command))


def _loads(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise CostError(f"{what} is not JSON ({exc.msg} at line {exc.lineno})") from None


def _first(values: Iterable[Mapping[str, Any] | None], keys: tuple[str, ...]) -> Any:
    for value in values:
        for key in keys:
            if isinstance(value, Mapping) and value.get(key) is not None:
                return value[key]
    return None


def resources(document: Any) -> tuple[str, list[dict[str, Any]]]:
    """(``program`` or ``state``, the resources of a preview's JSON or a stack export)."""
    if isinstance(document, Mapping) and isinstance(document.get("steps"), list):
        found = []
        for step in document["steps"]:
            if step.get("op") in DELETING:
                continue
            state = step.get("newState") or {}
            found.append(_entry(step.get("urn") or state.get("urn"), state))
        return "program", [r for r in found if r is not None]
    deployment = document.get("deployment") if isinstance(document, Mapping) else None
    if isinstance(deployment, Mapping) and isinstance(deployment.get("resources"), list):
        found = [_entry(r.get("urn"), r) for r in deployment["resources"]]
        return "state", [r for r in found if r is not None]
    raise CostError(
        "not a `pulumi preview --json` output (no steps) nor a `pulumi stack export` "
        "(no deployment.resources)"
    )


def _entry(urn: Any, state: Mapping[str, Any]) -> dict[str, Any] | None:
    """A resource's estimate (and bill), or None when it carries none (not a priced one)."""
    outputs, inputs = state.get("outputs"), state.get("inputs")
    estimate = _first((outputs, inputs), ESTIMATE_KEYS)
    billed = _first((outputs,), BILLED_KEYS)
    if estimate is None and billed is None:
        return None
    urn = str(urn or "")
    kind = state.get("type") or (urn.split("::")[-2] if urn.count("::") >= 2 else "")
    return {
        "name": urn.rsplit("::", 1)[-1],
        "type": str(kind),
        "urn": urn,
        "estimated_cost": estimate if isinstance(estimate, Mapping) else None,
        "billed_cost": billed if isinstance(billed, Mapping) else None,
    }


def _usd(value: Mapping[str, Any] | None) -> Decimal | None:
    usd = value.get("usd") if isinstance(value, Mapping) else None
    if isinstance(usd, int | float) and not isinstance(usd, bool):
        return Decimal(str(usd))
    return None


def report(document: Any) -> dict[str, Any]:
    """The command's JSON: each priced resource, the total of the known estimates (and bills),
    and how many estimates are unknown."""
    source, found = resources(document)
    estimates = [_usd(r["estimated_cost"]) for r in found]
    billed = [_usd(r["billed_cost"]) for r in found]
    return {
        "source": source,
        "resources": found,
        "total_usd": float(sum((e for e in estimates if e is not None), Decimal(0))),
        "unknown": sum(1 for e in estimates if e is None),
        "exact": all(bool((r["estimated_cost"] or {}).get("exact")) for r in found),
        "billed_usd": (
            float(sum((b for b in billed if b is not None), Decimal(0)))
            if any(b is not None for b in billed)
            else None
        ),
    }


# ------------------------------------------------------------------------------ rendering
def _money(value: Mapping[str, Any] | None) -> str:
    usd = _usd(value)
    if usd is None:
        return "unknown"
    return f"{usd:.4f}" + ("" if (value or {}).get("exact") else "*")


def table(summary: Mapping[str, Any]) -> str:
    rows = [("resource", "type", "estimate USD", "billed USD", "basis")]
    for r in summary["resources"]:
        estimate = r["estimated_cost"] or {}
        rows.append(
            (
                r["name"],
                r["type"].rsplit(":", 1)[-1],
                _money(r["estimated_cost"]),
                _money(r["billed_cost"]) if r["billed_cost"] else "",
                str(estimate.get("basis", "")),
            )
        )
    total = f"{Decimal(str(summary['total_usd'])):.4f}"
    billed = summary["billed_usd"]
    rows.append(("total", "", total, "" if billed is None else f"{billed:.4f}", ""))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(widths[i]) if i < 4 else cell for i, cell in enumerate(row)).rstrip()
        for row in rows
    ]
    notes = ["* an upper bound or a minimum: billed by run time (see basis)"]
    if summary["unknown"]:
        notes.append(f"{summary['unknown']} estimate(s) unknown: not in the total (see basis)")
    return "\n".join([*lines, "", *notes])


def run(args: argparse.Namespace) -> int:
    try:
        if args.file:
            path = Path(args.file)
            if not path.is_file():
                raise missing_file(path)
            document = _loads(path.read_text(encoding="utf-8"), str(path))
        elif args.state:
            document = read_state(args.stack, args.cwd)
        else:
            document = read_program(args.stack, args.cwd)
        summary = report(document)
    except CostError as exc:
        print(f"pulumi-quantum cost: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(summary, indent=2, sort_keys=True))
    else:
        print(table(summary))
    return 0


def add_cost_commands(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``cost`` to the ``pulumi-quantum`` parser."""
    parser = subparsers.add_parser(
        "cost",
        help="a stack's estimated cost per resource and in total (docs/cost.md)",
        description=(
            "Estimated cost of a stack's priced resources (QuantumTask, Job, Session, Batch), "
            "from the program (pulumi preview --json, the default), the state (--state: "
            "pulumi stack export, with billed costs) or a saved output of either (--file)."
        ),
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--state", action="store_true", help="read the deployed state instead")
    where.add_argument("--file", help="a saved `pulumi preview --json` or `pulumi stack export`")
    parser.add_argument("--stack", help="the stack (default: the selected one)")
    parser.add_argument("--cwd", help="the Pulumi project's directory (default: here)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(func=run)
    return parser
