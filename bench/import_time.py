"""Import cost of the package against its baseline, measured in the same run.

Target (issue: benchmarks): ``python -c "import pulumi_quantum"`` costs at most 100 ms more than
``python -c "import pulumi"``. Each variant runs in fresh interpreters, alternating, and the
medians are compared, so machine load affects both sides alike.

Run: ``.venv/bin/python bench/import_time.py [--runs 15]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

VARIANTS = {
    "baseline: import pulumi": "import pulumi",
    "import pulumi_quantum": "import pulumi_quantum",
    "import pulumi_quantum.ibm, .braket": "import pulumi_quantum.ibm, pulumi_quantum.braket",
}


def measure(statement: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", statement], check=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    samples: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for statement in VARIANTS.values():
        measure(statement)  # warm the OS page cache and .pyc files
    for _ in range(args.runs):
        for name, statement in VARIANTS.items():
            samples[name].append(measure(statement))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    baseline = medians["baseline: import pulumi"]
    report = {
        name: {"median_ms": round(m * 1000, 1), "delta_ms": round((m - baseline) * 1000, 1)}
        for name, m in medians.items()
    }
    print(json.dumps({"runs": args.runs, "results": report}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
