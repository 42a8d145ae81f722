"""The programs IBM's runtime provided itself, beside the ones users upload.

Kept apart from ``runner.py`` so the server does not import the runner module: the job process
starts it with ``python -m pulumi_quantum.local.ibm.runner``, and a runner already imported by
its package makes ``runpy`` print a RuntimeWarning into every job's log.
"""

from __future__ import annotations

BUILTIN_PROGRAMS = ("circuit-runner", "qasm3-runner")
"""Run by the runner itself (``IBMBackend.run`` / ``provider.run_circuits`` submit them)."""
