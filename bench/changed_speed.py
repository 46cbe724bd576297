"""Benchmark `dsatlas check --changed`: how long finding what to check takes, before any page is parsed.

Generates N pages (default 1,000) citing two sources into a temporary git repository, plus one source
only the first page cites, then times `changed_files` for an edited page (git only), for that rare
source (git, facts files, and a text pre-filter over every page) and for a source every page cites
(every page's front matter parsed: the worst case, where every page must be checked again anyway).

    .venv/bin/python bench/changed_speed.py [--pages 1000]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_speed import build_atlas  # noqa: E402
from site_atlas import save_report  # noqa: E402

from dsatlas.changes import changed_files  # noqa: E402


def timed_targets(root: Path) -> tuple[float, int]:
    start = time.perf_counter()
    targets = changed_files(root, "HEAD")
    return time.perf_counter() - start, len(targets)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="dsatlas-bench-changed-"))
    try:
        build_atlas(workdir, args.pages)
        rare = workdir / "data/sources/bench-rare.yaml"
        rare.write_text((workdir / "data/sources/bench-a.yaml").read_text().replace("bench-a", "bench-rare"))
        first = workdir / "content/mechanisms/gen0/overview.md"
        first.write_text(first.read_text().replace("sources: [bench-a, bench-b]", "sources: [bench-a, bench-rare]"))
        git = ["git", "-c", "user.email=bench@example.com", "-c", "user.name=bench", "-c", "commit.gpgsign=false"]
        for command in (["init", "-q"], ["add", "."], ["commit", "-qm", "bench"]):
            subprocess.run([*git, *command], cwd=workdir, check=True)
        report: dict = {"pages": args.pages}
        for name, path in (("page", first), ("rare_source", rare),
                           ("common_source", workdir / "data/sources/bench-a.yaml")):
            path.write_text(path.read_text() + "\n")
            report[f"{name}_s"], report[f"{name}_targets"] = timed_targets(workdir)
            subprocess.run(["git", "checkout", "-q", "--", "."], cwd=workdir, check=True)
            print(f"{name} edited: {report[f'{name}_s']:7.3f} s -> {report[f'{name}_targets']} file(s) to check")
        saved = save_report("changed_speed", report)
        print(f"saved {saved}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
