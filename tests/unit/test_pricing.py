"""Prices and cost estimates (docs/cost.md): the offer file read as the Braket SDK reads it, the
rows matched as its Tracker matches them, the estimate of each priced resource, and where the
offer file comes from. No test here reaches a network: offer files are the fixture in AWS's
format (tests/data) or text handed to an injected ``fetch``."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from pulumi_quantum._provider import remember_stack_config
from pulumi_quantum.braket.declarations import JOB, QUANTUM_TASK
from pulumi_quantum.braket.task import QuantumTaskProvider
from pulumi_quantum.ibm.declarations import BATCH, SESSION
from pulumi_quantum.ibm.session import BatchProvider, SessionProvider
from pulumi_quantum.pricing import estimates, offers
from pulumi_quantum.values import UNKNOWN
from tests.fixtures import BELL, SV1

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "braket-offer-index.csv"
ARIA = "arn:aws:braket:us-east-1::device/qpu/ionq/Aria-1"
ANKAA = "arn:aws:braket:us-west-1::device/qpu/rigetti/Ankaa-3"
URL = "https://offers.example.invalid/index.csv"


@pytest.fixture
def offer_file() -> offers.OfferFile:
    return offers.parse(FIXTURE.read_text(encoding="utf-8"), FIXTURE.as_uri())


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """No stack config, no memory of earlier files, a cache dir of the test's own."""
    remember_stack_config({})
    offers.forget()
    monkeypatch.setenv("PQ_CACHE", str(tmp_path / "cache"))
    yield
    remember_stack_config({})
    offers.forget()


def task(**given):
    return {"device_arn": ARIA, "shots": 100, **given}


# ------------------------------------------------------------------------------ the offer file
def test_parse_keeps_the_metadata_and_reads_rows_as_the_sdk(offer_file):
    assert offer_file.publication_date == "2026-11-01"
    assert offer_file.metadata["OfferCode"] == "AmazonBraket"
    [row] = offer_file.search(
        **{"Region Code": "us-east-1", "DeviceName": "Aria-1", "Product Family": "Quantum Task"}
    )
    assert row["PricePerUnit"] == "0.3000000000" and row["Unit"] == "Tasks"


def test_parse_refuses_a_file_that_is_not_an_offer_file():
    with pytest.raises(offers.OfferError, match=r"file:///x.csv is not a Price List offer file"):
        offers.parse("a\nb\nc\nd\ne\nname,value\nx,1\n", "file:///x.csv")
    with pytest.raises(offers.OfferError, match="five metadata rows"):
        offers.parse("FormatVersion,v1.0\n", "file:///x.csv")


# ------------------------------------------------------------------------------ estimates
def test_a_qpu_task_costs_its_task_fee_plus_its_shots_exactly(offer_file):
    estimate = estimates.quantum_task(task(), lambda: offer_file)
    assert estimate == {
        "usd": pytest.approx(0.30 + 100 * 0.03),
        "source": FIXTURE.as_uri(),
        "price_date": "2026-11-01",
        "basis": "0.3 per task + 100 shots x 0.03 per shot (us-east-1)",
        "exact": True,
    }


def test_the_qpu_region_comes_from_its_arn(offer_file):
    estimate = estimates.quantum_task(task(device_arn=ANKAA, shots=1000), lambda: offer_file)
    assert estimate["usd"] == pytest.approx(0.30 + 1000 * 0.0009)
    assert "(us-west-1)" in estimate["basis"]


def test_a_task_of_a_hybrid_job_is_priced_by_the_jobs_rows(offer_file):
    estimate = estimates.quantum_task(task(job_token="token"), lambda: offer_file)
    assert estimate["usd"] == pytest.approx(3.3) and estimate["exact"]


def test_a_simulator_task_is_estimated_at_its_three_second_minimum(offer_file, monkeypatch):
    monkeypatch.setenv("AWS_REGION", "us-west-1")
    estimate = estimates.quantum_task(task(device_arn=SV1), lambda: offer_file)
    assert estimate["usd"] == pytest.approx(3 * 0.075 / 60)
    assert estimate["exact"] is False
    assert estimate["basis"].startswith("minimum: 3 s at 0.075 per minute (us-west-1)")


def test_a_task_in_a_reservation_window_costs_nothing_itself(offer_file):
    reserved = [
        {"arn": "arn:aws:braket:us-east-1:1:reservation/r", "type": "RESERVATION_TIME_WINDOW_ARN"}
    ]
    estimate = estimates.quantum_task(task(associations=reserved), lambda: offer_file)
    assert estimate["usd"] == 0 and estimate["exact"] and "reservation" in estimate["basis"]


def test_unknown_inputs_give_an_unknown_estimate_and_invalid_ones_none(offer_file):
    assert estimates.quantum_task(task(device_arn=UNKNOWN), lambda: offer_file) == UNKNOWN
    assert estimates.quantum_task(task(shots=UNKNOWN), lambda: offer_file) == UNKNOWN
    assert estimates.quantum_task(task(shots="many"), lambda: offer_file) is None


def test_a_device_the_offer_file_does_not_price_is_unknown_and_says_why(offer_file):
    arn = "arn:aws:braket:us-east-1::device/qpu/acme/Nova"
    estimate = estimates.quantum_task(task(device_arn=arn), lambda: offer_file)
    assert estimate["usd"] is None and estimate["exact"] is False
    assert estimate["basis"].startswith(f"unknown: no price for {arn}: 0 rows")
    assert "DeviceName=Nova" in estimate["basis"]


def test_billed_cost_of_a_simulator_task_is_its_simulation_time_as_the_tracker_bills_it(
    offer_file,
):
    completed = {
        "quantumTaskArn": "arn:aws:braket:us-east-1:123456789012:quantum-task/abc",
        "deviceArn": SV1,
        "shots": 100,
        "status": "COMPLETED",
    }
    short = estimates.billed_task(completed, 1200, lambda: offer_file)
    assert short["usd"] == pytest.approx(3 * 0.075 / 60) and short["exact"]
    long = estimates.billed_task(completed, 65_000, lambda: offer_file)
    assert long["usd"] == pytest.approx(65 * 0.075 / 60)
    assert long["basis"].startswith("65 s of simulation (at least 3 s)")
    running = estimates.billed_task({**completed, "status": "RUNNING"}, None, lambda: offer_file)
    assert running["exact"] is False and running["basis"].startswith("RUNNING, so far")
    failed = estimates.billed_task({**completed, "status": "FAILED"}, None, lambda: offer_file)
    assert failed["usd"] == 0 and failed["exact"]


def test_a_job_is_bounded_by_its_instances_for_its_maximum_run_time(offer_file):
    inputs = {
        "instance_config": {"instanceType": "ml.m5.large", "instanceCount": 2},
        "stopping_condition": {"maxRuntimeInSeconds": 1800},
    }
    estimate = estimates.job(inputs, lambda: offer_file)
    assert estimate["usd"] == pytest.approx(2 * 0.5 * 0.115)
    assert estimate["exact"] is False and "quantum tasks are billed on top" in estimate["basis"]
    default = estimates.job({}, lambda: offer_file)  # the SDK's defaults: 1 x ml.m5.large, 5 days
    assert default["usd"] == pytest.approx(5 * 24 * 0.115)


def test_a_job_instance_the_offer_file_does_not_price_is_unknown(offer_file):
    inputs = {"instance_config": {"instanceType": "ml.p3.2xlarge", "instanceCount": 1}}
    estimate = estimates.job(inputs, lambda: offer_file)
    assert estimate["usd"] is None
    assert "no hybrid-job instance price for ml.p3.2xlarge in us-east-1" in estimate["basis"]


def test_an_ibm_session_is_bounded_by_its_max_time_at_the_table_price():
    estimate = estimates.ibm_session({"max_time": 600})
    assert estimate["usd"] == pytest.approx(600 * 1.60)
    assert estimate["source"] == "ibm price table" and estimate["price_date"]
    unbounded = estimates.ibm_session({"max_time": None})
    assert unbounded["usd"] == pytest.approx(8 * 3600 * 1.60)
    assert "8 h system maximum" in unbounded["basis"]


def test_the_ibm_price_is_overridden_by_config_and_a_bad_one_is_named():
    remember_stack_config({"quantum:ibmPricePerSecond": "0.5"})
    estimate = estimates.ibm_session({"max_time": 600})
    assert (
        estimate["usd"] == pytest.approx(300) and estimate["source"] == "quantum:ibmPricePerSecond"
    )
    remember_stack_config({"quantum:ibmPricePerSecond": "cheap"})
    estimate = estimates.ibm_session({"max_time": 600})
    assert estimate["usd"] is None
    assert "quantum:ibmPricePerSecond is 'cheap'" in estimate["basis"]


# ------------------------------------------------------------------------------ in check
def check_task(**given):
    news = {
        "source": BELL,
        "device_arn": ARIA,
        "output_s3_bucket": "amzn-braket-results",
        "output_s3_key_prefix": "bell",
        "shots": 100.0,
        "urn_seed": "proj::stack::type::bell",
        **given,
    }
    return QuantumTaskProvider().check({}, news)


def test_check_carries_the_estimate_in_the_checked_inputs(monkeypatch):
    monkeypatch.setenv("BRAKET_PRICE_OFFERS_URL", FIXTURE.as_uri())
    result = check_task()
    assert result.failures == []
    assert result.inputs["estimated_cost"]["usd"] == pytest.approx(3.3)
    assert result.inputs["estimated_cost"]["source"] == FIXTURE.as_uri()


def test_an_unreachable_offer_file_does_not_fail_the_preview(monkeypatch, tmp_path):
    missing = (tmp_path / "gone.csv").as_uri()
    monkeypatch.setenv("BRAKET_PRICE_OFFERS_URL", missing)
    result = check_task()
    assert result.failures == []
    estimate = result.inputs["estimated_cost"]
    assert estimate["usd"] is None and estimate["source"] == missing
    assert estimate["basis"].startswith(f"unknown: cannot read {missing}")


def test_sessions_and_batches_carry_an_estimate_from_check():
    for provider in (SessionProvider(), BatchProvider()):
        result = provider.check({}, {"backend": "ibm_brisbane", "max_time": "10m"})
        assert result.failures == []
        assert result.inputs["estimated_cost"]["usd"] == pytest.approx(600 * 1.60)


@pytest.mark.parametrize("decl", [QUANTUM_TASK, JOB, SESSION, BATCH])
def test_a_changed_estimate_alone_is_never_a_diff(decl):
    olds = {"estimated_cost": {"usd": 1.0, "price_date": "2026-01-01"}}
    news = {"estimated_cost": {"usd": 2.0, "price_date": "2026-11-01"}}
    assert decl.diff(olds, news) == ([], [])
    assert "estimated_cost" in decl.never_a_change


# ------------------------------------------------------------------------------ where from
def test_the_aws_target_reads_the_public_offer_file(monkeypatch):
    """Chosen, not fetched: the URL is what the SDK downloads by default."""
    monkeypatch.delenv("BRAKET_PRICE_OFFERS_URL", raising=False)
    monkeypatch.setenv("PULUMI_QUANTUM_TARGET", "aws")
    for name in ("AWS_ENDPOINT_URL_BRAKET", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    assert offers.offers_url() == (
        "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonBraket/current/index.csv"
    )


def test_the_local_target_reads_the_local_brakets_offer_file(monkeypatch):
    monkeypatch.delenv("BRAKET_PRICE_OFFERS_URL", raising=False)
    monkeypatch.setenv("PULUMI_QUANTUM_TARGET", "local")
    monkeypatch.setenv("AWS_ENDPOINT_URL_BRAKET", "http://127.0.0.1:45123")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:45124")
    assert offers.offers_url() == "http://127.0.0.1:45123" + offers.OFFER_PATH


def test_config_then_the_sdks_variable_win_over_the_target(monkeypatch):
    monkeypatch.setenv("PULUMI_QUANTUM_TARGET", "aws")
    monkeypatch.setenv("BRAKET_PRICE_OFFERS_URL", "file:///env.csv")
    assert offers.offers_url() == "file:///env.csv"
    remember_stack_config({"quantum:priceOffersUrl": "file:///config.csv"})
    assert offers.offers_url() == "file:///config.csv"


def test_a_remote_offer_file_is_cached_on_disk_and_a_stale_copy_beats_none():
    text = FIXTURE.read_text(encoding="utf-8")
    calls: list[str] = []

    def fetch(url: str) -> str:
        calls.append(url)
        return text

    clock = [1_000_000.0]
    first = offers.load(URL, fetch, now=lambda: clock[0])
    offers.forget()
    again = offers.load(URL, fetch, now=lambda: clock[0])
    assert calls == [URL] and again.rows == first.rows  # the second one from disk
    [cached] = offers.cache_dir().glob("*.csv")

    def failing(url: str) -> str:
        raise offers.OfferError(f"cannot download {url}: HTTP 503")

    offers.forget()
    import os

    os.utime(cached, (0, 0))  # a day old and more: downloaded again, which fails
    stale = offers.load(URL, failing, now=lambda: clock[0])
    assert stale.publication_date == "2026-11-01"


def test_a_loopback_offer_file_is_not_cached_on_disk():
    text = FIXTURE.read_text(encoding="utf-8")
    offers.load("http://127.0.0.1:1/offers.csv", lambda url: text)
    assert not offers.cache_dir().exists()


def test_unknown_and_known_estimates_add_up():
    known = [{"usd": 1.5}, {"usd": None}, None, {"usd": 2.25}]
    assert estimates.total(known) == Decimal("3.75")
    assert estimates.total([{"usd": None}]) is None
