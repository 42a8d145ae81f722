"""Names of a package loaded on first access (PEP 562 module ``__getattr__``).

The subpackages export resource classes whose modules import the Pulumi SDK; reading a
declaration (codegen, the plugin's schema, ``pulumi-quantum validate``) must not pay for that.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` giving each name of ``homes`` from ``<package>.<its module>``."""

    def __getattr__(name: str) -> Any:
        module = homes.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{module}"), name)

    return __getattr__
