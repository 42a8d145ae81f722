"""``pulumi-resource-quantum``: the package's resources as a real Pulumi provider plugin.

Python dynamic resources serve Python programs only, and get no URN, no timeouts, no import and
no schema (pulumi/pulumi#16175). This plugin serves the same resources under ``quantum:`` type
tokens (``quantum:braket:QuantumTask``, ...) to any Pulumi program (Pulumi YAML, or a generated
SDK), with its schema derived from the declarations (:mod:`pulumi_quantum.declare`) and every
CRUD call answered by the very provider classes the dynamic resources use.

* :mod:`.schema` — ``package_schema()``, built only from the declarations;
* :mod:`.provider` — the ``Provider`` of Pulumi's provider SDK and its token registry;
* :mod:`.__main__` — the console script the engine starts (``pulumi-resource-quantum``).

Importing this package imports nothing heavy: the plugin starts fast because Pulumi's gRPC
server and the vendor SDKs are loaded only by the entry point and by the first call that needs
them.
"""
