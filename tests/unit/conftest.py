"""``tests/unit`` starts no server: a test that needs the local cloud belongs in ``tests/local``.

Unit tests are the fast ones (check, diff, validation, codegen, the CLI on files). A test that
asks for a running cloud — directly or through another fixture — is refused at setup, before
the cloud would start, with where to move it.
"""

from __future__ import annotations

import pytest

SERVER_FIXTURES = frozenset({"local_cloud", "local_cloud_process"})


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    started = SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ()))
    if started:
        pytest.fail(
            f"{item.nodeid} starts the local cloud ({', '.join(sorted(started))}): "
            "unit tests start no server; move it to tests/local",
            pytrace=False,
        )
