# ruff: noqa: F811 - the fixtures come from sitekit (see its docstring), so pytest arguments shadow them
"""`dsatlas serve` over real HTTP on loopback: incremental rebuilds (also when the navigation changes),
and drafts that show an author's problems instead of stopping the server."""

from __future__ import annotations

import json
import re
import time
import urllib.request

import pytest
from sitekit import ARCHITECTURE, STORAGE, Server, built, copy_atlas, edit, replaced  # noqa: F401

from dsatlas.site.pages import PENDING_FIGURE


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def _until(url: str, text: str, present: bool = True, timeout: float = 60.0) -> None:
    """Poll `url` until `text` is on it (or, with present=False, gone from it); a generous timeout, no timing.
    How fast an edit shows up is measured in bench/, not asserted here."""
    deadline = time.monotonic() + timeout
    while (text in _get(url)) != present:
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} {'never appeared at' if present else 'never left'} {url}")
        time.sleep(0.05)


@pytest.fixture
def served(tmp_path, built):
    running = Server(copy_atlas(tmp_path / "atlas", render_cache_from=built[0]))
    yield running
    running.stop()


def _pages_in_search(url: str) -> set[str]:
    index = json.loads(_get(url + "/search/search_index.json"))
    return {entry["location"].split("#", 1)[0] for entry in index["docs"]}


def test_an_edit_rebuilds_one_page_and_keeps_the_whole_search_index(served):
    before = _pages_in_search(served.url)
    edit(served.root / STORAGE, "How Acme keeps its orders.", "How Acme keeps its orders on two disks.")
    _until(served.url + "/systems/acme/storage.html", "orders on two disks")
    served.wait_for(r"rebuilt \(incremental\) 1 page\(s\)", 60)
    assert _pages_in_search(served.url) == before
    assert "orders on two disks" in _get(served.url + "/search/search_index.json")


def test_a_new_page_rebuilds_the_navigation(served):
    new = served.root / "content" / "systems" / "acme" / "request-flow-v2.md"
    new.write_text(replaced((served.root / "content" / "systems" / "acme" / "request-flow.md").read_text(),
                            "title: Acme fixture — request-flow", "title: Acme fixture — request flow, take two"))
    served.wait_for(r"rebuilt \(navigation\)", 60)
    assert "request flow, take two" in _get(served.url + "/systems/acme/index.html")
    assert "request-flow-v2.html" in _get(served.url + "/systems/acme/architecture.html")  # nav on every page


def test_a_failing_edit_shows_its_problem_on_the_page_and_the_server_keeps_going(served):
    edit(served.root / ARCHITECTURE, "signal: fx-envoy-5xx-rate-1", "signal: fx-no-such-signal")
    _until(served.url + "/systems/acme/architecture.html", "Draft: this page does not pass")
    served.wait_for(r"draft: content/systems/acme/architecture\.md:\d+:\d+: ATL703", 60)
    edit(served.root / ARCHITECTURE, "signal: fx-no-such-signal", "signal: fx-envoy-5xx-rate-1")
    _until(served.url + "/systems/acme/architecture.html", "Draft: this page does not pass", present=False)


def test_a_fresh_clone_is_served_at_once_with_placeholders_until_its_diagrams_are_drawn(tmp_path):
    running = Server(copy_atlas(tmp_path / "atlas"))  # no render cache: every diagram is still to draw
    try:
        assert any(re.search(r"\d+ diagram\(s\) to draw", line) for line in running.log), running.log
        page = _get(running.url + "/systems/acme/storage.html")
        assert "dsatlas-diagram--pending" in page and PENDING_FIGURE.split(":")[0] in page
        assert "How Acme keeps its orders." in page  # the rest of the page is there
        _until(running.url + "/systems/acme/storage.html", "dsatlas-diagram--pending", present=False, timeout=180)
        assert "<svg" in _get(running.url + "/systems/acme/storage.html")
        running.wait_for(r"diagrams: \d+ of \d+ drawn, every page has its diagram", 180)
    finally:
        running.stop()


def test_while_serving_the_cycle_collector_waits_for_a_quiet_moment(monkeypatch):
    """Full collections during a rebuild cost 0.1–0.4 s of an edit's time at 900 pages (docs/site.md):
    the server turns automatic collection off, collects once the atlas has been quiet after a rebuild, and
    gives collection back when it stops."""
    import gc

    from dsatlas.site import serve

    monkeypatch.setattr(serve, "COLLECT_IDLE_S", 0.2)
    collections = []

    def count(phase: str, info: dict) -> None:
        if phase == "start" and info["generation"] == 2:
            collections.append(info)

    gc.callbacks.append(count)
    try:
        collector = serve._IdleCollector()
        assert not gc.isenabled()
        collector.idle()
        assert collections == []  # nothing was rebuilt: nothing to collect
        collector.rebuilt()
        collector.idle()
        assert collections == []  # too soon: an author may be saving again
        time.sleep(0.25)
        collector.idle()
        collector.idle()
        assert len(collections) == 1
        collector.close()
        assert gc.isenabled()
    finally:
        gc.callbacks.remove(count)
        gc.enable()
