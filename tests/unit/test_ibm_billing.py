"""The session billing rule (``local/ibm/billing.py``) on made-up timelines, where every case
IBM's wording decides can be set up exactly: the idle interactive wait after a job is billed,
an inactive gap is not, a close or ``max_ttl`` cuts the wait but never a running job."""

from __future__ import annotations

import pytest

from pulumi_quantum.local.ibm.billing import DEDICATED, Hold, held, workload


def test_the_interactive_wait_after_each_job_is_billed_until_the_session_goes_inactive() -> None:
    # One 3 s job, ITTL 60 s, read 10 s after it ended: still active, 13 s held so far.
    assert held([(100.0, 103.0)], Hold(60, None, now=113.0)) == pytest.approx(13.0)
    # Read long after: inactive at 163, nothing more.
    assert held([(100.0, 103.0)], Hold(60, None, now=1000.0)) == pytest.approx(63.0)


def test_an_inactive_gap_before_a_later_job_is_not_billed() -> None:
    # ITTL 5 s: inactive from 108 to 200, then a second job reactivates the session.
    spans = [(100.0, 103.0), (200.0, 202.0)]
    assert held(spans, Hold(5, None, now=1000.0)) == pytest.approx(8.0 + 7.0)
    # Within the wait, the next job extends one continuous hold.
    spans = [(100.0, 103.0), (105.0, 106.0)]
    assert held(spans, Hold(5, None, now=1000.0)) == pytest.approx(11.0)


def test_closing_or_max_ttl_cuts_the_wait_but_not_a_running_job() -> None:
    assert held([(100.0, 103.0)], Hold(60, stop=110.0, now=1000.0)) == pytest.approx(10.0)
    # Closed (or max_ttl reached) while a job ran: the job's own time still counts.
    assert held([(100.0, 150.0)], Hold(60, stop=120.0, now=1000.0)) == pytest.approx(50.0)


def test_whole_seconds_rounded_up_and_batches_sum_their_jobs() -> None:
    hold = Hold(60, stop=103.2, now=1000.0)
    assert workload(DEDICATED, [(100.0, 100.5)], hold) == 4  # 3.2 s held
    assert workload("batch", [(100.0, 100.5), (200.0, 200.2)], hold) == 2  # 1 s + 1 s
    assert workload(DEDICATED, [], hold) == 0  # never ran a job: nothing held
