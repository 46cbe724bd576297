"""The atlas as folders of pages: the single source of the navigation, the index pages and breadcrumbs.

Built from the content paths and the facts in data/, never from a hand-kept list, so a new page
appears in the navigation the moment it exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..loader import Data
from ..model import Kind
from ..profiles import PROFILES
from .catalog import SitePage
from .markup import titleize

ATLAS_TITLE = "Distributed Systems Atlas"
CATEGORY_ORDER = list(dict.fromkeys(profile.category for profile in PROFILES.values()))
KIND_ORDER = {kind: index for index, kind in enumerate(Kind)}


@dataclass
class Folder:
    path: str  # "" for the atlas root, then "systems", "systems/netflix", …
    title: str
    summary: str = ""
    date: str = ""  # incidents: when it happened, for ordering and cards
    pages: list[SitePage] = field(default_factory=list)
    folders: list[Folder] = field(default_factory=list)

    def walk(self):
        yield self
        for child in self.folders:
            yield from child.walk()

    def page_count(self) -> int:
        return len(self.pages) + sum(child.page_count() for child in self.folders)


def build_tree(pages: list[SitePage], data: Data) -> Folder:
    root = Folder("", ATLAS_TITLE, "Production architectures, failures and the numbers behind them, "
                  "every figure sourced.")
    folders = {"": root}
    for page in pages:
        _folder(page.folder, folders, data).pages.append(page)
    for folder in folders.values():
        folder.pages.sort(key=lambda page: (KIND_ORDER.get(page.meta.kind, 99), page.meta.title.lower(), page.id))
        folder.folders.sort(key=_folder_order)
    return root


def _folder(path: str, folders: dict[str, Folder], data: Data) -> Folder:
    if path in folders:
        return folders[path]
    parent_path, _, slug = path.rpartition("/")
    parent = _folder(parent_path, folders, data)
    folder = Folder(path, titleize(slug))
    if parent.path == "systems" and slug in data.companies:
        company = data.companies[slug]
        folder.title, folder.summary = company.name, company.summary
    elif parent.path == "incidents" and slug in data.incidents:
        incident = data.incidents[slug]
        folder.title, folder.summary, folder.date = incident.title, incident.impact.summary, incident.date
    parent.folders.append(folder)
    folders[path] = folder
    return folder


def _folder_order(folder: Folder) -> tuple:
    depth = folder.path.count("/")
    if depth == 0:  # categories in the order of the plan, unknown ones after
        slug = folder.path
        return (CATEGORY_ORDER.index(slug) if slug in CATEGORY_ORDER else len(CATEGORY_ORDER), slug)
    if folder.date:  # incidents: newest first
        return (0, _negated(folder.date), folder.title.lower())
    return (1, "", folder.title.lower())


def _negated(date: str) -> str:
    return "".join(chr(ord("9") - ord(char) + ord("0")) if char.isdigit() else char for char in date)


def short_title(page: SitePage, folder: Folder) -> str:
    """The page title without its folder's name: `Netflix — Storage` under Netflix reads `Storage`."""
    title = page.meta.title
    prefix = re.match(rf"\s*{re.escape(folder.title)}\s*(?:—|–|-|:)\s*(.+)$", title, re.IGNORECASE)
    return prefix.group(1) if prefix else title


def ancestors(tree: Folder, path: str) -> list[Folder]:
    """The folders from the root down to `path` (inclusive)."""
    chain = [tree]
    node = tree
    parts = path.split("/") if path else []
    for depth in range(1, len(parts) + 1):
        wanted = "/".join(parts[:depth])
        node = next(child for child in node.folders if child.path == wanted)
        chain.append(node)
    return chain
