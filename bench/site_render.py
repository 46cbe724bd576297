"""Benchmark diagram rendering: dsatlas's renderer against `mmdc` run once per diagram, in the same run.

`mmdc` (@mermaid-js/mermaid-cli, a dev dependency; its browser download is skipped) is pointed at
Debian's /usr/bin/chromium through a puppeteer config, and invoked once per diagram as users commonly
do. dsatlas's renderer is timed from a cold start (browser launch and Mermaid load included) on the same
diagrams, then warm on another sample. Both render to SVG files/strings; nothing is cached.

    .venv/bin/python bench/site_render.py [--sample 20]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from site_atlas import build_atlas, save_report  # noqa: E402

from dsatlas.loader import load_page  # noqa: E402
from dsatlas.site.render import CHROMIUM_FLAGS, DiagramRenderer, RenderJob, find_chromium  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MMDC = ROOT / "node_modules" / ".bin" / "mmdc"


def sample_diagrams(workdir: Path, count: int) -> list[str]:
    pages = build_atlas(workdir / "atlas", count)
    texts = []
    for path in pages:
        page = load_page(path, workdir / "atlas")
        texts.append(page.diagram.text)
    return texts


def time_ours(texts: list[str]) -> tuple[float, float]:
    """(seconds for the sample from a cold start, seconds per diagram warm on a second sample)."""
    started = time.perf_counter()
    renderer = DiagramRenderer()
    try:
        svgs, failures = renderer.render([RenderJob(renderer.key(text), text, "bench", 1) for text in texts])
        cold = time.perf_counter() - started
        assert not failures and len(svgs) == len(set(texts)), failures
        warm_texts = [text + "\n  %% warm" for text in texts]
        started = time.perf_counter()
        svgs, failures = renderer.render([RenderJob(renderer.key(text), text, "bench", 1) for text in warm_texts])
        warm = (time.perf_counter() - started) / len(texts)
        assert not failures
    finally:
        renderer.close()
    return cold, warm


def time_mmdc(texts: list[str], workdir: Path) -> list[float]:
    config = workdir / "puppeteer.json"
    config.write_text(json.dumps({"executablePath": str(find_chromium()), "args": CHROMIUM_FLAGS}))
    seconds = []
    for number, text in enumerate(texts):
        source, target = workdir / f"d{number}.mmd", workdir / f"d{number}.svg"
        source.write_text(text)
        started = time.perf_counter()
        result = subprocess.run([str(MMDC), "--quiet", "-p", str(config), "-i", str(source), "-o", str(target)],
                                capture_output=True, text=True)
        seconds.append(time.perf_counter() - started)
        if result.returncode != 0 or not target.is_file():
            raise SystemExit(f"mmdc failed on diagram {number}: {result.stderr.strip()}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=50, help="diagrams to render with each tool")
    args = parser.parse_args()
    if not MMDC.exists():
        print("mmdc is missing: run `make setup` (npm ci installs @mermaid-js/mermaid-cli)", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="dsatlas-render-bench-"))
    try:
        texts = sample_diagrams(workdir, args.sample)
        cold, warm = time_ours(texts)
        mmdc = time_mmdc(texts, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    n = len(texts)
    ours_per = cold / n
    mmdc_per = statistics.mean(mmdc)
    version = subprocess.run([str(MMDC), "--version"], capture_output=True, text=True).stdout.strip()
    report = {
        "diagrams": n,
        "dsatlas_cold_total_s": round(cold, 2),
        "dsatlas_cold_per_diagram_s": round(ours_per, 3),
        "dsatlas_warm_per_diagram_s": round(warm, 3),
        "mmdc_version": version,
        "mmdc_per_diagram_s": round(mmdc_per, 3),
        "mmdc_median_s": round(statistics.median(mmdc), 3),
        "speedup_cold": round(mmdc_per / ours_per, 1),
        "speedup_warm": round(mmdc_per / warm, 1),
    }
    print(f"diagrams: {n} generated 4-plane flowcharts (12-40 nodes)")
    print(f"dsatlas, cold start (browser + Mermaid load included): {cold:6.2f} s  = {ours_per:.3f} s per diagram")
    print(f"dsatlas, browser already running:                        {warm:.3f} s per diagram")
    print(f"mmdc {version}, once per diagram:                      {mmdc_per:.3f} s per diagram "
          f"(median {statistics.median(mmdc):.3f} s)")
    print(f"ratio: dsatlas is {report['speedup_cold']}x faster per diagram cold, {report['speedup_warm']}x warm "
          "(target >= 8x)")
    save_report("site_render", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
