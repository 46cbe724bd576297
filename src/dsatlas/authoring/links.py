"""Check that every source's URL still answers: politely, with retries, bounded, and remembered between runs.

Politeness: requests to one host are at least `interval` seconds apart, retries included (one worker per
host, hosts in parallel). Patience: `requests` with urllib3's `Retry` retries connection errors,
timeouts, 429 and 5xx with exponential backoff and honours Retry-After (up to 30 s). Bounds: only http(s)
URLs are asked and redirects are followed hop by hop only to http(s); no connection to a loopback or
link-local address is used (`allow_hosts` names exceptions, for tests); one answer may take at most
`timeout` seconds in all (a server that trickles its answer is cut off) and at most `max_bytes` of a
body are read; the run starts no new URL after `deadline` seconds. Memory: results live in the store's
`links` table with their status and the time they were checked; a URL that answered well within
`max_age` days is not asked again unless `refresh` is set. HEAD first; servers that refuse HEAD are
asked with GET. A URL whose check fails in an unexpected way is reported broken; the others keep theirs.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

from .. import __version__
from ..store import CACHE_DIR, STORE_FILE, Store, cache_key

USER_AGENT = f"dsatlas-link-check/{__version__} (checks the sources cited by an atlas)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
BLOCKED_STATUSES = frozenset({401, 403, 429, 999})  # the server answered but will not talk to robots
MAX_RETRY_AFTER_S = 30
REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
MAX_BYTES = 65536  # of a GET body: enough to know the server is sending a page
SCHEMES = ("http", "https")


@dataclass
class LinkStatus:
    url: str
    status: int | None  # the final HTTP status; None when no answer came
    verdict: str  # "ok", "blocked" (answered, refuses robots: check by hand), "broken" or "unchecked"
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


def _decode_status(raw: bytes) -> LinkStatus:
    return LinkStatus(**json.loads(raw))


class LinkCache:
    """url → last LinkStatus, in the store's `links` table."""

    def __init__(self, root: Path):
        self.root = root
        self.path = root / CACHE_DIR / STORE_FILE
        with Store(root) as store:
            self.entries = {entry.url: entry for entry in store.all("links", _decode_status).values()}
        self._changed: set[str] = set()

    def fresh(self, url: str, now: dt.datetime, max_age_days: float) -> LinkStatus | None:
        entry = self.entries.get(url)
        if entry is None or not entry.ok:
            return None
        try:
            age = now - dt.datetime.fromisoformat(entry.checked)
        except ValueError:
            return None
        return entry if age <= dt.timedelta(days=max_age_days) else None

    def record(self, result: LinkStatus) -> None:
        if result.verdict != "unchecked":  # not asked: nothing learnt to remember
            self.entries[result.url] = result
            self._changed.add(result.url)

    def save(self) -> None:
        changed = {cache_key("link", url): json.dumps(asdict(self.entries[url])) for url in self._changed}
        with Store(self.root) as store:
            store.put("links", changed)
        self._changed.clear()


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


def refusal(url: str) -> str | None:
    """Why this URL is not asked at all (not http(s), or no host), or None. Addresses: see _peer_refusal."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in SCHEMES:
        return f"only http(s) URLs are checked, not {parts.scheme or 'a relative'}: URLs"
    if not parts.hostname:
        return "the URL has no host"
    return None


def _peer_refusal(host: str, sock: socket.socket, allow_hosts: frozenset[str]) -> str | None:
    """Why a connection just made must not be used: it reached a loopback or link-local address.

    Checked on the connected socket, not on a name looked up beforehand, so a name that resolves to a
    public address once and to 127.0.0.1 the next time is still refused.
    """
    if host.lower().strip("[]") in allow_hosts:
        return None
    address = ipaddress.ip_address(str(sock.getpeername()[0]).split("%")[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_loopback or address.is_link_local or address.is_unspecified or address.is_multicast:
        return f"{host} is a loopback or link-local address ({address}), not a public source"
    return None


# ---- the per-response time cap: a timer that cuts the socket of an answer that takes too long ----------


class _Watchdog:
    """Shuts down the sockets of the current answer once it has taken `seconds`; one per host worker."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.fired = False
        self._sockets: list[socket.socket] = []
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()

    def arm(self, seconds: float | None = None) -> None:
        self.disarm()
        with self._lock:
            self.fired = False
            self._sockets = []
            self._timer = threading.Timer(self.seconds if seconds is None else seconds, self._fire)
            self._timer.daemon = True
            self._timer.start()

    def disarm(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

    def watch(self, sock: socket.socket | None) -> None:
        with self._lock:
            if sock is not None:
                self._sockets.append(sock)
                if self.fired:
                    _shut(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)  # wakes a blocked recv in the worker thread
    except OSError:
        pass


_current = threading.local()  # .watchdog and .allow_hosts of the host worker running in this thread


def _watch(sock: socket.socket | None) -> None:
    watchdog = getattr(_current, "watchdog", None)
    if watchdog is not None:
        watchdog.watch(sock)


class _Watched:
    """Refuses a connection to a loopback or link-local peer; hands each socket to the current watchdog."""

    def _new_conn(self):
        sock = super()._new_conn()
        reason = _peer_refusal(self.host, sock, getattr(_current, "allow_hosts", frozenset()))
        if reason:
            sock.close()
            raise _Refused(None, reason)  # not an OSError: urllib3 passes it up at once, without retrying
        _watch(sock)
        return sock

    def getresponse(self, *args, **kwargs):
        _watch(self.sock)
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _Pool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _Adapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _Pool, "https": _HTTPSPool}


class _TooSlow(Exception):
    pass


class _PacedRetry(Retry):
    """urllib3's Retry (Retry-After honoured) with every retry waiting its host's turn.

    The backoff is `backoff_factor` before the first retry, doubling after (urllib3 waits 0 first), and
    an answer cut off by the watchdog is not retried.
    """

    pacer: HostPacer | None = None
    watchdog: _Watchdog | None = None

    def new(self, **kw):
        retry = super().new(**kw)
        retry.pacer, retry.watchdog = self.pacer, self.watchdog
        return retry

    def get_backoff_time(self) -> float:
        return min(self.backoff_max, self.backoff_factor * 2 ** (len(self.history) - 1)) if self.history else 0.0

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if self.watchdog is not None and self.watchdog.fired:
            raise MaxRetryError(_pool, url or "", _TooSlow())
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def sleep(self, response=None) -> None:
        if self.watchdog is not None:
            if self.watchdog.fired:
                raise MaxRetryError(None, "", _TooSlow())
            self.watchdog.disarm()  # waiting is not the server's time
        super().sleep(response)
        if self.pacer is not None:
            self.pacer.wait()
        if self.watchdog is not None:
            self.watchdog.arm()


@dataclass
class _Limits:
    retries: int
    timeout: float  # one answer, all of it
    backoff: float
    max_bytes: int
    allow_hosts: frozenset[str]
    deadline: float  # time.monotonic() after which no new URL is started


class _HostChecker:
    """Checks the URLs of one host, one request at a time, on its own session."""

    def __init__(self, interval: float, limits: _Limits):
        self.limits = limits
        self.pacer = HostPacer(interval)
        self.watchdog = _Watchdog(limits.timeout)
        retry = _PacedRetry(total=limits.retries, redirect=False, status_forcelist=RETRY_STATUSES,
                            allowed_methods=frozenset({"HEAD", "GET"}), backoff_factor=limits.backoff,
                            respect_retry_after_header=True, retry_after_max=MAX_RETRY_AFTER_S,
                            raise_on_status=False, raise_on_redirect=False)
        retry.pacer, retry.watchdog = self.pacer, self.watchdog
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "*/*"})
        self.session.trust_env = False  # no proxy from the environment: the policy applies to the real host
        adapter = _Adapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def close(self) -> None:
        self.watchdog.disarm()
        self.session.close()

    def check(self, url: str, now: Callable[[], dt.datetime]) -> LinkStatus:
        _current.watchdog, _current.allow_hosts = self.watchdog, self.limits.allow_hosts
        try:
            status, final, error, attempts = self._head_then_get(url)
        except _Refused as refused:
            status, final, error, attempts = None, refused.url, str(refused), 1
        except (requests.RequestException, Urllib3Error, OSError) as err:  # the body is read by urllib3
            status, final, attempts = None, None, self.limits.retries + 1
            error = (f"the answer took longer than {self.limits.timeout:g} s (--timeout)" if self.watchdog.fired
                     else f"{type(err).__name__}: {_reason(err)}")
        finally:
            self.watchdog.disarm()
            _current.watchdog = None
        return LinkStatus(url, status, verdict_for(status), now().isoformat(timespec="seconds"), final, error,
                          attempts)

    def _head_then_get(self, url: str) -> tuple[int, str, str | None, int]:
        status, final, attempts = self._follow(url, "HEAD")
        if status >= 400 and status not in RETRY_STATUSES:  # many servers refuse HEAD only
            status, final, more = self._follow(url, "GET")
            attempts += more
        return status, final, None, attempts

    def _follow(self, url: str, method: str) -> tuple[int, str, int]:
        """One request, following up to MAX_REDIRECTS allowed redirects; (status, final url, attempts)."""
        attempts = 0
        for _ in range(MAX_REDIRECTS + 1):
            reason = refusal(url)
            if reason:
                raise _Refused(url, reason if attempts == 0 else f"a redirect to {url} was not followed: {reason}")
            self.pacer.wait()
            self.watchdog.arm(max(0.01, min(self.limits.timeout, self.limits.deadline - time.monotonic())))
            try:
                response = self.session.request(method, url, stream=True, allow_redirects=False,
                                                timeout=(self.limits.timeout, self.limits.timeout))
            except _Refused as refused:
                raise _Refused(url, str(refused) if attempts == 0 else f"a redirect to {url} was not followed: "
                               f"{refused}") from None
            with response:
                retried = getattr(response.raw, "retries", None)
                attempts += 1 + (len(retried.history) if retried is not None else 0)
                location = response.headers.get("Location")
                if response.status_code in REDIRECTS and location:
                    url = urllib.parse.urljoin(url, location)
                    continue
                if method == "GET":
                    self._read_some(response)
                if self.watchdog.fired:  # a cut-off answer can look complete: its headers end at the cut
                    raise requests.ConnectionError("cut off by the time cap")
                return response.status_code, url, attempts
        raise requests.TooManyRedirects(f"more than {MAX_REDIRECTS} redirects")

    def _read_some(self, response: requests.Response) -> None:
        """Up to max_bytes of the body, as it arrives, until the watchdog says the answer took too long."""
        read = 0
        while read < self.limits.max_bytes:
            chunk = response.raw.read1(min(16384, self.limits.max_bytes - read))
            if not chunk:
                break
            read += len(chunk)


class _Refused(Exception):
    def __init__(self, url: str | None, reason: str):
        super().__init__(reason)
        self.url = url


def _reason(err: BaseException) -> str:
    """The innermost cause urllib3 wrapped, in one line."""
    while True:
        inner = getattr(err, "reason", None) or (err.args[0] if err.args and isinstance(err.args[0],
                                                                                         BaseException) else None)
        if not isinstance(inner, BaseException) or inner is err:
            return str(err).splitlines()[0] if str(err) else type(err).__name__
        err = inner


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
    deadline: float = 600.0,
    max_bytes: int = MAX_BYTES,
    allow_hosts: frozenset[str] = frozenset(),
) -> dict[str, LinkStatus]:
    """Check each URL once (cached answers reused), one paced worker per host; save what was learnt."""
    def now() -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    limits = _Limits(retries, timeout, backoff, max_bytes, frozenset(host.lower() for host in allow_hosts),
                     time.monotonic() + deadline)
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
        checker = _HostChecker(interval, limits)
        try:
            for url in batch:
                if time.monotonic() >= limits.deadline:
                    result = LinkStatus(url, None, "unchecked", now().isoformat(timespec="seconds"),
                                        error=f"not checked: the run's deadline of {deadline:g} s passed "
                                        "(--deadline)")
                else:
                    try:
                        result = checker.check(url, now)
                    except Exception as err:  # noqa: BLE001 - one URL's surprise must not lose the others
                        result = LinkStatus(url, None, "broken", now().isoformat(timespec="seconds"),
                                            error=f"could not be checked ({type(err).__name__}: {err})")
                with lock:
                    results[url] = result
                    cache.record(result)
                    if progress:
                        progress(len(results), total)
        finally:
            checker.close()

    if by_host:
        try:
            with ThreadPoolExecutor(max_workers=max(1, min(workers, len(by_host)))) as pool:
                for future in [pool.submit(run_host, batch) for batch in by_host.values()]:
                    future.result()
        finally:
            cache.save()  # whatever was learnt, even when interrupted
    return {url: results[url] for url in dict.fromkeys(urls)}
