"""A page and its total come from one snapshot, whatever other requests write meanwhile.

IBM's clients trust ``count`` against the page they got; a program uploaded between the count and
the page made ``GET /programs`` answer ``count`` = n with n + 1 programs listed (seen in the
kill-and-restart engine test, where an ``up`` uploads while the test lists).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pulumi_quantum.local.store import Store


class InsertsDuringThePage(Store):
    """A store whose connections let another writer commit a row just as the page query starts."""

    def __init__(self, path: Path) -> None:
        self.inserted = 0
        super().__init__(path)

    def _open(self) -> sqlite3.Connection:
        conn = super()._open()

        def on_statement(sql: str) -> None:
            if sql.startswith("SELECT * FROM items") and "LIMIT" in sql:
                other = sqlite3.connect(self.path, isolation_level=None)
                other.execute("INSERT INTO items (name) VALUES ('late')")
                other.close()
                self.inserted += 1

        conn.set_trace_callback(on_statement)
        return conn


def test_count_and_page_agree_when_a_row_lands_between_them(tmp_path: Path) -> None:
    store = InsertsDuringThePage(tmp_path / "state.db")
    store.migrate("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT)")
    store.execute("INSERT INTO items (name) VALUES ('first')")

    count, rows = store.page("items", "1 = 1", (), "id", None, 0)

    assert store.inserted == 1  # the concurrent write did happen mid-call
    assert count == len(rows) == 1
    # ... and the next read sees it: nothing was lost, only kept out of the old snapshot.
    count, rows = store.page("items", "1 = 1", (), "id", None, 0)
    assert [r["name"] for r in rows] == ["first", "late"] and count == 2


def test_page_limits_and_offsets_but_counts_everything(tmp_path: Path) -> None:
    store = Store(tmp_path / "state.db")
    store.migrate("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT)")
    for name in "abcde":
        store.execute("INSERT INTO items (name) VALUES (?)", (name,))

    count, rows = store.page("items", "name <> ?", ("c",), "id DESC", 2, 1)

    assert count == 4
    assert [r["name"] for r in rows] == ["d", "b"]
