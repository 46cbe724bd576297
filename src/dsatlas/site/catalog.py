"""Load, for the site: every content page with what the site draws from it (front matter, diagram).

Parsing 900 pages' front matter takes ~3 s, so loaded pages are kept twice: in memory, by size and
modification time (`dsatlas serve` reloads only the edited file), and in `.dsatlas-cache/site.sqlite`
by content hash and dsatlas's code digest (a warm `dsatlas build` parses nothing).
"""

from __future__ import annotations

import hashlib
import pickle
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ..cache import CACHE_DIR
from ..check import code_digest
from ..loader import CONTENT_DIR, discover, load_page
from ..markdown import Fence
from ..model import PageMeta


@dataclass
class SitePage:
    id: str  # systems/netflix/storage
    path: str  # content/systems/netflix/storage.md, for messages
    meta: PageMeta
    body: str
    body_line: int
    diagram: Fence | None

    @property
    def folder(self) -> str:
        return self.id.rpartition("/")[0]


@dataclass
class Unloadable:
    """A content file the site cannot place (front matter missing or invalid): check says why."""

    id: str
    path: str


class PageCatalog:
    """All pages under content/, each parsed again only when its bytes change."""

    def __init__(self, root: Path, use_cache: bool = True):
        self.root = root
        self.use_cache = use_cache
        self._memory: dict[Path, tuple[tuple[int, int], SitePage | Unloadable]] = {}

    def load(self) -> tuple[list[SitePage], list[Unloadable]]:
        content = self.root / CONTENT_DIR
        files = [path for path in discover([content]) if path.suffix == ".md"] if content.is_dir() else []
        items: dict[Path, SitePage | Unloadable] = {}
        stamps: dict[Path, tuple[int, int]] = {}
        unknown: list[Path] = []
        for path in files:
            try:
                stat = path.stat()
            except OSError:
                continue
            stamps[path] = (stat.st_mtime_ns, stat.st_size)
            cached = self._memory.get(path)
            if cached and cached[0] == stamps[path]:
                items[path] = cached[1]
            else:
                unknown.append(path)
        if unknown:
            items.update(self._load_unknown(unknown))
        self._memory = {path: (stamps[path], items[path]) for path in items}
        ordered = [items[path] for path in files if path in items]
        return ([item for item in ordered if isinstance(item, SitePage)],
                [item for item in ordered if isinstance(item, Unloadable)])

    def _load_unknown(self, paths: list[Path]) -> dict[Path, SitePage | Unloadable]:
        """Pages not in memory: from the disk cache when their bytes are known, else parsed."""
        keys: dict[Path, str] = {}
        for path in paths:
            try:
                keys[path] = self._key(path, path.read_bytes())
            except OSError:
                continue
        db = self._open() if self.use_cache else None
        stored: dict[str, bytes] = {}
        if db is not None:
            wanted = list(keys.values())
            for start in range(0, len(wanted), 500):
                batch = wanted[start : start + 500]
                marks = ",".join("?" * len(batch))
                stored.update(db.execute(f"SELECT key, page FROM page WHERE key IN ({marks})", batch))
        found: dict[Path, SitePage | Unloadable] = {}
        fresh: dict[str, bytes] = {}
        for path, key in keys.items():
            if key in stored:
                found[path] = pickle.loads(stored[key])
            else:
                found[path] = self._load(path)
                fresh[key] = pickle.dumps(found[path])
        if db is not None:
            try:
                with db:
                    db.executemany("INSERT OR REPLACE INTO page VALUES (?, ?)", fresh.items())
            except sqlite3.Error:
                pass
            db.close()
        return found

    def _key(self, path: Path, content: bytes) -> str:
        digest = hashlib.sha256(f"site-page\0{code_digest()}\0{path.resolve()}\0".encode())
        digest.update(content)
        return digest.hexdigest()

    def _open(self) -> sqlite3.Connection | None:
        try:
            folder = self.root / CACHE_DIR
            folder.mkdir(exist_ok=True)
            db = sqlite3.connect(folder / "site.sqlite", timeout=30)
            db.execute("CREATE TABLE IF NOT EXISTS page (key TEXT PRIMARY KEY, page BLOB)")
            return db
        except (OSError, sqlite3.Error):
            return None  # a read-only checkout still builds, just without a cache

    def _load(self, path: Path) -> SitePage | Unloadable:
        page = load_page(path, self.root)
        page_id = page.id or path.stem
        if page.meta is None:
            return Unloadable(page_id, page.path)
        return SitePage(id=page_id, path=page.path, meta=page.meta, body=page.body, body_line=page.body_line,
                        diagram=page.diagram)
