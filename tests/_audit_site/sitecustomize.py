"""Loaded by every Python process the tests start (``PYTHONPATH`` names this folder): installs the
loopback audit of ``tests/loopback.py`` there too, so a provider or program run by the Pulumi
engine cannot reach a non-loopback address unnoticed."""

import importlib.util
import os

_spec = importlib.util.spec_from_file_location(
    "_pq_loopback_audit", os.path.join(os.path.dirname(__file__), os.pardir, "loopback.py")
)
if _spec is not None and _spec.loader is not None:
    _audit = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_audit)
    _audit.install()
