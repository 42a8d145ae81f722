"""`import pulumi_quantum` must not import any vendor SDK (they take seconds to import)."""

from __future__ import annotations

import json
import subprocess
import sys

VENDOR_PREFIXES = ("boto3", "botocore", "qiskit", "qiskit_ibm_provider", "braket", "moto")


def _modules_after(statement: str) -> set[str]:
    code = f"import sys, json\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return set(json.loads(out.stdout))


def test_import_pulumi_quantum_imports_no_vendor_sdk():
    loaded = _modules_after("import pulumi_quantum")
    assert "pulumi_quantum" in loaded
    vendor = sorted(m for m in loaded if m.split(".")[0] in VENDOR_PREFIXES)
    assert vendor == []


def test_resource_modules_import_no_vendor_sdk_either():
    loaded = _modules_after("import pulumi_quantum.noop")
    vendor = sorted(m for m in loaded if m.split(".")[0] in VENDOR_PREFIXES)
    assert vendor == []


def test_star_import_gives_every_name_in_all_and_no_vendor_sdk():
    code = (
        "import sys, json\nfrom pulumi_quantum import *\nimport pulumi_quantum\n"
        "print(json.dumps({'all': pulumi_quantum.__all__, 'bound': [n for n in "
        "pulumi_quantum.__all__ if n in globals()], 'mods': sorted(sys.modules)}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["bound"] == doc["all"] and {"braket", "ibm", "storage"} <= set(doc["all"])
    vendor = sorted(m for m in doc["mods"] if m.split(".")[0] in VENDOR_PREFIXES)
    assert vendor == []
