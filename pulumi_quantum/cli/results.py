"""``pulumi-quantum results TARGET``: show a Braket task's measurement counts.

TARGET is a quantum-task ARN, or the name of an output of the current Pulumi stack (read with
``pulumi stack output --json``; ``--stack`` / ``--cwd`` pick another stack or project). A stack
output may hold an ARN, a counts dict, or a dict holding exactly one of those; ``NAME.KEY``
picks an entry of a dict output (``task_arns.bell``).

The counts are read the way the QuantumTask resource reads them (``read_counts`` on the task
that ``GetQuantumTask`` returns, clients per the same endpoint rules), so the command shows what
the stack saw. Output: a table with probabilities, ``--json`` for scripts, ``--plot FILE.png`` for
a histogram (matplotlib, headless Agg backend; install the ``plot`` extra).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import missing_file

_TASK_ARN = re.compile(r"^arn:aws[\w-]*:braket:[\w-]*:\d*:quantum-task/[\w-]+$")
_BITSTRING = re.compile(r"^[01]+$")


class ResultsError(Exception):
    """A problem the user can fix; the message says how."""


# ---------------------------------------------------------------------------- finding counts
def is_task_arn(value: Any) -> bool:
    return isinstance(value, str) and bool(_TASK_ARN.match(value))


def _is_counts(value: Any) -> bool:
    return (
        isinstance(value, Mapping)
        and bool(value)
        and all(isinstance(k, str) and _BITSTRING.match(k) for k in value)
        and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value.values())
    )


def counts_of_task(arn: str) -> dict[str, int]:
    """GetQuantumTask, then the counts from its results.json in S3."""
    from .._provider import ProviderError
    from ..braket.task import get_task, read_counts
    from ..clients.braket import braket_client

    try:
        task = get_task(braket_client(), arn)
        if task is None:
            raise ResultsError(f"quantum task {arn} does not exist (for the configured endpoint)")
        if task["status"] != "COMPLETED":
            reason = f": {task['failureReason']}" if task.get("failureReason") else ""
            raise ResultsError(f"quantum task {arn} is {task['status']}{reason}; no results")
        counts = read_counts(task)
    except ProviderError as exc:
        raise ResultsError(str(exc)) from None
    if not counts:
        raise ResultsError(f"quantum task {arn} has no measurements in its results")
    return counts


def counts_from_value(value: Any, label: str) -> tuple[dict[str, int], str]:
    """(counts, where they came from) for an output value: ARN, counts, or a dict of one."""
    if is_task_arn(value):
        return counts_of_task(value), value
    if _is_counts(value):
        return dict(value), label
    if isinstance(value, Mapping):
        for key in ("measurement_counts", "counts", "quantum_task_arn"):
            if key in value:
                return counts_from_value(value[key], f"{label}.{key}")
        if len(value) == 1:
            ((key, inner),) = value.items()
            return counts_from_value(inner, f"{label}.{key}")
        if value:
            keys = ", ".join(sorted(map(str, value)))
            raise ResultsError(
                f"output {label!r} holds several entries ({keys}); pick one: {label}.<entry>"
            )
    raise ResultsError(
        f"output {label!r} is neither a quantum-task ARN nor measurement counts: {value!r:.200}"
    )


def stack_outputs(stack: str | None, cwd: str | None) -> dict[str, Any]:
    """``pulumi stack output --json`` of the selected (or named) stack of the project in cwd."""
    command = ["pulumi", "stack", "output", "--json"]
    if stack:
        command += ["--stack", stack]
    try:
        done = subprocess.run(
            command, cwd=cwd, capture_output=True, text=True, timeout=120, check=False
        )
    except FileNotFoundError:
        raise ResultsError(
            "the pulumi CLI is not on PATH (run scripts/bootstrap and source scripts/env.sh),"
            " or pass a quantum-task ARN instead of an output name"
        ) from None
    if done.returncode != 0:
        raise ResultsError(f"`{' '.join(command)}` failed: {done.stderr.strip()[-800:]}")
    outputs = json.loads(done.stdout or "{}")
    if not isinstance(outputs, dict):
        raise ResultsError(f"`{' '.join(command)}` printed no JSON object")
    return outputs


def resolve(target: str, stack: str | None = None, cwd: str | None = None) -> tuple[dict, str]:
    """(counts, source label) for a task ARN or a stack output name (``NAME`` or ``NAME.KEY``)."""
    if is_task_arn(target):
        return counts_of_task(target), target
    if target.startswith("arn:"):
        raise ResultsError(
            f"{target!r} is not a quantum-task ARN (arn:aws:braket:...:quantum-task/ID)"
        )
    outputs = stack_outputs(stack, cwd)
    name, *path = target.split(".")
    if name not in outputs:
        known = ", ".join(sorted(outputs)) or "none"
        raise ResultsError(f"the stack has no output {name!r} (outputs: {known})")
    value, label = outputs[name], name
    for key in path:
        if not isinstance(value, Mapping) or key not in value:
            raise ResultsError(f"output {label!r} has no entry {key!r}")
        value, label = value[key], f"{label}.{key}"
    return counts_from_value(value, label)


# ------------------------------------------------------------------------------- rendering
def summary(counts: Mapping[str, int], source: str) -> dict[str, Any]:
    shots = sum(counts.values())
    ordered = dict(sorted(counts.items()))
    return {
        "source": source,
        "shots": shots,
        "counts": ordered,
        "probabilities": {k: v / shots for k, v in ordered.items()} if shots else {},
    }


def table(doc: Mapping[str, Any]) -> str:
    width = max([len("outcome"), *(len(k) for k in doc["counts"])])
    lines = [
        f"{doc['source']}  ({doc['shots']} shots)",
        f"{'outcome':<{width}}  {'count':>7}  {'probability':>11}",
    ]
    for bits, count in doc["counts"].items():
        lines.append(f"{bits:<{width}}  {count:>7}  {doc['probabilities'][bits]:>11.4f}")
    return "\n".join(lines)


def plot(doc: Mapping[str, Any], path: Path) -> None:
    """Histogram of the probabilities, written headless (Agg) to ``path``."""
    try:
        import matplotlib
    except ModuleNotFoundError:
        raise ResultsError("--plot needs matplotlib: pip install 'pulumi-quantum[plot]'") from None
    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    outcomes = list(doc["probabilities"])
    fig, ax = plt.subplots(figsize=(max(4.0, 0.6 * len(outcomes) + 2), 3.5), layout="constrained")
    try:
        bars = ax.bar(outcomes, [doc["probabilities"][k] for k in outcomes], color="#4c72b0")
        ax.bar_label(bars, labels=[str(doc["counts"][k]) for k in outcomes], fontsize=8)
        ax.set_xlabel("outcome")
        ax.set_ylabel("probability")
        ax.set_ylim(0, min(1.0, max(doc["probabilities"].values(), default=0) * 1.15 + 0.02))
        source = str(doc["source"])
        if is_task_arn(source):  # the task id is what tells tasks apart; the ARN is too wide
            source = "task " + source.rsplit("/", 1)[1]
        ax.set_title(f"{source}  ({doc['shots']} shots)", fontsize=9, wrap=True)
        if len(outcomes) > 8:
            ax.tick_params(axis="x", labelrotation=90)
        fig.savefig(path, dpi=100)
    finally:
        plt.close(fig)


# ------------------------------------------------------------------------------------ CLI
def run(args: argparse.Namespace) -> int:
    if args.plot and not Path(args.plot).parent.is_dir():  # before any remote call
        raise missing_file(Path(args.plot).parent, "no such directory (for --plot)")
    try:
        counts, source = resolve(args.target, args.stack, args.cwd)
        doc = summary(counts, source)
        if args.plot:
            plot(doc, Path(args.plot))
    except ResultsError as exc:
        print(f"pulumi-quantum results: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(doc, indent=2))
    else:
        print(table(doc))
        if args.plot:
            print(f"histogram written to {args.plot}")
    return 0


def add_results_commands(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``results`` to the ``pulumi-quantum`` parser."""
    parser = subparsers.add_parser(
        "results",
        help="show a Braket task's measurement counts (by ARN or stack output name)",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    parser.add_argument(
        "target", metavar="TARGET", help="quantum-task ARN, or stack output name (NAME or NAME.KEY)"
    )
    parser.add_argument("--stack", help="stack to read outputs from (default: the selected one)")
    parser.add_argument("--cwd", help="directory of the Pulumi project (default: current)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--plot", metavar="FILE.png", help="also draw a histogram into FILE.png")
    parser.set_defaults(func=run)
    return parser
