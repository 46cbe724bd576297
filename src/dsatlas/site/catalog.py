"""Load, for the site: every content page with what the site draws from it (front matter, diagram, its
parsed body; the 3 AM rows are front matter, `failure_modes`).

Parsing 900 pages' front matter takes ~3 s, so loaded pages are kept twice: in memory, by size and
modification time (`dsatlas serve` reloads only the edited file), and in the store's `catalog` table
by content hash and dsatlas's code digest (a warm `dsatlas build` parses nothing).
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path

from ..loader import CONTENT_DIR, FileRefused, discover, load_page, read_capped
from ..markdown import Document, Fence
from ..model import PageMeta
from ..store import Store, cache_key, code_digest, load_values


@dataclass
class SitePage:
    id: str  # systems/netflix/storage
    path: str  # content/systems/netflix/storage.md, for messages
    meta: PageMeta
    body: str
    body_line: int
    diagram: Fence | None
    document: Document  # the body, parsed once by the loader

    @property
    def folder(self) -> str:
        return self.id.rpartition("/")[0]


@dataclass
class Unloadable:
    """A content file the site cannot place (front matter missing or invalid): check says why."""

    id: str
    path: str


def _decode_page(raw: bytes) -> SitePage | Unloadable:
    """A cached page, only if it unpickles to one (the store drops a row this refuses)."""
    page = load_values(raw)
    if not isinstance(page, SitePage | Unloadable):
        raise TypeError(f"a cached catalog row holds a {type(page).__name__}")
    return page


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
                keys[path] = self._key(path, read_capped(path))
            except (OSError, FileRefused):
                continue  # `dsatlas check` (run first) reports it
        store = Store(self.root) if self.use_cache else None
        stored = store.get("catalog", keys.values(), _decode_page) if store else {}
        found: dict[Path, SitePage | Unloadable] = {}
        fresh: dict[str, bytes] = {}
        for path, key in keys.items():
            if key in stored:
                found[path] = stored[key]
            else:
                found[path] = self._load(path)
                fresh[key] = pickle.dumps(found[path])
        if store:
            store.put("catalog", fresh)
            store.close()
        return found

    def _key(self, path: Path, content: bytes) -> str:
        return cache_key("site-page", code_digest(), str(path.resolve()), content)

    def _load(self, path: Path) -> SitePage | Unloadable:
        page = load_page(path, self.root)
        page_id = page.id or path.stem
        if page.meta is None:
            return Unloadable(page_id, page.path)
        return SitePage(id=page_id, path=page.path, meta=page.meta, body=page.body, body_line=page.body_line,
                        diagram=page.diagram, document=page.document)
