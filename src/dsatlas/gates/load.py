"""Codes the loader emits while reading files (no check of its own): a file that does not load."""

from __future__ import annotations

from ..profiles import EVERY_DIAGRAM
from .base import Rule

_LOAD = {"applies": EVERY_DIAGRAM, "waivable": False}  # before front matter exists, nothing can waive

RULES = [
    Rule("ATL000", "internal", "dsatlas failed on this file",
         "What: a bug in dsatlas while checking the file; the rest of the run goes on.\n"
         "Why: one broken gate must not hide every other page's findings.\n"
         "Example: a gate raising on an input nobody foresaw.\n"
         "Fix: report it with the file attached; the message names the error.", quality=False, **_LOAD),
    Rule("ATL001", "load", "file is unreadable, binary, empty or too large",
         "What: the file must be non-empty UTF-8 text under 512 KiB.\n"
         "Why: a page nobody can open is a page missing at 3 AM; huge files hide junk.\n"
         "Example: a PNG saved as page.md.\nFix: save as UTF-8 text, or split the page.", **_LOAD),
    Rule("ATL002", "load", "front matter is missing or not closed",
         "What: a page starts with '---', its YAML keys, and a closing '---'.\n"
         "Why: titles, figures and sources live there; without them nothing is traceable.\n"
         "Example: a page that starts with '# Title'.\nFix: add the front matter block (docs/authoring.md).",
         **_LOAD),
    Rule("ATL003", "load", "YAML syntax error",
         "What: front matter and data records must be valid YAML.\n"
         "Why: a broken record silently drops its facts.\n"
         "Example: 'title: a: b'.\nFix: quote values that contain ': ' or start with special characters.",
         **_LOAD),
    Rule("ATL004", "load", "schema error: unknown key, wrong type, bad date, unknown kind, unsafe slug",
         "What: keys and values follow the content model (`dsatlas schema`).\n"
         "Why: a misspelt key (`figuers`) would otherwise pass silently and hide unsourced numbers.\n"
         "Example: 'as_of: May 2024'.\nFix: use the key names and formats in docs/authoring.md.", **_LOAD),
    Rule("ATL005", "load", "no single, closed mermaid block",
         "What: exactly one closed ```mermaid fence per page.\n"
         "Why: one page, one diagram keeps each view small and reviewable.\n"
         "Example: a page with two diagrams.\nFix: split the second view into its own page.", **_LOAD),
    Rule("ATL008", "load", "a folder cannot be read",
         "What: every folder under content/ and data/ must be listable by the user running dsatlas.\n"
         "Why: pages in a folder nobody can read would silently drop out of the check and the site.\n"
         "Example: content/systems/netflix/ with mode 0000, or owned by another user.\n"
         "Fix: `chmod u+rx` the folder (or run as its owner), or delete it if it does not belong to the atlas.",
         **_LOAD),
    Rule("ATL009", "load", "duplicate key in front matter, a data record or the plan",
         "What: a key appears twice in the same YAML mapping.\n"
         "Why: YAML keeps only the last value, so the first one (often the sourced one) vanishes silently.\n"
         "Example: two `sources:` lists in one page's front matter.\n"
         "Fix: keep one key and merge the two values into it.", **_LOAD),
]
