"""Benchmark `dsatlas build` and `dsatlas serve` on a generated atlas of 900 pages.

Measures, in one run:

- a full build cold (empty caches: every page checked, every diagram rendered, every page rendered by
  the engine) and warm (caches full), with the peak memory of the build's whole process tree;
- the engine alone on the same generated tree, in turns (A B A B …): MkDocs' plain `mkdocs build`
  against dsatlas's engine with empty page caches (every page rendered, on every core), as paired ratios;
- through a running `dsatlas serve`: the time from saving an edit to one page until the server returns
  the new page, and from saving a new page (the navigation changes) until it is served;
- a fresh clone's `dsatlas serve` (a copy of the atlas with no cache at all): the time until the home
  page is served, until every page is served (with placeholders), and until every diagram is drawn;
- the built pages' sizes (target: at most 150 KiB each).

    .venv/bin/python bench/site_build.py [--pages 900] [--edits 5] [--pairs 2] [--no-fresh-serve]
"""

from __future__ import annotations

import argparse
import http.client
import os
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
from site_atlas import build_atlas, make_page, save_report  # noqa: E402

DSATLAS = str(Path(sys.executable).parent / "dsatlas")


class PeakMemory:
    """The largest total memory of a process and all its descendants (proportional set size, so pages that
    Chromium's processes or forked workers share count once), sampled every 0.2 s."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak = pid, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, _tree_pss(self.pid))

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def _tree_pss(root: int) -> int:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parents[int(entry)] = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    wanted = {root}
    for pid in sorted(parents):  # children have larger pids than their parents, almost always
        if parents[pid] in wanted:
            wanted.add(pid)
    total = 0
    for pid in wanted:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as handle:
                total += sum(int(line.split()[1]) * 1024 for line in handle if line.startswith("Pss:"))
        except (OSError, ValueError):
            continue
    return total


def timed_build(root: Path) -> tuple[float, str, int]:
    """(seconds, the build's summary line, peak memory of its process tree in bytes)."""
    started = time.perf_counter()
    process = subprocess.Popen([DSATLAS, "build"], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    memory = PeakMemory(process.pid)
    out, err = process.communicate()
    seconds = time.perf_counter() - started
    peak = memory.stop()
    if process.returncode != 0:
        raise SystemExit(f"dsatlas build failed:\n{err[-3000:]}")
    return seconds, next(line for line in out.splitlines() if line.startswith("built ")), peak


ENGINE_RUN = """
import sys, time
from pathlib import Path
from dsatlas.site.engines import mkdocs_build
config, site, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
started = time.perf_counter()
if mode == "plain":
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    build(load_config(config_file=str(config), site_dir=str(site)))
else:
    mkdocs_build(config, strict=False, site_dir=site, store=None, jobs=int(mode))
print(time.perf_counter() - started)
"""


def engine_pairs(root: Path, pairs: int) -> tuple[list[float], list[float]]:
    """Seconds of MkDocs' plain build and of dsatlas's engine with no page cache (every page rendered, on
    every core), on the tree the warm build left, in turns."""
    config = root / "build" / "site-src" / "mkdocs.yml"
    jobs = str(len(os.sched_getaffinity(0)))
    plain, ours = [], []
    for number in range(pairs):
        for mode, into in (("plain", plain), (jobs, ours)):
            site = root / "build" / f"engine-bench-{mode}-{number}"
            result = subprocess.run([sys.executable, "-c", ENGINE_RUN, str(config), str(site), mode], cwd=root,
                                    capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
            if result.returncode != 0:
                raise SystemExit(f"engine run ({mode}) failed:\n{result.stderr[-3000:]}")
            into.append(float(result.stdout.split()[-1]))
            shutil.rmtree(site, ignore_errors=True)
    return plain, ours


class Serving:
    """`dsatlas serve --port 0` in a subprocess, with what it prints and its process tree's peak memory."""

    def __init__(self, root: Path) -> None:
        self.started = time.monotonic()
        self.process = subprocess.Popen([DSATLAS, "serve", "--port", "0"], cwd=root, text=True,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.memory = PeakMemory(self.process.pid)
        self.lines: queue.Queue[str] = queue.Queue()
        self.said: list[str] = []
        threading.Thread(target=lambda: [self.lines.put(line) for line in self.process.stderr], daemon=True).start()
        self.url = self.wait_for(r"serving (http://127\.0\.0\.1:\d+)/", 600).group(1)

    def wait_for(self, pattern: str, timeout: float) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.said.append(self.lines.get(timeout=max(0.01, deadline - time.monotonic())))
            except queue.Empty:
                break
            match = re.search(pattern, self.said[-1])
            if match:
                return match
        raise SystemExit(f"dsatlas serve did not print {pattern!r} in {timeout:.0f} s:\n{''.join(self.said)}")

    def until_served(self, path: str, marker: str, since: float, timeout: float = 120) -> float:
        while marker not in _fetch(self.url + path):
            if time.monotonic() - since > timeout:
                raise SystemExit(f"{marker!r} never showed up at {path}; serve said:\n{''.join(self.said)}")
            time.sleep(0.02)
        return time.monotonic() - since

    def stop(self) -> int:
        self.process.terminate()
        self.process.wait(timeout=30)
        return self.memory.stop()


def serve_edits(root: Path, pages: list[Path], edits: int, open_page=None) -> dict:
    """One-page edits and one new page through a running `dsatlas serve`.

    With `open_page` (a Playwright page), the edited page is open in Chromium before the save and the time
    is until the live-reloaded page shows the edit: what an author sees."""
    serving = Serving(root)
    try:
        visible, rebuilt = [], []
        step = max(1, len(pages) // edits)
        for number in range(edits):
            page = pages[number * step]
            html_path = "/" + page.relative_to(root / "content").with_suffix(".html").as_posix()
            marker = f"Edited for the benchmark{' in a browser' if open_page else ''}, take {number}."
            text = page.read_text()
            if open_page is not None:
                with open_page.expect_request(lambda request: "/.dsatlas/build" in request.url):
                    open_page.goto(serving.url + html_path)  # loaded, and its live-reload script is waiting
            started = time.monotonic()
            page.write_text(text.replace("Two sentences of context", f"{marker} Two sentences of context", 1))
            if open_page is not None:
                open_page.get_by_text(marker).wait_for(timeout=60_000)
                visible.append(time.monotonic() - started)
            else:
                visible.append(serving.until_served(html_path, marker, started))
            rebuilt.append(float(serving.wait_for(r"rebuilt \(\w+\) .* in ([\d.]+) s", 60).group(1)))
        report = {"visible": visible, "rebuilt": rebuilt}
        if open_page is None:  # a new page beside the last edited one: the navigation changes
            import random

            page = next((page for page in reversed(pages)  # where a view may have any name
                         if page.relative_to(root / "content").parts[0] not in ("systems", "guarantees")), pages[-1])
            new = page.with_name("added-for-the-benchmark.md")
            text = make_page(len(pages), page.parent.name, random.Random(len(pages)))
            kind = re.search(r"^kind: (.*)$", page.read_text(), re.M).group(1)
            started = time.monotonic()
            new.write_text(text.replace("kind: KIND\n", f"kind: {kind}\n", 1))
            html_path = "/" + new.relative_to(root / "content").with_suffix(".html").as_posix()
            report["new_page"] = serving.until_served(html_path, "generated view", started)
            line = serving.wait_for(r"rebuilt \(navigation\) .* in ([\d.]+) s: the engine rendered (\d+)", 60)
            report["new_page_rebuilt"], report["new_page_rendered"] = float(line.group(1)), int(line.group(2))
        return report
    finally:
        serving.stop()


def fresh_serve(root: Path, fresh: Path) -> dict:
    """A fresh clone's `dsatlas serve`: the same content and data, no cache at all."""
    shutil.copytree(root / "content", fresh / "content")
    shutil.copytree(root / "data", fresh / "data")
    started = time.monotonic()
    serving = Serving(fresh)
    try:
        home = serving.until_served("/index.html", "</html>", started)
        pages = sorted((fresh / "content").rglob("*.md"))
        placeholders = 0
        for page in pages:
            html = _fetch(serving.url + "/" + page.relative_to(fresh / "content").with_suffix(".html").as_posix())
            if "</html>" not in html:
                raise SystemExit(f"{page} was not served whole on a fresh start")
            placeholders += "dsatlas-diagram--pending" in html
        every_page = time.monotonic() - started
        serving.wait_for(r"every page has its diagram", 1800)
        drawn = time.monotonic() - started
        progress = [line.strip() for line in serving.said if line.startswith("diagrams:")]
    finally:
        peak = serving.stop()
    return {"home": home, "every_page": every_page, "placeholders_seen": placeholders, "all_drawn": drawn,
            "progress_lines": len(progress), "peak_memory": peak}


def _in_browser(root: Path, pages: list[Path], edits: int) -> list[float]:
    """serve_edits with each edited page open in Debian's Chromium, as in tests/site/test_site_browser.py."""
    from playwright.sync_api import sync_playwright

    from dsatlas.site.render import CHROMIUM_FLAGS, find_chromium

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(find_chromium()), args=CHROMIUM_FLAGS)
        try:
            return serve_edits(root, pages, edits, open_page=chromium.new_page())["visible"]
        finally:
            chromium.close()


def _fetch(url: str) -> str:
    """The page, or "" while it is not there (yet)."""
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
    parser.add_argument("--pairs", type=int, default=2, help="turns of plain MkDocs against dsatlas's engine")
    parser.add_argument("--no-fresh-serve", action="store_true", help="skip the fresh clone's serve")
    parser.add_argument("--browser", action="store_true",
                        help="also time each edit until it shows in a page open in Chromium (live reload)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="dsatlas-site-bench-"))
    root = workdir / "atlas"
    load = os.getloadavg()
    try:
        pages = build_atlas(root, args.pages)
        cold, cold_line, cold_memory = timed_build(root)
        warm, warm_line, warm_memory = timed_build(root)
        sizes = page_sizes(root)
        plain, ours = engine_pairs(root, args.pairs)
        edits = serve_edits(root, pages, args.edits)
        in_browser = _in_browser(root, pages, args.edits) if args.browser else None
        fresh = None if args.no_fresh_serve else fresh_serve(root, workdir / "fresh")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    kib = [size / 1024 for size in sizes]
    visible, rebuilt = edits["visible"], edits["rebuilt"]
    ratios = [a / b for a, b in zip(plain, ours, strict=True)]
    gib = 1024 ** 3
    report = {
        "pages": args.pages,
        "load_average_at_start": [round(value, 1) for value in load],
        "load_average_at_end": [round(value, 1) for value in os.getloadavg()],
        "cold_build_s": round(cold, 1),
        "cold_build_peak_memory_gib": round(cold_memory / gib, 2),
        "warm_build_s": round(warm, 1),
        "warm_build_peak_memory_gib": round(warm_memory / gib, 2),
        "warm_vs_cold": round(cold / warm, 1),
        "engine_plain_mkdocs_s": [round(value, 1) for value in plain],
        "engine_dsatlas_no_page_cache_s": [round(value, 1) for value in ours],
        "engine_plain_over_dsatlas": [round(value, 2) for value in ratios],
        "edit_visible_median_s": round(statistics.median(visible), 2),
        "edit_visible_max_s": round(max(visible), 2),
        "incremental_rebuild_median_s": round(statistics.median(rebuilt), 2),
        "new_page_visible_s": round(edits["new_page"], 2),
        "new_page_rebuild_s": edits["new_page_rebuilt"],
        "new_page_pages_rendered": edits["new_page_rendered"],
        "page_kib_median": round(statistics.median(kib), 1),
        "page_kib_max": round(max(kib), 1),
        "pages_over_150_kib": sum(1 for size in kib if size > 150),
        "edit_in_open_page_median_s": in_browser and round(statistics.median(in_browser), 2),
        "edit_in_open_page_max_s": in_browser and round(max(in_browser), 2),
        "fresh_serve": fresh and {key: round(value / gib, 2) if key == "peak_memory" else round(value, 1)
                                  for key, value in fresh.items()},
        "cold_build": cold_line,
        "warm_build": warm_line,
    }
    print(f"pages: {args.pages} generated; load average at start {load[0]:.1f}, at end {os.getloadavg()[0]:.1f} "
          f"({len(os.sched_getaffinity(0))} cores)")
    print(f"full build, cold (empty caches):   {cold:6.1f} s   {cold_line.split(' in ', 1)[1]} (target <= 120 s)")
    print(f"full build, warm:                  {warm:6.1f} s   ({report['warm_vs_cold']}x faster than cold; "
          "target <= 20 s)")
    print(f"peak memory, build process tree:   cold {report['cold_build_peak_memory_gib']} GiB, warm "
          f"{report['warm_build_peak_memory_gib']} GiB (target < 2 GB)")
    print(f"engine alone, every page rendered: plain MkDocs {plain} s vs dsatlas {ours} s on "
          f"{len(os.sched_getaffinity(0))} cores: ratio {report['engine_plain_over_dsatlas']} (paired)")
    print(f"serve, one-page edit to served:    median {report['edit_visible_median_s']} s, max "
          f"{report['edit_visible_max_s']} s over {args.edits} edits (target <= 1 s)")
    print(f"serve, incremental rebuild itself: median {report['incremental_rebuild_median_s']} s")
    print(f"serve, new page to served:         {report['new_page_visible_s']} s (rebuild "
          f"{report['new_page_rebuild_s']} s, the engine rendered {report['new_page_pages_rendered']} pages; "
          "target <= 5 s)")
    if in_browser:
        print(f"serve, edit to shown in open page: median {report['edit_in_open_page_median_s']} s, max "
              f"{report['edit_in_open_page_max_s']} s over {args.edits} edits (live reload in Chromium)")
    if fresh:
        print(f"fresh clone's serve:               home page served after {fresh['home']:.1f} s, every page "
              f"after {fresh['every_page']:.1f} s ({fresh['placeholders_seen']} with a placeholder; target "
              f"<= 60 s), every diagram drawn after {fresh['all_drawn']:.1f} s, peak memory "
              f"{report['fresh_serve']['peak_memory']} GiB")
    print(f"built page size: median {report['page_kib_median']} KiB, max {report['page_kib_max']} KiB, "
          f"{report['pages_over_150_kib']} over 150 KiB")
    save_report("site_build", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
