"""Benchmark the one Markdown parse: `parse_body` per page, and the hostile inputs that used to hang.

Parses the bodies of N generated pages (default 1,000, as bench/check_speed.py writes them) and of the
fixture atlas, and reports milliseconds per page. Then times the patterns and the parse on the hostile
inputs of tests/test_pathological.py, where the tests only ask that they finish.

    .venv/bin/python bench/markdown_speed.py [--pages 1000]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_speed import make_page  # noqa: E402
from site_atlas import save_report  # noqa: E402

from dsatlas.diagram import _TAG_RE, FIGURE_TOKEN_RE  # noqa: E402
from dsatlas.gates.hardware import SPECIFIC_RE  # noqa: E402
from dsatlas.gates.placeholders import PLACEHOLDER_RE  # noqa: E402
from dsatlas.markdown import parse_body, split_front_matter  # noqa: E402

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "atlas" / "content"
HOSTILE = {  # name → (what reads it, text)
    "heading then 4,000 spaces": (None, "# a" + " " * 4000 + "b"),
    "400 KB of [": (None, "[" * 400_000),
    "400 KB of [ then ](x)": (None, "[" * 400_000 + "](x)"),
    "400 KB of {{": (PLACEHOLDER_RE, "{{" * 200_000),
    "50 KB label of a1-": (FIGURE_TOKEN_RE, "a1-" * 16_000),
    "50 KB label of a- (versions)": (SPECIFIC_RE, "a-" * 25_000 + " x"),
    "50 KB label of <": (_TAG_RE, "<" * 50_000),
}


def per_page_ms(bodies: list[tuple[str, int]], repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        for body, line in bodies:
            parse_body(body, line)
    return (time.perf_counter() - start) * 1000 / (repeat * len(bodies))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    args = parser.parse_args()
    rng = random.Random(7)
    generated = [split_front_matter(make_page(index, rng)) for index in range(args.pages)]
    fixtures = [split_front_matter(path.read_text()) for path in sorted(FIXTURES.rglob("*.md"))]
    report: dict = {"pages": args.pages}
    for name, splits, repeat in (("generated", generated, 1), ("fixture", fixtures, 50)):
        bodies = [(split.body, split.body_line) for split in splits]
        report[f"{name}_ms_per_page"] = per_page_ms(bodies, repeat)
        size = sum(len(body) for body, _ in bodies) // len(bodies)
        print(f"parse_body, {name} pages ({size} characters on average): {report[f'{name}_ms_per_page']:.2f} ms/page")
    for name, (pattern, text) in HOSTILE.items():
        start = time.perf_counter()
        if pattern is None:
            parse_body(text, 1)
        else:
            list(pattern.finditer(text))
        report[name] = time.perf_counter() - start
        print(f"{name:32} {report[name]:.3f} s ({'parse_body' if pattern is None else 'pattern'})")
    print(f"saved {save_report('markdown_speed', report)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
