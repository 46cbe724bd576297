"""Benchmark `dsatlas build` and `dsatlas serve` on a generated atlas of 900 pages.

Measures, in one run: a full build cold (empty caches: every page checked, every diagram rendered),
the same build warm (caches full, the engine renders every page again), and through a running
`dsatlas serve`, the time from saving an edit to one page until the server returns the new page
(the watcher's poll, the rebuild and the engine's incremental build). Ratios are against the cold
build of the same run. Also reports the built pages' sizes (target: at most 150 KB each).

    .venv/bin/python bench/site_build.py [--pages 900] [--edits 5]
"""

from __future__ import annotations

import argparse
import http.client
import queue
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from site_atlas import build_atlas, save_report  # noqa: E402

DSATLAS = str(Path(sys.executable).parent / "dsatlas")


def timed_build(root: Path) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run([DSATLAS, "build"], cwd=root, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"dsatlas build failed:\n{result.stderr[-3000:]}")
    return seconds, next(line for line in result.stdout.splitlines() if line.startswith("built "))


def serve_edits(root: Path, pages: list[Path], edits: int, open_page=None) -> tuple[list[float], list[float]]:
    """(seconds from save to the new page being served, seconds the server says the rebuild took).

    With `open_page` (a Playwright page), the edited page is open in Chromium before the save and the first
    figure is the time until the live-reloaded page shows the edit: what an author sees."""
    process = subprocess.Popen([DSATLAS, "serve", "--port", "0"], cwd=root, text=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    lines: queue.Queue[str] = queue.Queue()
    said: list[str] = []
    threading.Thread(target=lambda: [lines.put(line) for line in process.stderr], daemon=True).start()

    def wait_for(pattern: str, timeout: float) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                said.append(lines.get(timeout=max(0.01, deadline - time.monotonic())))
            except queue.Empty:
                break
            match = re.search(pattern, said[-1])
            if match:
                return match
        raise SystemExit(f"dsatlas serve did not print {pattern!r} in {timeout:.0f} s:\n{''.join(said)}")

    try:
        url = wait_for(r"serving (http://127\.0\.0\.1:\d+)/", 600).group(1)
        visible, rebuilt = [], []
        step = max(1, len(pages) // edits)
        for number in range(edits):
            page = pages[number * step]
            html_path = "/" + page.relative_to(root / "content").with_suffix(".html").as_posix()
            marker = f"Edited for the benchmark{' in a browser' if open_page else ''}, take {number}."
            text = page.read_text()
            if open_page is not None:
                with open_page.expect_request(lambda request: "/.dsatlas/build" in request.url):
                    open_page.goto(url + html_path)  # loaded, and its live-reload script is waiting
            started = time.monotonic()
            page.write_text(text.replace("Two sentences of context", f"{marker} Two sentences of context", 1))
            if open_page is not None:
                open_page.get_by_text(marker).wait_for(timeout=60_000)
            while open_page is None and marker not in _fetch(url + html_path):
                if time.monotonic() - started > 60:
                    while not lines.empty():
                        said.append(lines.get())
                    raise SystemExit(f"the edit to {page} never showed up; serve said:\n{''.join(said)}")
                time.sleep(0.02)
            visible.append(time.monotonic() - started)
            rebuilt.append(float(wait_for(r"rebuilt \(incremental\) .* in ([\d.]+) s", 30).group(1)))
        return visible, rebuilt
    finally:
        process.terminate()
        process.wait(timeout=30)


def _in_browser(root: Path, pages: list[Path], edits: int) -> list[float]:
    """serve_edits with each edited page open in Debian's Chromium, as in tests/site/test_site_browser.py."""
    from playwright.sync_api import sync_playwright

    from dsatlas.site.render import CHROMIUM_FLAGS, find_chromium

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(find_chromium()), args=CHROMIUM_FLAGS)
        try:
            return serve_edits(root, pages, edits, open_page=chromium.new_page())[0]
        finally:
            chromium.close()


def _fetch(url: str) -> str:
    """The page, or "" while the engine is rewriting it (MkDocs writes HTML in place, not atomically)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.read().decode()
    except (http.client.IncompleteRead, urllib.error.URLError, ConnectionError):
        return ""


def page_sizes(root: Path) -> list[int]:
    return [(root / "site" / path.relative_to(root / "content").with_suffix(".html")).stat().st_size
            for path in (root / "content").rglob("*.md")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=900)
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--browser", action="store_true",
                        help="also time each edit until it shows in a page open in Chromium (live reload)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="dsatlas-site-bench-"))
    root = workdir / "atlas"
    try:
        pages = build_atlas(root, args.pages)
        cold, cold_line = timed_build(root)
        warm, warm_line = timed_build(root)
        sizes = page_sizes(root)
        visible, rebuilt = serve_edits(root, pages, args.edits)
        in_browser = _in_browser(root, pages, args.edits) if args.browser else None
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    kib = [size / 1024 for size in sizes]
    report = {
        "pages": args.pages,
        "cold_build_s": round(cold, 1),
        "warm_build_s": round(warm, 1),
        "warm_vs_cold": round(cold / warm, 1),
        "edit_visible_median_s": round(statistics.median(visible), 2),
        "edit_visible_max_s": round(max(visible), 2),
        "incremental_rebuild_median_s": round(statistics.median(rebuilt), 2),
        "incremental_vs_cold": round(cold / statistics.median(rebuilt)),
        "page_kib_median": round(statistics.median(kib), 1),
        "page_kib_max": round(max(kib), 1),
        "pages_over_150_kib": sum(1 for size in kib if size > 150),
        "edit_in_open_page_median_s": in_browser and round(statistics.median(in_browser), 2),
        "edit_in_open_page_max_s": in_browser and round(max(in_browser), 2),
        "cold_build": cold_line,
        "warm_build": warm_line,
    }
    print(f"pages: {args.pages} generated (4-plane flowcharts of 12-24 nodes, 6-20 figures each)")
    print(f"full build, cold (empty caches):   {cold:6.1f} s   {cold_line.split(' in ', 1)[1]}")
    print(f"full build, warm:                  {warm:6.1f} s   ({report['warm_vs_cold']}x faster than cold; "
          "target <= 30 s)")
    print(f"serve, one-page edit to served:    median {report['edit_visible_median_s']} s, max "
          f"{report['edit_visible_max_s']} s over {args.edits} edits (target <= 2 s)")
    if in_browser:
        print(f"serve, edit to shown in open page: median {report['edit_in_open_page_median_s']} s, max "
              f"{report['edit_in_open_page_max_s']} s over {args.edits} edits (live reload in Chromium)")
    print(f"serve, incremental rebuild itself: median {report['incremental_rebuild_median_s']} s "
          f"({report['incremental_vs_cold']}x faster than the cold build)")
    print(f"built page size: median {report['page_kib_median']} KiB, max {report['page_kib_max']} KiB, "
          f"{report['pages_over_150_kib']} over 150 KiB")
    save_report("site_build", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
