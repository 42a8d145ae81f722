"""Local Braket throughput: create -> COMPLETED for a 2-qubit Bell circuit, through boto3.

    .venv/bin/python bench/braket_throughput.py --tasks 400 --concurrency 8

Starts the local cloud as a separate process (``python -m pulumi_quantum.local serve`` on free
ports, temporary data dir) unless ``--braket-endpoint``/``--s3-endpoint`` point at a running one.
``concurrency`` client threads each loop: CreateQuantumTask (timed), then GetQuantumTask every
``--poll-ms`` until the task is terminal. Reports tasks/s from the first create to the last
completion and the CreateQuantumTask latency percentiles seen by the client.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

BELL = json.dumps(
    {
        "braketSchemaHeader": {"name": "braket.ir.openqasm.program", "version": "1"},
        "source": "OPENQASM 3.0;\nbit[2] b;\nqubit[2] q;\nh q[0];\ncnot q[0], q[1];\n"
        "b[0] = measure q[0];\nb[1] = measure q[1];",
    }
)
SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"


def start_server(
    data_dir: Path, workers: int | None, sim_processes: int | None
) -> tuple[subprocess.Popen, dict[str, str]]:
    """``serve`` with the server's own defaults, unless a knob is given explicitly."""
    endpoints_file = data_dir / "endpoints.json"
    command = [sys.executable, "-m", "pulumi_quantum.local", "serve", "--data-dir", str(data_dir),
               "--braket-port", "0", "--s3-port", "0", "--ibm-port", "0"]  # fmt: skip
    if workers is not None:
        command += ["--workers", str(workers)]
    if sim_processes is not None:
        command += ["--sim-processes", str(sim_processes)]
    with open(data_dir / "serve.log", "wb") as log:
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if endpoints_file.exists():
            doc = json.loads(endpoints_file.read_text())
            if doc.get("pid") == proc.pid:
                return proc, doc["endpoints"]
        if proc.poll() is not None:
            raise SystemExit(f"server exited; see {data_dir / 'serve.log'}")
        time.sleep(0.1)  # waiting for the server to come up, bounded by the deadline
    raise SystemExit("server did not start within 60 s")


def cpu_seconds(pid: int) -> dict[str, float]:
    """CPU time (user+system) of a process and, separately, of all its live descendants.

    Load-independent cost per task: on a machine shared with other work, tasks/s measures the
    share of the CPU the benchmark got; CPU seconds per task measure what a task costs.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    stats, children = {}, {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry)] = (int(fields[11]) + int(fields[12])) / ticks
            children.setdefault(int(fields[1]), []).append(int(entry))
    below, todo = 0.0, list(children.get(pid, []))
    while todo:
        child = todo.pop()
        below += stats.get(child, 0.0)
        todo += children.get(child, [])
    return {"server": stats.get(pid, 0.0), "workers": below}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--shots", type=int, default=100)
    parser.add_argument("--poll-ms", type=int, default=20)
    parser.add_argument("--workers", type=int, help="server task workers (default: server's)")
    parser.add_argument(
        "--sim-processes", type=int, help="server simulation processes (default: server's)"
    )
    parser.add_argument("--braket-endpoint")
    parser.add_argument("--s3-endpoint")
    parser.add_argument("--warmup", type=int, default=16)
    args = parser.parse_args()

    import boto3
    from botocore.config import Config

    proc = None
    if args.braket_endpoint and args.s3_endpoint:
        endpoints = {"braket": args.braket_endpoint, "s3": args.s3_endpoint}
    else:
        proc, endpoints = start_server(
            Path(tempfile.mkdtemp(prefix="pq-bench-")), args.workers, args.sim_processes
        )
    creds = {
        "aws_access_key_id": os.environ.get("AWS_ACCESS_KEY_ID", "AKIALOCALQUANTUM0001"),
        "aws_secret_access_key": os.environ.get(
            "AWS_SECRET_ACCESS_KEY", "local-quantum-secret-key-0001"
        ),
        "region_name": "us-east-1",
    }
    config = Config(max_pool_connections=args.concurrency * 2, retries={"mode": "standard"})
    braket = boto3.client("braket", endpoint_url=endpoints["braket"], config=config, **creds)
    s3 = boto3.client("s3", endpoint_url=endpoints["s3"], **creds)
    bucket = f"bench-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)

    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def one_task() -> None:
        t0 = time.perf_counter()
        arn = braket.create_quantum_task(
            clientToken=str(uuid.uuid4()), deviceArn=SV1, shots=args.shots,
            outputS3Bucket=bucket, outputS3KeyPrefix="bench", action=BELL,
        )["quantumTaskArn"]  # fmt: skip
        created = time.perf_counter() - t0
        while True:
            status = braket.get_quantum_task(quantumTaskArn=arn)["status"]
            if status in ("COMPLETED", "FAILED", "CANCELLED"):
                break
            time.sleep(args.poll_ms / 1000)  # client poll interval, as the SDK does
        with lock:
            latencies.append(created)
            if status != "COMPLETED":
                failures.append(f"{arn}: {status}")

    def run(n: int) -> float:
        counter = iter(range(n))
        counter_lock = threading.Lock()

        def worker() -> None:
            while True:
                with counter_lock:
                    if next(counter, None) is None:
                        return
                one_task()

        threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.perf_counter() - start

    try:
        run(args.warmup)
        latencies.clear()
        before = cpu_seconds(proc.pid) if proc else None
        client_before = time.process_time()
        elapsed = run(args.tasks)
        client_cpu = time.process_time() - client_before
        after = cpu_seconds(proc.pid) if proc else None
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)

    ms = [x * 1000 for x in latencies]
    report = {
        "tasks": args.tasks,
        "concurrency": args.concurrency,
        "shots": args.shots,
        "server_workers": args.workers or "default",
        "server_sim_processes": "default" if args.sim_processes is None else args.sim_processes,
        "elapsed_s": round(elapsed, 2),
        "throughput_tasks_per_s": round(args.tasks / elapsed, 1),
        "create_latency_ms": {
            "p50": round(statistics.median(ms), 1),
            "p99": round(percentile(ms, 99), 1),
            "max": round(max(ms), 1),
        },
        "failed": len(failures),
        "cpu_ms_per_task": {
            "client": round(client_cpu * 1000 / args.tasks, 1),
            **(
                {k: round((after[k] - before[k]) * 1000 / args.tasks, 1) for k in after}
                if before and after
                else {}
            ),
        },
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU(s), "
        f"Python {platform.python_version()}",
    }
    print(json.dumps(report, indent=2))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
