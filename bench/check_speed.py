"""Benchmark `dsatlas check`: cold (empty cache) and warm, on generated realistic 4-plane flowcharts.

Generates N pages (default 1,000) of 10–40 nodes with multi-line labels and declared figures into a
temporary atlas, then times the real CLI. The baseline in the same run is a single-process cold check
(`--jobs 1`), so the parallel speed-up is reported as a ratio too.

    .venv/bin/python bench/check_speed.py [--pages 1000]
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PLANES = [("edge", "Edge Plane", "edgeStyle"), ("service", "Service Plane", "serviceStyle"),
          ("state", "State Plane", "stateStyle"), ("control", "Control Plane", "controlStyle")]
WORDS = ["Gateway", "Router", "Orders", "Billing", "Ledger", "Cache", "Queue", "Indexer", "Search", "Auth",
         "Profile", "Feed", "Media", "Config", "Deploy", "Metrics", "Tracing", "Scheduler", "Shard", "Replica"]
CLASSDEFS = """  classDef edgeStyle fill:#0066CC,stroke:#004C99,color:#FFFFFF
  classDef serviceStyle fill:#00AA00,stroke:#007700,color:#000000
  classDef stateStyle fill:#FF8800,stroke:#CC6600,color:#000000
  classDef controlStyle fill:#CC0000,stroke:#990000,color:#FFFFFF"""


def make_page(index: int, rng: random.Random) -> str:
    count = rng.randint(10, 40)
    nodes_by_plane: dict[str, list[str]] = {plane: [] for plane, _, _ in PLANES}
    figures = []
    lines = ["flowchart TB", f"  accTitle: Generated system {index}",
             f"  accDescr: A generated four-plane architecture with {count} components."]
    ids = []
    for number in range(count):
        plane = PLANES[number % 4][0] if number < 4 else rng.choice(PLANES)[0]
        node = f"n{number}"
        ids.append(node)
        nodes_by_plane[plane].append(node)
    body = []
    for plane, title, _style in PLANES:
        body.append(f'  subgraph {plane}["{title}"]')
        for node in nodes_by_plane[plane]:
            name = f"{rng.choice(WORDS)} {rng.choice(WORDS)}"
            label = f"{name}<br/>{rng.randint(2, 900)}K req/s<br/>p99 {rng.randint(2, 400)}ms"
            for part in label.split("<br/>")[1:]:
                figures.append(part)
            body.append(f'    {node}["{label}"]')
        body.append("  end")
    lines.extend(body)
    for number in range(1, count):
        lines.append(f"  {ids[rng.randrange(number)]} --> {ids[number]}")
    lines.append(CLASSDEFS)
    for plane, _, style in PLANES:
        if nodes_by_plane[plane]:
            lines.append(f"  class {','.join(nodes_by_plane[plane])} {style}")
    unique = list(dict.fromkeys(figures))
    fm_figures = "\n".join(
        f'  - label: "{label}"\n    means: Generated figure\n    source: bench-a\n    as_of: 2024-01\n'
        f'    confidence: A\n    locator: "section {number}"' + ("\n    operator: capacity" if number == 0 else "")
        for number, label in enumerate(unique))
    modes = "\n".join(f"  - symptom: Failure {row} of system {index} shows as errors\n    signal: bench-errors\n"
                      "    first_action: Shift traffic away from the failing zone\n"
                      "    risk: The other zones take the load and need headroom\n"
                      "    follow_up: Restart the failing service and shift traffic back" for row in range(1, 5))
    return f"""---
title: Generated system {index}
kind: mechanism
subject: gen{index}
summary: A generated page for the dsatlas check benchmark.
as_of: 2024-01
sources: [bench-a, bench-b]
figures:
{fm_figures}
failure_modes:
{modes}
---
# Generated system {index}

```mermaid
{chr(10).join(lines)}
```
"""


def build_atlas(root: Path, pages: int) -> None:
    rng = random.Random(7)
    sources = root / "data" / "sources"
    sources.mkdir(parents=True)
    for name in ("bench-a", "bench-b"):
        (sources / f"{name}.yaml").write_text(
            f"id: {name}\nurl: https://example.com/{name}\ntitle: Bench source {name}\npublisher: Bench\n"
            "published: 2024-01-01\ntype: blog\naccessed: 2026-11-26\n")
    signals = root / "data" / "signals"
    signals.mkdir(parents=True)
    (signals / "bench-errors.yaml").write_text(
        "id: bench-errors\nname: Error rate\nclass: errors\nmeasures: Share of requests that fail, per zone\n"
        "threshold:\n  condition: above 1% for 5 min\n  provenance: suggested\n"
        "  reasoning: A generated benchmark signal; nobody published it\n")
    for index in range(pages):
        folder = root / "content" / "mechanisms" / f"gen{index}"
        folder.mkdir(parents=True)
        (folder / "overview.md").write_text(make_page(index, rng))


def timed(args: list[str], root: Path) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    result = subprocess.run(args, cwd=root, capture_output=True, text=True)
    return time.perf_counter() - start, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    args = parser.parse_args()
    dsatlas = str(Path(sys.executable).parent / "dsatlas")
    workdir = Path(tempfile.mkdtemp(prefix="dsatlas-bench-"))
    try:
        build_atlas(workdir, args.pages)
        base = [dsatlas, "check", "content", "--format", "json"]
        baseline, result = timed([*base, "--no-cache", "--jobs", "1"], workdir)
        if result.returncode == 2:
            print(result.stderr)
            return 1
        shutil.rmtree(workdir / ".dsatlas-cache", ignore_errors=True)
        cold, result = timed(base, workdir)
        warm, _ = timed(base, workdir)
        startup, _ = timed([dsatlas, "--version"], workdir)
        from dsatlas.check import run_check

        start = time.perf_counter()
        in_process = run_check([workdir / "content"], workdir)
        warm_in_process = time.perf_counter() - start
        assert in_process.cached == args.pages, "the warm in-process run should be served from the cache"
        errors = result.stdout.count('"code"')
        n = args.pages
        print(f"pages: {n} generated 4-plane flowcharts (10-40 nodes), findings in cold run: {errors}")
        print(f"baseline cold, 1 process, no cache: {baseline:6.2f} s  {n / baseline:8.0f} diagrams/s")
        print(f"cold, all cores, empty cache:       {cold:6.2f} s  {n / cold:8.0f} diagrams/s  "
              f"({baseline / cold:.2f}x baseline; target >= 100/s)")
        print(f"warm, unchanged pages (CLI):        {warm:6.2f} s  {n / warm:8.0f} diagrams/s  "
              f"({baseline / warm:.1f}x baseline), of which interpreter start + imports {startup:.2f} s")
        print(f"warm, in-process (run_check only):  {warm_in_process:6.2f} s  {n / warm_in_process:8.0f} diagrams/s  "
              f"({baseline / warm_in_process:.0f}x baseline; target >= 5000/s)")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
