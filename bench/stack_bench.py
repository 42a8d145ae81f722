"""Engine-level benchmark: a scale stack of quantum resources against a no-op baseline.

Scale stack: 100 QuantumTasks (wait_for_completion=False) + 50 RuntimePrograms + 10 Sessions,
deployed on the local quantum cloud. Baseline: 160 no-op dynamic resources (``pulumi_quantum.noop``)
— the same engine, language host and dynamic-provider host, but no vendor API — measured in the
same run, so what is compared is the cost our providers add, not the machine's speed.

Variants: ``dynamic`` (the Python dynamic resources) and ``plugin`` (the same resources through
the ``pulumi-resource-quantum`` provider plugin, from a Python program of generic
``CustomResource``s with ``quantum:*`` type tokens), each against the same baseline.

Targets: preview ratio ≤ 1.3 and no-op up ratio ≤ 1.2 for both variants (``__provider`` ≤ 2 KB
per dynamic resource); first up and destroy ratios are recorded. Each phase is timed once per
``--repeat`` (default 3) after ``--warmup`` unmeasured previews per project (default 1: a
project's first engine run is ~1 s slower); the report gives medians.

Run: ``source scripts/env.sh && python bench/stack_bench.py [--repeat 3] [--tasks 100 ...]``
Writes a JSON report to stdout (and ``--out FILE``).
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pulumi_quantum.local.server import LocalCloud  # noqa: E402
from pulumi_quantum.testing.engine import EngineProject, make_project  # noqa: E402

BASELINE = """
from pulumi_quantum.noop import Noop
for i in range({count}):
    Noop(f"noop-{{i}}", value=f"v{{i}}")
"""

SCALE = """
import pulumi
from pulumi_quantum.braket import QuantumTask
from pulumi_quantum.ibm import RuntimeProgram, Session

BELL = "OPENQASM 3.0;\\nqubit[2] q;\\nbit[2] c;\\nh q[0];\\ncnot q[0], q[1];\\nc = measure q;\\n"
SOURCE = "def main(backend, user_messenger, **kwargs):\\n    return kwargs\\n"
for i in range({tasks}):
    QuantumTask(
        f"task-{{i}}",
        source=BELL,
        device_arn="arn:aws:braket:::device/quantum-simulator/amazon/sv1",
        shots=10,
        output_s3_bucket="amazon-braket-bench-results",
        output_s3_key_prefix=f"bench/{{i}}",
        wait_for_completion=False,
    )
for i in range({programs}):
    RuntimeProgram(
        f"program-{{i}}",
        data=SOURCE,
        metadata={{"name": f"bench-program-{{i}}", "max_execution_time": 300,
                   "description": f"benchmark program {{i}}"}},
    )
for i in range({sessions}):
    Session(f"session-{{i}}", backend="ibm_loopback_5q", max_time="1h")
"""


PLUGIN_SCALE = """
import pulumi

BELL = "OPENQASM 3.0;\\nqubit[2] q;\\nbit[2] c;\\nh q[0];\\ncnot q[0], q[1];\\nc = measure q;\\n"
SOURCE = "def main(backend, user_messenger, **kwargs):\\n    return kwargs\\n"
for i in range({tasks}):
    pulumi.CustomResource(
        "quantum:braket:QuantumTask",
        f"task-{{i}}",
        {{
            "source": BELL,
            "deviceArn": "arn:aws:braket:::device/quantum-simulator/amazon/sv1",
            "shots": 10,
            "outputS3Bucket": "amazon-braket-bench-results",
            "outputS3KeyPrefix": f"bench-plugin/{{i}}",
            "waitForCompletion": False,
        }},
    )
for i in range({programs}):
    pulumi.CustomResource(
        "quantum:ibm:RuntimeProgram",
        f"program-{{i}}",
        {{
            "data": SOURCE,
            "metadata": {{"name": f"bench-plugin-program-{{i}}", "max_execution_time": 300,
                          "description": f"benchmark program {{i}}"}},
        }},
    )
for i in range({sessions}):
    pulumi.CustomResource(
        "quantum:ibm:Session", f"session-{{i}}", {{"backend": "ibm_loopback_5q", "maxTime": "1h"}}
    )
"""


def timed(action: Callable[[], Any]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def provider_bytes(project: EngineProject) -> dict[str, float]:
    sizes = [
        len(base64.b64decode(r["inputs"]["__provider"]))
        for r in project.resources()
        if "__provider" in r.get("inputs", {})
    ]
    if not sizes:  # the plugin keeps no provider in state
        return {"count": 0, "max": 0, "mean": 0}
    return {"count": len(sizes), "max": max(sizes), "mean": statistics.mean(sizes)}


PHASES = ("preview", "first_up", "noop_up", "destroy")


def cycle(project: EngineProject) -> tuple[dict[str, float], dict[str, float]]:
    """One measured lifecycle: preview of the empty stack, first up, no-op up, destroy."""
    seconds = {
        "preview": timed(project.preview),
        "first_up": timed(project.up),
        "noop_up": timed(project.up),
    }
    sizes = provider_bytes(project)
    seconds["destroy"] = timed(project.destroy)
    return seconds, sizes


def measure(projects: dict[str, EngineProject], repeat: int, warmup: int) -> dict[str, Any]:
    """Median seconds per phase per project, the projects' cycles interleaved.

    Why interleaved: on a shared 2-core machine the speed drifts by 20-30 % over minutes; running
    the baseline's cycle and each variant's cycle back to back, ``repeat`` times over, exposes
    them to the same drift, so the ratios measure the providers and not the moment.
    """
    for project in projects.values():
        for _ in range(warmup):
            # A project's first engine run pays one-off costs (creating the stack, plugin
            # discovery, Python's bytecode caches): ~1 s here, as much as the difference measured.
            project.preview()
    phases = {name: {phase: [] for phase in PHASES} for name in projects}
    sizes: dict[str, dict[str, float]] = {}
    for _ in range(repeat):
        for name, project in projects.items():
            seconds, sizes[name] = cycle(project)
            for phase, value in seconds.items():
                phases[name][phase].append(value)
    return {
        name: {
            "seconds": {k: round(statistics.median(v), 2) for k, v in phases[name].items()},
            "all_seconds": {k: [round(x, 2) for x in v] for k, v in phases[name].items()},
            "provider_bytes": sizes[name],
        }
        for name in projects
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100)
    parser.add_argument("--programs", type=int, default=50)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--warmup", type=int, default=1, help="unmeasured previews per project before measuring"
    )
    parser.add_argument(
        "--variants",
        default="dynamic,plugin",
        help="comma-separated: dynamic (pulumi_quantum's dynamic resources) and/or plugin "
        "(the same resources through pulumi-resource-quantum)",
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    total = args.tasks + args.programs + args.sessions

    with tempfile.TemporaryDirectory() as tmp, LocalCloud(Path(tmp) / "cloud") as cloud:
        import boto3

        env = cloud.client_env()
        s3 = boto3.client(
            "s3",
            endpoint_url=env["AWS_ENDPOINT_URL_S3"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            region_name=env["AWS_DEFAULT_REGION"],
        )
        s3.create_bucket(Bucket="amazon-braket-bench-results")
        projects = {
            "baseline": make_project(Path(tmp) / "baseline", BASELINE.format(count=total), env=env)
        }
        programs = {"dynamic": SCALE, "plugin": PLUGIN_SCALE}
        for variant in args.variants.split(","):
            program = programs[variant].format(
                tasks=args.tasks, programs=args.programs, sessions=args.sessions
            )
            projects[variant] = make_project(Path(tmp) / variant, program, env=env)
        measured = measure(projects, args.repeat, args.warmup)
        base = measured.pop("baseline")
        variants: dict[str, Any] = {}
        for variant, result in measured.items():
            result["ratios"] = {
                phase: round(result["seconds"][phase] / base["seconds"][phase], 2)
                for phase in PHASES
            }
            variants[variant] = result

    report = {
        "resources": {"baseline": total, "scale": total, **vars(args), "out": None},
        "baseline": base,
        **variants,
        "targets": {"preview": 1.3, "noop_up": 1.2, "provider_bytes_max": 2048},
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
