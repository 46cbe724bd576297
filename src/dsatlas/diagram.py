"""What a diagram contains, from Mermaid's own flowchart database: nodes, edges, planes, colours, labels.

Regexes appear here only for what Mermaid does not model: the numbers inside label text.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field

PLANES = ("edge", "service", "state", "control")
PLANE_CLASS = {plane: f"{plane}Style" for plane in PLANES}
PLANE_COLOURS = {  # fill, text: design §3
    "edge": ("#0066CC", "#FFFFFF"),
    "service": ("#00AA00", "#000000"),
    "state": ("#FF8800", "#000000"),
    "control": ("#CC0000", "#FFFFFF"),
}
DEFAULT_TEXT = "#333333"  # Mermaid's default theme text colour

_UNITS = (
    r"(?:%|ms|µs|us|ns|s(?![a-z])|sec|secs|seconds|min|mins|minutes|h(?![a-z])|hr|hrs|"
    r"hours|d(?![a-z])|days|weeks|months|years|x(?![a-z])|×|[KMGTPE]i?B|[KMGT]b(?:ps|it/s)|bps|"
    r"[KMGT]?Hz|req/s(?:ec)?|rps|qps|QPS|RPS|TPS|ops/s)"
)
# Every pattern here runs on text an author wrote, up to 512 KiB of it: no nested or adjacent unbounded
# quantifiers over the same characters (tests/test_pathological.py). An instance family ("i3en", "u-6tb1")
# is at most 16 characters, which bounds the work per start in a long run like "a1-a1-a1-…".
INSTANCE_TYPE = r"\b[a-z](?=[a-z-]{0,15}\d)[a-z0-9-]{0,15}\.(?:\d*+x?large|metal(?:-\d+xl)?|medium|small|micro|nano)\b"
FIGURE_TOKEN_RE = re.compile(
    r"(?P<instance>" + INSTANCE_TYPE + r")"
    r"|(?P<version>(?<![\w.\-/])v\d+(?:\.\d+)*\b)"
    r"|(?P<number>(?<![\w.\-/])[$€£]?\s?\d+(?:,\d{3})*(?:\.\d+)?"
    r"(?:-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?Z?)?|:\d{2}(?::\d{2})?(?:\s?UTC)?)?"
    r"(?:\s?[KMBTk](?![A-Za-z]))?(?:\s?" + _UNITS + r")?(?:/[A-Za-z]+)?)"
)
# Numbers that name things rather than measure them: HTTP status codes, written with their reason phrase
# ("503 Service Unavailable") or after "HTTP"/"status" ("HTTP 503"), and product names with a space before
# their number ("Route 53"). Masked before figure tokens are read.
NAMING_NUMBER_RE = re.compile(
    r"\bRoute\s53\b"
    r"|\b(?:HTTP|status)\s+[1-5]\d\d\b"
    r"|\b[1-5]\d\d\s+(?:OK|Created|Accepted|No Content|Moved Permanently|Found|Not Modified|Bad Request|"
    r"Unauthorized|Forbidden|Not Found|Conflict|Gone|Too Many Requests|Internal Server Error|Bad Gateway|"
    r"Service Unavailable|Gateway Timeout)\b",
    re.I,
)
_TAG_RE = re.compile(r"</?[A-Za-z][^<>]*>")  # a tag names an element: `<250ms per call>` is text
_DIRECTIVE_RE = re.compile(
    r"^\s*(%%|classDef\s|class\s|style\s|linkStyle\s|accTitle\s*:|accDescr|click\s|dateFormat|axisFormat|"
    r"tickInterval|:::|---|config:|theme:|flowchart|graph\s|sequenceDiagram|stateDiagram|gantt|pie|"
    r"xychart|timeline|mindmap|quadrantChart|erDiagram|classDiagram|journey)"
)
UNSAFE_RE = re.compile(r"<\s*script|javascript\s*:|\bon[a-z]+\s*=", re.I)
# What would make a reader's browser fetch from another site once the SVG is inlined in a page: CSS
# imports and url() (other than #fragments), and elements or attributes that load a resource.
OFFSITE_RE = re.compile(r"@import|url\s*\(\s*['\"]?(?!['\"]?#)|<\s*(?:img|image|iframe|object|embed|link|use|feimage|"
                        r"audio|video|source)\b|\b(?:src|srcset|xlink:href)\s*=", re.I)
CLICK_RE = re.compile(r"^\s*click\s", re.I)
_INIT_DIRECTIVE_RE = re.compile(r"%%\{(.*?)\}%%", re.S)
_DIRECTIVE_KIND_RE = re.compile(r"\s*(\w+)\s*(?::(.*))?\Z", re.S)
_FRONT_MATTER_RE = re.compile(r"\A\s*-{3}[ \t]*\n(.*?)\n-{3}[ \t]*(?:\n|\Z)", re.S)


@dataclass
class ConfigBlock:
    """Mermaid configuration written inside a diagram: an `%%{init: …}%%` directive or front matter."""

    line: int  # 1-based line inside the diagram where it starts
    where: str  # "%%{init}%%" or "front matter"
    config: dict | None  # None when it cannot be read (then `problem` says why)
    problem: str = ""
    lines: list[str] = field(default_factory=list)  # its text, to locate each key


def config_blocks(text: str) -> list[ConfigBlock]:
    """Every piece of configuration a diagram sets for itself, read as Mermaid reads it.

    Directives are JSON after single quotes become double (Mermaid's own rule); front matter is YAML
    whose `config:` key is the configuration.
    """
    import json

    import yaml

    blocks: list[ConfigBlock] = []
    front = _FRONT_MATTER_RE.match(text)
    if front:
        line = text[: front.start(1)].count("\n")
        block = ConfigBlock(line, "front matter", None, lines=front.group(1).split("\n"))
        try:
            data = yaml.safe_load(front.group(1)) or {}
        except yaml.YAMLError as err:
            block.problem = f"the diagram's front matter is not valid YAML ({str(err).splitlines()[0]})"
        else:
            extra = sorted(set(data) - {"title", "displayMode", "config"}) if isinstance(data, dict) else []
            if not isinstance(data, dict) or not isinstance(data.get("config") or {}, dict):
                block.problem = "the diagram's front matter must be a mapping: title, and config: {…}"
            elif extra:
                block.problem = f"front matter key {extra[0]!r} is not one Mermaid reads: use title or config"
            else:
                block.config = data.get("config") or {}
        blocks.append(block)
    for match in _INIT_DIRECTIVE_RE.finditer(text):
        line = text[: match.start()].count("\n") + 1
        block = ConfigBlock(line, "%%{init}%%", None, lines=match.group(1).split("\n"))
        kind = _DIRECTIVE_KIND_RE.match(match.group(1))
        name = kind.group(1).lower() if kind else ""
        if name == "wrap" and not (kind.group(2) or "").strip():
            block.config = {}
        elif name not in ("init", "initialize"):
            block.problem = (f"directive %%{{{name or '…'}}}%% is not one dsatlas allows: use %%{{init: {{…}}}}%% "
                             "with the keys listed in docs/authoring.md")
        else:
            try:
                block.config = json.loads((kind.group(2) or "").strip().replace("'", '"'))
            except ValueError:
                block.problem = ("this %%{init}%% directive is not valid JSON: write it as "
                                 '%%{init: {"theme": "dark"}}%%')
            else:
                if not isinstance(block.config, dict):
                    block.config, block.problem = None, "%%{init}%% takes a JSON object: %%{init: {…}}%%"
        blocks.append(block)
    return blocks


def plain_text(label: str) -> str:
    """Label text as a reader sees it: tags become spaces, entities decoded, markdown quotes dropped."""
    text = _TAG_RE.sub(" ", label)
    text = html.unescape(text).replace("`", "")
    return " ".join(text.split())


@dataclass
class Label:
    text: str  # plain text
    where: str  # "node cdn", "edge a→b", "subgraph edge", "line 4"
    line: int  # 1-based line inside the diagram where the label's owner is defined (best effort)


@dataclass
class Node:
    id: str
    text: str
    classes: list[str]
    fill: str | None
    color: str | None
    plane: str | None  # the plane subgraph it sits in, if any
    line: int


@dataclass
class Structure:
    diagram_type: str
    nodes: list[Node] = field(default_factory=list)
    edges: list[tuple[str, str, str]] = field(default_factory=list)
    subgraphs: list[dict] = field(default_factory=list)
    planes: dict[str, str] = field(default_factory=dict)  # subgraph id → plane
    class_styles: dict[str, dict[str, str]] = field(default_factory=dict)
    style_pairs: list[tuple[str, str, str, int]] = field(default_factory=list)  # (where, fill, text, line)
    labels: list[Label] = field(default_factory=list)
    acc_title: str = ""
    acc_descr: str = ""

    @property
    def is_flowchart(self) -> bool:
        return self.diagram_type.startswith("flowchart") or self.diagram_type == "graph"

    def fingerprint(self) -> str | None:
        """The diagram's shape with every label and id stripped; None when too small to compare."""
        if not self.is_flowchart or len(self.nodes) < 5:
            return None
        order = {node.id: index for index, node in enumerate(self.nodes)}
        parent = _parents(self.subgraphs)
        shape = [
            sorted((order.get(a, -1), order.get(b, -1)) for a, b, _ in self.edges),
            sorted((order[node.id], _depth(node.id, parent)) for node in self.nodes),
        ]
        return hashlib.sha256(repr(shape).encode()).hexdigest()[:16]


def _parents(subgraphs: list[dict]) -> dict[str, str]:
    parent: dict[str, str] = {}
    for sub in subgraphs:
        for child in sub["nodes"]:
            parent.setdefault(child, sub["id"])
    return parent


def _depth(item: str, parent: dict[str, str]) -> int:
    depth = 0
    seen = set()
    while item in parent and item not in seen:
        seen.add(item)
        item = parent[item]
        depth += 1
    return depth


def plane_of_title(sub_id: str, title: str) -> str | None:
    for text in (title, sub_id):
        words = re.findall(r"[a-z]+", text.lower())
        if words and words[0] in PLANES:
            return words[0]
    return None


def _style_map(styles: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for style in styles:
        for part in str(style).split(","):
            if ":" in part:
                key, value = part.split(":", 1)
                out[key.strip().lower()] = value.strip().rstrip(";").removesuffix("!important").strip()
    return out


def _definition_lines(text: str) -> dict[str, int]:
    """First line on which each identifier appears: findings on a node point there."""
    first: dict[str, int] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        for token in re.findall(r"[A-Za-z_][\w-]*", line):
            first.setdefault(token, number)
    return first


def build_structure(diagram_type: str, raw: dict, text: str) -> Structure:
    """Turn Mermaid's parse result (see engine.py) into a Structure the gates can read."""
    structure = Structure(
        diagram_type=diagram_type,
        acc_title=raw.get("accTitle", "") or "",
        acc_descr=raw.get("accDescr", "") or "",
    )
    if "vertices" not in raw:
        _labels_from_lines(structure, text)
        return structure
    lines = _definition_lines(text)
    structure.class_styles = {name: _style_map(styles) for name, styles in raw.get("classes", {}).items()}
    structure.subgraphs = raw.get("subgraphs", [])
    parent = _parents(structure.subgraphs)
    for sub in structure.subgraphs:
        plane = plane_of_title(sub["id"], sub["title"])
        if plane:
            structure.planes[sub["id"]] = plane
        if sub["title"]:
            structure.labels.append(Label(plain_text(sub["title"]), f"subgraph {sub['id']}",
                                          lines.get(sub["id"], 1)))

    def plane_for(item: str) -> str | None:
        seen = set()
        while item in parent and item not in seen:
            seen.add(item)
            item = parent[item]
            if item in structure.planes:
                return structure.planes[item]
        return None

    for vertex in raw["vertices"]:
        merged: dict[str, str] = {}
        for name in vertex["classes"]:
            merged.update(structure.class_styles.get(name, {}))
        merged.update(_style_map(vertex["styles"]))
        node = Node(
            id=vertex["id"],
            text=plain_text(vertex["text"]),
            classes=list(vertex["classes"]),
            fill=merged.get("fill"),
            color=merged.get("color"),
            plane=plane_for(vertex["id"]),
            line=lines.get(vertex["id"], 1),
        )
        structure.nodes.append(node)
        structure.labels.append(Label(node.text, f"node {node.id}", node.line))
        if vertex["styles"]:
            own = _style_map(vertex["styles"])
            if "fill" in own or "color" in own:
                structure.style_pairs.append(
                    (f"style {node.id}", merged.get("fill", "#ECECFF"), merged.get("color", DEFAULT_TEXT),
                     node.line)
                )
    for name, styles in structure.class_styles.items():
        if "fill" in styles or "color" in styles:
            structure.style_pairs.append(
                (f"classDef {name}", styles.get("fill", "#ECECFF"), styles.get("color", DEFAULT_TEXT),
                 lines.get(name, 1))
            )
    for edge in raw["edges"]:
        structure.edges.append((edge["start"], edge["end"], plain_text(edge["text"])))
        if edge["text"]:
            structure.labels.append(
                Label(plain_text(edge["text"]), f"edge {edge['start']}→{edge['end']}", lines.get(edge["start"], 1))
            )
    return structure


def _labels_from_lines(structure: Structure, text: str) -> None:
    """Non-flowchart diagrams: every text line less directives is label text."""
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip() or _DIRECTIVE_RE.match(line):
            continue
        structure.labels.append(Label(plain_text(line), f"line {number}", number))


def figure_tokens(text: str) -> list[tuple[int, int, str]]:
    """Spans of every figure token (number with unit, instance type, version) in plain label text."""
    out = []
    text = NAMING_NUMBER_RE.sub(lambda m: " " * len(m.group(0)), text)
    for match in FIGURE_TOKEN_RE.finditer(text):
        token = match.group(0).strip()
        if token:
            start = match.start() + (len(match.group(0)) - len(match.group(0).lstrip()))
            out.append((start, start + len(token), token))
    return out


def uncovered_tokens(text: str, declared: list[str]) -> list[str]:
    """Figure tokens in `text` that no declared label (plain text, found verbatim in `text`) covers."""
    tokens = figure_tokens(text)
    if not tokens:
        return []
    covered: list[tuple[int, int]] = []
    for needle in declared:
        if not needle:
            continue
        start = text.find(needle)
        while start != -1:
            covered.append((start, start + len(needle)))
            start = text.find(needle, start + 1)
    missing = []
    for start, end, token in tokens:
        if not any(a <= start and end <= b for a, b in covered):
            missing.append(token)
    return missing


def relative_luminance(hex_colour: str) -> float | None:
    value = hex_colour.strip().lstrip("#")
    if len(value) == 3:
        value = "".join(ch * 2 for ch in value)
    if not re.fullmatch(r"[0-9a-fA-F]{6}", value):
        return None
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(fill: str, text: str) -> float | None:
    a, b = relative_luminance(fill), relative_luminance(text)
    if a is None or b is None:
        return None
    light, dark = max(a, b), min(a, b)
    return (light + 0.05) / (dark + 0.05)
