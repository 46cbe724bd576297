"""Gate `layout`: a diagram small enough to read on a phone."""

from __future__ import annotations

from ..profiles import EVERY_DIAGRAM
from .base import PageContext, Rule

MAX_NODES = 50
MAX_EDGES = 80

RULES = [
    Rule("ATL901", "layout", "diagram too large to read",
         f"What: at most {MAX_NODES} nodes and {MAX_EDGES} edges in one diagram.\n"
         "Why: past that, Mermaid's layout turns into a hairball nobody can follow under pressure.\n"
         "Example: a 90-node architecture.\nFix: split it into views (one per plane or per flow).",
         applies=EVERY_DIAGRAM),
]


def check(ctx: PageContext) -> None:
    structure = ctx.structure
    if structure is None or not structure.is_flowchart:
        return
    if len(structure.nodes) > MAX_NODES or len(structure.edges) > MAX_EDGES:
        ctx.at_diagram_line("ATL901", f"{len(structure.nodes)} nodes and {len(structure.edges)} edges; the "
                            f"budget is {MAX_NODES} and {MAX_EDGES}: split the view")
