"""A tiny atlas for the authoring tests: two sources, one company's facts, one incident's facts."""

from __future__ import annotations

import ipaddress
import socket
import textwrap
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

SOURCES = {
    "acme-blog-2023": """\
        id: acme-blog-2023
        url: https://engineering.example.com/acme-edge-2023
        title: "How Acme serves its edge traffic"
        publisher: Acme Engineering Blog
        published: 2023-04-12
        type: blog
        accessed: 2026-11-26
        """,
    "acme-10k-2024": """\
        id: acme-10k-2024
        url: https://investors.example.com/acme-10k-2024
        title: "Acme Corp Form 10-K 2024"
        publisher: Acme Corp
        published: 2025-02-01
        type: filing
        accessed: 2026-11-26
        """,
    "acme-news-2024": """\
        id: acme-news-2024
        url: https://news.example.com/acme-outage
        title: "Acme outage report"
        publisher: Example News
        published: 2024-01-03
        type: news
        accessed: 2026-11-26
        """,
}

COMPANY = """\
    slug: acme
    name: Acme
    summary: A fictional company that runs a global marketplace for the dsatlas tests.
    sources: [acme-blog-2023, acme-10k-2024]
    facts:
      peak_rps:
        value: "1.2M req/s"
        means: Peak edge requests per second through the Edge proxy
        source: acme-blog-2023
        as_of: 2023-03
        confidence: A
      monthly_users:
        value: "42M"
        means: Monthly active users at year end
        source: acme-10k-2024
        as_of: 2024-12
        confidence: A
      infrastructure_cost_2024:
        value: "$310M"
        means: Cost of hosting and infrastructure for fiscal year 2024
        source: acme-10k-2024
        as_of: 2024-12
        confidence: A
    systems:
      - name: Edge proxy
        plane: edge
        what: Envoy-based edge proxy fleet
        technology: Envoy
        since: "2019"
        source: acme-blog-2023
      - name: Orders API 2
        plane: service
        what: The second-generation order service
        since: "2021"
        source: acme-blog-2023
      - name: Ledger
        plane: state
        what: Order ledger, the source of truth for payments
        technology: MySQL 8.0
        since: "2021"
        source: acme-blog-2023
      - name: Deployer
        plane: control
        what: Continuous delivery for every service
        source: acme-blog-2023
    regions: [us-east-1, eu-west-1]
    """

INCIDENT = """\
    slug: acme-2024-01-02
    title: Acme checkout outage
    company: acme
    date: 2024-01-02
    source_timezone: America/Los_Angeles
    started: 2024-01-02T23:27:00Z
    detected: 2024-01-02T23:40:00Z
    mitigated: 2024-01-03T00:36:00Z
    resolved: 2024-01-03T18:14:00Z
    trigger: A config push removed 300 GB of cache capacity.
    root_cause: The push was not canaried.
    contributing_factors: [No canary stage for config pushes.]
    impact:
      summary: Checkout failed for most users for most of a day.
      duration_minutes: 1127
    timeline:
      - at: 2024-01-02T17:20:00Z
        phase: trigger
        event: An engineer prepares the config change.
        source: acme-blog-2023
      - at: 2024-01-02T23:27:00Z
        phase: trigger
        event: The push lands and 300 GB of cache disappears.
        actor: Deploy bot
        source: acme-blog-2023
      - at: 2024-01-03T00:36:00Z
        phase: mitigation
        event: The push is rolled back.
        source: acme-news-2024
      - at: 2024-01-03T18:14:00Z
        phase: resolution
        event: Checkout is healthy again.
        source: acme-blog-2023
    sources: [acme-blog-2023, acme-news-2024]
    """


SIGNAL = """\
    id: acme-p99
    name: Order API p99 latency
    class: latency
    measures: 99th percentile latency of the Order API, per region
    threshold:
      condition: above 200 ms for 5 min
      provenance: suggested
      reasoning: Acme publishes no alert level; 200 ms is twice the normal p99
    """


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def atlas(tmp_path: Path) -> Path:
    """An atlas root with data/ only: sources, company facts for `acme`, incident facts."""
    for source_id, text in SOURCES.items():
        write(tmp_path / "data" / "sources" / f"{source_id}.yaml", text)
    write(tmp_path / "data" / "companies" / "acme.yaml", COMPANY)
    write(tmp_path / "data" / "incidents" / "acme-2024-01-02.yaml", INCIDENT)
    write(tmp_path / "data" / "signals" / "acme-p99.yaml", SIGNAL)
    (tmp_path / "content").mkdir()
    return tmp_path


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Any connection to a non-loopback address fails the test instead of leaving the machine.

    Recorded as well as raised: the link checker turns a surprise into a "broken" verdict.
    """
    real_connect = socket.socket.connect
    tried: list[object] = []

    def connect(self, address):
        host = address[0] if isinstance(address, tuple) else None
        if host is not None and not ipaddress.ip_address(socket.gethostbyname(host)).is_loopback:
            tried.append(address)
            raise AssertionError(f"test tried to reach {address}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    yield
    assert tried == [], f"the test tried to reach {tried}"


class LoopbackHandler(BaseHTTPRequestHandler):
    """A test server's handler: HEAD and GET both go to `_answer(body)`; nothing is logged."""

    def _answer(self, body: bool) -> None:
        raise NotImplementedError

    def do_HEAD(self):  # noqa: N802 - http.server's naming
        self._answer(body=False)

    def do_GET(self):  # noqa: N802
        self._answer(body=True)

    def log_message(self, *args):
        pass


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[int]:
    """A real HTTP server on 127.0.0.1 in a thread; yields its port."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()
