"""Benchmark the store (`dsatlas.store`) at the atlas's scale, against bare SQLite doing the same work.

Rows like a warm 900-page atlas: page summaries (~1.5 KB of JSON), Mermaid parses (~8 KB) and SVGs
(~40 KB). Times: open, write everything, read everything back decoded. The bare-SQLite baseline is what
the four caches did before the store (rollback journal, no checksum), so the difference is the price
of WAL, the CRC-32 per row and the damage checks.

    .venv/bin/python bench/store_speed.py [--pages 900] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import string
import tempfile
import time
from pathlib import Path

from dsatlas.store import Store, cache_key


def rows(pages: int) -> dict[str, dict[str, bytes]]:
    rng = random.Random(7)

    def text(size: int) -> str:
        return "".join(rng.choices(string.ascii_letters + " ", k=size))

    return {
        "pages": {cache_key("page", str(i)): json.dumps({"path": f"content/p{i}.md", "body": text(1500)}).encode()
                  for i in range(pages)},
        "parses": {cache_key("parse", str(i)): json.dumps({"ok": True, "structure": text(8000)}).encode()
                   for i in range(pages)},
        "render": {cache_key("render", str(i)): f"<svg>{text(40000)}</svg>".encode() for i in range(pages)},
    }


def with_store(root: Path, data: dict[str, dict[str, bytes]]) -> tuple[float, float, float]:
    started = time.perf_counter()
    with Store(root) as store:
        opened = time.perf_counter()
        for table, values in data.items():
            store.put(table, values)
    written = time.perf_counter()
    with Store(root) as store:
        store.get("pages", data["pages"], json.loads)
        store.all("parses", json.loads)
        store.get("render", data["render"], bytes.decode)
    read = time.perf_counter()
    return opened - started, written - opened, read - written


def bare(root: Path, data: dict[str, dict[str, bytes]]) -> tuple[float, float, float]:
    path = root / "bare.sqlite"
    started = time.perf_counter()
    db = sqlite3.connect(path, timeout=30)
    for table in data:
        db.execute(f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, value BLOB)")
    opened = time.perf_counter()
    for table, values in data.items():
        with db:
            db.executemany(f"INSERT OR REPLACE INTO {table} VALUES (?, ?)", values.items())
    db.close()
    written = time.perf_counter()
    db = sqlite3.connect(path, timeout=30)
    for table, decode in (("pages", json.loads), ("parses", json.loads), ("render", bytes.decode)):
        keys = list(data[table])
        for start in range(0, len(keys), 500):
            batch = keys[start : start + 500]
            marks = ",".join("?" * len(batch))
            for _, value in db.execute(f"SELECT key, value FROM {table} WHERE key IN ({marks})", batch):
                decode(value)
    db.close()
    read = time.perf_counter()
    return opened - started, written - opened, read - written


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=900)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    data = rows(args.pages)
    size = sum(len(value) for values in data.values() for value in values.values())
    print(f"{args.pages} pages: {sum(len(v) for v in data.values())} rows, {size / 1e6:.1f} MB")
    for name, run in (("store", with_store), ("bare sqlite", bare)):
        best = None
        for _ in range(args.rounds):
            with tempfile.TemporaryDirectory() as folder:
                times = run(Path(folder), data)
            best = times if best is None else tuple(min(a, b) for a, b in zip(best, times, strict=True))
        print(f"{name:12} open {best[0] * 1000:6.1f} ms   write {best[1] * 1000:7.1f} ms   "
              f"read+decode {best[2] * 1000:7.1f} ms   (best of {args.rounds})")


if __name__ == "__main__":
    main()
