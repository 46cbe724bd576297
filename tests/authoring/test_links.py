"""The link checker's bounds, against a real loopback HTTP server that misbehaves on purpose.

Redirects off http(s) or onto loopback, answers trickled a byte at a time, endless bodies, Retry-After,
a Location that is not a URL, and the run's deadline. Only 127.0.0.1 is ever contacted (conftest's guard).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from pathlib import Path

import pytest

from dsatlas.authoring.links import LinkCache, check_links

from .conftest import LoopbackHandler, serving, write
from .test_sources import check_links as check_links_command

TRICKLE_GAP_S = 0.2
TRICKLE_BYTES = 300  # a minute of trickling: far beyond the caps the tests set


class Misbehaving(LoopbackHandler):
    protocol_version = "HTTP/1.1"
    log: list[tuple[float, str, str]] = []
    client_left = threading.Event()  # set when a trickling answer found the client gone
    retry_after_left = 0
    flaky_left = 0

    def _answer(self, body: bool) -> None:
        Misbehaving.log.append((time.monotonic(), self.command, self.path))
        port = self.server.server_address[1]
        redirects = {"/to-file": "file:///etc/passwd", "/to-ftp": "ftp://127.0.0.1/pub",
                     "/to-loopback": f"http://127.0.0.1:{port}/ok", "/to-nowhere": "http://[::1/broken"}
        if self.path in redirects:
            self._reply(301, headers={"Location": redirects[self.path]})
        elif self.path == "/trickle-headers":
            self._trickle(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        elif self.path == "/trickle-body" and body:
            self._trickle(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % TRICKLE_BYTES)
        elif self.path == "/endless" and body:
            self._endless()
        elif self.path in ("/trickle-body", "/endless"):
            self._reply(405)  # HEAD refused: the checker must GET, and read the body
        elif self.path == "/retry-after" and Misbehaving.retry_after_left > 0:
            Misbehaving.retry_after_left -= 1
            self._reply(503, headers={"Retry-After": "1"})
        elif self.path == "/flaky" and Misbehaving.flaky_left > 0:
            Misbehaving.flaky_left -= 1
            self._reply(503, headers={"Retry-After": "0"})
        else:
            self._reply(200, b"ok" if body else b"")

    def _reply(self, status: int, content: bytes = b"", headers: dict | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def _trickle(self, start: bytes) -> None:
        self.close_connection = True
        try:
            self.wfile.write(start)
            for _ in range(TRICKLE_BYTES):
                self.wfile.write(b"a")
                self.wfile.flush()
                time.sleep(TRICKLE_GAP_S)
        except OSError:
            Misbehaving.client_left.set()

    def _endless(self) -> None:
        self.close_connection = True
        self.wfile.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"%x\r\n%s\r\n" % (65536, b"x" * 65536)
        try:
            while True:  # until the client hangs up
                self.wfile.write(chunk)
        except OSError:
            Misbehaving.client_left.set()


@pytest.fixture
def server():
    Misbehaving.log = []
    Misbehaving.client_left = threading.Event()
    Misbehaving.retry_after_left = 1
    Misbehaving.flaky_left = 2
    with serving(Misbehaving) as port:
        yield port


def run(atlas: Path, port: int, paths: list[str], **options):
    """check_links on the loopback server's URLs, 127.0.0.1 allowed unless the options say otherwise."""
    options = {"interval": 0, "backoff": 0, "retries": 0, "allow_hosts": frozenset({"127.0.0.1"}), **options}
    urls = [f"http://127.0.0.1:{port}{path}" for path in paths]
    results = check_links(urls, LinkCache(atlas), **options)
    return {path: results[url] for path, url in zip(paths, urls, strict=True)}


def test_redirects_only_to_http_on_hosts_that_are_allowed(atlas, server):
    results = run(atlas, server, ["/to-file", "/to-ftp", "/to-loopback", "/ok"],
                  allow_hosts=frozenset({"127.0.0.1"}))
    assert "only http(s) URLs are checked, not file:" in results["/to-file"].error
    assert "only http(s) URLs are checked, not ftp:" in results["/to-ftp"].error
    assert results["/to-file"].verdict == results["/to-ftp"].verdict == "broken"
    assert results["/to-loopback"].verdict == "ok"  # 127.0.0.1 is allowed in this run
    asked = {path for _, _, path in Misbehaving.log}
    assert asked == {"/to-file", "/to-ftp", "/to-loopback", "/ok"}  # nothing fetched from file: or ftp:


def test_loopback_is_refused_unless_allowed(atlas, server):
    Misbehaving.log = []
    via_name = f"http://localhost:{server}/to-loopback"  # allowed by name; its redirect to 127.0.0.1 is not
    results = check_links([via_name, f"http://127.0.0.1:{server}/ok"], LinkCache(atlas), interval=0, retries=0,
                          allow_hosts=frozenset({"localhost"}))
    redirect = results[via_name]
    assert redirect.verdict == "broken" and redirect.final_url == f"http://127.0.0.1:{server}/ok"
    assert "a redirect to http://127.0.0.1" in redirect.error and "loopback or link-local" in redirect.error
    direct = results[f"http://127.0.0.1:{server}/ok"]
    assert direct.verdict == "broken" and "127.0.0.1 is a loopback or link-local address" in direct.error
    assert [path for _, _, path in Misbehaving.log] == ["/to-loopback"]  # the refused ones never asked


@pytest.mark.parametrize("path", ["/trickle-headers", "/trickle-body"])
def test_an_answer_trickled_a_byte_at_a_time_is_cut_off_at_the_time_cap(atlas, server, path):
    result = run(atlas, server, [path], timeout=1.0)[path]
    assert result.verdict == "broken" and result.status is None
    assert result.error == "the answer took longer than 1 s (--timeout)"
    assert Misbehaving.client_left.wait(timeout=60)  # the checker hung up; the server noticed


def test_an_endless_body_is_read_only_up_to_the_byte_cap(atlas, server):
    result = run(atlas, server, ["/endless"], timeout=30.0, max_bytes=4096)["/endless"]
    assert result.verdict == "ok" and result.status == 200, result.error
    assert Misbehaving.client_left.wait(timeout=60)


def test_retry_after_is_honoured(atlas, server):
    result = run(atlas, server, ["/retry-after"], retries=2)["/retry-after"]
    assert result.verdict == "ok" and result.attempts == 2
    starts = [at for at, _, path in Misbehaving.log if path == "/retry-after"]
    # the server asked for 1 s; it sees each request after a delay that varies with the machine's load,
    # so the gap it measures may be shorter than the client's wait (without the wait it is ~0 s)
    assert len(starts) == 2 and starts[1] - starts[0] >= 0.5, starts


def test_retries_wait_their_turn_at_the_host(atlas, server):
    """urllib3 retries at once when there is no backoff; the host's pacing still spaces them."""
    result = run(atlas, server, ["/flaky"], retries=2, interval=0.5)["/flaky"]
    assert result.verdict == "ok" and result.attempts == 3
    starts = [at for at, _, path in Misbehaving.log if path == "/flaky"]
    # 0.5 s apart when sent; the server may see one late by a loaded machine's delay, never 0.3 s early
    assert len(starts) == 3 and min(b - a for a, b in itertools.pairwise(starts)) >= 0.3


def test_a_bad_answer_for_one_url_keeps_the_results_of_the_others(atlas, server):
    for name, path in {"ok": "/ok", "weird": "/to-nowhere", "also-ok": "/also"}.items():
        write(atlas / f"data/sources/{name}.yaml", f"""\
            id: {name}
            url: http://127.0.0.1:{server}{path}
            title: "Loopback {name}"
            publisher: Test server
            published: 2024-01-01
            type: blog
            accessed: 2026-11-26
            """)
    result = check_links_command(atlas, "--interval", "0", "--format", "json", "--only", "ok", "--only", "weird",
                                 "--only", "also-ok")
    rows = {row["id"]: row for row in json.loads(result.output)}
    assert result.exit_code == 1
    assert rows["weird"]["verdict"] == "broken" and "could not be checked" in rows["weird"]["error"]
    assert rows["ok"]["verdict"] == rows["also-ok"]["verdict"] == "ok"
    remembered = LinkCache(atlas).entries
    assert remembered[f"http://127.0.0.1:{server}/ok"].ok and remembered[f"http://127.0.0.1:{server}/also"].ok


def test_the_deadline_leaves_urls_unchecked_and_says_so(atlas, server):
    results = run(atlas, server, ["/ok", "/also"], deadline=0)
    assert {result.verdict for result in results.values()} == {"unchecked"}
    assert "deadline of 0 s passed" in results["/ok"].error
    assert Misbehaving.log == []
    assert LinkCache(atlas).entries == {}  # nothing learnt, nothing remembered
