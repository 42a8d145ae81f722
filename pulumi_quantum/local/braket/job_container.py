"""What the Braket job container does with the entry point, in the job's own process.

``python -m pulumi_quantum.local.braket.job_container``, started by the job runner in the job's
extracted code directory with the ``AMZN_BRAKET_*`` variables set. Like Braket's container:

* ``module:function`` imports the module and calls the function; when the hyperparameters bind
  to its signature they are passed as keyword arguments, converted by the parameters' type
  annotations (``str`` otherwise); a bare ``module`` runs as ``python -m module`` would;
* an exception is written, as ``<ExceptionType>: <message>``, to the failure file the service
  turns into the job's ``failureReason``, and the process exits with status 1.

The process also ends when the local cloud's server (its parent) is gone, so a killed server
leaves no job running behind it.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import runpy
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any


def _exit_with_parent() -> None:
    parent = os.getppid()
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(1)


def _bound_hyperparameters(function: Callable[..., Any]) -> dict[str, Any]:
    path = os.environ.get("AMZN_BRAKET_HP_FILE")
    if not path:
        return {}
    with open(path, encoding="utf-8") as f:
        hyperparameters = json.load(f)
    try:
        inspect.signature(function).bind(**hyperparameters)
    except TypeError:
        return {}
    annotations = inspect.getfullargspec(function).annotations
    return {name: annotations.get(name, str)(value) for name, value in hyperparameters.items()}


def _entry_point(entry: str) -> Callable[[], Any]:
    module_name, _, function_name = entry.partition(":")
    if function_name:
        function = getattr(importlib.import_module(module_name), function_name)
        return lambda: function(**_bound_hyperparameters(function))
    return lambda: runpy.run_module(module_name, run_name="__main__")


def main() -> int:
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    sys.path.insert(0, os.getcwd())
    failure_file = os.environ["PQ_BRAKET_JOB_FAILURE_FILE"]
    try:
        _entry_point(os.environ["AMZN_BRAKET_SCRIPT_ENTRY_POINT"])()
    except SystemExit as exc:
        if exc.code in (None, 0):
            return 0
        _fail(failure_file, f"SystemExit: {exc.code}")
        return exc.code if isinstance(exc.code, int) else 1
    except BaseException as exc:  # everything the user's code raises fails the job
        traceback.print_exc()
        _fail(failure_file, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
        return 1
    return 0


def _fail(path: str, text: str) -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    sys.exit(main())
