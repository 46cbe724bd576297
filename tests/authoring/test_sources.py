"""`dsatlas sources`: list, unused, missing, stale, and check-links against a loopback HTTP server only."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

import pytest
from conftest import replaced
from typer.testing import CliRunner

from dsatlas.authoring.links import LinkCache
from dsatlas.cli import app

from .conftest import LoopbackHandler, serving, write

runner = CliRunner()

PAGE = """\
    ---
    title: Acme — Storage
    kind: storage
    subject: acme
    summary: A page that cites one known and one unknown source.
    as_of: 2024-12
    sources: [acme-blog-2023, acme-nowhere-2020]
    figures:
      - label: "1.2M req/s"
        means: Peak edge requests per second
        source: acme-blog-2023
        as_of: 2015-03
        confidence: A
      - label: "42M"
        means: Monthly users
        source: acme-gone-2019
        as_of: 2024-12
        confidence: A
    ---
    # Acme — Storage
    """


def sources(atlas: Path, *args: str):
    return runner.invoke(app, ["sources", *args, "--root", str(atlas)])


def check_links(atlas: Path, *args: str):
    """`sources check-links`, allowed to ask the loopback test server."""
    return sources(atlas, "check-links", "--allow-host", "127.0.0.1", "--allow-host", "localhost", *args)


def test_missing_lists_every_unknown_id_with_its_line(atlas):
    write(atlas / "content/systems/acme/storage.md", PAGE)
    write(atlas / "data/sources/acme-gone-2019.yaml", "id: acme-gone-2019\nurl: not a url\n")  # fails validation
    result = sources(atlas, "missing")
    assert result.exit_code == 1
    assert ("content/systems/acme/storage.md:7:27: sources[1] cites unknown source 'acme-nowhere-2020': add "
            "data/sources/acme-nowhere-2020.yaml") in result.output
    assert ("content/systems/acme/storage.md:16:5: figures[1].source cites unknown source 'acme-gone-2019': "
            "data/sources/acme-gone-2019.yaml exists but fails validation") in result.output
    assert "2 citation(s) of unknown sources" in result.output
    # a page that fails the schema (an unknown key) still reports what it cites
    write(atlas / "content/systems/acme/cost-breakdown.md", replaced(PAGE, "kind: storage", "kind: cost-breakdown\n"
                                                                       "    figuers: []"))
    assert "cost-breakdown.md:8:27: sources[1] cites unknown source 'acme-nowhere-2020'" in \
        sources(atlas, "missing").output


def test_unused_and_list_count_citations_from_pages_and_facts(atlas):
    write(atlas / "data/sources/acme-orphan-2022.yaml", """\
        id: acme-orphan-2022
        url: https://orphan.example.com/post
        title: "Nobody cites this"
        publisher: Example
        published: 2022-01-01
        type: blog
        accessed: 2026-11-26
        """)
    unused = sources(atlas, "unused")
    assert unused.exit_code == 1
    assert "data/sources/acme-orphan-2022.yaml: acme-orphan-2022 is cited nowhere" in unused.output
    assert "acme-blog-2023" not in unused.output  # cited by the facts files only
    listed = sources(atlas, "list", "--format", "json")
    assert listed.exit_code == 0
    counts = {row["id"]: row["cited"] for row in json.loads(listed.output)}
    # acme-blog-2023: company sources, 1 fact, 4 systems, incident sources and 3 timeline events
    assert counts == {"acme-10k-2024": 3, "acme-blog-2023": 10, "acme-news-2024": 2, "acme-orphan-2022": 0}


def test_stale_reads_partial_dates_generously_and_skips_historical_pages(atlas):
    write(atlas / "content/systems/acme/storage.md", PAGE)
    write(atlas / "content/incidents/acme-2024-01-02/timeline.md",
          replaced(PAGE, "kind: storage", "kind: incident-timeline"))
    result = sources(atlas, "stale", "--years", "5", "--today", "2026-11-26")
    assert result.exit_code == 1
    assert ("content/systems/acme/storage.md:12:5: 1.2M req/s: as_of 2015-03 is more than 5 year(s) old "
            "(source: acme-blog-2023)") in result.output
    assert "incidents/" not in result.output
    assert "1 item(s) older than 5 year(s) (as of 2026-11-26)" in result.output
    # as_of 2021 means "some time in 2021": stale only once 2021-12-31 is five years back
    assert sources(atlas, "stale", "--years", "3", "--today", "2027-12-31").exit_code == 1
    edge = sources(atlas, "stale", "--years", "12", "--today", "2027-03-31", "--format", "json")
    assert json.loads(edge.output) == [] and edge.exit_code == 0


# ---- check-links: a real HTTP server on loopback (conftest's guard refuses any other host) ---------


class Handler(LoopbackHandler):
    log: list[tuple[float, str, str, str]] = []
    flaky_left = 0

    def _answer(self, body: bool) -> None:
        Handler.log.append((time.monotonic(), self.headers.get("Host", ""), self.command, self.path))
        status, headers = 200, {}
        if self.path == "/gone":
            status = 404
        elif self.path == "/head-refused" and self.command == "HEAD":
            status = 405
        elif self.path == "/redirect":
            status, headers = 301, {"Location": "/ok"}
        elif self.path == "/flaky" and Handler.flaky_left > 0:
            Handler.flaky_left -= 1
            status, headers = 503, {"Retry-After": "0"}
        elif self.path == "/down":
            status = 503
        elif self.path == "/robots-unwelcome":
            status = 403
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", "2")
        self.end_headers()
        if body:
            self.wfile.write(b"ok")


@pytest.fixture
def server():
    Handler.log = []
    Handler.flaky_left = 2
    with serving(Handler) as port:
        yield port


def loopback_sources(atlas: Path, port: int) -> None:
    """Replace the fixture's sources with records whose URLs point at the loopback server."""
    for path in (atlas / "data/sources").glob("*.yaml"):
        path.unlink()
    paths = {"ok": "/ok", "gone": "/gone", "head-refused": "/head-refused", "redirect": "/redirect",
             "flaky": "/flaky", "robots": "/robots-unwelcome", "other-host": "/ok"}
    for name, path in paths.items():
        host = "localhost" if name == "other-host" else "127.0.0.1"
        write(atlas / f"data/sources/{name}.yaml", f"""\
            id: {name}
            url: http://{host}:{port}{path}
            title: "Loopback {name}"
            publisher: Test server
            published: 2024-01-01
            type: blog
            accessed: 2026-11-26
            """)


def test_check_links_records_status_retries_and_paces_each_host(atlas, server):
    loopback_sources(atlas, server)
    result = check_links(atlas, "--interval", "0.2", "--backoff", "0.05", "--format", "json")
    assert result.exit_code == 1, result.output  # /gone is broken
    rows = {row["id"]: row for row in json.loads(result.output)}
    assert rows["ok"]["status"] == 200 and rows["ok"]["verdict"] == "ok"
    assert rows["gone"]["status"] == 404 and rows["gone"]["verdict"] == "broken"
    assert rows["head-refused"]["status"] == 200  # asked again with GET
    assert rows["redirect"]["final_url"].endswith("/ok") and rows["redirect"]["verdict"] == "ok"
    assert rows["flaky"]["status"] == 200 and rows["flaky"]["attempts"] == 3  # two 503s, then fine
    assert rows["robots"]["verdict"] == "blocked"
    assert rows["ok"]["checked"][:4] == str(time.gmtime().tm_year)
    starts = sorted(at for at, host, _, _ in Handler.log if host.startswith("127.0.0.1"))
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    # The pacer spaces the requests it sends 0.2 s apart; the server sees each one later by a delay that
    # varies with the machine's load, so one gap alone may look short. Over the run the spacing adds up:
    # n requests span at least (n - 1) x 0.2 s; unpaced they would span a few hundredths of a second.
    assert len(starts) >= 9 and starts[-1] - starts[0] >= 0.1 * (len(starts) - 1), gaps
    assert any(host.startswith("localhost") for _, host, _, _ in Handler.log)
    assert LinkCache(atlas).entries[f"http://127.0.0.1:{server}/gone"].status == 404


def test_check_links_reuses_fresh_answers_and_rechecks_broken_ones(atlas, server):
    loopback_sources(atlas, server)
    check_links(atlas, "--interval", "0", "--backoff", "0")
    first = len(Handler.log)
    again = check_links(atlas, "--interval", "0", "--backoff", "0")
    assert again.exit_code == 1
    asked = {path for _, _, _, path in Handler.log[first:]}
    assert asked == {"/gone", "/robots-unwelcome"}  # only what did not answer well is asked again
    assert "7 link(s): 5 ok, 1 blocked, 1 broken (5 from the cache" in again.output
    assert "broken  gone: HTTP 404" in again.output
    count = len(Handler.log)
    assert check_links(atlas, "--interval", "0", "--refresh", "--only", "ok").exit_code == 0
    assert len(Handler.log) == count + 1
    listed = sources(atlas, "list")
    assert "200 ok (" in listed.output and "404 broken (" in listed.output


def test_check_links_gives_up_after_its_retries(atlas, server):
    loopback_sources(atlas, server)
    ok = (atlas / "data/sources/ok.yaml").read_text()
    write(atlas / "data/sources/down.yaml", replaced(replaced(ok, "id: ok", "id: down"), "/ok", "/down"))
    result = check_links(atlas, "--only", "down", "--retries", "1", "--backoff", "0", "--interval", "0",
                     "--format", "json")
    assert result.exit_code == 1
    row = json.loads(result.output)[0]
    assert row["status"] == 503 and row["attempts"] == 2 and row["verdict"] == "broken"
    assert check_links(atlas, "--only", "nope").exit_code == 2
