"""Preview cost of a QuantumTask whose OpenQASM program is just under Braket's 3 MB action limit.

What it measures: ``QuantumTaskProvider().check`` (what ``pulumi preview`` runs for the resource)
on a Bell program and on a program whose action is just under
``pulumi_quantum.rules.MAX_ACTION_BYTES``, each in a fresh interpreter (so peak memory is that
check's own), alternating, with the remembered-verdicts cache off (``PQ_VERDICTS=off``) so every
run really parses. Reported: wall and CPU seconds, and peak RSS (``ru_maxrss``) above the
interpreter's RSS once everything is imported, each also as a ratio to the Bell program's in the
same run (machine load moves both alike). ``--whole BYTES`` adds one parse of a BYTES-long
program in one piece, as every program was parsed before the piecewise check, for comparison.

Run: ``.venv/bin/python bench/qasm_preview_size.py [--runs 3] [--whole 262144]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

CHILD = r"""
import json, resource, sys, time
from pulumi_quantum.braket.task import QuantumTaskProvider
from pulumi_quantum import qasm, rules
import openqasm3.parser  # the parser's import is not the program's cost

BLOCK = '''// a comment with ; and { braces
h q[0]; cnot q[0], q[1]; myg(theta) q[1], q[2];
if (c[0]) { x q[1]; } else { z q[1]; }
for int i in [0:2] { rz(0.1 * i) q[3]; }
c[0] = measure q[0];
'''
HEAD = ("OPENQASM 3.0;\ninput float theta;\nqubit[4] q;\nbit[4] c;\n"
        "gate myg(a) x, y { rx(a) x; cnot x, y; }\n")
BELL = "OPENQASM 3.0;\nqubit[2] q;\nbit[2] c;\nh q[0];\ncnot q[0], q[1];\nc = measure q;\n"
kind, size = sys.argv[1], int(sys.argv[2])
if kind == "bell":
    source = BELL
else:  # as many whole blocks as keep the action (JSON: a newline is 2 bytes) under `size`
    source = HEAD + BLOCK * ((size - len(json.dumps(HEAD)) - 200) // (len(json.dumps(BLOCK)) - 2))
inputs = {"source": source, "device_arn": "arn:aws:braket:::device/quantum-simulator/amazon/sv1",
          "output_s3_bucket": "amzn-braket-bench", "output_s3_key_prefix": "bench",
          "shots": 100.0, "urn_seed": "bench::stack::type::task", "__provider": "x"}
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
cpu, wall = time.process_time(), time.perf_counter()
if kind == "whole":
    problem = qasm._parse(source)
    failures = [] if not isinstance(problem, str) else [problem]
else:
    failures = [f.reason for f in QuantumTaskProvider().check({}, inputs).failures]
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
header = {"name": "braket.ir.openqasm.program", "version": "1"}
action = len(json.dumps({"braketSchemaHeader": header, "source": source}))
print(json.dumps({"wall": wall, "cpu": cpu, "peak_kib": peak - base, "bytes": len(source),
                  "action_bytes": action, "failures": failures}))
"""


def run(kind: str, size: int) -> dict:
    env = {**os.environ, "PQ_VERDICTS": "off"}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, kind, str(size)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    if result["failures"]:
        raise SystemExit(f"{kind}: the check refused the program: {result['failures']}")
    return result


def main() -> int:
    from pulumi_quantum.rules import MAX_ACTION_BYTES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--whole", type=int, default=0, help="also parse BYTES in one piece")
    args = parser.parse_args()
    kinds = {"bell": 0, "near-limit": MAX_ACTION_BYTES}
    if args.whole:
        kinds["whole"] = args.whole
    samples: dict[str, list[dict]] = {kind: [] for kind in kinds}
    for _ in range(args.runs):
        for kind, size in kinds.items():
            samples[kind].append(run(kind, size))
    bell = {k: statistics.median(s[k] for s in samples["bell"]) for k in ("wall", "cpu")}
    bell_peak = max(statistics.median(s["peak_kib"] for s in samples["bell"]), 1)
    for kind, runs in samples.items():
        wall = statistics.median(r["wall"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        peak = statistics.median(r["peak_kib"] for r in runs)
        print(
            f"{kind:>10}: action {runs[0]['action_bytes']:>9,} bytes  wall {wall:8.2f} s "
            f"(x{wall / bell['wall']:,.0f})  cpu {cpu:8.2f} s (x{cpu / bell['cpu']:,.0f})  "
            f"peak +{peak / 1024:7.1f} MiB (x{peak / bell_peak:,.0f} of Bell's "
            f"+{bell_peak / 1024:.1f} MiB)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
