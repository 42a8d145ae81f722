"""A job matches a ``created_after`` / ``created_before`` filter on the time it was shown."""

from __future__ import annotations

import sqlite3
from datetime import datetime

import pytest

from pulumi_quantum.local.ibm import db


def _shown(ts: float) -> float:
    """The creation time a client reads back (``db.iso``), as epoch seconds again."""
    return datetime.fromisoformat(db.iso(ts).replace("Z", "+00:00")).timestamp()


def test_a_job_matches_filters_on_its_own_shown_creation_time():
    # A stored time whose shown (microsecond) form rounded up: the case that was missed.
    ts = next(t for t in (1_765_000_000 + i * 1.37e-7 for i in range(1000)) if _shown(t) > t)
    rows = sqlite3.connect(":memory:")
    rows.execute("CREATE TABLE jobs (created_at REAL)")
    rows.execute("INSERT INTO jobs VALUES (?)", (ts,))
    shown = _shown(ts)
    assert (
        rows.execute("SELECT COUNT(*) FROM jobs WHERE created_at >= ?", (shown,)).fetchone()[0] == 0
    )
    clauses = db.created_clauses(shown, shown)
    where = " AND ".join(c for c, _ in clauses)
    found = rows.execute(f"SELECT COUNT(*) FROM jobs WHERE {where}", [v for _, v in clauses])
    assert found.fetchone()[0] == 1
    # A microsecond later than shown excludes it again: the bound is widened by half of one.
    after = db.created_clauses(shown + 1e-6, None)
    later = rows.execute(f"SELECT COUNT(*) FROM jobs WHERE {after[0][0]}", [after[0][1]])
    assert later.fetchone()[0] == 0


def test_both_ibm_apis_read_a_filter_time_as_clients_send_it():
    """``epoch_of_iso`` (the legacy and the platform job lists' one parser) inverts ``db.iso``;
    no offset means UTC; what is not ISO 8601 is a ValueError each API words as its own 400."""
    ts = 1_765_000_000.25
    assert db.epoch_of_iso(db.iso(ts)) == ts
    assert db.epoch_of_iso("2025-12-06T05:46:40.25") == ts
    assert db.epoch_of_iso("2025-12-06T06:46:40.250+01:00") == ts
    with pytest.raises(ValueError):
        db.epoch_of_iso("yesterday")
