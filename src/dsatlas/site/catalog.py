"""Load, for the site: every content page with what the site draws from it (front matter, diagram,
the 3 AM symptoms), reusing unchanged pages between rebuilds so `dsatlas serve` reloads one file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..loader import CONTENT_DIR, discover, load_page
from ..markdown import Fence, section_table
from ..model import PageMeta

THREE_AM_HEADING = "What breaks at 3 AM"


@dataclass(frozen=True)
class Symptom:
    text: str
    detection: str
    line: int


@dataclass
class SitePage:
    id: str  # systems/netflix/storage
    path: str  # content/systems/netflix/storage.md, for messages
    meta: PageMeta
    body: str
    body_line: int
    diagram: Fence | None
    symptoms: list[Symptom] = field(default_factory=list)

    @property
    def folder(self) -> str:
        return self.id.rpartition("/")[0]


@dataclass
class Unloadable:
    """A content file the site cannot place (front matter missing or invalid): check says why."""

    id: str
    path: str


def symptoms_of(body: str, body_line: int) -> list[Symptom]:
    """The Symptom and Detection cells of the page's 3 AM table, in order."""
    _, table = section_table(body, body_line, THREE_AM_HEADING)
    if table is None:
        return []
    header = [cell.lower() for cell in table.header]
    if "symptom" not in header:
        return []
    symptom_at = header.index("symptom")
    detection_at = header.index("detection") if "detection" in header else None
    found = []
    for line, cells in table.rows:
        if symptom_at < len(cells) and cells[symptom_at]:
            detection = cells[detection_at] if detection_at is not None and detection_at < len(cells) else ""
            found.append(Symptom(cells[symptom_at], detection, line))
    return found


class PageCatalog:
    """All pages under content/, each reloaded only when its size or modification time changes."""

    def __init__(self, root: Path):
        self.root = root
        self._cache: dict[Path, tuple[tuple[int, int], SitePage | Unloadable]] = {}

    def load(self) -> tuple[list[SitePage], list[Unloadable]]:
        content = self.root / CONTENT_DIR
        files = [path for path in discover([content]) if path.suffix == ".md"] if content.is_dir() else []
        pages: list[SitePage] = []
        broken: list[Unloadable] = []
        fresh: dict[Path, tuple[tuple[int, int], SitePage | Unloadable]] = {}
        for path in files:
            try:
                stat = path.stat()
            except OSError:
                continue
            stamp = (stat.st_mtime_ns, stat.st_size)
            cached = self._cache.get(path)
            item = cached[1] if cached and cached[0] == stamp else self._load(path)
            fresh[path] = (stamp, item)
            (pages if isinstance(item, SitePage) else broken).append(item)
        self._cache = fresh
        return pages, broken

    def _load(self, path: Path) -> SitePage | Unloadable:
        page = load_page(path, self.root)
        page_id = page.id or path.stem
        if page.meta is None:
            return Unloadable(page_id, page.path)
        return SitePage(id=page_id, path=page.path, meta=page.meta, body=page.body, body_line=page.body_line,
                        diagram=page.diagram, symptoms=symptoms_of(page.body, page.body_line))
