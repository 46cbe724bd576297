"""Check that every source's URL still answers: politely, with retries, and remembered between runs.

Politeness: requests to one host are at least `interval` seconds apart (one worker per host, hosts in
parallel). Patience: connection errors, timeouts, 429 and 5xx are retried with exponential backoff
(a short Retry-After is honoured). Memory: results live in `.dsatlas-cache/links.json` with their
status and the time they were checked; a URL that answered well within `max_age` days is not asked
again unless `refresh` is set. HEAD first; servers that refuse HEAD are asked with GET.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from .. import __version__
from ..cache import CACHE_DIR
from ..util import write_atomic

CACHE_FILE = "links.json"
USER_AGENT = f"dsatlas-link-check/{__version__} (checks the sources cited by an atlas)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
BLOCKED_STATUSES = frozenset({401, 403, 429, 999})  # the server answered but will not talk to robots
MAX_RETRY_AFTER_S = 30.0


@dataclass
class LinkStatus:
    url: str
    status: int | None  # the final HTTP status; None when no answer came
    verdict: str  # "ok", "blocked" (answered, refuses robots: check by hand) or "broken"
    checked: str  # ISO timestamp (UTC) of the check
    final_url: str | None = None  # where redirects ended
    error: str | None = None
    attempts: int = 1

    @property
    def ok(self) -> bool:
        return self.verdict == "ok"


def verdict_for(status: int | None) -> str:
    if status is not None and status < 400:
        return "ok"
    if status in BLOCKED_STATUSES:
        return "blocked"
    return "broken"


class LinkCache:
    """`.dsatlas-cache/links.json`: url → last LinkStatus, written atomically."""

    def __init__(self, root: Path):
        self.path = root / CACHE_DIR / CACHE_FILE
        self.entries: dict[str, LinkStatus] = {}
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            self.entries = {url: LinkStatus(**entry) for url, entry in raw.items()}
        except (OSError, ValueError, TypeError):
            self.entries = {}  # no cache yet, or an unreadable one: start afresh

    def fresh(self, url: str, now: dt.datetime, max_age_days: float) -> LinkStatus | None:
        entry = self.entries.get(url)
        if entry is None or not entry.ok:
            return None
        try:
            age = now - dt.datetime.fromisoformat(entry.checked)
        except ValueError:
            return None
        return entry if age <= dt.timedelta(days=max_age_days) else None

    def save(self) -> None:
        data = {url: asdict(entry) for url, entry in sorted(self.entries.items())}
        write_atomic(self.path, json.dumps(data, indent=1) + "\n")


class HostPacer:
    """Spaces the requests to one host at least `interval` seconds apart."""

    def __init__(self, interval: float):
        self.interval = interval
        self._next = 0.0

    def wait(self) -> None:
        delay = self._next - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        self._next = time.monotonic() + self.interval


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are followed by `_fetch`, so each hop waits its turn like any other request."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)
REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5


def _fetch(url: str, method: str, timeout: float, pacer: HostPacer) -> tuple[int, str, dict]:
    """One request, following up to MAX_REDIRECTS redirects; returns (status, final url, headers)."""
    for _ in range(MAX_REDIRECTS + 1):
        pacer.wait()
        request = urllib.request.Request(url, method=method, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
        try:
            with _OPENER.open(request, timeout=timeout) as response:
                if method == "GET":
                    response.read(65536)
                return response.status, url, dict(response.headers)
        except urllib.error.HTTPError as err:
            headers = dict(err.headers or {})
            location = next((v for k, v in headers.items() if k.lower() == "location"), None)
            if err.code not in REDIRECTS or not location:
                return err.code, url, headers
            url = urllib.parse.urljoin(url, location)
    raise urllib.error.URLError(f"more than {MAX_REDIRECTS} redirects")


def check_url(url: str, pacer: HostPacer, retries: int, timeout: float, backoff: float,
              now: Callable[[], dt.datetime]) -> LinkStatus:
    attempts = 0
    status: int | None = None
    final: str | None = None
    error: str | None = None
    while True:
        attempts += 1
        retry_after = 0.0
        try:
            status, final, headers = _fetch(url, "HEAD", timeout, pacer)
            if status >= 400 and status not in RETRY_STATUSES:  # many servers refuse HEAD only
                status, final, headers = _fetch(url, "GET", timeout, pacer)
            error = None
            retry_after = _retry_after(headers)
        except (TimeoutError, urllib.error.URLError, ConnectionError, OSError, ValueError) as err:
            reason = getattr(err, "reason", err)
            status, final, error = None, None, f"{type(err).__name__}: {reason}"
        transient = status is None or status in RETRY_STATUSES
        if not transient or attempts > retries:
            break
        time.sleep(max(retry_after, backoff * 2 ** (attempts - 1)))
    return LinkStatus(url, status, verdict_for(status), now().isoformat(timespec="seconds"), final, error, attempts)


def _retry_after(headers: dict) -> float:
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    try:
        return min(float(value), MAX_RETRY_AFTER_S) if value is not None else 0.0
    except ValueError:
        return 0.0


def check_links(
    urls: list[str],
    cache: LinkCache,
    interval: float = 1.0,
    retries: int = 2,
    timeout: float = 15.0,
    backoff: float = 1.0,
    max_age_days: float = 7.0,
    refresh: bool = False,
    workers: int = 8,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, LinkStatus]:
    """Check each URL once (cached answers reused), one paced worker per host; save the cache."""
    def now() -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    results: dict[str, LinkStatus] = {}
    by_host: dict[str, list[str]] = {}
    for url in dict.fromkeys(urls):
        cached = None if refresh else cache.fresh(url, now(), max_age_days)
        if cached is not None:
            results[url] = cached
        else:
            by_host.setdefault(urllib.parse.urlsplit(url).netloc.lower(), []).append(url)
    total = len(results) + sum(len(batch) for batch in by_host.values())
    lock = threading.Lock()
    if progress:
        progress(len(results), total)

    def run_host(batch: list[str]) -> None:
        pacer = HostPacer(interval)
        for url in batch:
            result = check_url(url, pacer, retries, timeout, backoff, now)
            with lock:
                results[url] = result
                cache.entries[url] = result
                if progress:
                    progress(len(results), total)

    if by_host:
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(by_host)))) as pool:
            for future in [pool.submit(run_host, batch) for batch in by_host.values()]:
                future.result()
        cache.save()
    return {url: results[url] for url in dict.fromkeys(urls)}
