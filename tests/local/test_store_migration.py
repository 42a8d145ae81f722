"""A data directory written by an older version opens with the columns a newer model added."""

from __future__ import annotations

from pathlib import Path

from pulumi_quantum.local.store import Store


def test_missing_columns_are_added_and_existing_rows_kept(tmp_path: Path) -> None:
    old = Store(tmp_path / "state.db")
    old.migrate("CREATE TABLE IF NOT EXISTS tasks (arn TEXT PRIMARY KEY, shots INTEGER);")
    old.execute("INSERT INTO tasks (arn, shots) VALUES (?, ?)", ("a1", 100))

    new = Store(tmp_path / "state.db")  # the next version: same DDL, one column more
    new.migrate("CREATE TABLE IF NOT EXISTS tasks (arn TEXT PRIMARY KEY, shots INTEGER);")
    assert new.ensure_columns("tasks", {"shots": "INTEGER", "successful": "INTEGER"}) == [
        "successful"
    ]
    assert new.ensure_columns("tasks", {"successful": "INTEGER"}) == []  # idempotent
    new.execute("INSERT INTO tasks (arn, shots, successful) VALUES (?, ?, ?)", ("a2", 10, 10))
    rows = [dict(r) for r in new.query("SELECT * FROM tasks ORDER BY arn")]
    assert rows == [
        {"arn": "a1", "shots": 100, "successful": None},
        {"arn": "a2", "shots": 10, "successful": 10},
    ]
