"""A generated atlas for the site benchmarks: N pages (default 900) that pass every gate.

Pages look like the real ones: 4-plane flowcharts of 12–24 nodes (mostly chained, so they read at
page width) with two-line labels, half of them
carrying a figure (6–20 declared figures a page; the real pages have 7–26), 4–5 failure modes on one
shared signal, an operator figure,
tags and `related` links, spread over the plan's categories and subjects, plus the company facts the
systems pages need.

    .venv/bin/python bench/site_atlas.py OUT_DIR [--pages 900]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from check_speed import CLASSDEFS, PLANES, WORDS  # noqa: E402

from dsatlas.profiles import GUARANTEE_VIEWS  # noqa: E402

SYSTEM_KINDS = ["request-flow", "scale-evolution", "novel-solutions", "production-ops"]
OTHER = [("guarantees", "guarantee"), ("mechanisms", "mechanism"), ("patterns", "pattern"),
         ("performance", "performance"), ("debugging", "debugging"), ("migrations", "migration"),
         ("capacity", "capacity"), ("comparisons", "comparison"), ("decisions", "decision")]
TAGS = ["caching", "replication", "consensus", "sharding", "queues", "latency", "failover", "multi-region",
        "storage", "load-balancing", "observability", "cost", "backpressure", "idempotency", "streaming"]
COMPANIES = 32
PAGES_PER_SUBJECT = 6


SYMPTOMS = ["p99 latency spike", "replication lag grows", "split brain after failover", "queue backlog grows",
            "cache hit ratio drops", "5xx errors climb", "connection pool exhausted", "disk fills up",
            "leader election loops", "retry storm", "hot shard", "clock skew alarms"]


CONTEXT = ("Requests enter at the edge, where the load balancers spread them over the zones and drop the ones "
           "that arrive after the client has already given up. The service plane holds the stateless workers; "
           "each one keeps a small pool of connections to the state plane and refuses new work when that pool "
           "is exhausted, so a slow database shows up first as queueing in front of the workers. The state "
           "plane keeps every write on three replicas in different zones and acknowledges after two of them, "
           "which is why losing one zone costs latency but no data. The control plane watches the error rate "
           "and the queue depth, moves traffic away from a zone that fails its health checks and scales the "
           "workers when the queue keeps growing for several minutes. The numbers on the drawing are the peak "
           "rates and the latency budgets that the operators plan for, each one declared with its source below. "
           "Where the arrows bend back, a retry can multiply the load, so the budget for retries is as "
           "important as the budget for requests.")


def _context(index: int) -> str:
    """About 170 words (the depth gate wants 150–300 for some kinds), a little different on every page."""
    return f"In view {index}, {CONTEXT[0].lower()}{CONTEXT[1:]}"


def make_page(index: int, subject: str, rng: random.Random) -> str:
    """One page that passes every gate: every number on the diagram is a declared figure."""
    count = rng.randint(12, 24)
    planes: dict[str, list[str]] = {plane: [] for plane, _, _ in PLANES}
    for number in range(count):
        planes[PLANES[number % 4][0] if number < 4 else rng.choice(PLANES)[0]].append(f"n{number}")
    figures: list[str] = []
    lines = ["flowchart TB", f"  accTitle: {subject} view {index}",
             f"  accDescr: A generated four-plane system with {count} components.",
             '  limit["client timeout 2 s"]']
    for plane, title, _style in PLANES:
        lines.append(f'  subgraph {plane}["{title}"]')
        for node in planes[plane]:
            label = f"{rng.choice(WORDS)} {rng.choice(WORDS)}"
            if rng.random() < 0.5:
                figure = (f"{rng.randint(2, 900)}K req/s" if rng.random() < 0.5 else f"p99 {rng.randint(2, 400)}ms")
                figures.append(figure)
                label += f"<br/>{figure}"
            lines.append(f'    {node}["{label}"]')
        lines.append("  end")
    nodes = [node for members in planes.values() for node in members]
    for number in range(1, count):  # mostly a chain, so the drawing grows down the page, not across it
        source = nodes[number - 1] if rng.random() < 0.7 else nodes[rng.randrange(number)]
        lines.append(f"  {source} --> {nodes[number]}")
    for _ in range(2):  # two cross links, so no two generated pages share one shape (ATL931)
        first, second = sorted(rng.sample(range(count), 2))
        lines.append(f"  {nodes[first]} -.-> {nodes[second]}")
    lines.append(CLASSDEFS)
    lines += [f"  class {','.join(members)} {style}" for (plane, _, style) in PLANES
              if (members := planes[plane])]
    declared = "\n".join(f'  - label: "{label}"\n    means: Generated figure {label} of view {index}\n'
                         f'    source: bench-a\n    as_of: 2024-01\n    confidence: A\n    locator: "section {number}"'
                         for number, label in enumerate(["client timeout 2 s", *dict.fromkeys(figures)]))
    declared = declared.replace("    locator: \"section 0\"", "    locator: \"section 0\"\n    operator: limit", 1)
    modes = "\n".join(f"  - symptom: {symptom} in view {index}\n    signal: bench-errors\n"
                      "    first_action: Shift traffic away from the failing zone\n"
                      "    risk: The other zones take the load and need headroom\n"
                      "    follow_up: Restart the failing service and shift traffic back"
                      for symptom in rng.sample(SYMPTOMS, rng.randint(4, 5)))
    title = f"{subject.title()} — generated view {index}"
    return f"""---
title: {title}
kind: KIND
subject: {subject}
summary: A generated page for the dsatlas site benchmark, shaped like the real pages.
as_of: 2024-01
sources: [bench-a, bench-b]
figures:
{declared}
failure_modes:
{modes}
---
# {title}

Two sentences of context, as on a real page. They say what the view shows and why it matters at night.
{_context(index)}

```mermaid
{chr(10).join(lines)}
```
"""


def build_atlas(root: Path, pages: int, seed: int = 7) -> list[Path]:
    """Write the atlas under `root`; return the page paths in generation order."""
    rng = random.Random(seed)
    sources = root / "data" / "sources"
    sources.mkdir(parents=True, exist_ok=True)
    for name in ("bench-a", "bench-b"):
        (sources / f"{name}.yaml").write_text(
            f"id: {name}\nurl: https://example.com/{name}\ntitle: Bench source {name}\npublisher: Bench\n"
            "published: 2024-01-01\ntype: blog\naccessed: 2026-11-26\n")
    signals = root / "data" / "signals"
    signals.mkdir(parents=True, exist_ok=True)
    (signals / "bench-errors.yaml").write_text(
        "id: bench-errors\nname: Error rate\nclass: errors\nmeasures: Share of requests that fail, per zone\n"
        "threshold:\n  condition: above 1% for 5 min\n  provenance: suggested\n"
        "  reasoning: A generated benchmark signal; nobody published it\n")
    companies = root / "data" / "companies"
    companies.mkdir(parents=True, exist_ok=True)
    for number in range(COMPANIES):
        slug = f"company{number}"
        (companies / f"{slug}.yaml").write_text(
            f"slug: {slug}\nname: Company {number}\nsummary: A generated company for the site benchmark.\n"
            "sources: [bench-a]\n")
    written: list[Path] = []
    previous: dict[str, str] = {}
    system_pages = min(pages, COMPANIES * len(SYSTEM_KINDS))
    for index in range(pages):
        if index < system_pages:
            company, kind = divmod(index, len(SYSTEM_KINDS))
            category, subject, kind_name, view = "systems", f"company{company}", SYSTEM_KINDS[kind], SYSTEM_KINDS[kind]
        else:
            offset = index - system_pages
            category, kind_name = OTHER[offset % len(OTHER)]
            subject = f"topic{offset // (len(OTHER) * PAGES_PER_SUBJECT)}-{offset % len(OTHER)}"
            view = (GUARANTEE_VIEWS[(offset // len(OTHER)) % len(GUARANTEE_VIEWS)] if kind_name == "guarantee"
                    else f"view{offset}")
        page_id = f"{category}/{subject}/{view}"
        text = make_page(index, subject, rng).replace("kind: KIND\n", f"kind: {kind_name}\n", 1)
        extra = f"tags: [{', '.join(rng.sample(TAGS, 3))}]\n"
        folder = page_id.rpartition("/")[0]
        if folder in previous:
            extra += f"related: [{previous[folder]}]\n"
        text = text.replace("as_of: 2024-01\nsources:", f"{extra}as_of: 2024-01\nsources:", 1)
        previous[folder] = page_id
        path = root / "content" / f"{page_id}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return written


def save_report(name: str, report: dict) -> Path:
    """Write a benchmark's figures to bench/out/<name>.json (git-ignored) for later comparison."""
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{name}.json"
    target.write_text(json.dumps(report, indent=2) + "\n")
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--pages", type=int, default=900)
    args = parser.parse_args()
    build_atlas(args.out, args.pages)
    print(f"wrote {args.pages} pages under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
