"""IBM Qiskit Runtime on loopback: the half of the local quantum cloud IBM clients talk to.

``create_app`` returns the WSGI application LocalCloud serves on its own port; ``recover``
runs once at start-up, before serving, to fail jobs a crash left queued or running.
Nothing here imports qiskit: only the job subprocess (``runner``) does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..faults import Faults
from ..store import Store
from .accounts import DEFAULT_USERS, IbmUser, users_from_config
from .app import IbmRuntimeApp
from .executor import recover as _recover

__all__ = [
    "DEFAULT_USERS",
    "IbmRuntimeApp",
    "IbmUser",
    "create_app",
    "recover",
    "users_from_config",
]


def create_app(
    store: Store,
    faults: Faults,
    public_url_getter: Callable[[], str],
    users: Iterable[IbmUser] | None = None,
) -> IbmRuntimeApp:
    """The WSGI app. ``public_url_getter()`` is the base URL clients use (e.g.
    ``http://127.0.0.1:PORT``), returned to them as their service URLs; ``users`` defaults to
    :data:`DEFAULT_USERS`. Call ``app.close()`` on shutdown to stop running jobs."""
    return IbmRuntimeApp(store, faults, public_url_getter, users)


def recover(store: Store) -> int:
    """Fail jobs left queued/running by a crash (with a reason); returns how many."""
    return _recover(store)
