"""The check cache: one SQLite file under .dsatlas-cache/, keyed by content hashes.

Two tables: Mermaid parse results by diagram text (survive any front-matter edit) and whole-page
summaries by page bytes + data digest + tool versions (a warm run parses and validates nothing).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

CACHE_DIR = ".dsatlas-cache"


class Cache:
    def __init__(self, root: Path):
        folder = root / CACHE_DIR
        try:
            folder.mkdir(exist_ok=True)
            self._db = sqlite3.connect(folder / "check.sqlite", timeout=30)
            self._db.execute("CREATE TABLE IF NOT EXISTS page (key TEXT PRIMARY KEY, value TEXT)")
            self._db.execute("CREATE TABLE IF NOT EXISTS parse (key TEXT PRIMARY KEY, value TEXT)")
        except (OSError, sqlite3.Error):
            self._db = None  # a read-only checkout still checks, just without a cache

    def get_pages(self, keys: list[str]) -> dict[str, str]:
        if self._db is None or not keys:
            return {}
        found: dict[str, str] = {}
        for start in range(0, len(keys), 500):
            batch = keys[start : start + 500]
            marks = ",".join("?" * len(batch))
            found.update(self._db.execute(f"SELECT key, value FROM page WHERE key IN ({marks})", batch))
        return found

    def all_parses(self) -> dict[str, dict]:
        if self._db is None:
            return {}
        return {key: json.loads(value) for key, value in self._db.execute("SELECT key, value FROM parse")}

    def put(self, pages: dict[str, str], parses: dict[str, dict]) -> None:
        if self._db is None:
            return
        try:
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO page VALUES (?, ?)", pages.items())
                self._db.executemany("INSERT OR REPLACE INTO parse VALUES (?, ?)",
                                     ((key, json.dumps(value)) for key, value in parses.items()))
        except sqlite3.Error:
            pass

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
