"""Gate `planes`: architecture-like diagrams group nodes into Edge, Service, State and Control planes."""

from __future__ import annotations

from ..diagram import PLANE_CLASS, PLANE_COLOURS, PLANES
from ..profiles import when
from .base import PageContext, Rule

_APPLIES = when(lambda prof: prof.planes > 0)
RULES = [
    Rule("ATL201", "planes", "plane subgraphs missing",
         "What: the diagram has subgraphs titled Edge…, Service…, State…, Control… (how many: profile).\n"
         "Why: planes tell an on-call engineer at a glance which layer a failing box belongs to.\n"
         "Example: an architecture flowchart with no subgraphs.\n"
         "Fix: wrap nodes in `subgraph edge[\"Edge Plane\"] … end` and so on.", applies=_APPLIES),
    Rule("ATL202", "planes", "node in a plane lacks that plane's class",
         "What: every node inside a plane subgraph carries edgeStyle/serviceStyle/stateStyle/controlStyle.\n"
         "Why: colour is how the planes read on the rendered page.\n"
         "Example: a node in the State plane with no class.\nFix: `class nodeId stateStyle`.",
         applies=_APPLIES),
    Rule("ATL203", "planes", "plane class colours differ from the design",
         "What: edgeStyle fill #0066CC text #FFFFFF; serviceStyle #00AA00/#000000; stateStyle #FF8800/"
         "#000000; controlStyle #CC0000/#FFFFFF.\n"
         "Why: one colour per plane across 900 pages, each passing WCAG AA contrast.\n"
         "Example: `classDef stateStyle fill:#f80`.\nFix: copy the classDef lines from docs/authoring.md.",
         applies=_APPLIES),
    Rule("ATL204", "planes", "kind needs a flowchart with planes",
         "What: kinds with planes are drawn as flowcharts.\n"
         "Why: only flowcharts have subgraphs to hold the planes.\n"
         "Example: an architecture page drawn as a sequence diagram.\n"
         "Fix: draw a flowchart; put sequences on the request-flow page.", applies=_APPLIES),
]


def check(ctx: PageContext) -> None:
    if ctx.structure is None:  # only kinds with planes reach here (RULES.applies)
        return
    structure = ctx.structure
    if not structure.is_flowchart:
        ctx.at_diagram_line("ATL204", f"{ctx.page.meta.kind.value} pages draw a flowchart with plane "
                            f"subgraphs; this is a {structure.diagram_type} diagram")
        return
    present = set(structure.planes.values())
    missing = [plane for plane in PLANES if plane not in present]
    needed = ctx.profile.planes
    if (needed == 4 and missing) or len(present) < min(needed, 4):
        wanted = "all four planes" if needed == 4 else f"at least {needed} planes"
        ctx.at_diagram_line("ATL201", f"{wanted} needed; missing: {', '.join(missing)} "
                            f"(a subgraph whose title starts with the plane's name)")
    for node in structure.nodes:
        if node.plane and PLANE_CLASS[node.plane] not in node.classes:
            ctx.at_diagram_line("ATL202", f"node {node.id!r} sits in the {node.plane} plane: add "
                                f"`class {node.id} {PLANE_CLASS[node.plane]}`", node.line)
    for plane, (fill, text) in PLANE_COLOURS.items():
        styles = structure.class_styles.get(PLANE_CLASS[plane])
        if styles is None:
            continue
        got_fill, got_text = (styles.get("fill") or "").upper(), (styles.get("color") or "").upper()
        if got_fill != fill or got_text != text:
            ctx.at_diagram_line("ATL203", f"classDef {PLANE_CLASS[plane]} must be fill:{fill},color:{text} "
                                f"(found fill:{got_fill or 'none'},color:{got_text or 'none'})")
