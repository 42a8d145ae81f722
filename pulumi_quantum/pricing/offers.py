"""Braket's price list: the AWS Price List Bulk API offer file (CSV), as the Braket SDK reads it.

The SDK's ``braket.tracking.pricing`` downloads ``BRAKET_PRICE_OFFERS_URL`` (default: AWS's
public offer file), skips the five metadata rows and reads the rest with ``csv.DictReader``;
:func:`parse` does the same and also keeps the metadata (the publication date is the date of
every price in the file). The SDK's own reader is not reused: it is a dev dependency only, it
reads the URL from the environment alone, and it drops the metadata.

Where the file comes from (:func:`offers_url`): ``quantum:priceOffersUrl``, else
``BRAKET_PRICE_OFFERS_URL`` (the SDK's variable: ``pulumi-quantum local start`` exports the local
cloud's), else by the target rule: the local Braket's own file on the local target
(:data:`OFFER_PATH` on its port), AWS's public file on the aws target. A public file is kept on
disk under ``$PQ_CACHE/prices`` for a day (a preview does not download it again), and a stale
copy is used when the download fails; every file is kept in memory for a minute (one preview
prices many resources). ``file://`` URLs are read from disk (offline use, tests).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

from ..caches import cache_root

OFFER_PATH = "/offers/v1.0/aws/AmazonBraket/current/index.csv"
"""The path of Braket's offer file, on AWS's price list host and on the local Braket."""
PUBLIC_OFFERS_URL = "https://pricing.us-east-1.amazonaws.com" + OFFER_PATH
"""AWS's public offer file (the Braket SDK's default ``BRAKET_PRICE_OFFERS_URL``)."""
METADATA_ROWS = 5
"""Format version, disclaimer, publication date, version, offer code (AWS Billing User Guide,
"Reading an offer file"): then the header row, then one row per price."""
MEMORY_SECONDS = 60.0
DISK_SECONDS = 24 * 3600.0
CONNECT_TIMEOUT_SECONDS = 5.0
READ_TIMEOUT_SECONDS = 30.0

Fetch = Callable[[str], str]
"""``fetch(url) -> text``: how an offer file is downloaded (injectable: tests never reach AWS)."""


class OfferError(Exception):
    """The offer file could not be read; the message says which URL and why."""


@dataclass(frozen=True)
class OfferFile:
    """One parsed offer file: its metadata and its price rows (header → value)."""

    url: str
    metadata: Mapping[str, str]
    rows: tuple[Mapping[str, str], ...]
    _index: dict[tuple[tuple[str, str], ...], list[Mapping[str, str]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def publication_date(self) -> str | None:
        """The ISO date (``YYYY-MM-DD``) the file says its prices were published, or None."""
        published = self.metadata.get("Publication Date") or ""
        return published[:10] or None

    def search(self, **criteria: str) -> list[Mapping[str, str]]:
        """Rows whose every named column equals the value: the SDK's ``price_search``, keyword
        names being the header's columns (``search(**{"Region Code": "us-east-1"})``)."""
        key = tuple(sorted(criteria.items()))
        found = self._index.get(key)
        if found is None:
            found = [r for r in self.rows if all(r.get(k) == v for k, v in criteria.items())]
            self._index[key] = found
        return list(found)


def parse(text: str, url: str = "") -> OfferFile:
    """An offer file's text → :class:`OfferFile`; :class:`OfferError` when it is not one."""
    stream = io.StringIO(text)
    reader = csv.reader(stream)
    metadata: dict[str, str] = {}
    for _ in range(METADATA_ROWS):
        row = next(reader, None)
        if row is None:
            raise OfferError(f"{url or 'the offer file'} ends inside its five metadata rows")
        if len(row) >= 2:
            metadata[row[0]] = row[1]
    rows = tuple(csv.DictReader(stream))
    if not rows or "PricePerUnit" not in rows[0]:
        raise OfferError(
            f"{url or 'the offer file'} is not a Price List offer file: no PricePerUnit column "
            "after the five metadata rows"
        )
    return OfferFile(url, metadata, rows)


def fetch_text(url: str) -> str:
    """Download ``url`` (http, https or file), with urllib3's retries and a timeout; the proxy
    environment variables are honoured as the SDK honours them."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        try:
            return Path(unquote(parsed.path)).read_text(encoding="utf-8")
        except OSError as exc:
            raise OfferError(f"cannot read {url}: {exc.strerror or exc}") from None
    if parsed.scheme not in ("http", "https"):
        raise OfferError(f"{url!r} is not an http(s) or file URL")
    from urllib.request import getproxies, proxy_bypass

    import urllib3

    proxy = getproxies().get(parsed.scheme)
    pool: urllib3.PoolManager = (
        urllib3.ProxyManager(proxy)
        if proxy and not proxy_bypass(parsed.netloc)
        else urllib3.PoolManager()
    )
    retries = urllib3.Retry(total=1, backoff_factor=0.2, status_forcelist=(500, 502, 503, 504))
    try:
        response = pool.request(
            "GET",
            url,
            timeout=urllib3.Timeout(connect=CONNECT_TIMEOUT_SECONDS, read=READ_TIMEOUT_SECONDS),
            retries=retries,
        )
    except urllib3.exceptions.HTTPError as exc:
        raise OfferError(f"cannot download {url}: {type(exc).__name__}") from None
    if response.status != 200:
        raise OfferError(f"cannot download {url}: HTTP {response.status}")
    return response.data.decode("utf-8")


def cache_dir() -> Path:
    """``$PQ_CACHE/prices`` (``PQ_CACHE`` defaults to ``$XDG_CACHE_HOME/pulumi-quantum``)."""
    return cache_root() / "prices"


def _cached_on_disk(url: str) -> bool:
    """Only a remote http(s) file is kept on disk: a local cloud's or a file:// one is cheap."""
    from ..target import is_local_url

    return urlparse(url).scheme in ("http", "https") and not is_local_url(url)


_lock = threading.Lock()
_memory: dict[str, tuple[float, OfferFile | OfferError]] = {}


def forget() -> None:
    """Drop the in-memory copies (tests; a long-lived plugin process refreshes by itself)."""
    with _lock:
        _memory.clear()


def load(url: str, fetch: Fetch = fetch_text, now: Callable[[], float] = time.time) -> OfferFile:
    """The offer file at ``url``: from memory (a minute), from the disk cache (a day, remote
    files only), else downloaded with ``fetch``; :class:`OfferError` when none of them has it.

    A failure is remembered for the minute too: a preview of a hundred tasks without network
    waits for one download's timeout, not a hundred."""
    moment = now()
    with _lock:
        kept = _memory.get(url)
    if kept is not None and moment - kept[0] < MEMORY_SECONDS:
        if isinstance(kept[1], OfferError):
            raise OfferError(str(kept[1]))
        return kept[1]
    try:
        offers = _load_uncached(url, fetch, moment)
    except OfferError as exc:
        with _lock:
            _memory[url] = (moment, exc)
        raise
    with _lock:
        _memory[url] = (moment, offers)
    return offers


def _load_uncached(url: str, fetch: Fetch, moment: float) -> OfferFile:
    if not _cached_on_disk(url):
        return parse(fetch(url), url)
    path = cache_dir() / (hashlib.sha256(url.encode()).hexdigest()[:24] + ".csv")
    fresh = path.is_file() and moment - path.stat().st_mtime < DISK_SECONDS
    if fresh:
        try:
            return parse(path.read_text(encoding="utf-8"), url)
        except (OSError, OfferError):
            pass  # a damaged copy: download again
    try:
        text = fetch(url)
        offers = parse(text, url)
    except OfferError:
        if path.is_file():  # stale, but a price list with its own date beats none
            try:
                return parse(path.read_text(encoding="utf-8"), url)
            except (OSError, OfferError):
                pass
        raise
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    except OSError:
        pass  # no cache then; the prices are still right
    return offers


def offers_url() -> str:
    """Where Braket's offer file is read from: ``quantum:priceOffersUrl``, else
    ``BRAKET_PRICE_OFFERS_URL``, else the target's (the local Braket's own file on the local
    target, AWS's public file on aws). Raises the target rule's error when the target is
    misconfigured (``check`` reports that one itself)."""
    from .._provider import config_value

    explicit = config_value("priceOffersUrl", "BRAKET_PRICE_OFFERS_URL")
    if explicit:
        return explicit
    from ..clients.braket import settings
    from ..target import LOCAL

    resolved = settings()
    if resolved.target == LOCAL and resolved.braket_endpoint:
        return resolved.braket_endpoint.rstrip("/") + OFFER_PATH
    return PUBLIC_OFFERS_URL
