"""The HTTP stack is imported once, before any provider method runs, not by racing threads.

The dynamic provider host serves the engine's calls on a thread pool. Lazily importing urllib3
from several of them at once deadlocked on Python's module locks in CI ("deadlock detected by
_ModuleLock('urllib3.util')", and a partially initialised client module in another thread).
"""

from __future__ import annotations

import json
import subprocess
import sys

CODE = """
import json, sys, threading
from pulumi_quantum.noop import NoopProvider

before = sorted(m for m in ("urllib3", "requests") if m in sys.modules)
provider, results, errors = NoopProvider(), [], []

def first_call():
    try:
        results.append(provider.diff("id", {"value": 1}, {"value": 2}).changes)
    except BaseException as exc:  # an import deadlock would surface here
        errors.append(repr(exc))

threads = [threading.Thread(target=first_call) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join(60)
after = sorted(m for m in ("urllib3", "requests") if m in sys.modules)
print(json.dumps({"before": before, "after": after, "results": results, "errors": errors}))
"""


def test_the_first_provider_call_imports_the_http_stack_and_concurrent_calls_all_answer():
    done = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["before"] == []  # importing the providers stays cheap
    assert seen["after"] == ["requests", "urllib3"]  # imported by the first call, in one thread
    assert seen["errors"] == [] and seen["results"] == [True] * 8
