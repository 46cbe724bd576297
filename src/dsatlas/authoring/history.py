"""When each page first landed, from git history: the raw material of velocity.

A page counts in the week its first version was committed (`git log --diff-filter=A`); a page that
was later moved keeps its original date (renames are followed). Commit dates are committer dates
("landed", not "written") in UTC. Pages that no longer exist do not count.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from ..loader import CONTENT_DIR

RECORD = "\x1e"  # separates commits in the log output


class HistoryUnavailable(Exception):
    """No git, or the atlas is not inside a git work tree."""


def first_landings(root: Path) -> dict[str, dt.date]:
    """'content/…/page.md' → the UTC date of the commit that first added it (renames followed)."""
    command = ["git", "-C", str(root), "log", "--reverse", "--diff-filter=AR", "-M", "--name-status",
               f"--format={RECORD}%cI", "--relative", "--", CONTENT_DIR]
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as err:
        raise HistoryUnavailable(f"git is not available: {err}") from None
    if result.returncode != 0:
        message = result.stderr.strip().splitlines()
        raise HistoryUnavailable(message[0] if message else "git log failed")
    landed: dict[str, dt.date] = {}
    for chunk in result.stdout.split(RECORD)[1:]:
        lines = chunk.strip("\n").split("\n")
        when = dt.datetime.fromisoformat(lines[0].strip()).astimezone(dt.UTC).date()
        for line in lines[1:]:
            parts = line.split("\t")
            if parts[0].startswith("A") and len(parts) == 2:
                landed.setdefault(parts[1], when)
            elif parts[0].startswith("R") and len(parts) == 3:
                landed.setdefault(parts[2], landed.get(parts[1], when))
    return {path: day for path, day in landed.items()
            if path.endswith(".md") and (root / path).is_file()}
